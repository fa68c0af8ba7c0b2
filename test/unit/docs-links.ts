// Reading markdown the way the link test needs: headings to anchors (GitHub's rule) and the
// relative links of a file. Code blocks and inline code hold neither.

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function withoutCode(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Every anchor a markdown text offers; a repeated heading gets -1, -2, … */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const noBlocks = text.replace(/^```[\s\S]*?^```/gm, '');
  for (const m of noBlocks.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slugOf(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The relative link targets of a markdown text (web and mail links left out). */
export function linksOf(text: string): string[] {
  const plain = withoutCode(text);
  return [...plain.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?: "[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

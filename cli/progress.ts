// Progress for long work (seeding, replay, status --watch): one line on stderr, rewritten in
// place, and only on a terminal. Piped or redirected, it says nothing, so scripts see only the
// results on stdout.

export interface Progress {
  /** Shows `text` (at most ten times a second). */
  update(text: string): void;
  /** Clears the line. */
  done(): void;
}

interface Terminal { isTTY?: boolean; write(text: string): unknown }

export function progressOn(stream: Terminal = process.stderr, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      shown = true;
      stream.write(`\r\u001b[2K${text}`);
    },
    done() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}

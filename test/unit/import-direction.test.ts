// The services are siblings: connector/, processor/ and sink/ never import one another, lib/
// imports none of them, and bench/ does not lean on test/. What they share lives in lib/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT } from '../../lib/paths.js';

function sourcesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  return readdirSync(abs).flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return sourcesUnder(join(dir, name));
    return name.endsWith('.ts') ? [join(dir, name)] : [];
  });
}

/** Top-level folders a file imports from, by relative specifier (static and dynamic imports). */
function importedFolders(file: string): { spec: string; folder: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((spec) => {
    const target = relative(ROOT, normalize(join(ROOT, dirname(file), spec)));
    return { spec, folder: target.split('/')[0]! };
  });
}

const rules: { from: string; mayNotImport: string[] }[] = [
  { from: 'connector', mayNotImport: ['processor', 'sink', 'cli', 'test', 'bench'] },
  { from: 'processor', mayNotImport: ['connector', 'sink', 'cli', 'test', 'bench'] },
  { from: 'sink', mayNotImport: ['connector', 'processor', 'cli', 'test', 'bench'] },
  { from: 'lib', mayNotImport: ['connector', 'processor', 'sink', 'cli', 'stack', 'test', 'bench'] },
  { from: 'bench', mayNotImport: ['test'] },
];

for (const rule of rules) {
  test(`${rule.from}/ imports nothing from ${rule.mayNotImport.join(', ')}`, () => {
    const files = sourcesUnder(rule.from);
    assert.ok(files.length > 0, `no sources under ${rule.from}/`);
    const broken = files.flatMap((f) => importedFolders(f).filter((i) => rule.mayNotImport.includes(i.folder)).map((i) => `${f} imports ${i.spec}`));
    assert.equal(broken, []);
  });
}

// The checker itself, on import lines written out by hand: it must see what it is meant to see.
const lines: { name: string; text: string; folder: string }[] = [
  { name: 'a named import', text: "import { x } from '../processor/a.js';", folder: 'processor' },
  { name: 'a type import', text: "import type { X } from '../sink/rows.js';", folder: 'sink' },
  { name: 'a dynamic import', text: "const m = await import('../connector/index.js');", folder: 'connector' },
  { name: 'a side-effect import', text: "import '../test/setup.js';", folder: 'test' },
];
for (const c of lines) {
  test(`the import checker sees ${c.name}`, () => {
    const specs = [...c.text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
    assert.is(specs.length, 1);
    assert.is(relative(ROOT, normalize(join(ROOT, 'lib', specs[0]!))).split('/')[0], c.folder);
  });
}

test.run();

// The services are siblings: connector/, processor/ and sink/ never import one another, lib/
// imports none of them, and bench/ does not lean on test/. What they share lives in lib/.
// lib/records/ and lib/pii/ are pure contracts (record formats, masking and sealing): nothing they
// import, directly or through other lib/ files, is a Kafka, SQS or Postgres client. And no two
// files of lib/ import each other, however roundabout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';

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

/** Every module specifier a source imports or re-exports (static, dynamic, side-effect, type). */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g)].map((m) => m[2]!);
}

/** The repository file a relative specifier of `file` names (TypeScript imports say .js for .ts). */
function resolveRelative(file: string, spec: string): string | undefined {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  const target = relative(ROOT, normalize(join(ROOT, dirname(file), spec))).replace(/\.js$/, '.ts');
  return existsSync(join(ROOT, target)) ? target : undefined;
}

// Packages that talk to Kafka, SQS or Postgres.
const CLIENT_PACKAGE = /^(kafkajs|@aws-sdk\/[^/]+|pg|pg-promise|pg-copy-streams|pg-pool|sqs-consumer)(\/|$)/;

/** Client packages `file` reaches, with the chain of files through which it does. */
function clientsReached(file: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>([file]);
  const queue: string[][] = [[file]];
  while (queue.length > 0) {
    const chain = queue.shift()!;
    const at = chain[chain.length - 1]!;
    for (const spec of specifiers(readFileSync(join(ROOT, at), 'utf8'))) {
      if (CLIENT_PACKAGE.test(spec)) found.push(`${chain.join(' -> ')} imports ${spec}`);
      const next = resolveRelative(at, spec);
      if (next !== undefined && !seen.has(next)) {
        seen.add(next);
        queue.push([...chain, next]);
      }
    }
  }
  return found;
}

for (const contract of ['lib/records', 'lib/pii']) {
  test(`${contract}/ reaches no Kafka, SQS or Postgres client, directly or through lib/`, () => {
    const files = sourcesUnder(contract);
    assert.ok(files.length > 0, `no sources under ${contract}/`);
    assert.equal(files.flatMap(clientsReached), []);
  });
}

// lib/ is grouped by what each folder talks to; a file's folder says which client it may use.
// Nothing lies loose at lib/'s top level, and no folder imports another folder's client package.
const ROOMS: Record<string, RegExp | null> = {
  'lib/kafka': /^(kafkajs|aws-msk-iam-sasl-signer-js|@aws-sdk\/credential-providers)(\/|$)/,
  'lib/sqs': /^(@aws-sdk\/client-sqs|sqs-consumer)(\/|$)/,
  'lib/postgres': /^(pg|pg-promise|pg-copy-streams|pg-pool)(\/|$)/,
  'lib/registry': null,
  'lib/http': null,
  'lib/auth': null,
  'lib/observability': null,
  'lib/runtime': null,
  'lib/records': null,
  'lib/pii': null,
};

test('lib/ holds only its rooms: no loose files, no folder the layout does not name', () => {
  const entries = readdirSync(join(ROOT, 'lib'));
  assert.equal(entries.filter((e) => e.endsWith('.ts')), [], 'files at lib/ top level');
  assert.equal(entries.filter((e) => !(`lib/${e}` in ROOMS)).sort(), [], 'folders of lib/ missing from ROOMS');
});

for (const [room, own] of Object.entries(ROOMS)) {
  test(`${room}/ imports ${own === null ? 'no client package' : 'only its own client packages'}`, () => {
    const files = sourcesUnder(room);
    assert.ok(files.length > 0, `no sources under ${room}/`);
    const foreign = files.flatMap((f) => specifiers(readFileSync(join(ROOT, f), 'utf8'))
      .filter((spec) => (CLIENT_PACKAGE.test(spec) || /^aws-msk-iam-sasl-signer-js/.test(spec)) && !(own?.test(spec) ?? false))
      .map((spec) => `${f} imports ${spec}`));
    assert.equal(foreign, []);
  });
}

/** The cycles of a graph (file -> files it imports), each once, as a path that returns to its start. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (node: string): void => {
    path.push(node);
    onPath.add(node);
    for (const next of graph.get(node) ?? []) {
      if (onPath.has(next)) found.push([...path.slice(path.indexOf(next)), next]);
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) if (!done.has(node)) visit(node);
  return found;
}

test('no files of lib/ import each other in a cycle (type imports included)', () => {
  const graph = new Map<string, string[]>();
  for (const file of sourcesUnder('lib')) {
    const targets = specifiers(readFileSync(join(ROOT, file), 'utf8')).map((s) => resolveRelative(file, s)).filter((t): t is string => t !== undefined && t.startsWith('lib/'));
    graph.set(file, targets);
  }
  assert.ok(graph.size > 10, 'lib/ sources are found');
  assert.equal(cycles(graph).map((c) => c.join(' -> ')), []);
});

// The cycle finder, on graphs written out by hand.
const graphs: { name: string; edges: [string, string][]; want: string[] }[] = [
  { name: 'two files importing each other', edges: [['a', 'b'], ['b', 'a']], want: ['a -> b -> a'] },
  { name: 'a file importing itself', edges: [['a', 'a']], want: ['a -> a'] },
  { name: 'a three-file loop behind an entry', edges: [['e', 'a'], ['a', 'b'], ['b', 'c'], ['c', 'a']], want: ['a -> b -> c -> a'] },
  { name: 'a chain', edges: [['a', 'b'], ['b', 'c']], want: [] },
  { name: 'a diamond', edges: [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']], want: [] },
  { name: 'no edges', edges: [], want: [] },
];
for (const g of graphs) {
  test(`the cycle finder on ${g.name}`, () => {
    const graph = new Map<string, string[]>();
    for (const [from, to] of g.edges) graph.set(from, [...(graph.get(from) ?? []), to]);
    assert.equal(cycles(graph).map((c) => c.join(' -> ')), g.want);
  });
}

// The specifier reader and the client matcher, on lines written out by hand.
const specLines: { name: string; text: string; want: string[] }[] = [
  { name: 'a type import', text: "import type { ITask } from 'pg-promise';", want: ['pg-promise'] },
  { name: 'a re-export', text: "export { Kafka } from 'kafkajs';", want: ['kafkajs'] },
  { name: 'a dynamic import in double quotes', text: 'const m = await import("@aws-sdk/client-sqs");', want: ['@aws-sdk/client-sqs'] },
  { name: 'a side-effect import', text: "import 'pg';", want: ['pg'] },
  { name: 'an import spread over lines', text: "import {\n  a,\n  b,\n} from '../kafka.js';", want: ['../kafka.js'] },
  { name: 'a package name in a plain string', text: "const name = 'pg'; log('kafkajs');", want: [] },
  { name: 'a word ending in import', text: "reimport 'pg';", want: [] },
];
for (const c of specLines) {
  test(`the specifier reader on ${c.name}`, () => {
    assert.equal(specifiers(c.text), c.want);
  });
}
const packages: { spec: string; client: boolean }[] = [
  { spec: 'kafkajs', client: true },
  { spec: 'kafkajs/src/protocol/error.js', client: true },
  { spec: '@aws-sdk/client-sqs', client: true },
  { spec: 'pg', client: true },
  { spec: 'pg-promise', client: true },
  { spec: 'sqs-consumer', client: true },
  { spec: 'pgx', client: false },
  { spec: 'kafkajs-snappy', client: false },
  { spec: 'avsc', client: false },
  { spec: 'node:crypto', client: false },
  { spec: '../kafka.js', client: false },
];
for (const c of packages) {
  test(`${c.spec} ${c.client ? 'is' : 'is not'} a client package`, () => {
    assert.is(CLIENT_PACKAGE.test(c.spec), c.client);
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

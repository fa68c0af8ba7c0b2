// `loginpipe keys generate` as an operator runs it, from the built command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { publicKeyOf } from '../../lib/pii/hpke.js';
import { readPrivateKeyFile } from '../../lib/pii/keys.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'loginpipe-cli-keys-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('keys generate prints the public key alone on stdout and writes the pair, the private key mode 600', () => {
  const dir = join(scratch, 'k');
  const r = run(['keys', 'generate', '--out', dir]);
  assert.is(r.code, 0, r.stderr);
  const printed = r.stdout.trim();
  assert.match(printed, /^[A-Za-z0-9+/]{43}=$/);
  assert.is(readFileSync(join(dir, 'recovery.pub'), 'utf8').trim(), printed);
  assert.is(statSync(join(dir, 'recovery.key')).mode & 0o777, 0o600);
  const priv = readPrivateKeyFile(join(dir, 'recovery.key'));
  assert.is(publicKeyOf(priv).toString('base64'), printed);
  assert.not.ok(r.stdout.includes(priv.toString('base64')) || r.stderr.includes(priv.toString('base64')), 'the private key was printed');
});

test('keys generate refuses to overwrite an existing pair (exit 1) and needs --out (exit 2)', () => {
  const dir = join(scratch, 'twice');
  assert.is(run(['keys', 'generate', '--out', dir]).code, 0);
  const again = run(['keys', 'generate', '--out', dir]);
  assert.is(again.code, 1);
  assert.ok(again.stderr.includes('already exists'), again.stderr);
  assert.is(run(['keys', 'generate']).code, 2);
  assert.is(run(['keys']).code, 2);
});

test.run();

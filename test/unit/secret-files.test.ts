// Every secret setting can come from a file named by <NAME>_FILE (Docker and Kubernetes mount
// secrets as files). Expected values are worked out by hand from the rule in lib/runtime/config.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, MAX_SECRET_FILE_BYTES, BadValue, loadSettings, secretSetting, setting, text, type Settings } from '../../lib/runtime/config.js';
import { processorSettings } from '../../processor/config.js';

const dir = mkdtempSync(join(tmpdir(), 'loginpipe-secret-files-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
mkdirSync(join(dir, 'a-directory'));

const SECRET = 'hunter2-Secret-Value';
const SPECS = {
  password: secretSetting('T_PASSWORD', 'A password', 'fallback', text),
  plain: setting('T_PLAIN', 'Not a secret', 'plain-default', text),
} satisfies Settings;

const cases: { name: string; input: Record<string, string>; expected: { value?: Record<string, unknown>; problem?: RegExp } }[] = [
  { name: 'the value itself', input: { T_PASSWORD: SECRET }, expected: { value: { password: SECRET, plain: 'plain-default' } } },
  { name: 'the default when neither is set', input: {}, expected: { value: { password: 'fallback', plain: 'plain-default' } } },
  { name: 'the file', input: { T_PASSWORD_FILE: file('plain', SECRET) }, expected: { value: { password: SECRET, plain: 'plain-default' } } },
  { name: 'the file without the newline echo leaves', input: { T_PASSWORD_FILE: file('lf', `${SECRET}\n`) }, expected: { value: { password: SECRET, plain: 'plain-default' } } },
  { name: 'the file without a Windows line end', input: { T_PASSWORD_FILE: file('crlf', `${SECRET}\r\n`) }, expected: { value: { password: SECRET, plain: 'plain-default' } } },
  { name: 'the file without several trailing line breaks', input: { T_PASSWORD_FILE: file('lflf', `${SECRET}\n\n\n`) }, expected: { value: { password: SECRET, plain: 'plain-default' } } },
  { name: 'the file keeps spaces (they may be part of a password)', input: { T_PASSWORD_FILE: file('spaces', ` ${SECRET} \n`) }, expected: { value: { password: ` ${SECRET} `, plain: 'plain-default' } } },
  { name: 'the file keeps inner line breaks', input: { T_PASSWORD_FILE: file('inner', 'a\nb\n') }, expected: { value: { password: 'a\nb', plain: 'plain-default' } } },
  { name: 'an empty _FILE variable means no file', input: { T_PASSWORD_FILE: '', T_PASSWORD: SECRET }, expected: { value: { password: SECRET, plain: 'plain-default' } } },
  { name: 'a file of exactly the largest size', input: { T_PASSWORD_FILE: file('max', 'x'.repeat(MAX_SECRET_FILE_BYTES)) }, expected: { value: { password: 'x'.repeat(MAX_SECRET_FILE_BYTES), plain: 'plain-default' } } },
  { name: 'a _FILE for a setting that is no secret is ignored', input: { T_PLAIN_FILE: file('ignored', 'from-file') }, expected: { value: { password: 'fallback', plain: 'plain-default' } } },
  { name: 'both the value and the file', input: { T_PASSWORD: SECRET, T_PASSWORD_FILE: file('both', SECRET) }, expected: { problem: /^T_PASSWORD and T_PASSWORD_FILE are both set; set one of them$/ } },
  { name: 'a file that does not exist', input: { T_PASSWORD_FILE: join(dir, 'missing') }, expected: { problem: /^T_PASSWORD_FILE: cannot read .*missing \(ENOENT\)$/ } },
  { name: 'a directory', input: { T_PASSWORD_FILE: join(dir, 'a-directory') }, expected: { problem: /^T_PASSWORD_FILE: .*a-directory is not a regular file$/ } },
  { name: 'a device that never ends (/dev/zero)', input: { T_PASSWORD_FILE: '/dev/zero' }, expected: { problem: /^T_PASSWORD_FILE: \/dev\/zero is not a regular file$/ } },
  { name: 'an empty file', input: { T_PASSWORD_FILE: file('empty', '') }, expected: { problem: /^T_PASSWORD_FILE: .*empty is empty$/ } },
  { name: 'a file of line breaks only', input: { T_PASSWORD_FILE: file('newlines', '\n\r\n') }, expected: { problem: /^T_PASSWORD_FILE: .*newlines is empty$/ } },
  { name: 'a file one byte over the largest size', input: { T_PASSWORD_FILE: file('big', 'x'.repeat(MAX_SECRET_FILE_BYTES + 1)) }, expected: { problem: /^T_PASSWORD_FILE: .*big is larger than 65536 bytes$/ } },
  { name: 'a file that is not UTF-8', input: { T_PASSWORD_FILE: file('latin1', Buffer.from([0x70, 0xe4, 0x73, 0x73])) }, expected: { problem: /^T_PASSWORD_FILE: .*latin1 is not UTF-8 text$/ } },
  { name: 'a file that starts like a NUL-padded binary', input: { T_PASSWORD_FILE: file('binary', Buffer.from([0xff, 0xfe, 0x00, 0x00])) }, expected: { problem: /^T_PASSWORD_FILE: .*binary is not UTF-8 text$/ } },
];

for (const c of cases) {
  test(`a secret setting reads ${c.name}`, () => {
    let got: unknown;
    let caught: unknown;
    try {
      got = loadSettings(SPECS, c.input);
    } catch (err) {
      caught = err;
    }
    if (c.expected.value !== undefined) {
      assert.is(caught, undefined, String(caught));
      assert.equal(got, c.expected.value);
      return;
    }
    assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
    const problems = (caught as ConfigError).problems;
    assert.is(problems.length, 1, problems.join(' | '));
    assert.match(problems[0] ?? '', c.expected.problem!);
    assert.not.ok((caught as ConfigError).message.includes(SECRET), 'the secret appears in the error');
  });
}

test('a secret read from a file goes through the setting\'s parser, named by the setting', () => {
  const key = Buffer.alloc(32, 3).toString('base64');
  const parsed = loadSettings(processorSettings, { PII_HMAC_KEY_FILE: file('key', `${key}\n`) });
  assert.ok(parsed.hmacKey.equals(Buffer.alloc(32, 3)));
  try {
    loadSettings(processorSettings, { PII_HMAC_KEY_FILE: file('short-key', 'c2VjcmV0\n') });
    assert.unreachable('a short key from a file was accepted');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.match(err.problems.join('\n'), /^PII_HMAC_KEY: decodes to 6 bytes/m);
    assert.not.ok(err.message.includes('c2VjcmV0'));
  }
});

test('a parser that echoes a secret value is scrubbed', () => {
  const leaky = { pw: secretSetting('T_LEAKY', 'd', undefined, (raw: string) => { throw new BadValue(`"${raw}" is not allowed`); }) };
  try {
    loadSettings(leaky, { T_LEAKY: SECRET });
    assert.unreachable('no error');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.is(err.problems[0], 'T_LEAKY: "<secret>" is not allowed');
    assert.not.ok(err.message.includes(SECRET));
  }
});

test('a required secret is satisfied by its file, and still missing without either', () => {
  const specs = { pw: secretSetting('T_REQUIRED', 'needed', undefined, text) };
  assert.equal(loadSettings(specs, { T_REQUIRED_FILE: file('required', SECRET) }), { pw: SECRET });
  assert.throws(() => loadSettings(specs, {}), (e: unknown) => e instanceof ConfigError && /^T_REQUIRED is required/.test(e.problems[0] ?? ''));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();

// The README is the operator's manual: every setting and every dead-letter code must be in it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { connectorSettings } from '../../connector/config.js';
import { processorSettings } from '../../processor/config.js';
import { roleSettings, sinkSettings } from '../../sink/config.js';
import { fileVariable } from '../../lib/runtime/config.js';
import { statusSettings } from '../../cli/config.js';
import { DEAD_LETTER_CODES } from '../../lib/records/dead-letter-codes.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const tableRow = (name: string) => new RegExp(`^\\| \`${name.replace(/[.]/g, '\\.')}\` \\|`, 'm');

const settings = new Set<string>();
for (const specs of [connectorSettings, processorSettings, sinkSettings, roleSettings, statusSettings]) {
  for (const s of Object.values(specs) as { env: string; secret?: boolean }[]) {
    settings.add(s.env);
    // A secret can also come from a file: that variable is a setting of its own.
    if (s.secret) settings.add(fileVariable(s.env));
  }
}

for (const env of settings) {
  test(`the README's settings table lists ${env}`, () => {
    assert.ok(tableRow(env).test(readme), `no row for ${env} in the README`);
  });
}

for (const { code } of DEAD_LETTER_CODES) {
  test(`the README's dead-letter table lists ${code}`, () => {
    assert.ok(tableRow(code).test(readme), `no row for ${code} in the README`);
  });
}

test('the README shows the two commands a newcomer runs', () => {
  assert.ok(readme.includes('npm ci && npm run demo'));
  assert.ok(readme.includes('npm test'));
});

test.run();

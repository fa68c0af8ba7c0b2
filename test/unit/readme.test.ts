// The docs are the operator's manual: every setting must be in docs/operations.md's settings table
// and every dead-letter code in docs/architecture.md's; the README shows the two first commands.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { connectorSettings } from '../../connector/config.js';
import { processorSettings } from '../../processor/config.js';
import { roleSettings, sinkSettings } from '../../sink/config.js';
import { fileVariable } from '../../lib/runtime/config.js';
import { aclSettings, statusSettings } from '../../cli/config.js';
import { DEAD_LETTER_CODES } from '../../lib/records/dead-letter-codes.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
// The settings table lives in the operator's guide, the dead-letter codes beside the validation rules.
const operations = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
const architecture = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
const tableRow = (name: string) => new RegExp(`^\\| \`${name.replace(/[.]/g, '\\.')}\` \\|`, 'm');

const settings = new Set<string>();
for (const specs of [connectorSettings, processorSettings, sinkSettings, roleSettings, statusSettings, aclSettings]) {
  for (const s of Object.values(specs) as { env: string; secret?: boolean }[]) {
    settings.add(s.env);
    // A secret can also come from a file: that variable is a setting of its own.
    if (s.secret) settings.add(fileVariable(s.env));
  }
}

for (const env of settings) {
  test(`the settings table in docs/operations.md lists ${env}`, () => {
    assert.ok(tableRow(env).test(operations), `no row for ${env} in docs/operations.md`);
  });
}

for (const { code } of DEAD_LETTER_CODES) {
  test(`the dead-letter table in docs/architecture.md lists ${code}`, () => {
    assert.ok(tableRow(code).test(architecture), `no row for ${code} in docs/architecture.md`);
  });
}

test('the README shows the two commands a newcomer runs', () => {
  assert.ok(readme.includes('npm ci && npm run demo'));
  assert.ok(readme.includes('npm test'));
});

test.run();

// Rules across settings (lib/runtime/config.ts `rule`): when they run, and how their problems are told.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, fileVariable, integer, loadSettings, rule, setting, text } from '../../lib/runtime/config.js';
import { connectorSettings } from '../../connector/config.js';
import { processorSettings } from '../../processor/config.js';
import { sinkSettings } from '../../sink/config.js';

const low = setting('T_LOW', 'lower bound', '1', integer(0, 100));
const high = setting('T_HIGH', 'upper bound', '10', integer(0, 100));
const label = setting('T_LABEL', 'a label', 'x', text);
rule([low, high], (l, h) => (l > h ? `T_LOW (${l}) must not be above T_HIGH (${h})` : undefined));

const together = { low, high, label };
const groupA = { low };
const groupB = { high, label };

const cases: { name: string; specs: Record<string, typeof low | typeof label>; input: Record<string, string>; expected: string[] }[] = [
  { name: 'a rule that holds adds nothing', specs: together, input: { T_LOW: '2', T_HIGH: '3' }, expected: [] },
  { name: 'a rule that fails is reported, naming its settings', specs: together, input: { T_LOW: '5', T_HIGH: '3' }, expected: ['T_LOW (5) must not be above T_HIGH (3)'] },
  { name: 'a rule runs on defaults too', specs: together, input: { T_LOW: '50' }, expected: ['T_LOW (50) must not be above T_HIGH (10)'] },
  { name: 'a rule over groups spread together runs once', specs: { ...groupA, ...groupB, ...groupA }, input: { T_LOW: '5', T_HIGH: '3' }, expected: ['T_LOW (5) must not be above T_HIGH (3)'] },
  { name: 'a rule is skipped when one of its settings failed to parse (only that is reported)', specs: together, input: { T_LOW: '5', T_HIGH: 'three' }, expected: ['T_HIGH: must be a whole number, got "three"'] },
  { name: 'a rule is skipped when one of its settings is not loaded', specs: groupA, input: { T_LOW: '99' }, expected: [] },
];

for (const c of cases) {
  test(`setting rules: ${c.name}`, () => {
    let problems: string[] = [];
    try {
      loadSettings(c.specs, c.input);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    assert.equal(problems, c.expected);
  });
}

test('no service setting is named like another secret\'s _FILE variable', () => {
  for (const specs of [connectorSettings, processorSettings, sinkSettings]) {
    const all = Object.values(specs) as { env: string; secret?: boolean }[];
    const names = new Set(all.map((s) => s.env));
    for (const s of all.filter((x) => x.secret)) assert.not.ok(names.has(fileVariable(s.env)), `${fileVariable(s.env)} is also a setting`);
  }
});

test('the secrets are the settings the README says can come from files', () => {
  const secrets = new Set<string>();
  for (const specs of [connectorSettings, processorSettings, sinkSettings]) {
    for (const s of Object.values(specs) as { env: string; secret?: boolean }[]) if (s.secret) secrets.add(s.env);
  }
  assert.equal([...secrets].sort(), ['DATABASE_PASSWORD', 'DATABASE_URL', 'KAFKA_OAUTH_CLIENT_SECRET', 'KAFKA_SASL_PASSWORD', 'PII_HMAC_KEY',
    'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO', 'SCHEMA_REGISTRY_BEARER_TOKEN', 'SCHEMA_REGISTRY_OAUTH_CLIENT_ID', 'SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET']);
});

test.run();

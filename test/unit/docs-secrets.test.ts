// A secret typed on a command line stays in the shell's history and in /proc/<pid>/environ of
// whatever it started; the docs show only the <NAME>_FILE form of secrets (keys, passwords,
// client secrets, tokens). DATABASE_URL and client ids are secret settings too, but hold nothing
// secret in the docs' examples (the password goes in DATABASE_PASSWORD_FILE).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { connectorSettings } from '../../connector/config.js';
import { processorSettings } from '../../processor/config.js';
import { roleSettings, sinkSettings } from '../../sink/config.js';
import { aclSettings, statusSettings } from '../../cli/config.js';

const CREDENTIAL = /PASSWORD|SECRET|KEY$|TOKEN$|USER_INFO/;
const secrets = new Set<string>();
for (const specs of [connectorSettings, processorSettings, sinkSettings, roleSettings, statusSettings, aclSettings]) {
  for (const s of Object.values(specs) as { env: string; secret?: boolean }[]) if (s.secret && CREDENTIAL.test(s.env)) secrets.add(s.env);
}

const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

test('the credential list is not empty (the filter still matches the settings)', () => {
  for (const env of ['PII_HMAC_KEY', 'DATABASE_PASSWORD', 'KAFKA_SASL_PASSWORD', 'KAFKA_OAUTH_CLIENT_SECRET']) assert.ok(secrets.has(env), env);
});

for (const file of docs) {
  test(`${file} gives no credential on a command line, only its _FILE form`, () => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const env of secrets) {
      // NAME= as an assignment; NAME_FILE= does not match (the "=" must follow the name itself).
      const inline = new RegExp(`(^|[\\s\`'"])${env}=`, 'm').exec(text);
      assert.is(inline, null, `${file} sets ${env} inline: show ${env}_FILE=<path> instead`);
    }
  });
}

test.run();

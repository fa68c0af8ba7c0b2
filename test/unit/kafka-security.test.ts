// KAFKA_SSL* and KAFKA_SASL_*: each setting, the rules across them, and what kafkajs is given.
// Expected values follow the documented rules (README "Running against a real cluster").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { ConfigError, loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { kafkaSecurityOptions } from '../../lib/kafka/security.js';
import { makePemFixtures } from './pem-fixtures.js';

const pem = makePemFixtures();
const PASSWORD = 'sasl-Password-123';
const passwordFile = pem.write('password', `${PASSWORD}\n`);

interface Case {
  name: string;
  input: Record<string, string>;
  /** What kafkajs gets; `ca`, `cert` and `key` name fixture files whose text is expected. */
  expected: { options?: { ssl?: Record<string, unknown>; sasl?: Record<string, unknown> }; problems?: RegExp[] };
}

const cases: Case[] = [
  { name: 'nothing set: plaintext, no SASL (the local stack)', input: {}, expected: { options: {} } },
  { name: 'KAFKA_SSL=false is the same', input: { KAFKA_SSL: 'false' }, expected: { options: {} } },
  { name: 'KAFKA_SSL=true: TLS, verified against the system roots', input: { KAFKA_SSL: 'true' }, expected: { options: { ssl: { rejectUnauthorized: true } } } },
  { name: 'a CA file', input: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pem.cert }, expected: { options: { ssl: { rejectUnauthorized: true, ca: pem.cert } } } },
  { name: 'a CA bundle of two certificates', input: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pem.bundle }, expected: { options: { ssl: { rejectUnauthorized: true, ca: pem.bundle } } } },
  { name: 'a client certificate and its key', input: { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pem.cert, KAFKA_SSL_KEY_FILE: pem.key }, expected: { options: { ssl: { rejectUnauthorized: true, cert: pem.cert, key: pem.key } } } },
  {
    name: 'SCRAM-SHA-512 over TLS, the mechanism in capitals as brokers write it',
    input: { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: PASSWORD },
    expected: { options: { ssl: { rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'svc', password: PASSWORD } } },
  },
  {
    name: 'SCRAM-SHA-256 with the password from a file',
    input: { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD_FILE: passwordFile },
    expected: { options: { ssl: { rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-256', username: 'svc', password: PASSWORD } } },
  },
  {
    name: 'PLAIN without TLS (SASL_PLAINTEXT) is allowed',
    input: { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: PASSWORD },
    expected: { options: { sasl: { mechanism: 'plain', username: 'svc', password: PASSWORD } } },
  },
  { name: 'KAFKA_SSL=yes', input: { KAFKA_SSL: 'yes' }, expected: { problems: [/^KAFKA_SSL: must be true or false, got "yes"$/] } },
  { name: 'KAFKA_SSL=TRUE', input: { KAFKA_SSL: 'TRUE' }, expected: { problems: [/^KAFKA_SSL: must be true or false/] } },
  { name: 'a CA file without KAFKA_SSL', input: { KAFKA_SSL_CA_FILE: pem.cert }, expected: { problems: [/^KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true$/] } },
  { name: 'a CA file that does not exist', input: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: `${pem.dir}/nope.crt` }, expected: { problems: [/^KAFKA_SSL_CA_FILE: cannot read .*nope\.crt \(ENOENT\)$/] } },
  { name: 'a CA file that holds a key', input: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pem.key }, expected: { problems: [/^KAFKA_SSL_CA_FILE: .* holds no PEM certificate/] } },
  { name: 'a CA file whose certificate is garbage', input: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pem.brokenCert }, expected: { problems: [/^KAFKA_SSL_CA_FILE: certificate 1 in .* is not a valid X\.509 certificate$/] } },
  { name: 'a CA path that is a folder', input: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pem.dir }, expected: { problems: [/^KAFKA_SSL_CA_FILE: .* is not a regular file$/] } },
  { name: 'a client certificate without its key', input: { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pem.cert }, expected: { problems: [/^KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/] } },
  { name: 'a key without its certificate', input: { KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: pem.key }, expected: { problems: [/^KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/] } },
  { name: 'a key of another certificate', input: { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pem.cert, KAFKA_SSL_KEY_FILE: pem.otherKey }, expected: { problems: [/^KAFKA_SSL_KEY_FILE is not the private key of/] } },
  { name: 'an encrypted key', input: { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pem.cert, KAFKA_SSL_KEY_FILE: pem.encryptedKey }, expected: { problems: [/^KAFKA_SSL_KEY_FILE: .* holds an encrypted key/] } },
  { name: 'a certificate given as the key', input: { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pem.cert, KAFKA_SSL_KEY_FILE: pem.cert }, expected: { problems: [/^KAFKA_SSL_KEY_FILE: .* holds no PEM private key/] } },
  {
    name: 'client files without KAFKA_SSL: each is named',
    input: { KAFKA_SSL_CERT_FILE: pem.cert, KAFKA_SSL_KEY_FILE: pem.key },
    expected: { problems: [/^KAFKA_SSL_CERT_FILE is set but KAFKA_SSL is not true$/, /^KAFKA_SSL_KEY_FILE is set but KAFKA_SSL is not true$/] },
  },
  { name: 'an unknown mechanism', input: { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: PASSWORD }, expected: { problems: [/^KAFKA_SASL_MECHANISM: must be one of plain, scram-sha-256, scram-sha-512/] } },
  { name: 'a mechanism with a trailing space', input: { KAFKA_SASL_MECHANISM: 'plain ', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: PASSWORD }, expected: { problems: [/^KAFKA_SASL_MECHANISM: must be one of/] } },
  { name: 'SCRAM-SHA-1 (not offered by Kafka)', input: { KAFKA_SASL_MECHANISM: 'scram-sha-1', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: PASSWORD }, expected: { problems: [/^KAFKA_SASL_MECHANISM: must be one of/] } },
  { name: 'a mechanism without a user', input: { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: PASSWORD }, expected: { problems: [/^KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_USERNAME$/] } },
  { name: 'a mechanism without a password', input: { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'svc' }, expected: { problems: [/^KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_PASSWORD \(or KAFKA_SASL_PASSWORD_FILE\)$/] } },
  { name: 'a mechanism alone', input: { KAFKA_SASL_MECHANISM: 'plain' }, expected: { problems: [/needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/] } },
  { name: 'a user and password without a mechanism', input: { KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: PASSWORD }, expected: { problems: [/^KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM/] } },
  {
    name: 'an OAuth token URL over plain http to another host',
    input: { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_OAUTH_TOKEN_URL: 'http://idp.example.com/token', KAFKA_OAUTH_CLIENT_ID: 'svc', KAFKA_OAUTH_CLIENT_SECRET: PASSWORD },
    expected: { problems: [/^KAFKA_OAUTH_TOKEN_URL: is plain http:\/\/ to another machine/] },
  },
  {
    name: 'an OAuth token URL over plain http to a private address',
    input: { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_OAUTH_TOKEN_URL: 'http://192.168.1.20:8080/token', KAFKA_OAUTH_CLIENT_ID: 'svc', KAFKA_OAUTH_CLIENT_SECRET: PASSWORD },
    expected: { problems: [/^KAFKA_OAUTH_TOKEN_URL: is plain http:\/\//] },
  },
  {
    name: 'the password both set and in a file',
    input: { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SASL_PASSWORD_FILE: passwordFile },
    expected: { problems: [/^KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set; set one of them$/] },
  },
];

/** The expected options with fixture file names replaced by their text. */
function withFileTexts(options: NonNullable<Case['expected']['options']>): unknown {
  if (options.ssl === undefined) return options;
  const ssl = { ...options.ssl };
  for (const k of ['ca', 'cert', 'key']) if (typeof ssl[k] === 'string') ssl[k] = pem.read(ssl[k] as string);
  return { ...options, ssl };
}

for (const c of cases) {
  test(`Kafka security settings: ${c.name}`, () => {
    let caught: unknown;
    let options: unknown;
    try {
      options = kafkaSecurityOptions(loadSettings(kafkaSettings, c.input));
    } catch (err) {
      caught = err;
    }
    if (c.expected.options !== undefined) {
      assert.is(caught, undefined, String(caught));
      assert.equal(options, withFileTexts(c.expected.options));
      return;
    }
    assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
    const problems = (caught as ConfigError).problems;
    assert.is(problems.length, c.expected.problems?.length, problems.join(' | '));
    c.expected.problems?.forEach((re, i) => assert.match(problems[i] ?? '', re));
    // Neither the password nor a key's body ever appears in a message.
    const message = (caught as ConfigError).message;
    assert.not.ok(message.includes(PASSWORD), 'the password appears in the error');
    assert.not.ok(message.includes(pem.read(pem.key).split('\n')[1] ?? '-'), 'the key appears in the error');
  });
}

test('without any security fields (tests, tools), createKafka gets no TLS and no SASL', () => {
  assert.equal(kafkaSecurityOptions({}), {});
});

test.after(() => rmSync(pem.dir, { recursive: true, force: true }));

test.run();

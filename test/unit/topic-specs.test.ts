import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadSettings } from '../../lib/runtime/config.js';
import { pipelineTopicSpecs } from '../../lib/kafka/client.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';

// min.insync.replicas goes on all three topics when they get 3 or more replicas, and on none
// below that: with 1 or 2 replicas a required second in-sync replica would stop every write
// while one broker restarts.
const minInsyncOf = (env: Record<string, string>) =>
  pipelineTopicSpecs(loadSettings(kafkaSettings, env)).map((s) => s.configEntries?.find((e) => e.name === 'min.insync.replicas')?.value);

const cases: { env: Record<string, string>; expected: (string | undefined)[] }[] = [
  { env: {}, expected: [undefined, undefined, undefined] },
  { env: { TOPIC_REPLICATION_FACTOR: '2' }, expected: [undefined, undefined, undefined] },
  { env: { TOPIC_REPLICATION_FACTOR: '2', TOPIC_MIN_INSYNC_REPLICAS: '2' }, expected: [undefined, undefined, undefined] },
  { env: { TOPIC_REPLICATION_FACTOR: '3' }, expected: ['2', '2', '2'] },
  { env: { TOPIC_REPLICATION_FACTOR: '3', TOPIC_MIN_INSYNC_REPLICAS: '1' }, expected: ['1', '1', '1'] },
  { env: { TOPIC_REPLICATION_FACTOR: '3', TOPIC_MIN_INSYNC_REPLICAS: '3' }, expected: ['3', '3', '3'] },
  { env: { TOPIC_REPLICATION_FACTOR: '5', TOPIC_MIN_INSYNC_REPLICAS: '3' }, expected: ['3', '3', '3'] },
  // Below 3 replicas the setting is not used, so a value above the replicas is not an error there.
  { env: { TOPIC_REPLICATION_FACTOR: '1', TOPIC_MIN_INSYNC_REPLICAS: '9' }, expected: [undefined, undefined, undefined] },
];

for (const c of cases) {
  test(`min.insync.replicas with ${JSON.stringify(c.env)} is ${JSON.stringify(c.expected)} on raw, clean, dlq`, () => {
    assert.equal(minInsyncOf(c.env), c.expected);
  });
}

test('the other topic settings stay beside min.insync.replicas', () => {
  const [raw, clean, dlq] = pipelineTopicSpecs(loadSettings(kafkaSettings, { TOPIC_REPLICATION_FACTOR: '3' }));
  assert.ok(raw!.configEntries!.some((e) => e.name === 'max.message.bytes'));
  assert.ok(raw!.configEntries!.some((e) => e.name === 'retention.ms'));
  assert.ok(dlq!.configEntries!.some((e) => e.name === 'max.message.bytes'));
  assert.is(clean!.configEntries!.length, 1);
  for (const s of [raw, clean, dlq]) assert.is(s!.replicationFactor, 3);
});

const refused: [string, Record<string, string>][] = [
  ['more required in-sync replicas than replicas', { TOPIC_REPLICATION_FACTOR: '3', TOPIC_MIN_INSYNC_REPLICAS: '4' }],
  ['zero', { TOPIC_MIN_INSYNC_REPLICAS: '0' }],
  ['negative', { TOPIC_MIN_INSYNC_REPLICAS: '-2' }],
  ['a fraction', { TOPIC_MIN_INSYNC_REPLICAS: '1.5' }],
  ['words', { TOPIC_MIN_INSYNC_REPLICAS: 'two' }],
  ['hex', { TOPIC_MIN_INSYNC_REPLICAS: '0x2' }],
  ['above 16', { TOPIC_MIN_INSYNC_REPLICAS: '17' }],
];

for (const [name, env] of refused) {
  test(`TOPIC_MIN_INSYNC_REPLICAS refuses ${name}, naming the setting`, () => {
    assert.throws(() => loadSettings(kafkaSettings, env), (e: unknown) => e instanceof ConfigError && e.message.includes('TOPIC_MIN_INSYNC_REPLICAS'));
  });
}

test.run();

// Which level a kafkajs log entry is written at: retried, transient conditions are lowered to
// debug or warn; everything else keeps kafkajs's level.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { logLevel } from 'kafkajs';
import { TRANSIENT, kafkajsFields, kafkajsLevel, type LogLevelName } from '../../lib/kafka/kafkajs-levels.js';

const { ERROR, WARN, INFO, DEBUG, NOTHING } = logLevel;
const response = (api: string) => `Response ${api}(key: 10, version: 2)`;

const cases: { name: string; entry: { level: number; message?: unknown; error?: unknown }; want: LogLevelName }[] = [
  // What a healthy start printed at level 50.
  { name: 'a group coordinator not available yet', entry: { level: ERROR, message: response('GroupCoordinator'), error: 'The group coordinator is not available' }, want: 'debug' },
  { name: 'a transaction coordinator on another broker', entry: { level: ERROR, message: response('InitProducerId'), error: 'This is not the correct coordinator for this group' }, want: 'debug' },
  { name: 'a coordinator still loading', entry: { level: ERROR, message: response('JoinGroup'), error: "The coordinator is loading and hence can't process requests for this group" }, want: 'debug' },
  { name: 'a leader election', entry: { level: ERROR, message: response('Produce'), error: 'There is no leader for this topic-partition as we are in the middle of a leadership election' }, want: 'debug' },
  { name: 'a moved leader', entry: { level: ERROR, message: 'Failed to send messages: This server is not the leader for that topic-partition' }, want: 'debug' },
  { name: 'a rebalance', entry: { level: ERROR, message: response('SyncGroup'), error: 'The group is rebalancing, so a rejoin is needed' }, want: 'debug' },
  { name: 'a concurrent transaction', entry: { level: ERROR, message: response('AddPartitionsToTxn'), error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing' }, want: 'debug' },
  // A broker restarting: retried, and visible as a warning.
  { name: 'a refused connection', entry: { level: ERROR, message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }, want: 'warn' },
  { name: 'a connection timeout', entry: { level: ERROR, message: 'Connection timeout' }, want: 'warn' },
  { name: 'a seed broker failover', entry: { level: ERROR, message: 'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9092' }, want: 'warn' },
  { name: 'a send over a closed connection', entry: { level: ERROR, message: 'Failed to send messages: Closed connection' }, want: 'warn' },
  { name: 'a consumer kafkajs restarts', entry: { level: ERROR, message: 'Restarting the consumer in 300ms' }, want: 'warn' },
  { name: 'a forgotten member', entry: { level: ERROR, message: 'The coordinator is not aware of this member, re-joining the group', error: 'The coordinator is not aware of this member' }, want: 'warn' },
  { name: 'a topic not yet on every broker', entry: { level: ERROR, message: response('Metadata'), error: 'This server does not host this topic-partition' }, want: 'warn' },
  { name: 'an Error object as the message', entry: { level: ERROR, message: new Error('Connection error: read ECONNRESET') }, want: 'warn' },
  // A crash stays visible even when its cause is routine; one with a real cause stays an error.
  { name: 'a crash on a routine cause', entry: { level: ERROR, message: 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available' }, want: 'warn' },
  { name: 'a crash on a real cause', entry: { level: ERROR, message: 'Crash: KafkaJSProtocolError: Not authorized to access group: Group authorization failed' }, want: 'error' },
  // Two conditions in one line: the more severe wins.
  { name: 'a routine and a connection error together', entry: { level: ERROR, message: 'Connection error: x', error: 'The group coordinator is not available' }, want: 'warn' },
  // Real errors keep their level.
  { name: 'an authentication failure', entry: { level: ERROR, message: 'SASL PLAIN authentication failed: Authentication failed' }, want: 'error' },
  { name: 'an authorization failure', entry: { level: ERROR, message: response('Produce'), error: 'Not authorized to access topics: [Topic authorization failed]' }, want: 'error' },
  { name: 'a batch handler that threw on a routine cause', entry: { level: ERROR, message: 'Error when calling eachBatch', error: new Error('processing a batch failed: The group coordinator is not available') }, want: 'warn' },
  { name: 'a batch handler that threw on a real cause', entry: { level: ERROR, message: 'Error when calling eachBatch', error: new Error('value out of range') }, want: 'error' },
  { name: 'an error field that is a plain object', entry: { level: ERROR, message: 'x', error: { message: 'The group coordinator is not available' } }, want: 'error' },
  { name: 'an error without text', entry: { level: ERROR }, want: 'error' },
  { name: 'an error whose text is not a string', entry: { level: ERROR, message: 42, error: ['The group coordinator is not available'] }, want: 'error' },
  { name: 'a condition only in a different case', entry: { level: ERROR, message: 'the group coordinator is NOT available' }, want: 'error' },
  // Never raised: a transient text in a quieter line stays where kafkajs put it.
  { name: 'a warning that names a leader election', entry: { level: WARN, message: 'Could not create topics', error: 'There is no leader for this topic-partition as we are in the middle of a leadership election' }, want: 'debug' },
  { name: 'a warning about a refused connection', entry: { level: WARN, message: 'Connection error: connect ECONNREFUSED' }, want: 'warn' },
  { name: 'an info line naming a connection error', entry: { level: INFO, message: 'Connection error: x' }, want: 'info' },
  { name: 'a debug line naming a connection error', entry: { level: DEBUG, message: 'Connection error: x' }, want: 'debug' },
  { name: 'an unknown kafkajs level', entry: { level: 99, message: 'Connection error: x' }, want: 'info' },
  { name: 'the NOTHING level', entry: { level: NOTHING, message: 'x' }, want: 'info' },
];

for (const c of cases) {
  test(`kafkajs entry level: ${c.name} -> ${c.want}`, () => {
    assert.is(kafkajsLevel(c.entry), c.want);
  });
}

// What is written beside the message: kafkajs's fields, its stack only on a line left at error.
const STACK = 'KafkaJSNumberOfRetriesExceeded: ...\n    at Runner.start (node_modules/kafkajs/src/consumer/runner.js:84:5)';
const fieldCases: { name: string; entry: { level: number; message: string; extra: Record<string, unknown> }; want: { level: LogLevelName; fields: Record<string, unknown> } }[] = [
  // What `npm run demo` printed on a fresh clone, at warn with this stack, just after the broker started.
  {
    name: 'a crash on a coordinator still loading',
    entry: { level: ERROR, message: "Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is loading and hence can't process requests for this group", extra: { groupId: 'g', retryCount: 5, stack: STACK } },
    want: { level: 'warn', fields: { groupId: 'g', retryCount: 5 } },
  },
  {
    name: 'a crash on a refused connection',
    entry: { level: ERROR, message: 'Crash: KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092', extra: { groupId: 'g', stack: STACK } },
    want: { level: 'warn', fields: { groupId: 'g' } },
  },
  {
    name: 'a crash on a real cause',
    entry: { level: ERROR, message: 'Crash: KafkaJSProtocolError: Not authorized to access group: Group authorization failed', extra: { groupId: 'g', stack: STACK } },
    want: { level: 'error', fields: { groupId: 'g', stack: STACK } },
  },
  {
    name: 'a restart, which carries no stack',
    entry: { level: ERROR, message: 'Restarting the consumer in 300ms', extra: { groupId: 'g', retryTime: 300 } },
    want: { level: 'warn', fields: { groupId: 'g', retryTime: 300 } },
  },
  {
    name: 'a routine broker answer',
    entry: { level: ERROR, message: response('JoinGroup'), extra: { error: 'The group coordinator is not available', stack: STACK } },
    want: { level: 'debug', fields: { error: 'The group coordinator is not available' } },
  },
];

for (const c of fieldCases) {
  test(`kafkajs entry fields: ${c.name} -> ${c.want.level}${'stack' in c.want.fields ? ' with' : ' without'} the stack`, () => {
    const level = kafkajsLevel({ level: c.entry.level, message: c.entry.message, error: c.entry.extra.error });
    assert.is(level, c.want.level);
    assert.equal(kafkajsFields(level, c.entry.extra), c.want.fields);
  });
}

// Dropping the stack of a crash below error rests on kafkajs restarting it: after retries ran out,
// or on a cause it marks retriable, as it marks the coordinator loading.
test('kafkajs restarts a consumer that crashed after its retries or on a retriable cause', () => {
  const source = readFileSync(createRequire(import.meta.url).resolve('kafkajs/src/consumer/index.js'), 'utf8');
  assert.ok(source.includes("e.name === 'KafkaJSNumberOfRetriesExceeded' || getOriginalCause(e).retriable === true"), 'the restart rule in consumer/index.js');
  assert.is(kafkajsErrors.find((e) => e.type === 'GROUP_LOAD_IN_PROGRESS')?.retriable, true);
});

// The texts are kafkajs's own messages: an upgrade that rewords one must fail here.
const kafkajsErrors = (createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes: { type: string; message: string; retriable: boolean }[] }).errorCodes;
for (const c of TRANSIENT.filter((t) => /^[A-Z_]+$/.test(t.type))) {
  test(`the text for ${c.type} is in kafkajs's message for it`, () => {
    const known = kafkajsErrors.find((e) => e.type === c.type);
    assert.ok(known, `kafkajs knows ${c.type}`);
    assert.ok(known.message.includes(c.text), `"${known.message}" includes "${c.text}"`);
  });
}

test('every transient condition is recognised by its own text', () => {
  for (const c of TRANSIENT) assert.is(kafkajsLevel({ level: ERROR, message: `x ${c.text} y` }), c.level, c.type);
});

test.run();

// A missing TransactionalId ACL, in either of kafkajs's disguises, becomes one error naming the
// ACL; an outage or a coordinator election (no coordinator, no refusal seen) stays what it is, to
// be waited out. And the refusal kafkajs swallows is recognised in its log entries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { createRequire } from 'node:module';
import { explainRegistrationFailure, TransactionalIdRefused } from '../../processor/transactional-id-acl.js';
import { noteKafkajsEntry, TRANSACTIONAL_ID_REFUSED_TEXT, transactionalIdRefusedWithin } from '../../lib/kafka/broker-refusals.js';

const { KafkaJSGroupCoordinatorNotFound, KafkaJSProtocolError, KafkaJSConnectionError } = kafkajs;
const protocol = (type: string) => new KafkaJSProtocolError(Object.assign(new Error(type), { type, retriable: false }));
// Typed without arguments, but built by kafkajs with its message (cluster/index.js).
const coordinatorNotFound = () => new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)('Failed to find group coordinator');
const ID = 'loginpipe-processor:logins.raw:3';
const PREFIX = 'loginpipe-processor:logins.raw:';

const cases: { name: string; error: unknown; refusalSeen: boolean; refused: boolean }[] = [
  { name: 'InitProducerId refused (Describe granted, Write not)', error: protocol('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'), refusalSeen: true, refused: true },
  { name: 'the same, as the cause of another error', error: new Error('could not start', { cause: protocol('TRANSACTIONAL_ID_AUTHORIZATION_FAILED') }), refusalSeen: false, refused: true },
  { name: 'no coordinator, and the broker was seen refusing the id (neither granted)', error: coordinatorNotFound(), refusalSeen: true, refused: true },
  { name: 'no coordinator, and no refusal seen (an outage, a coordinator election)', error: coordinatorNotFound(), refusalSeen: false, refused: false },
  { name: 'a lost connection', error: new KafkaJSConnectionError('Connection error: ECONNREFUSED'), refusalSeen: true, refused: false },
  { name: 'another authorization failure', error: protocol('GROUP_AUTHORIZATION_FAILED'), refusalSeen: true, refused: false },
  { name: 'a thrown string', error: 'boom', refusalSeen: true, refused: false },
];

for (const c of cases) {
  test(`${c.name}: ${c.refused ? 'an error naming the ACL' : 'left as it is'}`, async () => {
    let asked = 0;
    const explained = await explainRegistrationFailure(c.error, ID, PREFIX, () => { asked++; return c.refusalSeen; });
    if (!c.refused) {
      assert.is(explained, c.error);
      return;
    }
    assert.instance(explained, TransactionalIdRefused);
    const refused = explained as TransactionalIdRefused;
    assert.is(refused.code, 'transactional_id_refused');
    assert.is(refused.retriable, false);
    assert.is(refused.cause, c.error);
    for (const part of [ID, `Write and Describe on the TransactionalId prefix ${PREFIX}`, '--resource-pattern-type prefixed', '`loginpipe acls`']) assert.match(refused.message, part);
    assert.ok(asked <= 1, 'the refusals are looked at most once');
  });
}

test('an error already explained is not explained again', async () => {
  const refused = new TransactionalIdRefused(ID, PREFIX, new Error('x'));
  assert.is(await explainRegistrationFailure(refused, ID, PREFIX, () => { throw new Error('not asked'); }), refused);
});

test("the refusal's text is kafkajs's own message for TRANSACTIONAL_ID_AUTHORIZATION_FAILED", () => {
  const codes = (createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes: { type: string; message: string }[] }).errorCodes;
  assert.is(codes.find((c) => c.type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')?.message, TRANSACTIONAL_ID_REFUSED_TEXT);
});

const entries: { name: string; entry: { message?: unknown; error?: unknown }; seen: boolean }[] = [
  { name: "FindCoordinator's answer refusing the id", entry: { message: 'Response GroupCoordinator(key: 10, version: 2)', error: 'Transactional Id authorization failed' }, seen: true },
  { name: "InitProducerId's answer refusing the id", entry: { message: 'Response InitProducerId(key: 22, version: 1)', error: 'Transactional Id authorization failed' }, seen: true },
  { name: 'a coordinator not available yet', entry: { message: 'Response GroupCoordinator(key: 10, version: 2)', error: 'The group coordinator is not available' }, seen: false },
  { name: 'a group refused', entry: { message: 'Response JoinGroup(key: 11, version: 5)', error: 'Not authorized to access group: Group authorization failed' }, seen: false },
  { name: 'the text in the message, not in the error', entry: { message: 'Transactional Id authorization failed' }, seen: false },
  { name: 'an error that is not text', entry: { error: { message: 'Transactional Id authorization failed' } }, seen: false },
];
let clock = 1_000_000;
for (const c of entries) {
  test(`a kafkajs entry with ${c.name} ${c.seen ? 'counts' : 'does not count'} as a refused transactional id`, () => {
    clock += 3_600_000; // far from the previous case's entry
    noteKafkajsEntry(c.entry, clock);
    assert.is(transactionalIdRefusedWithin(60_000, clock + 1_000), c.seen);
    if (c.seen) assert.is(transactionalIdRefusedWithin(60_000, clock + 61_000), false, 'forgotten after the window');
  });
}

test.run();

// The pure parts of per-partition fencing: which transactional id a raw partition gets, which
// errors make a consumer rejoin its group or retry a transaction step, when a sink may commit
// an offset, and which retired settings the processor warns about.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs, { type Admin } from 'kafkajs';
import { groupRebalanceCause } from '../../lib/runtime/errors.js';
import { transactionalIdFor, transactionalIdPrefix } from '../../processor/transactional-id.js';
import { isConcurrentTransactions, isFenced } from '../../processor/transactional-producer.js';
import { retiredProcessorSettings } from '../../processor/config.js';
import { OffsetGuard, isAhead } from '../../sink/offset-guard.js';

const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;
const protocol = (type: string, retriable: boolean) => Object.assign(new Error(type), { type, retriable });
const wrapped = (cause: unknown) => new Error('outer', { cause });
// What kafkajs's retrier throws once it gives up: the error again, with the original as its cause.
const gaveUp = (inner: Error) => Object.assign(new KafkaJSNonRetriableError(inner), { cause: inner });

const ids: { group: string; topic: string; partition: number; id: string }[] = [
  { group: 'loginpipe-processor', topic: 'logins.raw', partition: 0, id: 'loginpipe-processor:logins.raw:0' },
  { group: 'loginpipe-processor', topic: 'logins.raw', partition: 11, id: 'loginpipe-processor:logins.raw:11' },
  // Would collide with a '-' or '.' separator: group "a-b" + topic "c" and group "a" + topic "b-c".
  { group: 'a-b', topic: 'c', partition: 1, id: 'a-b:c:1' },
  { group: 'a', topic: 'b-c', partition: 1, id: 'a:b-c:1' },
];
for (const c of ids) {
  test(`transactional id of ${c.group} / ${c.topic} / ${c.partition} is ${c.id}, under the group and topic's prefix`, () => {
    assert.is(transactionalIdFor(c.group, c.topic, c.partition), c.id);
    assert.ok(c.id.startsWith(transactionalIdPrefix(c.group, c.topic)));
  });
}

// The ACL prefix of one group and topic covers none of the ids of another topic or group, even
// one whose name starts the same (':' is in no topic or group name, so it ends each part).
const notCovered: { group: string; topic: string; other: [string, string] }[] = [
  { group: 'loginpipe-processor', topic: 'logins.raw', other: ['loginpipe-processor', 'payments.raw'] },
  { group: 'loginpipe-processor', topic: 'logins.raw', other: ['loginpipe-processor', 'logins.raw2'] },
  { group: 'loginpipe-processor', topic: 'logins.raw', other: ['loginpipe-processor2', 'logins.raw'] },
  { group: 'a', topic: 'b', other: ['a', 'b-c'] },
];
for (const c of notCovered) {
  test(`the prefix of ${c.group} / ${c.topic} does not cover ${c.other.join(' / ')}`, () => {
    assert.not.ok(transactionalIdFor(c.other[0], c.other[1], 0).startsWith(transactionalIdPrefix(c.group, c.topic)));
  });
}

const errors: { name: string; error: unknown; rejoin: boolean; concurrent: boolean; fenced: boolean }[] = [
  { name: 'a refused offset commit from a forgotten member, wrapped by kafkajs retry', error: gaveUp(protocol('UNKNOWN_MEMBER_ID', false)), rejoin: true, concurrent: false, fenced: false },
  { name: 'an old generation', error: new KafkaJSProtocolError(protocol('ILLEGAL_GENERATION', false)), rejoin: true, concurrent: false, fenced: false },
  { name: 'a rebalance in progress, two causes deep', error: wrapped(wrapped(protocol('REBALANCE_IN_PROGRESS', false))), rejoin: true, concurrent: false, fenced: false },
  { name: 'the coordinator finishing the previous transaction', error: new KafkaJSProtocolError(protocol('CONCURRENT_TRANSACTIONS', true)), rejoin: false, concurrent: true, fenced: false },
  { name: 'the same, wrapped by kafkajs retry', error: gaveUp(protocol('CONCURRENT_TRANSACTIONS', true)), rejoin: false, concurrent: true, fenced: false },
  { name: 'a producer fenced', error: protocol('PRODUCER_FENCED', false), rejoin: false, concurrent: false, fenced: true },
  { name: 'a type that is not a string', error: { type: 7 }, rejoin: false, concurrent: false, fenced: false },
  { name: 'null', error: null, rejoin: false, concurrent: false, fenced: false },
  { name: 'a thrown string', error: 'UNKNOWN_MEMBER_ID', rejoin: false, concurrent: false, fenced: false },
];
for (const c of errors) {
  test(`${c.name}: rejoin ${c.rejoin}, retry the step ${c.concurrent}, fenced ${c.fenced}`, () => {
    const cause = groupRebalanceCause(c.error);
    assert.is(cause !== undefined, c.rejoin);
    if (cause !== undefined) assert.type((cause as { type?: unknown }).type, 'string', 'what kafkajs sees carries the type itself');
    assert.is(isConcurrentTransactions(c.error), c.concurrent);
    assert.is(isFenced(c.error), c.fenced);
  });
}

const ahead: { next: bigint; committed: bigint; ahead: boolean }[] = [
  { next: 10n, committed: -1n, ahead: true },
  { next: 10n, committed: 9n, ahead: true },
  { next: 10n, committed: 10n, ahead: false },
  { next: 10n, committed: 11n, ahead: false },
  { next: 9007199254740993n, committed: 9007199254740992n, ahead: true },
];
for (const c of ahead) {
  test(`a sink commit of ${c.next} over ${c.committed} ${c.ahead ? 'moves forward' : 'would not move forward'}`, () => {
    assert.is(isAhead(c.next, c.committed), c.ahead);
  });
}

// The one method of Admin the guard uses, answering a fixed committed offset.
const adminAt = (offset: string) => ({
  reads: 0,
  async fetchOffsets() { this.reads++; return [{ topic: 't', partitions: [{ partition: 2, offset, metadata: null }] }]; },
});

const guards: { name: string; assigned: number[]; rejoins: number; partition: number; next: bigint; committed: string; may: boolean; reads: number }[] = [
  { name: 'same assignment: commits without asking', assigned: [2], rejoins: 0, partition: 2, next: 5n, committed: '100', may: true, reads: 0 },
  { name: 'reassigned and the partition lost', assigned: [0, 1], rejoins: 1, partition: 2, next: 5n, committed: '1', may: false, reads: 0 },
  { name: 'reassigned, kept, and another committed further meanwhile', assigned: [2], rejoins: 1, partition: 2, next: 5n, committed: '8', may: false, reads: 1 },
  { name: 'reassigned, kept, and behind', assigned: [2], rejoins: 2, partition: 2, next: 5n, committed: '3', may: true, reads: 1 },
];
for (const c of guards) {
  test(`sink offset guard: ${c.name}`, async () => {
    const admin = adminAt(c.committed);
    const guard = new OffsetGuard(admin as unknown as Admin, 'g', 't');
    guard.joined([2]);
    const since = guard.current;
    for (let i = 0; i < c.rejoins; i++) guard.joined(c.assigned);
    assert.is(await guard.mayCommit(c.partition, since, c.next), c.may);
    assert.is(admin.reads, c.reads);
  });
}

test('the retired PROCESSOR_TRANSACTIONAL_ID is reported when set, not when empty', () => {
  assert.equal(retiredProcessorSettings({ PROCESSOR_TRANSACTIONAL_ID: 'p-1' }), ['PROCESSOR_TRANSACTIONAL_ID']);
  assert.equal(retiredProcessorSettings({ PROCESSOR_TRANSACTIONAL_ID: '' }), []);
  assert.equal(retiredProcessorSettings({}), []);
});

test.run();

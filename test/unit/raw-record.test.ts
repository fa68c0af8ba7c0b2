import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message } from '@aws-sdk/client-sqs';
import { isFifoQueueUrl, receiveAttributes, toRawRecord } from '../../connector/raw-record.js';
import { groupByPartition } from '../../lib/kafka/partition-sends.js';

// Which queues are FIFO, and how an SQS message becomes a raw record: keyed by message id from a
// standard queue, by MessageGroupId from a FIFO queue.

const fifoUrls: [string, boolean][] = [
  ['http://127.0.0.1:9324/000000000000/login-queue.fifo', true],
  ['https://sqs.eu-west-1.amazonaws.com/123456789012/logins.fifo', true],
  ['https://sqs.eu-west-1.amazonaws.com/123456789012/logins.fifo/', true],
  ['http://127.0.0.1:9324/000000000000/login-queue', false],
  ['http://127.0.0.1:9324/000000000000/login-queue-fifo', false],
  ['http://127.0.0.1:9324/000000000000/login-queue.fifo?x=1', true],
  ['http://127.0.0.1:9324/000000000000/queue?name=x.fifo', false],
  ['http://fifo.example/000000000000/q#.fifo', false],
  ['http://127.0.0.1:9324/000000000000/login-queue.FIFO', false],
  ['not a url.fifo', false],
  ['', false],
];
for (const [url, fifo] of fifoUrls) {
  test(`isFifoQueueUrl(${JSON.stringify(url)}) is ${fifo}`, () => assert.is(isFifoQueueUrl(url), fifo));
}

const message = (attrs: Record<string, string>): Message => ({ MessageId: 'm-1', Body: '{"a":1}', Attributes: attrs });

const records: { name: string; m: Message; fifo: boolean; key: string; headers: Record<string, string> }[] = [
  { name: 'standard: keyed by message id', m: message({ SentTimestamp: '1700', ApproximateReceiveCount: '1' }), fifo: false, key: 'm-1', headers: { 'sqs.message_id': 'm-1', 'sqs.sent_timestamp': '1700', 'sqs.receive_count': '1' } },
  { name: 'standard: a MessageGroupId is ignored', m: message({ SentTimestamp: '1700', MessageGroupId: 'g' }), fifo: false, key: 'm-1', headers: { 'sqs.message_id': 'm-1', 'sqs.sent_timestamp': '1700' } },
  { name: 'FIFO: keyed by MessageGroupId, which is also a header', m: message({ SentTimestamp: '1700', MessageGroupId: 'user-42' }), fifo: true, key: 'user-42', headers: { 'sqs.message_id': 'm-1', 'sqs.sent_timestamp': '1700', 'sqs.message_group_id': 'user-42' } },
  { name: 'FIFO: without a MessageGroupId, keyed by message id', m: message({ SentTimestamp: '1700' }), fifo: true, key: 'm-1', headers: { 'sqs.message_id': 'm-1', 'sqs.sent_timestamp': '1700' } },
  { name: 'FIFO: an empty MessageGroupId is no key', m: message({ MessageGroupId: '' }), fifo: true, key: 'm-1', headers: { 'sqs.message_id': 'm-1' } },
  { name: 'FIFO: a group id with unicode and spaces is kept as sent', m: message({ MessageGroupId: 'gruppe ü 1' }), fifo: true, key: 'gruppe ü 1', headers: { 'sqs.message_id': 'm-1', 'sqs.message_group_id': 'gruppe ü 1' } },
];
for (const c of records) {
  test(`toRawRecord: ${c.name}`, () => {
    const r = toRawRecord(c.m, c.fifo);
    assert.is(r.key, c.key);
    assert.equal(r.headers, c.headers);
    assert.is(r.value, '{"a":1}', 'the body is published untouched');
  });
}

test('receiveAttributes asks for MessageGroupId only from a FIFO queue', () => {
  assert.not.ok(receiveAttributes(false).includes('MessageGroupId'));
  assert.ok(receiveAttributes(true).includes('MessageGroupId'));
});

test('a group\'s records go to one partition, in the order they were received', () => {
  const received = Array.from({ length: 60 }, (_, i) => ({ MessageId: `m-${i}`, Body: String(i), Attributes: { MessageGroupId: `g-${i % 6}` } }));
  const byPartition = groupByPartition('raw', received.map((m) => toRawRecord(m, true)), 4);
  for (let g = 0; g < 6; g++) {
    const holding = [...byPartition.values()].filter((ms) => ms.some((m) => m.key === `g-${g}`));
    assert.is(holding.length, 1, `group g-${g} on one partition`);
    const bodies = holding[0]!.filter((m) => m.key === `g-${g}`).map((m) => Number(m.value));
    assert.equal(bodies, Array.from({ length: 10 }, (_, i) => g + 6 * i));
  }
});

test.run();

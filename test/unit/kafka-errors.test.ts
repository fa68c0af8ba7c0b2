// Which Kafka failures the processor lets kafkajs see as final, and which count as fencing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { causeKafkajsMayRetry, isFinalForKafkajs } from '../../lib/runtime/errors.js';
import { isFenced } from '../../processor/transactional-producer.js';

// kafkajs is CommonJS: its error classes come through the default export.
const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;

const protocol = (type: string, retriable: boolean) => Object.assign(new Error(type), { type, retriable });
const wrapped = (cause: unknown) => new Error('outer', { cause });
let selfCaused: { message: string; cause?: unknown } = { message: 'loop' };
selfCaused.cause = selfCaused;

const cases: { name: string; error: unknown; final: boolean; fenced: boolean }[] = [
  { name: 'a state error from a stuck transaction', error: new KafkaJSNonRetriableError('Cannot call "beginTransaction" in state "COMMITTING"'), final: true, fenced: false },
  { name: 'the same error wrapped by kafkajs retry', error: new KafkaJSNonRetriableError(wrapped(new KafkaJSNonRetriableError('inner'))), final: true, fenced: false },
  { name: 'a lost connection', error: new KafkaJSConnectionError('Connection error: ECONNREFUSED'), final: false, fenced: false },
  { name: 'a rebalance in progress', error: new KafkaJSProtocolError(protocol('REBALANCE_IN_PROGRESS', true)), final: false, fenced: false },
  { name: 'a plain error with no retriable flag', error: new Error('boom'), final: false, fenced: false },
  { name: 'a thrown string', error: 'boom', final: false, fenced: false },
  { name: 'undefined', error: undefined, final: false, fenced: false },
  { name: 'a producer fenced by a newer epoch', error: protocol('PRODUCER_FENCED', false), final: true, fenced: true },
  { name: 'an invalid producer epoch, three causes deep', error: wrapped(wrapped(wrapped(protocol('INVALID_PRODUCER_EPOCH', false)))), final: true, fenced: true },
  { name: 'an error that is its own cause', error: selfCaused, final: false, fenced: false },
];

for (const c of cases) {
  test(`${c.name}: ${c.final ? 'final for kafkajs' : 'retried by kafkajs'}${c.fenced ? ', fenced' : ''}`, () => {
    assert.is(isFinalForKafkajs(c.error), c.final);
    assert.is(isFenced(c.error), c.fenced);
    // Wrapping with the trimmed cause must never leave a final cause for kafkajs to find.
    assert.is(isFinalForKafkajs(new Error('retry me', { cause: causeKafkajsMayRetry(c.error) })), false);
  });
}

test.run();

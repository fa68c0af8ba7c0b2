// Which consumer crashes kafkajs will not restart from are outages that a service starts its
// consumer again after, and which are refusals that stop it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { isKafkaOutage } from '../../lib/kafka/consumer-outage.js';

// kafkajs is CommonJS: its error classes come through the default export.
const { KafkaJSConnectionError, KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded } = kafkajs;
// Classes kafkajs's types leave out, or declare with narrower constructors than its code has.
type Ctor = new (message: unknown, opts?: unknown) => Error;
const { KafkaJSNonRetriableError, KafkaJSGroupCoordinatorNotFound, KafkaJSRequestTimeoutError } = kafkajs as unknown as Record<"KafkaJSNonRetriableError" | "KafkaJSGroupCoordinatorNotFound" | "KafkaJSRequestTimeoutError", Ctor>;

const protocol = (type: string, retriable: boolean) => new KafkaJSProtocolError(Object.assign(new Error(type), { type, retriable }));
const wrapped = (cause: unknown) => new Error('outer', { cause });
/** What kafkajs's retrier throws for an error it will not retry. */
const asKafkajsRetrierGivesUp = (e: Error): Error => new KafkaJSNonRetriableError(e, { cause: e });
const selfCaused: { message: string; cause?: unknown } = { message: 'loop' };
selfCaused.cause = selfCaused;

const cases: { name: string; error: unknown; groupRefused?: boolean; outage: boolean }[] = [
  { name: 'the coordinator not found after a long freeze', error: new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator'), outage: true },
  { name: 'the same, just after the broker refused the group', error: new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator'), groupRefused: true, outage: false },
  { name: 'a request that timed out, wrapped as final', error: asKafkajsRetrierGivesUp(new KafkaJSRequestTimeoutError('Request Metadata timed out')), outage: true },
  { name: 'a refused connection, two causes deep', error: wrapped(wrapped(new KafkaJSConnectionError('Connection error: ECONNREFUSED'))), outage: true },
  { name: 'retries exhausted', error: new (KafkaJSNumberOfRetriesExceeded as unknown as Ctor)(new Error('x'), { retryCount: 8, retryTime: 10_000 }), outage: true },
  { name: 'a group authorization failure', error: asKafkajsRetrierGivesUp(protocol('GROUP_AUTHORIZATION_FAILED', false)), outage: false },
  { name: 'a topic authorization failure under a connection error', error: wrapped(Object.assign(new KafkaJSConnectionError('c'), { cause: protocol('TOPIC_AUTHORIZATION_FAILED', false) })), outage: false },
  { name: 'a state error from a stuck transaction', error: new KafkaJSNonRetriableError('Cannot call "beginTransaction" in state "COMMITTING"'), outage: false },
  { name: 'a plain error', error: new Error('boom'), outage: false },
  { name: 'a thrown string', error: 'KafkaJSConnectionError', outage: false },
  { name: 'undefined', error: undefined, outage: false },
  { name: 'null', error: null, outage: false },
  { name: 'an object named like an outage but holding a non-string type', error: { name: 'KafkaJSConnectionError', type: 42 }, outage: true },
  { name: 'an error that is its own cause', error: selfCaused, outage: false },
];

for (const c of cases) {
  test(`${c.name}: ${c.outage ? 'an outage, the consumer starts again' : 'stops the service'}`, () => {
    assert.is(isKafkaOutage(c.error, c.groupRefused ?? false), c.outage);
  });
}

test.run();

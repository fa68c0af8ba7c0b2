// kafkajs restarts a crashed consumer only when the crash's innermost cause says it is retriable.
// A long outage can end otherwise: Kafka frozen or cut off past the retries of a coordinator
// lookup makes kafkajs give up with KafkaJSGroupCoordinatorNotFound, which it declares final, and
// its consumer stops for good although the broker is about to answer again (this stopped the
// sink, and before it the processor, when a broker frozen for 5 minutes came back). Such a crash
// is an outage like any other, and the service starts its consumer again (lib/kafka/client.ts,
// watchConsumer). A refusal is not: an authorization failure anywhere in the chain, or a
// coordinator "not found" just after the broker refused the group, stops the service as before.
import { causeChain } from '../runtime/errors.js';

/** kafkajs errors that say a broker did not answer, or not yet, whatever their `retriable`. */
const OUTAGE_NAMES = new Set([
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
]);

/** Whether a consumer crash kafkajs will not restart from is an outage to start again after. */
export function isKafkaOutage(err: unknown, groupRefusedRecently: boolean): boolean {
  const chain = [...causeChain(err)] as { name?: unknown; type?: unknown }[];
  if (chain.some((e) => typeof e.type === 'string' && e.type.endsWith('_AUTHORIZATION_FAILED'))) return false;
  const names = chain.map((e) => e.name);
  if (groupRefusedRecently && names.includes('KafkaJSGroupCoordinatorNotFound')) return false;
  return names.some((n) => typeof n === 'string' && OUTAGE_NAMES.has(n));
}

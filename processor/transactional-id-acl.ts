// kafkajs hides a missing TransactionalId ACL in one of two disguises, and the processor would
// otherwise retry it for ever as if the broker were merely busy:
//   - without Describe, FindCoordinator is refused, kafkajs swallows the refusal and reports
//     KafkaJSGroupCoordinatorNotFound, as it also does when no coordinator can be reached (an
//     outage, a coordinator being elected);
//   - with Describe but without Write, InitProducerId fails with TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
// Both become one error that names the ACL to grant. The first counts as a refusal only if the
// broker's answer was seen saying so (lib/kafka/broker-refusals.ts); otherwise it is an outage
// and is waited out.
import { PipelineError, causeChain } from '../lib/runtime/errors.js';
import { kafkaAclsArgs } from '../lib/kafka/acls.js';

export class TransactionalIdRefused extends PipelineError {
  constructor(transactionalId: string, prefix: string, cause: unknown) {
    super('transactional_id_refused',
      `the broker refuses transactional id ${transactionalId} to this processor's principal: grant it Write and Describe on the TransactionalId prefix ${prefix} `
      + `(kafka-acls.sh --add ${kafkaAclsArgs({ service: 'processor', principal: 'User:<KAFKA_SASL_USERNAME>', resource: { type: 'transactional-id', name: prefix, pattern: 'prefixed' }, operations: ['Write', 'Describe'], why: '' }).join(' ')}); `
      + '`loginpipe acls` prints every ACL the services need',
      { cause });
  }
}

const hasType = (err: unknown, type: string) => [...causeChain(err)].some((e) => e.type === type);
const hasName = (err: unknown, name: string) => [...causeChain(err)].some((e) => (e as { name?: unknown }).name === name);

/**
 * The error to report for a failed registration of `transactionalId`: TransactionalIdRefused
 * when the broker refuses the id, otherwise `err` itself. `brokerRefusedId` says whether a
 * broker was seen refusing a transactional id just now.
 */
export function explainRegistrationFailure(err: unknown, transactionalId: string, prefix: string, brokerRefusedId: () => boolean): unknown {
  if (err instanceof TransactionalIdRefused) return err;
  if (hasType(err, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')) return new TransactionalIdRefused(transactionalId, prefix, err);
  if (hasName(err, 'KafkaJSGroupCoordinatorNotFound') && brokerRefusedId()) return new TransactionalIdRefused(transactionalId, prefix, err);
  return err;
}

// kafkajs hides one refusal the processor must tell apart from an outage: a transactional id the
// broker will not even locate (no Describe ACL). FindCoordinator's TRANSACTIONAL_ID_AUTHORIZATION_FAILED
// is swallowed and surfaces as KafkaJSGroupCoordinatorNotFound, which an outage also gives. What
// kafkajs does keep is its log entry for the broker's answer ("Response GroupCoordinator…" with
// the error's text), which every client's log creator (client.ts) shows to `noteKafkajsEntry`.
// The text is kafkajs's own message for that error type; a unit test checks it against the
// installed kafkajs.
export const TRANSACTIONAL_ID_REFUSED_TEXT = 'Transactional Id authorization failed';

// A consumer group the broker refuses to locate (no Describe ACL on the group) hides the same way:
// kafkajs reports KafkaJSGroupCoordinatorNotFound, as after a long outage.
export const GROUP_REFUSED_TEXT = 'Group authorization failed';

let lastRefusalMs = Number.NEGATIVE_INFINITY;
let lastGroupRefusalMs = Number.NEGATIVE_INFINITY;

/** Called with every kafkajs log entry this process's clients write. */
export function noteKafkajsEntry(entry: { message?: unknown; error?: unknown }, nowMs = Date.now()): void {
  if (typeof entry.error !== 'string') return;
  if (entry.error.includes(TRANSACTIONAL_ID_REFUSED_TEXT)) lastRefusalMs = nowMs;
  if (entry.error.includes(GROUP_REFUSED_TEXT)) lastGroupRefusalMs = nowMs;
}

/** Whether a broker refused this process a consumer group within the last `ms`. */
export function groupRefusedWithin(ms: number, nowMs = Date.now()): boolean {
  return nowMs - lastGroupRefusalMs <= ms;
}

/** Whether a broker refused this process a transactional id within the last `ms`. */
export function transactionalIdRefusedWithin(ms: number, nowMs = Date.now()): boolean {
  return nowMs - lastRefusalMs <= ms;
}

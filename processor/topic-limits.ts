// The dead-letter topic must take every record the raw topic takes: a dead letter is the raw
// record itself plus a few headers, written in the same transaction as the partition's offsets.
// If logins.dlq was created (by an operator, or by another tool) with a smaller max.message.bytes,
// a dead letter carrying a near-limit body is refused by the broker every time, its transaction
// fails for ever and that raw partition stops. So the processor compares the two limits at start
// and refuses to run, naming what to change, instead of meeting it at the first such record.
import { PipelineError } from '../lib/runtime/errors.js';

export class DeadLetterTopicTooSmall extends PipelineError {
  constructor(readonly dlqTopic: string, readonly dlqLimit: number, readonly rawTopic: string, readonly rawLimit: number) {
    super('dead_letter_topic_too_small',
      `topic ${dlqTopic} takes records of up to ${dlqLimit} bytes (max.message.bytes), less than the raw topic ${rawTopic} (${rawLimit}): `
      + `a dead letter of a record near that size would fail its transaction for ever and block its raw partition. `
      + `Raise it to at least ${rawLimit} (kafka-configs.sh --alter --entity-type topics --entity-name ${dlqTopic} --add-config max.message.bytes=${rawLimit}), `
      + `or lower the raw topic's to ${dlqLimit}`,
      { context: { topic: dlqTopic } });
    this.name = 'DeadLetterTopicTooSmall';
  }
}

/** The error to stop with when the dead-letter topic cannot take what the raw topic can, or undefined. */
export function checkDeadLetterLimit(limits: { rawTopic: string; rawLimit: number; dlqTopic: string; dlqLimit: number }): DeadLetterTopicTooSmall | undefined {
  return limits.dlqLimit < limits.rawLimit ? new DeadLetterTopicTooSmall(limits.dlqTopic, limits.dlqLimit, limits.rawTopic, limits.rawLimit) : undefined;
}

// A dead-letter send that Kafka did not acknowledge. It has to be told apart from a Postgres
// failure: both happen inside one batch write, and an error without a SQLSTATE otherwise reads as
// a lost database connection.
import { PipelineError, errorMessage } from '../lib/runtime/errors.js';

export class DeadLetterSendError extends PipelineError {
  constructor(topic: string, count: number, cause: unknown) {
    super('dead_letter_send_failed', `Kafka did not take ${count} dead letters: ${errorMessage(cause)}; check the broker and the sink's Write ACL on the dead-letter topic`, {
      context: { topic }, cause, retriable: false,
    });
    this.name = 'DeadLetterSendError';
  }
}

// One raw partition's transactional producer. Two kafkajs gaps are closed here:
//
// - A producer is never used again after a transaction failed, aborted or not. kafkajs leaves it
//   stuck when `commit()` fails (every later `transaction()` throws), and, worse, after an abort it
//   would keep its producer epoch and its sequence numbers, which it rolls back whenever a produce
//   request throws even though the broker may have appended the batch: the same batch sent again
//   in the next transaction then has the sequence numbers of the aborted one, the broker takes it
//   for a duplicate of that batch and appends nothing, and the transaction commits offsets for
//   records that were never written. A new producer registers the id again, which bumps the epoch
//   (sequences start over) and makes the broker finish whatever the old one left open.
// - CONCURRENT_TRANSACTIONS ("another concurrent operation on the same transaction") from
//   AddOffsetsToTxn means the coordinator is still writing the previous transaction's markers:
//   kafkajs does not retry it, so that step is retried here, with back-off. It never means the
//   transaction is aborted. (AddPartitionsToTxn is retried by kafkajs's own send loop; EndTxn
//   cannot be retried through kafkajs once sent, so its failure is an outcome unknown, settled
//   by the next producer's registration.)
//
// Fencing (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH) means another instance registered this id:
// the partition belongs to it now. That is not fatal; the caller forgets the partition.
import type { Producer, Transaction } from 'kafkajs';
import { PipelineError, causeChain, causeKafkajsMayRetry, errorMessage, type MessageContext } from '../lib/runtime/errors.js';
import type { Logger } from '../lib/observability/log.js';
import { retry, type RetryPolicy } from '../lib/runtime/retry.js';

export type TransactionOutcome =
  /** Nothing of the transaction is visible; the same records can simply be processed again. */
  | 'aborted'
  /** The commit request was sent but its answer was lost: the transaction may have committed. */
  | 'unknown';

export class TransactionFailed extends PipelineError {
  readonly outcome: TransactionOutcome;

  constructor(outcome: TransactionOutcome, message: string, cause: unknown, context: MessageContext) {
    super('transaction_failed', message, { retriable: true, cause: causeKafkajsMayRetry(cause), context });
    this.outcome = outcome;
  }
}

/** Another instance registered this transactional id: it owns the partition now. */
export class ProducerFenced extends PipelineError {
  constructor(transactionalId: string, cause: unknown, context: MessageContext = {}) {
    super('producer_fenced', `another processor took over transactional id ${transactionalId}; its partition is no longer ours`, { cause, context });
  }
}

/** The coordinator is finishing the previous transaction: a few tries, quickly, are enough. */
const CONCURRENT_RETRY: RetryPolicy = { initialMs: 20, maxMs: 1_000, attempts: 20 };

export class TransactionalProducer {
  private current: Producer | undefined;
  private closed = false;

  constructor(
    readonly transactionalId: string,
    private readonly create: () => Producer,
    private readonly log: Logger,
    /** Turns a registration failure into the error to report (a refused id, say); identity by default. */
    private readonly explainFailure: (err: unknown) => unknown = (err) => err,
  ) {}

  /**
   * Connects a producer if none is live and registers its transactional id with the broker,
   * which fences any other producer with this id and completes or aborts the transaction it
   * left open: afterwards the group's committed offset for the partition is final.
   */
  async ready(): Promise<void> {
    if (this.closed) throw new PipelineError('producer_closed', `the transactional producer ${this.transactionalId} was closed`);
    if (this.current) return;
    const producer = this.create();
    try {
      await producer.connect();
      // kafkajs registers the id lazily, on the first transaction; an empty one ends locally.
      const probe = await producer.transaction();
      await probe.abort();
    } catch (err) {
      await producer.disconnect().catch(() => {});
      if (isFenced(err)) throw new ProducerFenced(this.transactionalId, err);
      const explained = this.explainFailure(err);
      if (explained !== err) throw explained;
      throw new PipelineError('producer_unavailable', `could not start the transactional producer ${this.transactionalId}: ${errorMessage(err)}`, {
        retriable: true, cause: causeKafkajsMayRetry(err),
      });
    }
    if (this.closed) {
      await producer.disconnect().catch(() => {});
      throw new PipelineError('producer_closed', `the transactional producer ${this.transactionalId} was closed`);
    }
    this.current = producer;
  }

  /**
   * Runs `fill` inside one transaction and commits it; on failure says what became of it.
   * `about` names what the transaction carries, for the error.
   */
  async commit(fill: (txn: Transaction) => Promise<void>, about: { records: number; context: MessageContext }): Promise<void> {
    await this.ready();
    const txn = await this.current!.transaction();
    let committing = false;
    try {
      await fill(txn);
      committing = true;
      await txn.commit();
    } catch (err) {
      if (!committing && !isFenced(err)) await this.abort(txn);
      // Never again: see the top of this file (sequence numbers of an aborted batch).
      await this.retire();
      if (isFenced(err)) throw new ProducerFenced(this.transactionalId, err, about.context);
      const outcome: TransactionOutcome = committing ? 'unknown' : 'aborted';
      const step = committing ? 'commit' : 'write';
      throw new TransactionFailed(outcome, `the transaction for ${about.records} records failed at its ${step} (outcome ${outcome}): ${errorMessage(err)}`, err, about.context);
    }
  }

  /**
   * One step of a transaction, retried while the coordinator answers CONCURRENT_TRANSACTIONS.
   * For steps kafkajs does not retry that on its own (sendOffsets).
   */
  async step<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, CONCURRENT_RETRY, {
      shouldRetry: isConcurrentTransactions,
      onRetry: (_err, attempt, delayMs) => this.log.debug({ transactionalId: this.transactionalId, attempt, delayMs }, 'coordinator busy with the previous transaction; retrying the step'),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.retire();
  }

  /** Aborts so the coordinator frees the id at once; if this fails, the next registration does it. */
  private async abort(txn: Transaction): Promise<void> {
    try {
      if (txn.isActive()) await txn.abort();
    } catch (err) {
      this.log.debug({ transactionalId: this.transactionalId, err: errorMessage(err) }, 'abort failed; the next producer with this id settles the transaction');
    }
  }

  private async retire(): Promise<void> {
    const producer = this.current;
    this.current = undefined;
    await producer?.disconnect().catch(() => {});
  }
}

export function isFenced(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED') return true;
  }
  return false;
}

export function isConcurrentTransactions(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (e.type === 'CONCURRENT_TRANSACTIONS') return true;
  }
  return false;
}

// A transactional producer that survives a broken transaction. kafkajs leaves its producer stuck
// when `commit()` fails (the transaction stays in COMMITTING and every later `transaction()` call
// throws a non-retriable error), so a failed commit or abort retires the producer and the next
// transaction starts on a new one. Initialising the new one with the same transactional id makes
// the broker finish whatever the old one left open, so afterwards the committed offsets are
// settled and can be read back.
import type { Producer, Transaction } from 'kafkajs';
import { PipelineError, causeChain, causeKafkajsMayRetry, errorMessage, type MessageContext } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';

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

export class ProducerFenced extends PipelineError {
  constructor(transactionalId: string, cause: unknown) {
    super('producer_fenced', `another processor took over transactional id ${transactionalId}; give each instance its own PROCESSOR_TRANSACTIONAL_ID`, { cause });
  }
}

export class TransactionalProducer {
  private current: Producer | undefined;
  /** Set once another producer took the id over: registering again would fence that one in turn. */
  private fencedError: ProducerFenced | undefined;

  constructor(
    private readonly transactionalId: string,
    private readonly create: () => Producer,
    private readonly log: Logger,
  ) {}

  /**
   * Connects a producer if none is live and registers its transactional id with the broker,
   * which completes or aborts any transaction a previous producer with this id left open.
   */
  async ready(): Promise<void> {
    if (this.fencedError) throw this.fencedError;
    if (this.current) return;
    const producer = this.create();
    try {
      await producer.connect();
      // kafkajs registers the id lazily, on the first transaction; an empty one ends locally.
      const probe = await producer.transaction();
      await probe.abort();
    } catch (err) {
      await producer.disconnect().catch(() => {});
      if (isFenced(err)) throw this.fenced(err);
      throw new PipelineError('producer_unavailable', `could not start the transactional producer ${this.transactionalId}: ${errorMessage(err)}`, {
        retriable: true, cause: causeKafkajsMayRetry(err),
      });
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
      if (isFenced(err)) {
        await this.retire();
        throw this.fenced(err);
      }
      // Without a commit request nothing can have committed: a transaction we could not abort
      // here is aborted by the broker once the next producer registers the id.
      if (committing || !(await this.abort(txn))) await this.retire();
      const outcome: TransactionOutcome = committing ? 'unknown' : 'aborted';
      const step = committing ? 'commit' : 'write';
      throw new TransactionFailed(outcome, `the transaction for ${about.records} records failed at its ${step} (outcome ${outcome}): ${errorMessage(err)}`, err, about.context);
    }
  }

  async close(): Promise<void> {
    await this.retire();
  }

  /** Whether the transaction is now cleanly aborted and the producer fit for the next one. */
  private async abort(txn: Transaction): Promise<boolean> {
    try {
      if (!txn.isActive()) return false;
      await txn.abort();
      return true;
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'abort failed; the transactional producer will be replaced');
      return false;
    }
  }

  private fenced(cause: unknown): ProducerFenced {
    this.fencedError = new ProducerFenced(this.transactionalId, cause);
    return this.fencedError;
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

// A few error classes, each with a code, whether retrying can help, and the message it concerns.
// Context never holds a clear ip or device_id: only where the message lives.

export interface MessageContext {
  topic?: string;
  partition?: number;
  offset?: string;
  messageId?: string;
  queueUrl?: string;
}

export class PipelineError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly context: MessageContext;

  constructor(code: string, message: string, opts: { retriable?: boolean; context?: MessageContext; cause?: unknown } = {}) {
    const where = describeContext(opts.context ?? {});
    super(where ? `${message} (${where})` : message, { cause: opts.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.context = opts.context ?? {};
  }
}

export function describeContext(ctx: MessageContext): string {
  const parts: string[] = [];
  if (ctx.topic !== undefined) parts.push(`topic ${ctx.topic}`);
  if (ctx.partition !== undefined) parts.push(`partition ${ctx.partition}`);
  if (ctx.offset !== undefined) parts.push(`offset ${ctx.offset}`);
  if (ctx.messageId !== undefined) parts.push(`message ${ctx.messageId}`);
  if (ctx.queueUrl !== undefined) parts.push(`queue ${ctx.queueUrl}`);
  return parts.join(', ');
}

/** Message of any thrown value, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * kafkajs gives up on an error whose innermost `cause` says it is not retriable (its consumers
 * stop for good). For a cause we know is worth retrying anyway, this leaves such a cause off; its
 * message should be in the wrapping error's own.
 */
export function causeKafkajsMayRetry(err: unknown): unknown {
  return isFinalForKafkajs(err) ? undefined : err;
}

/** Whether kafkajs would treat this error (by its innermost cause) as final. */
export function isFinalForKafkajs(err: unknown): boolean {
  let root: unknown;
  for (const e of causeChain(err)) root = e;
  return (root as { retriable?: unknown } | undefined)?.retriable === false;
}

/** The error and its causes, outermost first; bounded, since a cause may loop back. */
export function* causeChain(err: unknown, maxDepth = 8): Generator<{ cause?: unknown; type?: unknown; retriable?: unknown }> {
  let e = err as { cause?: unknown } | null | undefined;
  for (let depth = 0; e !== undefined && e !== null && depth < maxDepth; depth++) {
    yield e;
    e = e.cause as typeof e;
  }
}

const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/**
 * The error in the chain that tells a consumer to rejoin its group (a rebalance, or a member the
 * group no longer knows, as after a long stall), if any. kafkajs rejoins only when it sees such
 * an error itself: wrapped, by us or by kafkajs's own retrier (a refused offset commit arrives
 * as a KafkaJSNonRetriableError), it stops the consumer for good or keeps fetching under a
 * generation the group has left behind. So a batch handler throws this one as it is.
 */
export function groupRebalanceCause(err: unknown): unknown {
  for (const e of causeChain(err)) {
    if (typeof e.type === 'string' && REBALANCE_TYPES.has(e.type)) return e;
  }
  return undefined;
}

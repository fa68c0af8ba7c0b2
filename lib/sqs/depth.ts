// loginpipe_sqs_messages: the approximate depth of the queue the connector drains and of its
// redrive queue (where SQS moves a message received too often), read with GetQueueAttributes
// when Prometheus scrapes. The redrive queue is found from the queue's own RedrivePolicy, so it
// follows whatever the operator configured.
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../observability/log.js';
import { SQS_STATES, type Metrics, type SqsQueueRole, type SqsState } from '../observability/metrics.js';
import { errorMessage } from '../runtime/errors.js';
import { ScrapeSampler } from '../observability/scrape-sampler.js';

export const DEPTH_ATTRIBUTES = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;

export type QueueDepth = Record<SqsState, number>;

/** The three approximate counts; a missing or garbled attribute reads as 0. */
export function parseQueueDepth(attributes: Partial<Record<string, string>> | undefined): QueueDepth {
  const count = (name: string): number => {
    const text = attributes?.[name];
    return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : 0;
  };
  return {
    visible: count('ApproximateNumberOfMessages'),
    in_flight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}

export interface QueueRef { arn: string; accountId: string; name: string }

/**
 * The dead-letter target of a RedrivePolicy attribute (JSON with a deadLetterTargetArn of the form
 * arn:<partition>:sqs:<region>:<account>:<name>), or undefined when there is none or it is not
 * one.
 */
export function redriveTarget(policy: string | undefined): QueueRef | undefined {
  if (policy === undefined || policy.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return undefined;
  }
  const arn = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).deadLetterTargetArn : undefined;
  if (typeof arn !== 'string') return undefined;
  const m = /^arn:[a-z-]+:sqs:[a-z0-9-]*:([0-9]{1,32}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/.exec(arn);
  return m ? { arn, accountId: m[1]!, name: m[2]! } : undefined;
}

export interface SqsDepthSampler { stop(): void }

/** Samples both queues' depth into loginpipe_sqs_messages on each scrape (at most every few seconds). */
export function startSqsDepthSampler(opts: { sqs: SQSClient; queueUrl: string; metrics: Metrics; log: Logger; minIntervalMs?: number }): SqsDepthSampler {
  const { sqs, queueUrl, metrics, log } = opts;
  let redrive: { arn: string; url: string } | undefined;
  let failing = false;
  const record = (queue: SqsQueueRole, depth: QueueDepth) => {
    for (const [state, n] of Object.entries(depth)) metrics.sqsMessages.set({ queue, state }, n);
  };

  const sampler = new ScrapeSampler(async () => {
    const main = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...DEPTH_ATTRIBUTES, 'RedrivePolicy'] }));
    record('main', parseQueueDepth(main.Attributes));
    const target = redriveTarget(main.Attributes?.RedrivePolicy);
    if (target === undefined) {
      // The policy was removed: a redrive depth would be stale, not zero.
      if (redrive) for (const state of SQS_STATES) metrics.sqsMessages.remove({ queue: 'redrive', state });
      redrive = undefined;
    } else {
      if (redrive?.arn !== target.arn) {
        const found = await sqs.send(new GetQueueUrlCommand({ QueueName: target.name, QueueOwnerAWSAccountId: target.accountId }));
        if (!found.QueueUrl) throw new Error(`SQS has no URL for the redrive queue ${target.arn}`);
        redrive = { arn: target.arn, url: found.QueueUrl };
        log.info({ queueUrl, redriveQueueUrl: redrive.url }, 'watching the redrive queue');
      }
      const dead = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: redrive.url, AttributeNames: [...DEPTH_ATTRIBUTES] }));
      record('redrive', parseQueueDepth(dead.Attributes));
    }
    if (failing) log.info({ queueUrl }, 'queue depth readable again');
    failing = false;
  }, {
    minIntervalMs: opts.minIntervalMs ?? DEPTH_SAMPLE_INTERVAL_MS,
    waitMs: 2_000,
    onError: (err) => {
      if (!failing) log.warn({ queueUrl, err: errorMessage(err) }, 'cannot read the queue depth; /metrics shows the last values');
      failing = true;
    },
  });
  const unregister = metrics.sampleOnScrape(() => sampler.refresh());
  return { stop: unregister };
}

export const DEPTH_SAMPLE_INTERVAL_MS = 5_000;

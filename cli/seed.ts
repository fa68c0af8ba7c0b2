// `loginpipe seed --count N [--malformed 0.05] [--seed 1] [--sns] [--fifo [--groups 6]]`: realistic
// logins into SQS; with --sns each body wrapped in an SNS envelope, with --fifo sent to a FIFO
// queue in message groups that interleave.
import { loadSettings } from '../lib/runtime/config.js';
import { createSampleLogins, type SampleLogin } from './sample-logins.js';
import { createSqsClient, sendBodies, sendGrouped } from '../lib/sqs/client.js';
import { sqsSettings } from '../connector/config.js';
import { isFifoQueueUrl } from '../connector/raw-record.js';
import { progressOn } from './progress.js';
import { interleavedGroups, snsEnvelope } from './sqs-traffic.js';
import { UsageError } from './args.js';

export interface SeedOptions {
  count: number;
  malformedShare: number;
  seed: number;
  /** Wrap each body in an SNS Notification envelope. */
  sns?: boolean;
  /** Send to a FIFO queue (SQS_QUEUE_URL must end in .fifo) in this many message groups. */
  fifoGroups?: number;
}

export async function seed(opts: SeedOptions, env: NodeJS.ProcessEnv = process.env, onSent?: (sent: number) => void): Promise<{ sent: SampleLogin[]; ids: string[]; queueUrl: string }> {
  const cfg = loadSettings(sqsSettings, env);
  if (opts.fifoGroups !== undefined && !isFifoQueueUrl(cfg.queueUrl)) {
    throw new UsageError(`seed --fifo: SQS_QUEUE_URL must name a FIFO queue (ending in .fifo); the local stack has ${cfg.queueUrl.replace(/\/[^/]*$/, '/login-queue.fifo')}`, ['seed']);
  }
  const sent = createSampleLogins(opts.seed).batch(opts.count, opts.malformedShare);
  const bodies = sent.map((s) => (opts.sns ? snsEnvelope(s.body) : s.body));
  const sqs = createSqsClient(cfg);
  try {
    const ids = opts.fifoGroups === undefined
      ? await sendBodies(sqs, cfg.queueUrl, bodies, 8, onSent)
      : await sendGrouped(sqs, cfg.queueUrl, bodies, interleavedGroups(bodies.length, opts.fifoGroups), onSent);
    return { sent, ids, queueUrl: cfg.queueUrl };
  } finally {
    sqs.destroy();
  }
}

export async function seedCommand(opts: SeedOptions, out: (line: string) => void): Promise<number> {
  // On a terminal, a line of progress on stderr; piped, only the result.
  const progress = progressOn();
  const { sent, queueUrl } = await seed(opts, process.env, (n) => progress.update(`sent ${n} of ${opts.count}`)).finally(() => progress.done());
  const bad = sent.filter((s) => s.expectedCode !== undefined).length;
  const how = [opts.sns ? 'in SNS envelopes' : '', opts.fifoGroups !== undefined ? `in ${opts.fifoGroups} message groups` : ''].filter((s) => s !== '').join(', ');
  out(`sent ${sent.length} logins to ${queueUrl} (${bad} malformed)${how ? ` ${how}` : ''}`);
  return 0;
}

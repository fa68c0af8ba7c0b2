// `loginpipe seed --count N [--malformed 0.05] [--seed 1]`: realistic logins into SQS.
import { loadSettings } from '../lib/runtime/config.js';
import { createSampleLogins, type SampleLogin } from './sample-logins.js';
import { createSqsClient, sendBodies } from '../lib/sqs/client.js';
import { sqsSettings } from '../connector/config.js';
import { progressOn } from './progress.js';

export interface SeedOptions { count: number; malformedShare: number; seed: number }

export async function seed(opts: SeedOptions, env: NodeJS.ProcessEnv = process.env, onSent?: (sent: number) => void): Promise<{ sent: SampleLogin[]; ids: string[]; queueUrl: string }> {
  const cfg = loadSettings(sqsSettings, env);
  const sent = createSampleLogins(opts.seed).batch(opts.count, opts.malformedShare);
  const sqs = createSqsClient(cfg);
  try {
    const ids = await sendBodies(sqs, cfg.queueUrl, sent.map((s) => s.body), 8, onSent);
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
  out(`sent ${sent.length} logins to ${queueUrl} (${bad} malformed)`);
  return 0;
}

// Which queue an SQS queue's failures go to, read from its RedrivePolicy attribute
// (`{"deadLetterTargetArn":"arn:aws:sqs:<region>:<account>:<name>","maxReceiveCount":"5"}`). Pure.

export interface RedriveTarget { queueName: string; accountId: string; region: string; maxReceiveCount: number | null }

/** The redrive target, or null when the queue has no (usable) policy. */
export function redriveTarget(policy: string | undefined): RedriveTarget | null {
  if (policy === undefined || policy.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { deadLetterTargetArn: arn, maxReceiveCount } = parsed as Record<string, unknown>;
  if (typeof arn !== 'string') return null;
  const m = /^arn:[a-z-]+:sqs:([a-z0-9-]*):([0-9]*):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/.exec(arn);
  if (!m) return null;
  const count = Number(maxReceiveCount);
  return { region: m[1]!, accountId: m[2]!, queueName: m[3]!, maxReceiveCount: Number.isInteger(count) && count > 0 ? count : null };
}

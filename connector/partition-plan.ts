// Which raw partition a message goes to, so that every copy of one SQS message lands on the same
// partition: the processor drops a repeated message id only within a partition. The partition is
// the key's hash (the message id) over a partition count; the count must be the same for every
// copy, whichever connector publishes it and whenever. Read from the topic at start, it changes
// with a partition increase, and a copy redelivered after a restart lands elsewhere.
//
// So the count comes from a plan, RAW_PARTITION_PLAN: "6" (always 6), or "6,12@2026-12-10T00:00:00Z"
// (6 for messages SQS received before that instant, 12 from it on). The instant is compared with
// the message's SentTimestamp, which every copy shares: a copy of a message sent before the switch
// goes where its first delivery went, on any connector. Unset, the plan is TOPIC_PARTITIONS alone.
// At start the raw topic must have exactly the plan's last count: more means an increase nobody
// planned (refused: copies would split), fewer means partitions the plan uses do not exist yet.

export interface PlanStep { count: number; fromMs: number }

const MAX_PARTITIONS = 10_000;

/** Parses a plan; throws an Error saying what is wrong (never echoing more than the bad entry). */
export function parsePartitionPlan(raw: string): PlanStep[] {
  const entries = raw.split(',').map((s) => s.trim());
  const plan: PlanStep[] = [];
  for (const [i, entry] of entries.entries()) {
    const m = i === 0 ? /^(\d{1,5})$/.exec(entry) : /^(\d{1,5})@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))$/.exec(entry);
    if (!m) {
      throw new Error(i === 0
        ? `must start with a partition count, got "${entry.slice(0, 40)}"`
        : `entry ${i + 1} must be <count>@<ISO 8601 time with Z or an offset>, got "${entry.slice(0, 60)}"`);
    }
    const count = Number(m[1]);
    if (count < 1 || count > MAX_PARTITIONS) throw new Error(`entry ${i + 1}: a partition count must be between 1 and ${MAX_PARTITIONS}, got ${count}`);
    const fromMs = i === 0 ? Number.NEGATIVE_INFINITY : Date.parse(m[2]!);
    if (Number.isNaN(fromMs)) throw new Error(`entry ${i + 1}: "${m[2]}" is not a time`);
    const before = plan[plan.length - 1];
    if (before !== undefined) {
      if (fromMs <= before.fromMs) throw new Error(`entry ${i + 1}: times must increase`);
      if (count <= before.count) throw new Error(`entry ${i + 1}: partition counts must increase (Kafka cannot remove partitions)`);
    }
    plan.push({ count, fromMs });
  }
  return plan;
}

/**
 * The count for a message sent at `sentMs`. A message without a sent time (never from SQS) uses
 * the plan's first count: the same for each of its copies, whatever the plan becomes later.
 */
export function countAt(plan: readonly PlanStep[], sentMs: number | undefined): number {
  if (sentMs === undefined || !Number.isFinite(sentMs)) return plan[0]!.count;
  let count = plan[0]!.count;
  for (const step of plan) if (step.fromMs <= sentMs) count = step.count;
  return count;
}

/** Why the raw topic does not match the plan, naming what to do, or undefined when it does. */
export function planMismatch(plan: readonly PlanStep[], topic: string, topicPartitions: number, planSetting: string): string | undefined {
  const last = plan[plan.length - 1]!.count;
  if (topicPartitions === last) return undefined;
  if (topicPartitions < last) {
    return `topic ${topic} has ${topicPartitions} partitions, but ${planSetting} places messages on ${last}: add the partitions first (kafka-topics.sh --alter --topic ${topic} --partitions ${last})`;
  }
  return `topic ${topic} has ${topicPartitions} partitions, but ${planSetting} places messages on ${last}: a copy of a message redelivered by SQS could land on another partition than its first delivery and be processed twice. `
    + `Plan the increase: set RAW_PARTITION_PLAN to "${plan.map((s, i) => (i === 0 ? String(s.count) : `${s.count}@${new Date(s.fromMs).toISOString()}`)).join(',')},${topicPartitions}@<a time after every connector has the new setting>" (docs/operations.md, "Adding raw partitions")`;
}

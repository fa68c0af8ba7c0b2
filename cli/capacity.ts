// The capacity model behind `loginpipe plan`, the README's capacity table and the Kubernetes
// requests: from the CPU each stage spent per event in the bench, how many replicas, partitions and
// SQS pollers an event rate needs, and what SQS charges for it. Pure arithmetic; the inputs are
// named below, measured ones apart from assumed ones, so that a new bench run changes one place.

/** Measured by `npm run bench` (README, "Figures", latest runs), on the shared 2-core VM. */
export const MEASURED = {
  /** CPU µs per event: connector 324 (20,000 events), processor 31.9 and sink 13.3 (last run). */
  cpuMicrosPerEvent: { connector: 324, processor: 31.9, sink: 13.3 },
  /**
   * Peak resident memory per service process, MiB: the highest of the `backlog` bench step
   * (200,000 events waiting, and 200 SQS bodies of 1 MiB), run with lib/runtime/container-memory.ts
   * (docs/benchmarks.md#backlog): connector with 1 MiB bodies, processor with sealing on.
   */
  peakRssMiB: { connector: 186, processor: 188, sink: 149 },
  /** user_logins bytes per row on disk, sealed values included: heap and indexes (growth step at 10 million rows, docs/benchmarks.md). */
  userLoginsBytesPerRow: { heap: 370, indexes: 240 },
} as const;

/** Chosen or assumed here, not measured: each is a knob of the plan. */
export const ASSUMED = {
  /** Share of a core one replica is planned to use: its CPU request. Half leaves room for bursts and GC. */
  coresPerReplica: 0.5,
  /** Fewest replicas of each service: one may be drained or restarting. */
  minReplicas: 2,
  /** Fewest partitions per topic (loginpipe's TOPIC_PARTITIONS default). */
  minPartitions: 6,
  /** Partitions per planned replica: room for KEDA to double the consumers during a catch-up. */
  partitionsPerReplica: 2,
  /** One poller's loop: ReceiveMessage (25 ms in-region) + publish to Kafka (10 ms) + DeleteMessageBatch (25 ms). */
  sqsLoopMs: 60,
  /** Messages per ReceiveMessage under load (SQS's maximum). */
  messagesPerReceive: 10,
  /** The most SQS_POLLERS the setting allows. */
  maxPollers: 64,
  /** SQS standard queue, US East, per million requests (aws.amazon.com/sqs/pricing; the rate quoted in 2026). */
  sqsUsdPerMillionRequests: 0.4,
} as const;

export type Stage = keyof typeof MEASURED.cpuMicrosPerEvent;
export const STAGES: readonly Stage[] = ['connector', 'processor', 'sink'];

export interface StagePlan {
  replicas: number;
  /** Cores the stage uses at the rate (arithmetic from the bench's CPU per event). */
  coresUsed: number;
  /** Cores requested: replicas × coresPerReplica. */
  coresRequested: number;
}

export interface Plan {
  eventsPerSecond: number;
  rawPartitions: number;
  cleanPartitions: number;
  stages: Record<Stage, StagePlan>;
  /** SQS_POLLERS per connector replica. */
  sqsPollers: number;
  /** ReceiveMessage + DeleteMessageBatch per million events, in full batches of ten. */
  sqsRequestsPerMillionEvents: number;
  sqsUsdPerMillionEvents: number;
  sqsUsdPerDay: number;
}

/** Events per second one replica of a stage is planned to carry. */
export function replicaCapacity(stage: Stage): number {
  return ASSUMED.coresPerReplica / (MEASURED.cpuMicrosPerEvent[stage] * 1e-6);
}

export function plan(eventsPerSecond: number): Plan {
  if (!Number.isFinite(eventsPerSecond) || eventsPerSecond <= 0) throw new RangeError('events per second must be a positive number');
  const stage = (s: Stage): StagePlan => {
    // Cores needed over cores per replica; the tiny tolerance keeps an exact fit (648.0000000001) at 648.
    const replicas = Math.max(ASSUMED.minReplicas, Math.ceil((eventsPerSecond * MEASURED.cpuMicrosPerEvent[s]) / (ASSUMED.coresPerReplica * 1e6) - 1e-9));
    return {
      replicas,
      coresUsed: eventsPerSecond * MEASURED.cpuMicrosPerEvent[s] * 1e-6,
      coresRequested: replicas * ASSUMED.coresPerReplica,
    };
  };
  const stages = { connector: stage('connector'), processor: stage('processor'), sink: stage('sink') };
  const partitions = (replicas: number) => Math.max(ASSUMED.minPartitions, ASSUMED.partitionsPerReplica * replicas);
  const perPoller = ASSUMED.messagesPerReceive / (ASSUMED.sqsLoopMs / 1000);
  const perConnector = eventsPerSecond / stages.connector.replicas;
  const requests = 2 * (1e6 / ASSUMED.messagesPerReceive);
  const usdPerMillion = (requests / 1e6) * ASSUMED.sqsUsdPerMillionRequests;
  return {
    eventsPerSecond,
    rawPartitions: partitions(stages.processor.replicas),
    cleanPartitions: partitions(stages.sink.replicas),
    stages,
    sqsPollers: Math.min(ASSUMED.maxPollers, Math.max(1, Math.ceil(perConnector / perPoller))),
    sqsRequestsPerMillionEvents: requests,
    sqsUsdPerMillionEvents: usdPerMillion,
    sqsUsdPerDay: (eventsPerSecond * 86_400 / 1e6) * usdPerMillion,
  };
}

/** Disk that user_logins takes at a rate: one day's partition, and a month (30 days) of them. */
export interface DiskPlan { rowsPerDay: number; partitionBytes: number; monthBytes: number }

export function diskPlan(eventsPerSecond: number): DiskPlan {
  if (!Number.isFinite(eventsPerSecond) || eventsPerSecond <= 0) throw new RangeError('events per second must be a positive number');
  const rowsPerDay = eventsPerSecond * 86_400;
  const { heap, indexes } = MEASURED.userLoginsBytesPerRow;
  const partitionBytes = rowsPerDay * (heap + indexes);
  return { rowsPerDay, partitionBytes, monthBytes: 30 * partitionBytes };
}

/** Bytes as the plan prints them: MB below a GB, GB below a TB, else TB (decimal). */
export function diskSize(bytes: number): string {
  if (bytes >= 1e12) return `${(bytes / 1e12).toFixed(1)} TB`;
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The plan as the README's table rows (Markdown), one row per rate. */
export function planTable(rates: readonly number[]): string[] {
  const lines = [
    '| Events/s | Raw / clean partitions | Connector: replicas, cores used / requested | Processor | Sink | `SQS_POLLERS` per connector | SQS requests per million events | SQS cost per million events / per day |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rates) {
    const p = plan(r);
    const s = (x: StagePlan) => `${x.replicas}, ${num(x.coresUsed, 2)} / ${num(x.coresRequested, 1)}`;
    lines.push(`| ${num(r)} | ${p.rawPartitions} / ${p.cleanPartitions} | ${s(p.stages.connector)} | ${s(p.stages.processor)} | ${s(p.stages.sink)} | ${p.sqsPollers} | ${num(p.sqsRequestsPerMillionEvents)} | $${num(p.sqsUsdPerMillionEvents, 2)} / $${num(p.sqsUsdPerDay, 2)} |`);
  }
  return lines;
}

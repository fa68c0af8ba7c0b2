// `loginpipe plan --events-per-second N`: the capacity model (cli/capacity.ts) for one rate, with
// the figures it rests on, so that a reader sees which are measured and which are assumed.
import { ASSUMED, MEASURED, STAGES, diskPlan, diskSize, plan, planTable, replicaCapacity } from './capacity.js';

export function planLines(eventsPerSecond: number): string[] {
  const p = plan(eventsPerSecond);
  const d = diskPlan(eventsPerSecond);
  const { heap, indexes } = MEASURED.userLoginsBytesPerRow;
  return [
    ...planTable([eventsPerSecond]),
    '',
    'Measured (npm run bench, README "Figures"): CPU µs per event ' +
      STAGES.map((s) => `${s} ${MEASURED.cpuMicrosPerEvent[s]}`).join(', ') + '.',
    `Assumed: ${ASSUMED.coresPerReplica} core per replica (its CPU request), so one replica carries ` +
      STAGES.map((s) => `${s} ${Math.floor(replicaCapacity(s)).toLocaleString('en-US')}`).join(', ') + ' events/s;',
    `  at least ${ASSUMED.minReplicas} replicas and ${ASSUMED.minPartitions} partitions, ${ASSUMED.partitionsPerReplica} partitions per replica;`,
    `  one SQS poller loop (receive, publish, delete) ${ASSUMED.sqsLoopMs} ms for ${ASSUMED.messagesPerReceive} messages;`,
    `  SQS at $${ASSUMED.sqsUsdPerMillionRequests.toFixed(2)} per million requests (standard queue, US East; first million a month free, not deducted).`,
    `The sink's ${p.stages.sink.replicas} replicas also need Postgres to take ${p.eventsPerSecond.toLocaleString('en-US')} rows/s: measure it.`,
    `Disk: user_logins takes ${Math.round(d.rowsPerDay).toLocaleString('en-US')} rows a day, one partition of about ${diskSize(d.partitionBytes)} per day ` +
      `and ${diskSize(d.monthBytes)} per month (measured ${heap} bytes of heap and ${indexes} of indexes per row); USER_LOGINS_RETENTION_DAYS=N keeps N partitions.`,
  ];
}

export function planCommand(eventsPerSecond: number, out: (line: string) => void): void {
  for (const line of planLines(eventsPerSecond)) out(line);
}

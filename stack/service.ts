// What stack.ts needs from each local service. Each service file (kafka.ts, elasticmq.ts,
// registry.ts, postgres.ts) builds one of these; stack.ts only sequences them.

export type ServiceName = 'kafka' | 'sqs' | 'registry' | 'postgres';

export interface ServiceStatus {
  name: ServiceName;
  address: string;
  up: boolean;
  pid?: number;
  detail?: string;
}

export type Log = (line: string) => void;

export interface LocalService {
  readonly name: ServiceName;
  /** Where clients connect, as they would write it in their settings. */
  readonly address: string;
  /** Where to look when it fails. */
  readonly logFile: string;
  /** How long it may take from launch until it answers. */
  readonly startTimeoutMs: number;
  /** Whether `stack down` stops it (the machine's Postgres is left alone). */
  readonly ownedByStack: boolean;
  /** The real "is it usable" check (a Kafka admin call, an SQS request, ...), a few seconds at most. */
  answers(): Promise<boolean>;
  /** Our process for it, if it runs. */
  pid(): Promise<number | undefined>;
  /** Starts it without waiting for it to answer. A no-op when our process already runs. */
  launch(log: Log): Promise<void>;
  /** False once a launched process has died, so waiting stops early. */
  alive(): Promise<boolean>;
  stop(opts: { kill?: boolean }): Promise<void>;
}

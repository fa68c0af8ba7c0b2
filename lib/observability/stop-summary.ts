// What the processor and the sink log when they stop: their totals, read from the Prometheus
// counters that count the same events for /metrics, so that each event is counted in one place.
// The counters are the process's (lib/observability/metrics.ts): `loginpipe run` hosts one processor and one
// sink per process, so they are that service's totals since the process started.
import type { Metrics } from './metrics.js';

/** What prom-client's `get()` returns for a counter, as far as a total needs it. */
export interface CounterData {
  values: readonly { value: number; labels: Partial<Record<string, string | number>> }[];
}

/** The sum of a counter's series whose labels include all of `labels` (every series when none). */
export function counterTotal(data: CounterData, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const series of data.values) {
    const has = (name: string, value: string) => Object.hasOwn(series.labels, name) && String(series.labels[name]) === value;
    if (!Object.entries(labels).every(([name, value]) => has(name, value))) continue;
    if (Number.isFinite(series.value)) total += series.value;
  }
  return total;
}

/** The processor's stop line: records by outcome, committed transactions, and partitions lost to a fence. */
export async function processorSummary(m: Metrics): Promise<{ clean: number; dead: number; duplicates: number; transactions: number; partitionsLost: number }> {
  const [records, transactions] = await Promise.all([m.processorRecords.get(), m.processorTransactions.get()]);
  return {
    clean: counterTotal(records, { outcome: 'clean' }),
    dead: counterTotal(records, { outcome: 'dead_letter' }),
    duplicates: counterTotal(records, { outcome: 'duplicate' }),
    transactions: counterTotal(transactions, { result: 'committed' }),
    partitionsLost: counterTotal(transactions, { result: 'fenced' }),
  };
}

/** The sink's stop line: rows by result, and clean records it could not decode (dead-lettered). */
export async function sinkSummary(m: Metrics): Promise<{ inserted: number; duplicates: number; rejected: number; undecodable: number }> {
  const [rows, deadLetters] = await Promise.all([m.sinkRows.get(), m.deadLetters.get()]);
  return {
    inserted: counterTotal(rows, { result: 'inserted' }),
    duplicates: counterTotal(rows, { result: 'duplicate' }),
    rejected: counterTotal(rows, { result: 'rejected' }),
    // Only the sink dead-letters invalid_avro (lib/records/dead-letter-codes.ts).
    undecodable: counterTotal(deadLetters, { code: 'invalid_avro' }),
  };
}

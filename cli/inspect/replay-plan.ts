// Where `loginpipe dlq replay` sends a dead letter back to, decided from the dead letter alone.
// Pure, so the rules are a table in test/unit/replay-plan.test.ts:
// - A processor dead letter (source.topic is the raw topic) holds the raw record's bytes: it goes
//   back to the raw topic with its key and original headers, and the processor judges it again.
// - A sink dead letter (source.topic is the clean topic: rejected_by_database, invalid_avro) holds
//   the clean record's bytes, already masked: it goes back to the clean topic, and the sink writes
//   it again. Re-deriving it from the raw topic is not possible in general (retention) and would
//   give the same bytes anyway, since masking is deterministic.
// - A dead letter without a value (too_large: the body never reached Kafka) is reported, not replayed.
// - A dead letter from any other topic is not ours to resend: reported, not replayed.
// Every replayed record carries replay.of = <dlq topic>/<partition>/<offset>, replacing one it
// had from an earlier replay, so the processor's duplicate filter treats it as new work.
import type { ParsedDeadLetter } from '../../lib/records/dead-letter.js';
import { HEADER_REPLAY_OF } from '../../lib/records/headers.js';

export interface PipelineTopicNames { rawTopic: string; cleanTopic: string }

export type ReplayStep =
  | { replay: true; topic: string; key: Buffer | null; value: Buffer; headers: Record<string, Buffer[]>; replayOf: string }
  | { replay: false; why: string };

export function replayOfText(at: ParsedDeadLetter['at']): string {
  return `${at.topic}/${at.partition}/${at.offset}`;
}

export function planReplay(d: ParsedDeadLetter, topics: PipelineTopicNames): ReplayStep {
  if (d.value === null) return { replay: false, why: `${d.code}: the dead letter has no value to replay` };
  const to = d.source.topic === topics.rawTopic ? topics.rawTopic : d.source.topic === topics.cleanTopic ? topics.cleanTopic : undefined;
  if (to === undefined) return { replay: false, why: `source topic ${JSON.stringify(d.source.topic)} is neither the raw nor the clean topic` };
  const replayOf = replayOfText(d.at);
  const headers: Record<string, Buffer[]> = {};
  for (const [k, v] of Object.entries(d.originalHeaders)) if (k !== HEADER_REPLAY_OF) headers[k] = v;
  headers[HEADER_REPLAY_OF] = [Buffer.from(replayOf, 'utf8')];
  return { replay: true, topic: to, key: d.key, value: d.value, headers, replayOf };
}

/** Dead letters counted by code, largest first, then by name. */
export function countByCode(codes: Iterable<string>): { code: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

// The level a kafkajs log entry is written at. kafkajs logs every error answer from a broker at
// ERROR, including the ones it retries as a matter of course: right after a broker starts, a
// group's coordinator is "not available" for a second; a transaction's coordinator moves; a
// leader election is under way. A healthy start then printed lines at level 50 that a newcomer
// reads as failures. Those conditions are written at debug (routine) or warn (worth seeing when
// they persist: a broker that refuses connections), and everything else keeps kafkajs's level.
// If a retried condition does not clear, the caller's own error says so: kafkajs gives up with an
// error that loginpipe logs (and a service rides out as an outage). Below error, the stack kafkajs
// attaches is left out (kafkajsFields).
//
// Entries are recognised by text, because that is all a log entry carries: the broker's answer is
// in `error` (a "Response <Api>" line) or inside `message` (a crash, a failed send). The texts are
// kafkajs's own messages for the error types named beside them; a unit test checks them against
// the installed kafkajs, so an upgrade that rewords one fails a test instead of an error line
// reappearing.
import { logLevel } from 'kafkajs';

export type LogLevelName = 'error' | 'warn' | 'info' | 'debug';

const FROM_KAFKAJS: Record<number, LogLevelName> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const RANK: Record<LogLevelName, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface TransientCondition {
  /** The kafkajs error type (protocol/error.js) whose message `text` is, or what else it is. */
  type: string;
  /** Found anywhere in the entry's message or error text. */
  text: string;
  level: 'debug' | 'warn';
}

export const TRANSIENT: readonly TransientCondition[] = [
  // A broker that just started: the group coordinator (and its load) comes up a moment later.
  { type: 'GROUP_COORDINATOR_NOT_AVAILABLE', text: 'The group coordinator is not available', level: 'debug' },
  { type: 'GROUP_LOAD_IN_PROGRESS', text: "The coordinator is loading and hence can't process requests", level: 'debug' },
  // Asked the wrong broker: kafkajs looks the coordinator up again (a transactional id's too).
  { type: 'NOT_COORDINATOR_FOR_GROUP', text: 'This is not the correct coordinator for this group', level: 'debug' },
  { type: 'NOT_CONTROLLER', text: 'This is not the correct controller for this cluster', level: 'debug' },
  // Leadership moves (a new topic, a broker restart): kafkajs refreshes metadata and retries.
  { type: 'LEADER_NOT_AVAILABLE', text: 'There is no leader for this topic-partition as we are in the middle of a leadership election', level: 'debug' },
  { type: 'NOT_LEADER_FOR_PARTITION', text: 'This server is not the leader for that topic-partition', level: 'debug' },
  { type: 'FENCED_LEADER_EPOCH', text: 'The leader epoch in the request is older than the epoch on the broker', level: 'debug' },
  { type: 'UNKNOWN_LEADER_EPOCH', text: 'The leader epoch in the request is newer than the epoch on the broker', level: 'debug' },
  { type: 'OFFSET_NOT_AVAILABLE', text: 'The leader high watermark has not caught up from a recent leader election', level: 'debug' },
  // A group rebalancing: kafkajs re-joins.
  { type: 'REBALANCE_IN_PROGRESS', text: 'The group is rebalancing, so a rejoin is needed', level: 'debug' },
  // Right after a commit the coordinator is still writing that transaction's markers, so the
  // next transaction's first request is told to wait (see producerOptions in kafka.ts).
  { type: 'CONCURRENT_TRANSACTIONS', text: 'another concurrent operation on the same transaction', level: 'debug' },

  // Retried too, but worth a look if they go on: a broker going away or restarting, a topic whose
  // metadata has not reached every broker, a member the group forgot (it re-joins), too few
  // in-sync replicas for acks=all.
  { type: 'KafkaJSConnectionError', text: 'Connection error:', level: 'warn' },
  { type: 'KafkaJSConnectionError (timeout)', text: 'Connection timeout', level: 'warn' },
  { type: 'KafkaJSConnectionClosedError', text: 'Closed connection', level: 'warn' },
  { type: 'seed broker failover', text: 'Failed to connect to seed broker, trying another broker', level: 'warn' },
  { type: 'NETWORK_EXCEPTION', text: 'The server disconnected before a response was received', level: 'warn' },
  { type: 'REQUEST_TIMED_OUT', text: 'The request timed out', level: 'warn' },
  { type: 'UNKNOWN_TOPIC_OR_PARTITION', text: 'This server does not host this topic-partition', level: 'warn' },
  { type: 'UNKNOWN_MEMBER_ID', text: 'The coordinator is not aware of this member', level: 'warn' },
  { type: 'ILLEGAL_GENERATION', text: 'Specified group generation id is not valid', level: 'warn' },
  { type: 'NOT_ENOUGH_REPLICAS', text: 'Messages are rejected since there are fewer in-sync replicas than required', level: 'warn' },
  { type: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', text: 'Messages are written to the log, but to fewer in-sync replicas than required', level: 'warn' },
  // kafkajs restarts a consumer only after a retriable crash.
  { type: 'consumer restart', text: 'Restarting the consumer in', level: 'warn' },
];

const STOPPED = ['Crash:', 'Error when calling eachBatch', 'Error when calling eachMessage'];

/**
 * The level to write a kafkajs entry at: kafkajs's own, lowered to the level of the transient
 * condition it reports (the most severe, if it names several). Never raised. A consumer crash,
 * or a batch handler that threw, stays at least a warning even when its cause is routine: work
 * stopped and is done again.
 */
export function kafkajsLevel(entry: { level: number; message?: unknown; error?: unknown }): LogLevelName {
  const own = FROM_KAFKAJS[entry.level] ?? 'info';
  if (RANK[own] < RANK.warn) return own;
  const text = `${textOf(entry.message)}\n${textOf(entry.error)}`;
  let found: LogLevelName | undefined;
  for (const c of TRANSIENT) {
    if (text.includes(c.text) && (found === undefined || RANK[c.level] > RANK[found])) found = c.level;
  }
  if (found === undefined) return own;
  if (STOPPED.some((start) => textOf(entry.message).startsWith(start)) && RANK[found] < RANK.warn) found = 'warn';
  return RANK[found] < RANK[own] ? found : own;
}

/**
 * The fields to write beside an entry written at `level`: kafkajs's own, without the stack it
 * attaches, unless the entry stays at error. Below error the entry reports a condition kafkajs
 * retries, or a consumer crash on one. kafkajs restarts such a crash (consumer/index.js restarts
 * after KafkaJSNumberOfRetriesExceeded or on a cause marked retriable, and loginpipe sets no
 * restartOnFailure) and says so in its next line, "Restarting the consumer in ...". Whether it
 * did is loginpipe's own "consumer crashed" line (watchConsumer in client.ts), at error when it
 * did not. The stack walks kafkajs's internals and tells an operator nothing the message does
 * not; at error it stays, for a bug report.
 */
export function kafkajsFields(level: LogLevelName, extra: Record<string, unknown>): Record<string, unknown> {
  if (level === 'error' || !('stack' in extra)) return extra;
  const { stack: _stack, ...rest } = extra;
  return rest;
}

// kafkajs passes strings, but once in a while an Error (brokerPool logs `e` as the message).
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return '';
}

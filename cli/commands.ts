// Every loginpipe command, declared once: its words, a line of description, its arguments and
// flags, and what runs it. `--help` at both levels is made from this table (cli/args.ts). A new
// command is one more entry here (or in a subcommand list), nothing else.
import { duration, share, sinceTime, wholeNumber, type Command } from './args.js';
import { serve, SERVICE_KINDS, type ServiceKind } from './serve.js';
import { migrateCommand } from './migrate.js';
import { seedCommand } from './seed.js';
import { demo } from './demo.js';
import { stackCommand } from './stack.js';
import { tailCommand, type TailTopic } from './inspect/tail.js';
import { statusCommand } from './inspect/status.js';
import { dlqReplay, dlqShow, dlqStats } from './inspect/dlq.js';
import { asArgv, UsageError } from './args.js';
import { keysCommand } from './pii/keys.js';
import { revealCommand } from './pii/reveal.js';
import { rekeyCommand } from './pii/rekey.js';
import { forgetCommand } from './pii/forget.js';
import { planCommand } from './plan.js';
import { aclsCommand } from './acls.js';
import { AuditUsageError } from '../lib/pii/audit.js';

const out = (line: string) => { process.stdout.write(line + '\n'); };
const err = (line: string) => { process.stderr.write(line + '\n'); };

/** The PII commands check their arguments' meaning themselves; a refusal there is bad usage too. */
async function asUsage<T>(path: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AuditUsageError) throw new UsageError(`${path.join(' ')}: ${e.message}`, path);
    throw e;
  }
}

const REASON = { type: 'string', value: 'TEXT', required: true, description: 'why: recorded in pii_audit' } as const;
const REQUESTED_BY = { type: 'string', value: 'WHO', description: 'on whose behalf, recorded in pii_audit beside the operating-system user' } as const;
const now = () => Date.now();

const service = (name: ServiceKind, description: string): Command => ({ name, description, run: () => serve([name]) });

const SHOW_VALUE = { type: 'boolean', description: 'also print each value (raw and dead-letter values hold clear ip and device_id)' } as const;
const JSON_FLAG = { type: 'boolean', description: 'one JSON object per line, for scripts' } as const;

export const COMMANDS: readonly Command[] = [
  service('connector', 'run the connector (SQS -> raw topic)'),
  service('processor', 'run a processor (raw topic -> clean topic / dead-letter topic)'),
  service('sink', 'run a sink (clean topic -> user_logins)'),
  { name: 'run', description: 'run all three services in one process', run: () => serve(SERVICE_KINDS) },
  {
    name: 'migrate',
    description: 'create or upgrade the user_logins table',
    flags: { roles: { type: 'boolean', description: 'also create the owner, sink and PII roles (DATABASE_*_ROLE) and grant them least privilege' } },
    run: ({ flags }) => migrateCommand(out, flags.roles === true),
  },
  {
    name: 'seed',
    description: 'send generated logins to SQS, a share of them malformed',
    flags: {
      count: { type: 'string', value: 'N', default: '100', description: 'how many logins to send', parse: wholeNumber(1, 10_000_000) },
      malformed: { type: 'string', value: 'SHARE', default: '0.05', description: 'share of malformed logins, 0 to 1', parse: share },
      seed: { type: 'string', value: 'N', default: '1', description: 'random seed: the same seed sends the same logins', parse: wholeNumber(0, 2 ** 31 - 1) },
      sns: { type: 'boolean', description: 'wrap each login in an SNS Notification envelope, as SNS delivers to a subscribed queue' },
      fifo: { type: 'boolean', description: 'send in interleaved message groups (SQS_QUEUE_URL must be a .fifo queue)' },
      groups: { type: 'string', value: 'N', default: '6', description: 'with --fifo: how many message groups', parse: wholeNumber(1, 100_000) },
    },
    run: ({ flags }) => seedCommand({
      count: flags.count as number, malformedShare: flags.malformed as number, seed: flags.seed as number,
      sns: flags.sns === true, fifoGroups: flags.fifo === true ? flags.groups as number : undefined,
    }, out),
  },
  {
    name: 'plan',
    description: 'replicas, partitions, SQS pollers and SQS cost for an event rate, from the bench\'s CPU per event',
    flags: {
      'events-per-second': { type: 'string', value: 'N', required: true, description: 'the peak rate to plan for', parse: wholeNumber(1, 100_000_000) },
    },
    run: async ({ flags }) => { planCommand(flags['events-per-second'] as number, out); return 0; },
  },
  {
    name: 'acls',
    description: 'the Kafka ACLs each service needs, for the configured names, as a kafka-acls.sh script',
    flags: { apply: { type: 'boolean', description: 'create them through the admin API with the KAFKA_* credentials (a principal that may alter ACLs), then read them back' } },
    run: ({ flags }) => aclsCommand(out, flags.apply === true),
  },
  {
    name: 'demo',
    description: 'start the local stack, run a sample through the pipeline, show the result',
    flags: { secure: { type: 'boolean', description: 'on the secure stack (`stack up --secure`): SASL_SSL and ACLs, a principal per service, the registry behind auth, Postgres roles' } },
    run: ({ flags }) => demo(out, flags.secure === true),
  },
  {
    name: 'stack',
    description: 'local Kafka, ElasticMQ, Schema Registry and Postgres, without Docker',
    positionals: [{ name: 'action', choices: ['up', 'down', 'status'], description: 'start, stop, or show the local services' }],
    flags: { secure: { type: 'boolean', description: 'with up: also a broker with SASL_SSL, ACLs and a user per service, the registry behind TLS and auth, Postgres roles; settings in .stack/secure/<service>.env' } },
    run: ({ positionals, flags }) => stackCommand(positionals.action, out, flags.secure === true),
  },
  {
    name: 'status',
    description: 'one screen: queue depth, consumer lag, rows, dead letters of the last hour, service readiness',
    flags: {
      json: { type: 'boolean', description: 'one JSON object, for scripts' },
      watch: { type: 'boolean', description: 'refresh every 2 seconds until Ctrl-C' },
    },
    run: ({ flags }) => statusCommand({ json: flags.json as boolean, watch: flags.watch as boolean }, out),
  },
  {
    name: 'tail',
    description: 'print a topic\'s committed records as they arrive (clean decoded, dead letters parsed)',
    positionals: [{ name: 'topic', choices: ['clean', 'raw', 'dlq'], description: 'the clean, raw or dead-letter topic' }],
    flags: {
      'from-beginning': { type: 'boolean', description: 'start at the oldest record instead of the newest' },
      max: { type: 'string', value: 'N', description: 'stop after N records', parse: wholeNumber(1) },
      json: JSON_FLAG,
      count: { type: 'boolean', description: 'only count the records up to the topic\'s current end, and print the number' },
      'show-value': SHOW_VALUE,
    },
    run: ({ positionals, flags }) => tailCommand({
      topic: positionals.topic as TailTopic,
      fromBeginning: flags['from-beginning'] as boolean,
      max: flags.max as number | undefined,
      json: flags.json as boolean,
      count: flags.count as boolean,
      showValue: flags['show-value'] as boolean,
    }, out),
  },
  {
    name: 'dlq',
    description: 'dead letters: count, show, and replay them after a fix',
    subcommands: [
      {
        name: 'stats',
        description: 'dead letters by code over a recent span',
        flags: {
          since: { type: 'string', value: 'SPAN', default: '1h', description: 'how far back: 90s, 15m, 1h, 7d', parse: duration },
          json: { type: 'boolean', description: 'one JSON object, for scripts' },
        },
        run: ({ flags }) => dlqStats({ sinceMs: now() - (flags.since as number), json: flags.json as boolean }, out),
      },
      {
        name: 'show',
        description: 'print dead letters (code, message, source), oldest first',
        flags: {
          code: { type: 'string', value: 'CODE', description: 'only dead letters with this error code' },
          max: { type: 'string', value: 'N', default: '20', description: 'print at most N', parse: wholeNumber(1) },
          since: { type: 'string', value: 'T', description: 'only from this time: a span back (1h) or an ISO time', parse: sinceTime(now) },
          json: JSON_FLAG,
          'show-value': SHOW_VALUE,
        },
        run: ({ flags }) => dlqShow({
          code: flags.code as string | undefined, max: flags.max as number, sinceMs: flags.since as number | undefined,
          json: flags.json as boolean, showValue: flags['show-value'] as boolean,
        }, out),
      },
      {
        name: 'replay',
        description: 'write dead letters of one code back to the topic they came from, marked replay.of',
        flags: {
          code: { type: 'string', value: 'CODE', required: true, description: 'the error code to replay' },
          since: { type: 'string', value: 'T', description: 'only dead letters from this time: a span back (1h) or an ISO time', parse: sinceTime(now) },
          'dry-run': { type: 'boolean', description: 'print what would be replayed, write nothing' },
          json: { type: 'boolean', description: 'print one JSON summary, for scripts' },
        },
        run: ({ flags }) => dlqReplay({ code: flags.code as string, sinceMs: flags.since as number | undefined, dryRun: flags['dry-run'] as boolean, json: flags.json as boolean }, out),
      },
    ],
  },
  {
    name: 'keys',
    description: 'recovery key pairs for sealing PII',
    subcommands: [
      {
        name: 'generate',
        description: 'write a new key pair: DIR/recovery.key (owner-only) and DIR/recovery.pub, and print the public key',
        flags: { out: { type: 'string', value: 'DIR', required: true, description: 'folder to write the key files into (never overwritten)' } },
        run: ({ flags }) => asUsage(['keys', 'generate'], async () => keysCommand('generate', flags.out as string, out, err)),
      },
    ],
  },
  {
    name: 'reveal',
    description: 'open the sealed ip and device_id of chosen rows with PII_RECOVERY_PRIVATE_KEY_FILE, audited in pii_audit',
    flags: {
      'event-id': { type: 'string', value: 'ID', multiple: true, description: 'a row by its event id (repeatable)' },
      'user-id': { type: 'string', value: 'U', description: 'every row of one user' },
      'masked-ip': { type: 'string', value: 'HEX', description: 'every row with this masked ip' },
      reason: REASON,
      'requested-by': REQUESTED_BY,
      json: { type: 'boolean', description: 'one JSON object per row, for scripts' },
    },
    run: (a) => asUsage(a.path, () => revealCommand(asArgv(a), out, err)),
  },
  {
    name: 'rekey',
    description: 'recompute the masks of rows made under another PII_HMAC_KEY_ID from their sealed values, in batches, audited',
    flags: {
      reason: REASON,
      'requested-by': REQUESTED_BY,
      'batch-size': { type: 'string', value: 'N', default: '500', description: 'rows per transaction' },
    },
    run: (a) => asUsage(a.path, () => rekeyCommand(asArgv(a), out, err)),
  },
  {
    name: 'forget',
    description: 'remove a user\'s sealed values (or, with --delete-rows, their rows), audited',
    flags: {
      'user-id': { type: 'string', value: 'U', required: true, description: 'the user to forget' },
      reason: REASON,
      'requested-by': REQUESTED_BY,
      'delete-rows': { type: 'boolean', description: 'delete the user\'s rows instead of clearing their sealed values' },
    },
    run: (a) => asUsage(a.path, () => forgetCommand(asArgv(a), out)),
  },
];

// The loginpipe command as a user meets it: bad settings stop it at start, naming the setting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { queueDepth } from '../../lib/sqs/client.js';
import { newWorld, sqs } from './harness.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const GOOD_KEY = Buffer.alloc(32, 7).toString('base64');

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const refusals: { name: string; args: string[]; env: Record<string, string>; names: string[] }[] = [
  { name: 'the processor refuses to start without PII_HMAC_KEY and says how to make one', args: ['processor'], env: {}, names: ['PII_HMAC_KEY', 'openssl rand -base64 32'] },
  { name: 'run refuses to start without PII_HMAC_KEY', args: ['run'], env: {}, names: ['PII_HMAC_KEY'] },
  { name: 'a key shorter than 32 bytes is refused', args: ['processor'], env: { PII_HMAC_KEY: Buffer.alloc(16).toString('base64') }, names: ['PII_HMAC_KEY', '32'] },
  { name: 'a partition count that is not a number is refused', args: ['sink'], env: { TOPIC_PARTITIONS: 'many' }, names: ['TOPIC_PARTITIONS'] },
  { name: 'a database URL of another scheme is refused', args: ['sink'], env: { DATABASE_URL: 'mysql://x' }, names: ['DATABASE_URL'] },
  { name: 'an SQS poller count out of range is refused', args: ['connector'], env: { SQS_POLLERS: '0' }, names: ['SQS_POLLERS'] },
  { name: 'every bad setting is named at once', args: ['run'], env: { PII_HMAC_KEY: GOOD_KEY, SINK_BATCH_SIZE: '-1', LOG_LEVEL: 'loud' }, names: ['SINK_BATCH_SIZE', 'LOG_LEVEL'] },
];

for (const c of refusals) {
  test(c.name, () => {
    // Brokers that do not exist: the refusal must come before any connection attempt.
    const r = run(c.args, { KAFKA_BROKERS: '127.0.0.1:1', ...c.env });
    assert.is(r.code, 2, `exit code 2, stderr: ${r.stderr}`);
    for (const n of c.names) assert.ok(r.stderr.includes(n), `stderr names ${n}: ${r.stderr}`);
  });
}

test('a refused key is never echoed', () => {
  const secretish = 'c2VjcmV0LXNlY3JldA==';
  const r = run(['processor'], { PII_HMAC_KEY: secretish });
  assert.is(r.code, 2);
  assert.not.ok(r.stderr.includes(secretish));
});

test('an unknown command prints the usage and exits 2', () => {
  const r = run(['frobnicate'], {});
  assert.is(r.code, 2);
  assert.ok(r.stderr.includes('usage: loginpipe'));
});

const usage: { name: string; args: string[]; code: number; stream: 'stdout' | 'stderr'; says: string[] }[] = [
  { name: 'an unknown flag exits 2 naming it', args: ['tail', 'clean', '--frob'], code: 2, stream: 'stderr', says: ['unknown flag "--frob"', 'usage: loginpipe tail'] },
  { name: 'a missing value exits 2 naming the flag', args: ['seed', '--count'], code: 2, stream: 'stderr', says: ['"--count" needs a value'] },
  { name: 'a bad value exits 2 naming the flag', args: ['seed', '--malformed', '2'], code: 2, stream: 'stderr', says: ['--malformed must be a share'] },
  { name: 'a required flag left out exits 2', args: ['dlq', 'replay'], code: 2, stream: 'stderr', says: ['--code is required'] },
  { name: '--help lists every command, exit 0', args: ['--help'], code: 0, stream: 'stdout', says: ['status [--json] [--watch]', 'tail <clean|raw|dlq>', 'dlq replay --code CODE', 'seed [--count N]'] },
  { name: '<command> --help lists its flags, exit 0', args: ['dlq', 'show', '--help'], code: 0, stream: 'stdout', says: ['--code CODE', '--max N', '--show-value'] },
];

for (const c of usage) {
  test(`usage: ${c.name}`, () => {
    const r = run(c.args, { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.is(r.code, c.code, r.stderr);
    for (const s of c.says) assert.ok(r[c.stream].includes(s), `${c.stream} says ${s}: ${r[c.stream]}`);
  });
}

test('seed sends the requested number of logins to the queue', async () => {
  const world = await newWorld('seed');
  try {
    const r = run(['seed', '--count', '35', '--malformed', '0.2'], world.env);
    assert.is(r.code, 0, r.stderr);
    assert.ok(/sent 35 logins/.test(r.stdout), r.stdout);
    const d = await queueDepth(sqs, world.queueUrl);
    assert.is(d.visible + d.inFlight, 35);
  } finally {
    await world.cleanup();
  }
});

test.run();

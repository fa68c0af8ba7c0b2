// `loginpipe run`: all three services in one process, with a health endpoint each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { sendBodies } from '../../lib/sqs/client.js';
import { db, newWorld, sqs, startLoginpipe, waitUntil } from './harness.js';

function healthPorts(lines: string[]): Map<string, number> {
  const ports = new Map<string, number>();
  for (const l of lines) {
    if (!l.includes('health endpoints listening')) continue;
    const entry = JSON.parse(l) as { service: string; port: number };
    ports.set(entry.service, entry.port);
  }
  return ports;
}

test('run lands logins with all three services in one process, each answering /healthz and /readyz, and prints no end-of-support warning', async () => {
  const world = await newWorld('run');
  try {
    // The harness waits for "connector started", the last of the three to start.
    const run = await startLoginpipe('run', world.env);

    const ports = healthPorts(run.lines);
    assert.equal([...ports.keys()].sort(), ['connector', 'processor', 'sink']);
    for (const [name, port] of ports) {
      const alive = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.is(alive.status, 200, `${name} is alive`);
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, { timeoutMs: 30_000, what: `${name} to be ready` });
      const body = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { service: string; status: string };
      assert.equal(body, { status: 'ready', service: name });
      assert.is((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
    }

    const samples = createSampleLogins(11).batch(50, 0);
    await sendBodies(sqs, world.queueUrl, samples.map((s) => s.body));
    await waitUntil(async () => (await db.one(`SELECT count(*)::int AS n FROM "${world.schema}".user_logins`)).n === 50, {
      timeoutMs: 60_000, what: '50 rows',
    });
    assert.is(await run.stop(), 0, 'run exits 0 on SIGTERM');
    assert.ok(run.lines.some((l) => l.includes('"msg":"stopped"')), 'it says it stopped');
    // A service started on the supported Node prints no end-of-support warning: on Node 20 the
    // AWS SDK printed one (NodeVersionSupportWarning) at every start.
    const warnings = run.stderr.join('');
    assert.not.match(warnings, /NodeVersionSupportWarning|end-of-support|no longer support/i, `stderr: ${warnings}`);
    // Nor kafkajs's negative throttle timer, which Node 24 warns about (lib/kafka/negative-timeout-warning.ts).
    assert.not.match(warnings, /TimeoutNegativeWarning/, `stderr: ${warnings}`);
  } finally {
    await world.cleanup();
  }
});

test.run();

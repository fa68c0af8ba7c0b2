// SIGTERM to an idle service: with nothing in flight there is nothing to finish, so each service
// exits 0 promptly (about a second), not after a fetch's full wait at the broker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTopics, newWorld, spawnLoginpipe, startLoginpipe, waitUntil, type LoginpipeProcess } from '../integration/harness.js';

/** Generous for a shared 2-core machine; kafkajs's default fetch wait made this 4-5 s. */
const IDLE_EXIT_BOUND_MS = 2_500;
const ROUNDS = 3;

for (const kind of ['processor', 'sink', 'connector'] as const) {
  test(`an idle ${kind} exits 0 within ${IDLE_EXIT_BOUND_MS} ms of SIGTERM, ${ROUNDS} times in a row`, async () => {
    const world = await newWorld(`idle-${kind}`);
    const times: number[] = [];
    try {
      await createTopics(world);
      for (let i = 0; i < ROUNDS; i++) {
        const svc: LoginpipeProcess = await startLoginpipe(kind, world.env);
        // Idle means settled in: a consumer has joined its group (the connector polls at once).
        if (kind !== 'connector') await waitUntil(() => svc.lines.some((l) => l.includes('"msg":"joined group"')), { timeoutMs: 30_000, what: `${kind} to join its group` });
        const from = Date.now();
        const code = await svc.stop();
        times.push(Date.now() - from);
        assert.is(code, 0, `${kind} exit code`);
      }
      console.log(`  idle ${kind}: SIGTERM to exit ${times.map((t) => `${t} ms`).join(', ')}`);
      for (const t of times) assert.ok(t <= IDLE_EXIT_BOUND_MS, `${kind} took ${t} ms to exit`);
    } finally {
      await world.cleanup();
    }
  });
}

for (const kind of ['processor', 'sink', 'connector'] as const) {
  test(`a ${kind} told to stop while it is still starting exits 0, not killed by the signal`, async () => {
    const world = await newWorld(`starting-${kind}`);
    try {
      const svc = spawnLoginpipe(kind, world.env);
      // Its health port answers first; the service itself is still connecting.
      await waitUntil(() => svc.lines.some((l) => l.includes('health endpoints listening')), { timeoutMs: 30_000, what: `${kind}'s health port` });
      svc.child.kill('SIGTERM');
      const code = await svc.exited;
      assert.is(code, 0, `${kind} exit code (null: killed by the signal); last lines: ${svc.lines.slice(-3).join(' | ')}`);
    } finally {
      await world.cleanup();
    }
  });
}

test.run();

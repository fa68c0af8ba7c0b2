// SIGTERM to every service at once mid-stream, then a restart: each exits 0 within
// SHUTDOWN_TIMEOUT_MS (plus process start-up margin), and nothing is lost or doubled.
import { test } from 'uvu';
import { KINDS, runScenario } from './scenario.js';
import { SHUTDOWN_TIMEOUT_MS } from './world.js';

const ROUNDS = 2;
const EXIT_MARGIN_MS = 3_000;

test('SIGTERM to every service mid-stream exits 0 in time and neither loses nor doubles an event', async () => {
  await runScenario('sigterm-all', async (ctx) => {
    const moments = Array.from({ length: ROUNDS }, (_, i) => (i + 0.2 + ctx.rand() * 0.6) / (ROUNDS + 0.5));
    for (const m of moments) {
      await ctx.atProgress(m);
      await ctx.fault('SIGTERM to all services', async () => {
        const stops = await Promise.all(KINDS.map((k) => ctx.services.terminate(k)));
        for (const s of stops) {
          if (s.code !== 0) ctx.problem(`${s.kind} exited with ${s.code} after SIGTERM`);
          if (s.ms > SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS) ctx.problem(`${s.kind} took ${s.ms} ms to exit after SIGTERM (SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS})`);
        }
        return stops.map((s) => `${s.kind} exit ${s.code} in ${(s.ms / 1000).toFixed(1)} s`).join(', ');
      }, async () => {
        for (const k of KINDS) await ctx.services.start(k);
      });
    }
  });
});

test.run();

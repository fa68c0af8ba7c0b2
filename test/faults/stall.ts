// Stalls and scaling for fault scenarios: an instance frozen with SIGSTOP past the consumer-group
// session timeout (or the SQS visibility timeout), so that the others take its work over, then
// thawed with SIGCONT to carry on as if nothing happened; and instances added and removed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kind, ScenarioContext } from './scenario.js';
import { VISIBILITY_TIMEOUT_SECONDS } from './world.js';

/** The services' KAFKA_SESSION_TIMEOUT_MS default. */
export const SESSION_TIMEOUT_MS = 10_000;
/** Long enough for the group to move the frozen instance's partitions (and SQS its messages). */
export const STALL_MS = Math.max(SESSION_TIMEOUT_MS, VISIBILITY_TIMEOUT_SECONDS * 1000) + 6_000;

/** Freezes one instance for `ms`, then thaws it; a fault of the scenario (recorded, always healed). */
export async function stall(ctx: ScenarioContext, name: string, ms = STALL_MS): Promise<void> {
  await ctx.fault(`SIGSTOP ${name} for ${(ms / 1000).toFixed(0)} s`, async () => {
    ctx.services.freeze(name);
    // The wait is the fault itself: how long the process stays frozen.
    await sleep(ms);
  }, async () => ctx.services.thaw(name));
}

/** Starts `count` more instances of a kind, named `<kind>-2`, `<kind>-3`, ...; returns their names. */
export async function scaleOut(ctx: ScenarioContext, kind: Kind, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${kind}-${i + 2}`);
  await Promise.all(names.map((name) => ctx.services.start(kind, name)));
  ctx.log(`scaled ${kind} out to ${count + 1}: ${names.map((n) => `${n} pid ${ctx.services.running(n).child.pid}`).join(', ')}`);
  return names;
}

/** Stops instances with SIGTERM, as a scale-in does; each must exit 0. */
export async function scaleIn(ctx: ScenarioContext, names: string[]): Promise<void> {
  const stops = await Promise.all(names.map((name) => ctx.services.terminate(name)));
  for (const s of stops) if (s.code !== 0) ctx.problem(`${s.kind} exited with ${s.code} on a scale-in SIGTERM`);
  ctx.log(`scaled in: ${names.join(', ')}`);
}

/**
 * The stall story of one kind: `extra` more instances join, the first is frozen past the timeout
 * while the others take its work over, later one of the added ones is, then the added ones leave.
 */
export function stallTwiceWhileScaledOut(kind: Kind, extra: number): (ctx: ScenarioContext) => Promise<void> {
  return async (ctx) => {
    await ctx.atProgress(0.03);
    const added = await scaleOut(ctx, kind, extra);
    await ctx.atProgress(0.2 + ctx.rand() * 0.1);
    await stall(ctx, kind);
    await ctx.atProgress(0.55 + ctx.rand() * 0.1);
    await stall(ctx, added[0]!);
    await scaleIn(ctx, added);
  };
}

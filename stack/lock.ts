// One stack operation at a time per checkout. Without it, two `stack up` running together (a
// CLI and a test run, say) would both start Kafka on the same data folder, and the loser's pid
// file would overwrite the winner's, leaving a process nobody can stop.
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paths } from './paths.js';

const LOCK_FILE = join(paths.run, 'stack.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryTake(): Promise<boolean> {
  try {
    const file = await open(LOCK_FILE, 'wx');
    await file.writeFile(`${process.pid}\n`);
    await file.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number.parseInt(await readFile(LOCK_FILE, 'utf8').catch(() => ''), 10);
  // A lock left by a process that died (Ctrl-C during Maven, say) is taken over.
  if (!Number.isInteger(holder) || !alive(holder)) {
    await rm(LOCK_FILE, { force: true });
  }
  return false;
}

// Calls within one process queue here first; the file only arbitrates between processes.
let queue: Promise<unknown> = Promise.resolve();

/** Runs fn while holding the stack lock, waiting up to timeoutMs for another holder. */
export function withStackLock<T>(fn: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
  const result = queue.then(() => withFileLock(fn, timeoutMs));
  queue = result.catch(() => undefined);
  return result;
}

async function withFileLock<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  await mkdir(paths.run, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (!(await tryTake())) {
    if (Date.now() >= deadline) {
      throw new Error(`another loginpipe stack command has held ${LOCK_FILE} for over ${timeoutMs / 1000} s`);
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK_FILE, { force: true });
  }
}

// Detached service processes: each one outlives the CLI that started it, so it is found again
// later through its pid file, and recognised by marker arguments on its command line so that
// a recycled pid never gets mistaken for (or killed as) one of ours.
import { spawn, execFile } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Launch {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
}

/** Starts a process in its own process group with stdout and stderr going to logFile. */
export async function launchDetached(l: Launch): Promise<number> {
  await mkdir(dirname(l.logFile), { recursive: true });
  await mkdir(dirname(l.pidFile), { recursive: true });
  await keepPreviousLog(l.logFile);
  const fd = openSync(l.logFile, 'a');
  try {
    const child = spawn(l.command, l.args, {
      cwd: l.cwd,
      env: l.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`${l.command} started without a pid`);
    await writeFile(l.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

/** One previous log is kept (name.log.1) so a crash is still readable after a restart, and
 *  logs never grow across restarts. */
async function keepPreviousLog(logFile: string): Promise<void> {
  const size = await stat(logFile).then((s) => s.size, () => 0);
  if (size > 0) await rename(logFile, `${logFile}.1`);
}

const HAS_PROC = existsSync('/proc/self/cmdline');

/**
 * The process's arguments joined by `sep`, with `sep` at both ends so that a marker can be
 * matched as a whole argument; undefined when the process is gone (or a zombie: empty).
 */
async function commandLine(pid: number): Promise<{ line: string; sep: string } | undefined> {
  if (HAS_PROC) {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    return raw === '' ? undefined : { line: `\0${raw}`, sep: '\0' };
  }
  // macOS and other systems without /proc.
  try {
    const { stdout } = await run('ps', ['-ww', '-o', 'args=', '-p', String(pid)]);
    return stdout.trim() === '' ? undefined : { line: ` ${stdout.trim()} `, sep: ' ' };
  } catch {
    return undefined; // ps exits non-zero when there is no such pid
  }
}

/** True when pid is alive and has every marker among its arguments. */
export async function isOurs(pid: number, markers: string[]): Promise<boolean> {
  const cmd = await commandLine(pid);
  return cmd !== undefined && markers.every((m) => cmd.line.includes(`${cmd.sep}${m}${cmd.sep}`));
}

/**
 * The pid of our live process: from the pid file when it is still right (a stale file is
 * removed), otherwise by looking through /proc for the markers, which finds a process whose
 * pid file was deleted.
 */
export async function findPid(pidFile: string, markers: string[]): Promise<number | undefined> {
  const recorded = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(recorded) && recorded > 0 && (await isOurs(recorded, markers))) return recorded;
  await rm(pidFile, { force: true });
  const found = await scanProc(markers);
  if (found !== undefined) await writeFile(pidFile, `${found}\n`);
  return found;
}

async function scanProc(markers: string[]): Promise<number | undefined> {
  if (!HAS_PROC) return undefined;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid !== process.pid && (await isOurs(pid, markers))) return pid;
  }
  return undefined;
}

/**
 * Stops pid: SIGTERM and up to graceMs for a clean shutdown, then SIGKILL. `kill` skips the
 * polite part, for tests that want a crash.
 */
export async function stopPid(pid: number, markers: string[], opts: { kill?: boolean; graceMs: number }): Promise<void> {
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  const gone = async (withinMs: number) => {
    const deadline = Date.now() + withinMs;
    while (await isOurs(pid, markers)) {
      if (Date.now() >= deadline) return false;
      await sleep(100);
    }
    return true;
  };
  if (!opts.kill) {
    send('SIGTERM');
    if (await gone(opts.graceMs)) return;
  }
  send('SIGKILL');
  if (!(await gone(10_000))) throw new Error(`process ${pid} is still running after SIGKILL`);
}

/** The last lines of a log file, for error messages. */
export async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

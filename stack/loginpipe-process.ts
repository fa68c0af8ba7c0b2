// Runs the built `loginpipe <command>` as a child process, as it runs in production, for tests
// and benchmarks: its JSON log lines are collected, and starting waits until it says it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../lib/runtime/paths.js';
import { waitUntil } from '../lib/runtime/wait-until.js';

export interface LoginpipeProcess {
  kind: string;
  child: ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Settles once it logged that it started; rejects (and kills it) if it exits or takes over a minute. */
  started: Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Starts `loginpipe <kind>` from the build and waits until it logs that it started. */
export async function startLoginpipe(kind: string, env: Record<string, string>, extra: Record<string, string> = {}): Promise<LoginpipeProcess> {
  const proc = spawnLoginpipe(kind, env, extra);
  await proc.started;
  return proc;
}

/** Starts `loginpipe <kind>` from the build without waiting: `started` says when it is up. */
export function spawnLoginpipe(kind: string, env: Record<string, string>, extra: Record<string, string> = {}, onLine?: (line: string) => void): LoginpipeProcess {
  // Node options that NODE_OPTIONS refuses (--cpu-prof), for benchmarks that profile a service.
  const nodeArgs = (extra.LOGINPIPE_NODE_ARGS ?? env.LOGINPIPE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, CLI, kind], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    if (onLine) for (const line of parts) onLine(line);
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // `run` starts the sink, the processor and then the connector: the last one to say so is the connector.
  const startedLine = `"msg":"${kind === 'run' ? 'connector' : kind} started"`;
  const started = waitUntil(() => lines.some((l) => l.includes(startedLine)), {
    timeoutMs: 60_000,
    what: `${kind} to start`,
    failIf: () => (child.exitCode !== null ? `${kind} exited with ${child.exitCode}: ${stderr.join('')}${lines.slice(-5).join('\n')}` : undefined),
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  // Whoever spawns may await `started` late (or never, if the test failed first).
  started.catch(() => {});
  return {
    kind, child, lines, stderr, exited, started,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

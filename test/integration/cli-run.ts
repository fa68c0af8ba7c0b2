// Runs the built `loginpipe` command as an operator would, for the CLI's integration tests.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface CliResult { code: number | null; stdout: string; stderr: string; lines: string[] }

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr, lines: stdout.split('\n').filter((l) => l !== '') });
    });
  });
}

/** Runs it and insists on exit 0, showing stderr otherwise. */
export async function cliOk(args: string[], env: Record<string, string>, timeoutMs?: number): Promise<CliResult> {
  const r = await runCli(args, env, timeoutMs);
  if (r.code !== 0) throw new Error(`loginpipe ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
}

// An ElasticMQ of the benchmark's own, in memory (no messages-storage block, so no H2 file) on
// another port: it shows what loginpipe does when the queue server's disk store is not the limit.
// It is a child of the benchmark, stopped by its pid when the benchmark ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javaCommand, jarsIn } from '../stack/java.js';
import { paths } from '../stack/paths.js';
import { waitUntil } from '../lib/runtime/wait-until.js';

export interface MemorySqs { endpoint: string; stop(): Promise<void> }

export async function startMemorySqs(port = Number(process.env.BENCH_MEMORY_SQS_PORT ?? 9325)): Promise<MemorySqs> {
  const dir = await mkdtemp(join(tmpdir(), 'loginpipe-bench-sqs-'));
  const config = join(dir, 'sqs.conf');
  await writeFile(config, `include classpath("application.conf")
node-address { protocol = http, host = "127.0.0.1", port = ${port}, context-path = "" }
generate-node-address = false
rest-sqs { enabled = true, bind-hostname = "127.0.0.1", bind-port = ${port}, sqs-limits = strict }
rest-stats.enabled = false
aws { region = "us-east-1", accountId = "000000000000" }
`);
  const child: ChildProcess = spawn(javaCommand(), ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', `-Dconfig.file=${config}`, '-cp', jarsIn(paths.libOf('elasticmq')), 'org.elasticmq.server.Main'], {
    cwd: dir, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    try {
      const res = await fetch(endpoint + '/', { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, body: '{}' });
      return res.ok;
    } catch {
      return false;
    }
  }, { timeoutMs: 60_000, what: `the in-memory ElasticMQ on port ${port}`, failIf: () => (child.exitCode !== null ? `it exited with ${child.exitCode}: ${stderr.join('').slice(-500)}` : undefined) });
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

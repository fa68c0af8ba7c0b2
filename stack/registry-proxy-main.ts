// The registry proxy (stack/registry-proxy.ts) as a process of its own, for `loginpipe stack up
// --secure`, which must leave it running after the command ends. Arguments: the folder and the
// port. Once it listens it writes what clients need to <dir>/proxy.json; SIGTERM stops it.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRegistryProxy } from './registry-proxy.js';

// The starter adds a marker argument (--loginpipe-service=…) to know this process again later.
interface RegistryProxyInfo { url: string; caFile: string; userInfo: string }

async function main(): Promise<void> {
  const [dir, port] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!dir || !port) throw new Error('usage: registry-proxy-main <dir> <port>');
  // Tokens are not offered to the services here; a day covers any session that uses the stack.
  const proxy = await startRegistryProxy({ dir, port: Number(port), tokenLifetimeS: 86_400 });
  const info: RegistryProxyInfo = { url: proxy.url, caFile: proxy.caFile, userInfo: proxy.userInfo };
  // Written whole or not at all: the starter polls for it.
  await writeFile(join(dir, 'proxy.json.tmp'), JSON.stringify(info), { mode: 0o600 });
  await rename(join(dir, 'proxy.json.tmp'), join(dir, 'proxy.json'));
  const stop = () => { void proxy.stop().then(() => process.exit(0)); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`registry proxy: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

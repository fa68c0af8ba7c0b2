import { stackDown, stackStatus, stackUp, type ServiceStatus } from '../stack/stack.js';

export async function stackCommand(action: string | undefined, out: (line: string) => void): Promise<number> {
  const print = (all: ServiceStatus[]) => {
    for (const s of all) out(`${s.name.padEnd(9)} ${(s.up ? 'up' : 'down').padEnd(5)} ${s.address}${s.pid ? `  pid ${s.pid}` : ''}${s.detail ? `  ${s.detail}` : ''}`);
  };
  switch (action) {
    case 'up':
      print(await stackUp({ log: out }));
      return 0;
    case 'down':
      await stackDown({ log: out });
      return 0;
    case 'status': {
      const all = await stackStatus();
      print(all);
      return all.every((s) => s.up) ? 0 : 3;
    }
    default:
      out('usage: loginpipe stack up|down|status');
      return 2;
  }
}

import { secureUp, stackDown, stackStatus, stackUp, type ServiceStatus } from '../stack/stack.js';
import { secureStackStatus } from '../stack/secure-stack.js';

export async function stackCommand(action: string | undefined, out: (line: string) => void, secure = false): Promise<number> {
  const print = (all: (Omit<ServiceStatus, 'name'> & { name: string })[]) => {
    for (const s of all) out(`${s.name.padEnd(17)} ${(s.up ? 'up' : 'down').padEnd(5)} ${s.address}${s.pid ? `  pid ${s.pid}` : ''}${s.detail ? `  ${s.detail}` : ''}`);
  };
  switch (action) {
    case 'up': {
      if (!secure) {
        print(await stackUp({ log: out }));
        return 0;
      }
      const { services, secure: s } = await secureUp({ log: out });
      print(services);
      print(await secureStackStatus());
      out(`\neach service's settings: ${Object.values(s.envFiles).join(' ')}`);
      out(`run one with: (set -a; . ${s.envFiles.sink}; set +a; npx loginpipe sink)`);
      return 0;
    }
    case 'down':
      await stackDown({ log: out });
      return 0;
    case 'status': {
      const all = [...(await stackStatus()), ...(await secureStackStatus())];
      print(all);
      return all.every((s) => s.up) ? 0 : 3;
    }
    default:
      out('usage: loginpipe stack up [--secure]|down|status');
      return 2;
  }
}

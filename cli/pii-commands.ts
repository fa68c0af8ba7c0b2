// The recovery-key commands, dispatched by cli/main.ts before the command table (their argument
// parsing is their own; see each file). Usage errors are UsageErrors: exit 2 with a message.
import { keysCommand } from './keys.js';
import { UsageError } from './args.js';
import { revealCommand } from './reveal.js';
import { rekeyCommand } from './rekey.js';
import { forgetCommand } from './forget.js';
import { AuditUsageError } from '../lib/pii/audit.js';

const out = (line: string) => { process.stdout.write(line + '\n'); };
const err = (line: string) => { process.stderr.write(line + '\n'); };

/** Turns a parser's refusal (ours or node:util's) into a usage error. */
async function usage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof AuditUsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) throw new UsageError((e as Error).message);
    throw e;
  }
}

export const PII_COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  keys: (args) => usage(async () => {
    const { parseArgs } = await import('node:util');
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
    return keysCommand(positionals[0], values.out, out, err);
  }),
  reveal: (args) => usage(() => revealCommand(args, out, err)),
  rekey: (args) => usage(() => rekeyCommand(args, out, err)),
  forget: (args) => usage(() => forgetCommand(args, out)),
};

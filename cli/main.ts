#!/usr/bin/env node
// The `loginpipe` command: parses argv against the command table (cli/commands.ts) and runs one.
import { ConfigError } from '../lib/runtime/config.js';
import { errorMessage } from '../lib/runtime/errors.js';
import { commandHelp, parseCommandLine, programHelp, UsageError, type Command } from './args.js';
import { COMMANDS } from './commands.js';
import { dropKafkajsNegativeTimeoutWarnings } from '../lib/kafka/negative-timeout-warning.js';

// Also for the stack's own probes, which make kafkajs clients without createKafka.
dropKafkajsNegativeTimeoutWarnings();


const PROGRAM = 'loginpipe';

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(PROGRAM, COMMANDS, argv);
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text + '\n');
    return 0;
  }
  return parsed.command.run!(parsed.args);
}

function helpFor(path: readonly string[] | undefined): string {
  if (!path || path.length === 0) return programHelp(PROGRAM, COMMANDS);
  let list: readonly Command[] = COMMANDS;
  let found: Command | undefined;
  for (const word of path) {
    found = list.find((c) => c.name === word);
    if (!found) return programHelp(PROGRAM, COMMANDS);
    list = found.subcommands ?? [];
  }
  return commandHelp(PROGRAM, found!, path);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${PROGRAM}: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`${PROGRAM}: ${err.message}\n\n${helpFor(err.helpFor)}\n`);
      process.exit(2);
    }
    process.stderr.write(`${PROGRAM}: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);

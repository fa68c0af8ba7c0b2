#!/usr/bin/env node
// The `loginpipe` command.
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config.js';
import { errorMessage } from '../lib/errors.js';
import { serve, SERVICE_KINDS, type ServiceKind } from './serve.js';
import { migrateCommand } from './migrate.js';
import { seedCommand } from './seed.js';
import { demo } from './demo.js';
import { stackCommand } from './stack.js';

const USAGE = `usage: loginpipe <command>

  connector | processor | sink   run one service (run several instances to scale out)
  run                            run all three services in one process
  migrate                        create or upgrade the user_logins table
  seed --count N [--malformed 0.05] [--seed 1]
                                 send generated logins to SQS
  demo                           start the local stack, run a sample through, show the result
  stack up|down|status           local Kafka, ElasticMQ, Schema Registry and Postgres

Settings come from the environment; see the README.`;

const out = (line: string) => process.stdout.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'connector':
    case 'processor':
    case 'sink':
      return serve([command as ServiceKind]);
    case 'run':
      return serve(SERVICE_KINDS);
    case 'migrate':
      return migrateCommand(out);
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { count: { type: 'string', default: '100' }, malformed: { type: 'string', default: '0.05' }, seed: { type: 'string', default: '1' } } });
      const count = Number(values.count);
      const malformedShare = Number(values.malformed);
      if (!Number.isInteger(count) || count < 1) throw new UsageError('--count must be a whole number of at least 1');
      if (!(malformedShare >= 0 && malformedShare <= 1)) throw new UsageError('--malformed must be a share between 0 and 1');
      return seedCommand({ count, malformedShare, seed: Number(values.seed) }, out);
    }
    case 'demo':
      return demo(out);
    case 'stack':
      return stackCommand(rest[0], out);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`loginpipe: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`loginpipe: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`loginpipe: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);

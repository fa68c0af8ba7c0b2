import { pino, type Logger } from 'pino';

export type { Logger };

// A safety net, not the main defence: code never logs event bodies, but if an object carrying
// them slips into a log call these paths are censored before the line is written.
const REDACT = [
  'ip', 'device_id', 'deviceId', 'body', 'value', 'event',
  '*.ip', '*.device_id', '*.deviceId', '*.body', '*.value', '*.event',
];

export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'loginpipe',
      level: opts.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? process.stdout,
  );
}

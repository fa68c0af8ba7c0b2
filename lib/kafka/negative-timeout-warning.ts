// kafkajs 2.2.4 arms its throttle check (network/requestQueue, scheduleCheckPendingRequests)
// with `throttledUntil - Date.now()`, which is negative whenever the broker has not throttled
// the client. Node 24 warns about such a timer (TimeoutNegativeWarning) on stderr and runs it
// after 1 ms, which is what kafkajs means. An operator can do nothing about it, so that one
// warning, from kafkajs only, is dropped; every other warning is printed as before.
let installed = false;

export function dropKafkajsNegativeTimeoutWarnings(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning;
  process.emitWarning = function emitWarning(this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning' && fromKafkajs()) return;
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}

function fromKafkajs(): boolean {
  return /[\\/]kafkajs[\\/]src[\\/]network[\\/]/.test(new Error().stack ?? '');
}

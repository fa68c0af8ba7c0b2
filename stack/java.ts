// The three Java services are launched the same way: a detached JVM with a bounded heap, its
// output in .stack/logs/<name>.log, its pid in .stack/run/<name>.pid, and two marker system
// properties that tell our processes apart from any other java on the machine.
import { join } from 'node:path';
import { STACK_DIR, paths } from './paths.js';
import { findPid, isOurs, launchDetached, stopPid } from './process.js';
import type { ServiceName } from './service.js';
import { tcpOpen } from './wait.js';

export function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export interface JvmSpec {
  name: ServiceName;
  heap: string;
  /** Serial suits the small, mostly idle services; Kafka keeps G1 as its own scripts do. */
  gc: 'serial' | 'g1';
  /** System properties, before the main class or jar. */
  props: Record<string, string>;
  /** `-cp <classpath> <mainClass>` or `-jar <jar>`, plus program arguments. */
  main: { classpath: string; mainClass: string } | { jar: string };
  args?: string[];
  cwd?: string;
  /** The port it listens on: a port answered by someone else is reported, not fought over. */
  port: number;
  /** How long a polite shutdown may take before SIGKILL. */
  graceMs: number;
}

export interface Jvm {
  readonly logFile: string;
  pid(): Promise<number | undefined>;
  launch(): Promise<void>;
  alive(): Promise<boolean>;
  stop(opts: { kill?: boolean }): Promise<void>;
}

export function jvm(spec: JvmSpec): Jvm {
  const markers = [`-Dloginpipe.service=${spec.name}`, `-Dloginpipe.stack=${STACK_DIR}`];
  const pidFile = paths.pidFile(spec.name);
  const logFile = paths.logFile(spec.name);
  const pid = () => findPid(pidFile, markers);

  return {
    logFile,
    pid,
    async alive() {
      const p = await pid();
      return p !== undefined && (await isOurs(p, markers));
    },
    async launch() {
      if ((await pid()) !== undefined) return; // still starting, or up but slow to answer: wait for it
      if (await tcpOpen('127.0.0.1', spec.port)) {
        throw new Error(
          `port ${spec.port} is taken by a process loginpipe did not start, and it does not answer as ${spec.name}; ` +
            `stop it (see \`ss -ltnp 'sport = :${spec.port}'\`) and try again`,
        );
      }
      const gc = spec.gc === 'serial' ? ['-XX:+UseSerialGC'] : ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'];
      const main = 'jar' in spec.main ? ['-jar', spec.main.jar] : ['-cp', spec.main.classpath, spec.main.mainClass];
      const args = [
        ...markers,
        `-Xms64m`,
        `-Xmx${spec.heap}`,
        ...gc,
        // A service out of memory should die and say so in its log, not limp on.
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        ...Object.entries(spec.props).map(([k, v]) => `-D${k}=${v}`),
        ...main,
        ...(spec.args ?? []),
      ];
      try {
        await launchDetached({ command: javaCommand(), args, cwd: spec.cwd, logFile, pidFile });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new Error(`cannot start ${spec.name}: ${javaCommand()} not found (Java 17 or newer is needed; set JAVA_HOME or put java on the PATH)`);
        }
        throw err;
      }
    },
    async stop(opts) {
      const p = await pid();
      if (p === undefined) return;
      await stopPid(p, markers, { kill: opts.kill, graceMs: spec.graceMs });
      await findPid(pidFile, markers); // clears the pid file now that the process is gone
    },
  };
}

/** `<folder>/*`: the JVM expands it to every jar in the folder. */
export function jarsIn(folder: string): string {
  return join(folder, '*');
}

// Records the arguments of every java, keytool and openssl process a test starts, so that the
// test can check no secret was passed on a command line (which any local user reads in
// /proc/<pid>/cmdline). Each is a small script in front of the real program: it appends its
// arguments to a log, then execs the real one (which then runs as the same process).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ArgvRecorder {
  /** Every argument recorded so far, one per line. */
  recorded(): string;
  /** Puts PATH and JAVA_HOME back as they were. */
  restore(): void;
}

/** From now on, this process and its children start the recording scripts. */
export function recordArgv(dir: string): ArgvRecorder {
  const bin = join(dir, 'bin');
  const log = join(dir, 'argv.log');
  mkdirSync(bin, { recursive: true });
  writeFileSync(log, '');
  const real = (name: string) => (name === 'java' && process.env.JAVA_HOME
    ? join(process.env.JAVA_HOME, 'bin', 'java')
    : execFileSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim());
  for (const name of ['java', 'keytool', 'openssl']) {
    const script = join(bin, name);
    writeFileSync(script, `#!/bin/bash\nprintf '%s\\n' "$@" >> '${log}'\nexec '${real(name)}' "$@"\n`);
    chmodSync(script, 0o755);
  }
  const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  // javaCommand() takes JAVA_HOME/bin/java first: point it at the recorder.
  process.env.JAVA_HOME = dir;
  return {
    recorded: () => readFileSync(log, 'utf8'),
    restore() {
      process.env.PATH = saved.PATH;
      if (saved.JAVA_HOME === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved.JAVA_HOME;
    },
  };
}

// Where the local services keep their jars, config, pid files, logs and data: all under the
// git-ignored .stack/ folder at the repo root, so `rm -rf .stack` is a full reset.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root: the nearest folder above this file that holds stack/pom.xml. Walking up
 *  rather than using a fixed `..` keeps this right both from stack/*.ts (tsx) and dist/stack/*.js. */
function findRepoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'stack', 'pom.xml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repo root (a folder with stack/pom.xml) above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const REPO_DIR = findRepoDir();
export const STACK_DIR = resolve(REPO_DIR, '.stack');

export const paths = {
  pom: join(REPO_DIR, 'stack', 'pom.xml'),
  mavenRepo: join(STACK_DIR, 'm2'),
  mavenBuild: join(STACK_DIR, 'build'),
  lib: join(STACK_DIR, 'lib'),
  conf: join(STACK_DIR, 'conf'),
  run: join(STACK_DIR, 'run'),
  logs: join(STACK_DIR, 'logs'),
  data: join(STACK_DIR, 'data'),
  libOf: (name: string) => join(STACK_DIR, 'lib', name),
  dataOf: (name: string) => join(STACK_DIR, 'data', name),
  confFile: (file: string) => join(STACK_DIR, 'conf', file),
  pidFile: (name: string) => join(STACK_DIR, 'run', `${name}.pid`),
  logFile: (name: string) => join(STACK_DIR, 'logs', `${name}.log`),
};

/** A path relative to the repo root, for messages people read. */
export function shown(path: string): string {
  return path.startsWith(REPO_DIR + '/') ? path.slice(REPO_DIR.length + 1) : path;
}

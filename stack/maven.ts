// The service jars come from Maven Central through stack/pom.xml, never from ad-hoc downloads,
// so versions are pinned in one reviewed file and checksums are verified by Maven. Once every
// folder carries a marker written for the current POMs, Maven is not started at all.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { STACK_DIR, paths, shown } from './paths.js';
import { tail } from './process.js';

/** One folder of .stack/lib per Maven module that produces jars. */
export const JAR_FOLDERS = ['kafka', 'elasticmq', 'registry'] as const;
export type JarFolder = (typeof JAR_FOLDERS)[number];

const MARKER = '.resolved';
const MAVEN_LOG = paths.logFile('maven');

/** Hash of every POM: editing a version re-resolves, anything else does not. */
async function pomsHash(): Promise<string> {
  const moduleDir = join(dirname(paths.pom), 'maven');
  const modules = (await readdir(moduleDir)).sort();
  const hash = createHash('sha256').update(await readFile(paths.pom));
  for (const m of modules) hash.update(m).update(await readFile(join(moduleDir, m, 'pom.xml')));
  return hash.digest('hex');
}

async function isResolved(folder: JarFolder, hash: string): Promise<boolean> {
  const marker = await readFile(join(paths.libOf(folder), MARKER), 'utf8').catch(() => '');
  return marker.trim() === hash;
}

/** Makes sure every service's jars are in .stack/lib, running Maven only when some are not. */
export async function ensureJars(log: (line: string) => void): Promise<void> {
  const hash = await pomsHash();
  const missing: JarFolder[] = [];
  for (const folder of JAR_FOLDERS) if (!(await isResolved(folder, hash))) missing.push(folder);
  if (missing.length === 0) return;

  log(`resolving ${missing.join(', ')} jars with Maven (the first time downloads about 210 MB into ${shown(paths.mavenRepo)})`);
  const started = Date.now();
  // Jars left from other versions would share the class path with the new ones, and stale
  // unpack markers would make Maven skip an unpack into an emptied folder.
  for (const folder of missing) await rm(paths.libOf(folder), { recursive: true, force: true });
  await rm(paths.mavenBuild, { recursive: true, force: true });
  await runMaven([
    '-q', '-B', '-Dstyle.color=never',
    '-T', '3', // the three modules download in parallel
    '-f', paths.pom,
    `-Dstack.dir=${STACK_DIR}`,
    `-Dmaven.repo.local=${paths.mavenRepo}`,
    'generate-resources',
  ]);
  for (const folder of JAR_FOLDERS) await writeFile(join(paths.libOf(folder), MARKER), `${hash}\n`);
  log(`jars resolved in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function runMaven(args: string[]): Promise<void> {
  await mkdir(dirname(MAVEN_LOG), { recursive: true });
  const fd = openSync(MAVEN_LOG, 'w');
  let code: number | null;
  try {
    const child = spawn('mvn', args, { stdio: ['ignore', fd, fd] });
    code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (err) =>
        reject(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? new Error('Maven (mvn) is needed to fetch the service jars the first time, and is not on the PATH')
            : err,
        ),
      );
      child.once('exit', (c) => resolve(c));
    });
  } finally {
    closeSync(fd);
  }
  if (code !== 0) {
    throw new Error(`Maven failed to resolve the service jars (exit ${code}); see ${shown(MAVEN_LOG)}:\n${await tail(MAVEN_LOG)}`);
  }
}

// Apicurio Registry 3.0 on 127.0.0.1:8081, used through its Confluent-compatible API
// (/apis/ccompat/v7), which is what the processor's Avro serializer talks to.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { jvm } from './java.js';
import { paths } from './paths.js';
import type { LocalService } from './service.js';
import { httpOk } from './wait.js';

const HOST = '127.0.0.1';
const PORT = 8081;
export const CCOMPAT_URL = `http://${HOST}:${PORT}/apis/ccompat/v7`;
const DATA = paths.dataOf('registry');
const RUNNER_JAR = join(paths.libOf('registry'), 'apicurio-registry-app-3.0.9-runner.jar');

const app = jvm({
  name: 'registry',
  heap: '384m',
  gc: 'serial',
  props: {
    'quarkus.http.host': HOST,
    'quarkus.http.port': String(PORT),
    // Kept on disk: Kafka keeps its records across restarts, and those records carry schema
    // ids that must still resolve afterwards.
    'apicurio.datasource.url': `jdbc:h2:file:${join(DATA, 'registry')}`,
    // Tests clean up the subjects they register.
    'apicurio.rest.deletion.group.enabled': 'true',
    'apicurio.rest.deletion.artifact.enabled': 'true',
    'apicurio.rest.deletion.artifact-version.enabled': 'true',
    // One access-log line per request would mostly be our own readiness probes.
    'quarkus.http.access-log.enabled': 'false',
    // Apicurio logs at WARN by default; this adds Quarkus's "started in ... Listening on" line.
    'quarkus.log.category."io.quarkus".level': 'INFO',
  },
  main: { jar: RUNNER_JAR },
  cwd: DATA,
  port: PORT,
  graceMs: 15_000,
});

export const registry: LocalService = {
  name: 'registry',
  address: CCOMPAT_URL,
  logFile: app.logFile,
  startTimeoutMs: 120_000,
  ownedByStack: true,
  answers: () => httpOk(`${CCOMPAT_URL}/subjects`),
  pid: app.pid,
  alive: app.alive,
  async launch() {
    if ((await app.pid()) !== undefined) return;
    await mkdir(DATA, { recursive: true });
    await app.launch();
  },
  stop: app.stop,
};

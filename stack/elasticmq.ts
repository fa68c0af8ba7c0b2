// ElasticMQ, an SQS-compatible server, on 127.0.0.1:9324 with the pipeline's queues declared in
// its config. Queue URLs come out as http://127.0.0.1:9324/000000000000/<queue>, like the ones
// the connector is configured with. Messages and queues created at run time are kept in
// .stack/data/sqs (H2), so an SQS restart (a fault test) loses nothing, as with real SQS.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jarsIn, jvm } from './java.js';
import { paths } from './paths.js';
import type { LocalService } from './service.js';
import { httpOk } from './wait.js';

const HOST = '127.0.0.1';
const PORT = 9324;
/** Where SQS clients point (SQS_ENDPOINT) to reach the local server. */
export const SQS_ENDPOINT = `http://${HOST}:${PORT}`;
const ENDPOINT = SQS_ENDPOINT;
const ACCOUNT_ID = '000000000000';
const DATA = paths.dataOf('sqs');
const CONFIG = paths.confFile('sqs.conf');

export const QUEUE = 'login-queue';
export const DEAD_LETTER_QUEUE = 'login-queue-dlq';
/** A FIFO queue beside the standard one, for `seed --fifo` (SQS_QUEUE_URL=…/login-queue.fifo). */
export const FIFO_QUEUE = 'login-queue.fifo';
export const FIFO_DEAD_LETTER_QUEUE = 'login-queue-dlq.fifo';
export const queueUrl = (name: string) => `${ENDPOINT}/${ACCOUNT_ID}/${name}`;

/** HOCON; paths are written as JSON strings, which HOCON reads as quoted strings. */
function config(): string {
  const q = JSON.stringify;
  return `include classpath("application.conf")

node-address {
  protocol = http
  host = "${HOST}"
  port = ${PORT}
  context-path = ""
}
generate-node-address = false

rest-sqs {
  enabled = true
  bind-hostname = "${HOST}"
  bind-port = ${PORT}
  # strict keeps real SQS limits, which in 1.6 include 1 MiB message bodies
  sqs-limits = strict
}

# the statistics UI is not needed and would take another port
rest-stats.enabled = false

aws {
  region = "us-east-1"
  accountId = "${ACCOUNT_ID}"
}

queues {
  ${QUEUE} {
    defaultVisibilityTimeout = 30 seconds
    delay = 0 seconds
    receiveMessageWait = 0 seconds
    deadLettersQueue {
      name = "${DEAD_LETTER_QUEUE}"
      maxReceiveCount = 5
    }
  }
  ${DEAD_LETTER_QUEUE} {
    defaultVisibilityTimeout = 30 seconds
  }
  # A FIFO queue's redrive queue must be FIFO too. Names with a dot are quoted HOCON keys.
  "${FIFO_QUEUE}" {
    fifo = true
    contentBasedDeduplication = false
    defaultVisibilityTimeout = 30 seconds
    deadLettersQueue {
      name = "${FIFO_DEAD_LETTER_QUEUE}"
      maxReceiveCount = 5
    }
  }
  "${FIFO_DEAD_LETTER_QUEUE}" {
    fifo = true
    defaultVisibilityTimeout = 30 seconds
  }
}

# Messages, and queues created through the API, go to an H2 file, so they survive a restart.
# H2 would close the file from its own JVM shutdown hook while ElasticMQ, stopping, still answers
# requests for a few seconds: sends it confirmed then were never stored. Kept open, they are.
# WRITE_DELAY=0 stores each change as it is confirmed, but it also stops H2's background
# housekeeping, and with H2's default 45 s retention no freed space was reused: the file grew
# by about 70-80 KB per message (1.7 GB for 20,000). Retaining old chunks for 1 s lets H2 reuse
# them: the file then stays near 100 MB however many messages pass.
messages-storage {
  enabled = true
  uri = ${q(`jdbc:h2:${join(DATA, 'messages')};DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;RETENTION_TIME=1000`)}
}
`;
}

/** ListQueues over the JSON protocol that AWS SDK v3 speaks. */
function answers(): Promise<boolean> {
  return httpOk(ENDPOINT + '/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
    body: '{}',
  });
}

const server = jvm({
  name: 'sqs',
  // The bench's backlog step holds 200 bodies of 1 MiB (SQS's largest) in the queue at once: Java
  // keeps them as UTF-16 strings, and 256 MiB ran out (OutOfMemoryError, the server gone).
  heap: '768m',
  gc: 'serial',
  props: { 'config.file': CONFIG },
  main: { classpath: jarsIn(paths.libOf('elasticmq')), mainClass: 'org.elasticmq.server.Main' },
  cwd: DATA,
  port: PORT,
  graceMs: 15_000,
});

export const elasticmq: LocalService = {
  name: 'sqs',
  address: ENDPOINT,
  logFile: server.logFile,
  startTimeoutMs: 60_000,
  ownedByStack: true,
  answers,
  pid: server.pid,
  alive: server.alive,
  async launch() {
    if ((await server.pid()) !== undefined) return;
    await mkdir(DATA, { recursive: true });
    await mkdir(paths.conf, { recursive: true });
    await writeFile(CONFIG, config());
    await server.launch();
  },
  stop: server.stop,
};

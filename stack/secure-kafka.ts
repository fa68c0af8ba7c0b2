// A second, throwaway Kafka broker with the listeners a real cluster has, for the TLS and SASL
// tests and `loginpipe stack up --secure`: SASL_SSL (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN, and
// OAUTHBEARER when asked) and SSL with client certificates required, optionally enforcing ACLs, under a certificate made at start with the JDK's keytool. It runs from the shared
// stack's Kafka jars but shares nothing else with the broker on 9092: its own ports, its own data
// folder (given by the caller, deleted by it), its own process, stopped by `stop()`.
//
// No listener is plaintext and no principal is trusted for where it connects from: the broker
// talks to itself (inter-broker) over SASL_SSL as the PLAIN user "broker", and to its controller
// over a SASL_SSL controller listener as the same user, the one super user besides the caller's.
// Secrets never appear in a process's arguments, which any local user can read in
// /proc/<pid>/cmdline: keytool reads the store password from a file, the storage format reads its
// SCRAM credentials from a Java argument file, and the broker reads its passwords from
// server.properties; each of those files is 0600.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { jarsIn, javaCommand } from './java.js';
import { newClusterId } from './kafka.js';
import { kafkaLog4j2Config, log4j2Flag } from './kafka-logging.js';
import { paths } from './paths.js';
import { kafkaAnswers, tcpOpen } from './wait.js';
import { findPid, stopPid } from './process.js';
import { waitUntil } from '../lib/runtime/wait-until.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';

export interface SecureKafkaOptions {
  /** An empty folder for certificates, config, data and the log. */
  dir: string;
  /** SASL_SSL (clients, and the broker to itself), the controller (SASL_SSL), SSL with client certificates. */
  ports: { saslSsl: number; controller: number; mtls: number };
  /** Users known to all three SASL mechanisms. Names and passwords: letters, digits, - and _. */
  users: { name: string; password: string }[];
  /**
   * Also offer OAUTHBEARER on the SASL_SSL listener, checked by Kafka's built-in unsecured
   * validator: it takes unsigned JWTs (`alg: none`) with `sub` and `exp`, the principal being
   * `User:<sub>`. Only for tests: anyone can make such a token.
   */
  oauthbearer?: boolean;
  /**
   * Enforce ACLs with KRaft's StandardAuthorizer, denying whatever no ACL allows. `superUsers`
   * (e.g. `User:admin`) may do anything, as may the broker's own principal, `User:broker`,
   * which it authenticates as to its controller and to itself.
   */
  authorizer?: { superUsers: string[] };
  /**
   * Keep running after this process exits (for `loginpipe stack up --secure`): its pid goes to
   * `<dir>/kafka.pid`, and `stopSecureKafkaIn(dir)` stops it later.
   */
  detached?: boolean;
}

/** Marks the secure broker's java process, so a pid file is never trusted for another process. */
const MARKER = '-Dloginpipe.service=secure-kafka';

export interface SecureKafka {
  saslSslAddress: string;
  mtlsAddress: string;
  /** PEM of the broker's self-signed certificate: the CA file its clients need. */
  caFile: string;
  /** A client certificate and key the SSL listener trusts. */
  clientCertFile: string;
  clientKeyFile: string;
  logFile: string;
  stop(): Promise<void>;
}

const SAFE = /^[A-Za-z0-9_-]+$/;
/** The broker's own SASL user, on the controller listener and between brokers. */
export const BROKER_USER = 'broker';

/** Writes a file only its owner may read (secrets; a umask cannot widen it). */
async function writeSecret(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function startSecureKafka(opts: SecureKafkaOptions): Promise<SecureKafka> {
  for (const u of opts.users) if (!SAFE.test(u.name) || !SAFE.test(u.password)) throw new Error(`user ${u.name}: use letters, digits, - and _ only`);
  if (opts.users.some((u) => u.name === BROKER_USER)) throw new Error(`user ${BROKER_USER} is the broker's own`);
  for (const port of Object.values(opts.ports)) {
    if (await tcpOpen(HOST, port)) throw new Error(`port ${port} is taken; the secure test broker needs ${Object.values(opts.ports).join(', ')}`);
  }
  const f = (name: string) => join(opts.dir, name);
  const storePass = randomBytes(12).toString('hex');
  const brokerPassword = randomBytes(18).toString('hex');
  await mkdir(f('data'), { recursive: true });
  await writeSecret(f('store.pass'), storePass);
  const storePassFile = ['-storepass:file', f('store.pass')];

  // The broker's key and self-signed certificate, valid for the address clients dial.
  await run('keytool', ['-genkeypair', '-keystore', f('broker.p12'), '-storetype', 'PKCS12', ...storePassFile, '-alias', 'broker',
    '-keyalg', 'EC', '-groupname', 'secp256r1', '-validity', '2', '-dname', 'CN=localhost', '-ext', `SAN=ip:${HOST},dns:localhost`]);
  await run('keytool', ['-exportcert', '-rfc', '-keystore', f('broker.p12'), '-storetype', 'PKCS12', ...storePassFile, '-alias', 'broker', '-file', f('ca.pem')]);
  // A client certificate for the SSL listener, trusted by being in the broker's trust store.
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=loginpipe-test-client',
    '-keyout', f('client.key'), '-out', f('client.pem')]);
  await run('keytool', ['-importcert', '-noprompt', '-keystore', f('trust.p12'), '-storetype', 'PKCS12', ...storePassFile, '-alias', 'client', '-file', f('client.pem')]);
  // The broker dials its own SASL_SSL listeners (controller, inter-broker) and must trust itself.
  await run('keytool', ['-importcert', '-noprompt', '-keystore', f('trust.p12'), '-storetype', 'PKCS12', ...storePassFile, '-alias', 'broker', '-file', f('ca.pem')]);

  const { saslSsl, controller, mtls } = opts.ports;
  const plainLogin = (users: { name: string; password: string }[]) =>
    `org.apache.kafka.common.security.plain.PlainLoginModule required username="${BROKER_USER}" password="${brokerPassword}" `
    + `${users.map((u) => `user_${u.name}="${u.password}"`).join(' ')};`;
  const brokerLogin = { name: BROKER_USER, password: brokerPassword };
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${HOST}:${controller}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: `SASL_SSL://${HOST}:${saslSsl},CONTROLLER://${HOST}:${controller},MTLS://${HOST}:${mtls}`,
    'advertised.listeners': `SASL_SSL://${HOST}:${saslSsl},MTLS://${HOST}:${mtls}`,
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL,MTLS:SSL',
    // KRaft's controller listener takes PLAIN (not SCRAM, whose credentials live in the metadata
    // the controller serves); the broker uses it between brokers too.
    'inter.broker.listener.name': 'SASL_SSL',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': plainLogin([brokerLogin]),
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': `SCRAM-SHA-256,SCRAM-SHA-512,PLAIN${opts.oauthbearer ? ',OAUTHBEARER' : ''}`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': plainLogin([brokerLogin, ...opts.users]),
    'listener.name.mtls.ssl.client.auth': 'required',
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': f('broker.p12'),
    'ssl.keystore.password': storePass,
    'ssl.truststore.type': 'PKCS12',
    'ssl.truststore.location': f('trust.p12'),
    'ssl.truststore.password': storePass,
    'log.dirs': f('data'),
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'min.insync.replicas': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
  };
  if (opts.oauthbearer) {
    // The listener's OAUTHBEARER login module (the broker logs in with PLAIN; this one is unused)
    // and, by default, the unsecured validator for clients' tokens.
    props['listener.name.sasl_ssl.oauthbearer.sasl.jaas.config'] = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";';
  }
  if (opts.authorizer) {
    props['authorizer.class.name'] = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
    props['allow.everyone.if.no.acl.found'] = 'false';
    props['super.users'] = [`User:${BROKER_USER}`, ...opts.authorizer.superUsers].join(';');
  }
  await writeSecret(f('server.properties'), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  await writeFile(f('log4j2.properties'), kafkaLog4j2Config(['kafka.server.KafkaRaftServer']));

  const classpath = jarsIn(paths.libOf('kafka'));
  const log4j = log4j2Flag(f('log4j2.properties'));
  // SCRAM credentials live in the cluster metadata; in KRaft they are written at format time. The
  // storage tool takes them only as arguments: they go in a Java argument file (the launcher
  // reads `@file` before main), so the command line shows the file's name, not the passwords.
  const scram = opts.users.flatMap((u) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]));
  const formatArgs = f('format.args');
  await writeSecret(formatArgs, [log4j, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--config', f('server.properties'),
    '--cluster-id', newClusterId(), ...scram].map(argFileWord).join('\n') + '\n');
  try {
    await run(javaCommand(), [`@${formatArgs}`]);
  } finally {
    await rm(formatArgs, { force: true });
  }

  const logFile = f('kafka.log');
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(javaCommand(), [MARKER, '-Xms64m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError', log4j,
      '-cp', classpath, 'kafka.Kafka', f('server.properties')], { stdio: ['ignore', out, out], detached: opts.detached === true });
  } finally {
    closeSync(out);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test process dies first, the broker must not outlive it (unless it is meant to).
  const killOnExit = () => child.kill('SIGKILL');
  if (opts.detached) {
    child.unref();
    await writeFile(f('kafka.pid'), `${child.pid}\n`);
  } else {
    process.once('exit', killOnExit);
  }
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    // Asked over the SSL listener with the test client's certificate: no listener takes anyone
    // unauthenticated, and the client certificate exists whatever users the caller gave.
    const probeTls = { ca: [await readFile(f('ca.pem'), 'utf8')], cert: await readFile(f('client.pem'), 'utf8'), key: await readFile(f('client.key'), 'utf8') };
    await waitUntil(() => kafkaAnswers(`${HOST}:${mtls}`, probeTls), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: `the secure test broker to answer on ${HOST}:${mtls}`,
      failIf: () => (child.exitCode !== null ? `it exited with ${child.exitCode}` : undefined),
    });
  } catch (err) {
    await stop();
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-15).join('\n');
    throw new Error(`${(err as Error).message}; its log ${logFile} ends:\n${tail}`);
  }
  return {
    saslSslAddress: `${HOST}:${saslSsl}`,
    mtlsAddress: `${HOST}:${mtls}`,
    caFile: f('ca.pem'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client.key'),
    logFile,
    stop,
  };
}

/** One word of a Java argument file: quoted, so that no character in it is read as a separator. */
function argFileWord(word: string): string {
  if (/["\\\n\r]/.test(word)) throw new Error('an argument file word may not hold quotes, backslashes or line breaks');
  return `"${word}"`;
}

/** The pid of the detached secure broker whose folder is `dir`, if it runs. */
export async function secureKafkaPid(dir: string): Promise<number | undefined> {
  return findPid(join(dir, 'kafka.pid'), [MARKER, join(dir, 'server.properties')]);
}

/** Stops the detached secure broker whose folder is `dir` (nothing if none runs). */
export async function stopSecureKafkaIn(dir: string): Promise<void> {
  const pid = await secureKafkaPid(dir);
  if (pid !== undefined) await stopPid(pid, [MARKER], { graceMs: 20_000 });
}

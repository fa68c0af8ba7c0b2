// A second, throwaway Kafka broker with the listeners a real cluster has, for the TLS and SASL
// tests and `loginpipe stack up --secure`: SASL_SSL (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN, and
// OAUTHBEARER when asked) and SSL with client certificates required, optionally enforcing ACLs, under a certificate made at start with the JDK's keytool. It runs from the shared
// stack's Kafka jars but shares nothing else with the broker on 9092: its own ports, its own data
// folder (given by the caller, deleted by it), its own process, stopped by `stop()`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  /** SASL_SSL, the controller, SSL with client certificates, and a plaintext inter-broker listener. */
  ports: { saslSsl: number; controller: number; mtls: number; internal: number };
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
   * (e.g. `User:admin`) may do anything. The broker's own plaintext listeners (controller and
   * inter-broker, loopback only) are super users too, as the ANONYMOUS principal.
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

export async function startSecureKafka(opts: SecureKafkaOptions): Promise<SecureKafka> {
  for (const u of opts.users) if (!SAFE.test(u.name) || !SAFE.test(u.password)) throw new Error(`user ${u.name}: use letters, digits, - and _ only`);
  for (const port of Object.values(opts.ports)) {
    if (await tcpOpen(HOST, port)) throw new Error(`port ${port} is taken; the secure test broker needs ${Object.values(opts.ports).join(', ')}`);
  }
  const f = (name: string) => join(opts.dir, name);
  const storePass = randomBytes(12).toString('hex');
  await mkdir(f('data'), { recursive: true });

  // The broker's key and self-signed certificate, valid for the address clients dial.
  await run('keytool', ['-genkeypair', '-keystore', f('broker.p12'), '-storetype', 'PKCS12', '-storepass', storePass, '-alias', 'broker',
    '-keyalg', 'EC', '-groupname', 'secp256r1', '-validity', '2', '-dname', 'CN=localhost', '-ext', `SAN=ip:${HOST},dns:localhost`]);
  await run('keytool', ['-exportcert', '-rfc', '-keystore', f('broker.p12'), '-storetype', 'PKCS12', '-storepass', storePass, '-alias', 'broker', '-file', f('ca.pem')]);
  // A client certificate for the SSL listener, trusted by being in the broker's trust store.
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=loginpipe-test-client',
    '-keyout', f('client.key'), '-out', f('client.pem')]);
  await run('keytool', ['-importcert', '-noprompt', '-keystore', f('trust.p12'), '-storetype', 'PKCS12', '-storepass', storePass, '-alias', 'client', '-file', f('client.pem')]);

  const { saslSsl, controller, mtls, internal } = opts.ports;
  const plainUsers = opts.users.map((u) => `user_${u.name}="${u.password}"`).join(' ');
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${HOST}:${controller}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: `SASL_SSL://${HOST}:${saslSsl},CONTROLLER://${HOST}:${controller},MTLS://${HOST}:${mtls},INTERNAL://${HOST}:${internal}`,
    'advertised.listeners': `SASL_SSL://${HOST}:${saslSsl},MTLS://${HOST}:${mtls},INTERNAL://${HOST}:${internal}`,
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT,MTLS:SSL,INTERNAL:PLAINTEXT',
    'inter.broker.listener.name': 'INTERNAL',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': `SCRAM-SHA-256,SCRAM-SHA-512,PLAIN${opts.oauthbearer ? ',OAUTHBEARER' : ''}`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
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
    // The broker's own login module (unused: inter-broker traffic is plaintext) and, by default,
    // the unsecured validator for clients' tokens.
    props['listener.name.sasl_ssl.oauthbearer.sasl.jaas.config'] = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";';
  }
  if (opts.authorizer) {
    props['authorizer.class.name'] = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
    props['allow.everyone.if.no.acl.found'] = 'false';
    props['super.users'] = ['User:ANONYMOUS', ...opts.authorizer.superUsers].join(';');
  }
  await writeFile(f('server.properties'), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  await writeFile(f('log4j2.properties'), kafkaLog4j2Config(['kafka.server.KafkaRaftServer']));

  const classpath = jarsIn(paths.libOf('kafka'));
  const log4j = log4j2Flag(f('log4j2.properties'));
  // SCRAM credentials live in the cluster metadata; in KRaft they are written at format time.
  const scram = opts.users.flatMap((u) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]));
  await run(javaCommand(), [log4j, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--config', f('server.properties'),
    '--cluster-id', newClusterId(), ...scram]);

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
    await waitUntil(() => kafkaAnswers(`${HOST}:${internal}`), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: `the secure test broker to answer on ${HOST}:${internal}`,
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

/** The pid of the detached secure broker whose folder is `dir`, if it runs. */
export async function secureKafkaPid(dir: string): Promise<number | undefined> {
  return findPid(join(dir, 'kafka.pid'), [MARKER, join(dir, 'server.properties')]);
}

/** Stops the detached secure broker whose folder is `dir` (nothing if none runs). */
export async function stopSecureKafkaIn(dir: string): Promise<void> {
  const pid = await secureKafkaPid(dir);
  if (pid !== undefined) await stopPid(pid, [MARKER], { graceMs: 20_000 });
}

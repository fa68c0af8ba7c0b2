// Recoverable PII through the whole real stack: events sent to SQS with a recovery key set are
// revealed from Postgres as sent, audited; a wrong key reveals nothing; the masking key is rotated
// (processors rolled, then `rekey`) so that every mask equals an independent HMAC with the new key;
// a user is forgotten; and no clear ip or device_id reaches the clean topic, the non-sealed
// columns of Postgres or any log line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { ROOT } from '../../lib/runtime/paths.js';
import { sendBodies } from '../../lib/sqs/client.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { withAdmin } from '../../lib/kafka/client.js';
import { keyFingerprint } from '../../lib/pii/settings.js';
import { generateKeyFiles } from '../../cli/pii/keys.js';
import { canonicalIp, hmac } from './oracles.js';
import { db, kafka, newWorld, sqs, startLoginpipe, waitUntil, type LoginpipeProcess } from './harness.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const { ConfigResourceTypes } = kafkajs;

interface Sent { id: string; user_id: string; ip: string; device_id: string }

// Values distinctive enough that finding one in a topic, a table or a log cannot be a coincidence.
function logins(batch: string, n: number): Omit<Sent, 'id'>[] {
  return Array.from({ length: n }, (_, i) => ({
    user_id: `user-${i % 3}`,
    // Non-canonical IPv6 on some, so that the sealed value is seen to be the canonical form.
    ip: i % 4 === 0 ? `2001:0DB8:00${10 + i}:0000:0000:0000:0000:00${10 + i}` : `198.51.${100 + i}.${200 - i}`,
    device_id: `DEVICE-${batch}-${i}-${randomBytes(4).toString('hex')}`,
  }));
}

test('sealed PII is revealed as sent, audited, survives a key rotation and is forgotten on request; nothing clear leaks', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'loginpipe-pii-pipeline-'));
  const keys = generateKeyFiles(join(scratch, 'recovery'));
  const wrong = generateKeyFiles(join(scratch, 'wrong'));
  const world = await newWorld('pii', { PII_RECOVERY_PUBLIC_KEY: keys.publicKey });
  const table = `"${world.schema}".user_logins`;
  const oldKey = world.hmacKey;
  const newKey = randomBytes(32);
  const logs: string[] = [];
  let running: LoginpipeProcess | undefined;
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: world.env.DATABASE_URL!, DATABASE_SCHEMA: world.schema, PII_RECOVERY_PRIVATE_KEY_FILE: keys.privatePath, ...env },
      encoding: 'utf8', timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const rowCount = async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n as number;
  async function sendAndLand(batch: Omit<Sent, 'id'>[], already: number): Promise<Sent[]> {
    const ids = await sendBodies(sqs, world.queueUrl, batch.map((l) => JSON.stringify({ ...l, device_type: 'android', locale: 'RU', app_version: '2.3.0' })));
    await waitUntil(async () => (await rowCount()) >= already + batch.length, { timeoutMs: 90_000, what: `${already + batch.length} rows`, state: rowCount });
    return batch.map((l, i) => ({ ...l, id: ids[i]! }));
  }
  async function stop(p: LoginpipeProcess | undefined) {
    if (p === undefined) return;
    assert.is(await p.stop(), 0, `${p.kind} exits 0 on SIGTERM`);
    logs.push(...p.lines, ...p.stderr);
  }

  try {
    // 1. Events through the stack with the recovery key and the old masking key.
    running = await startLoginpipe('run', world.env);
    const first = await sendAndLand(logins('a', 12), 0);

    // The raw and dead-letter topics were created with 7 days of retention.
    const retention = await withAdmin(kafka, (admin) => admin.describeConfigs({
      includeSynonyms: false,
      resources: [world.env.RAW_TOPIC!, world.env.DLQ_TOPIC!].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
    }));
    for (const r of retention.resources) assert.is(r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue, String(7 * 24 * 3600 * 1000), r.resourceName);

    const rows = await db.any(`SELECT event_id, masked_ip, mask_key_id, sealed_ip IS NOT NULL AS sealed FROM ${table}`);
    assert.ok(rows.every((r) => r.sealed && r.mask_key_id === keyFingerprint(oldKey)), 'every row sealed, under the old key id');

    // 2. Reveal them all, by user: exactly what was sent (the ip in canonical form), then audited.
    for (const user of ['user-0', 'user-1', 'user-2']) {
      const r = cli(['reveal', '--user-id', user, '--reason', 'integration test', '--requested-by', 'tester', '--json']);
      assert.is(r.code, 0, r.stderr);
      const got = (JSON.parse(r.stdout) as { results: { event_id: string; ip: string; device_id: string }[] }).results;
      const expected = first.filter((s) => s.user_id === user).map((s) => ({ event_id: s.id, ip: canonicalIp(s.ip), device_id: s.device_id })).sort((a, b) => a.event_id.localeCompare(b.event_id));
      assert.equal(got.map((g) => ({ event_id: g.event_id, ip: g.ip, device_id: g.device_id })).sort((a, b) => a.event_id.localeCompare(b.event_id)), expected);
    }
    const reveals = await db.any(`SELECT requested_by, reason, event_ids, fields FROM "${world.schema}".pii_audit WHERE action = 'reveal'`);
    assert.is(reveals.length, 3);
    assert.equal(reveals.flatMap((a) => a.event_ids).sort(), first.map((s) => s.id).sort());
    assert.ok(reveals.every((a) => a.requested_by === 'tester' && a.reason === 'integration test'));

    // 3. A wrong private key reveals nothing clear, and says so per row.
    const bad = cli(['reveal', '--event-id', first[0]!.id, '--reason', 'wrong key'], { PII_RECOVERY_PRIVATE_KEY_FILE: wrong.privatePath });
    assert.is(bad.code, 1);
    assert.is(bad.stdout, '');
    assert.ok(bad.stderr.includes(`event ${first[0]!.id}: sealed value does not open`), bad.stderr);

    // 4. Rotation: roll onto the new key (new rows carry its id), then re-key the older rows.
    await stop(running);
    running = undefined;
    running = await startLoginpipe('run', { ...world.env, PII_HMAC_KEY: newKey.toString('base64') });
    const second = await sendAndLand(logins('b', 4), first.length);
    const ids = await db.map(`SELECT DISTINCT mask_key_id FROM ${table} ORDER BY 1`, [], (r: { mask_key_id: string }) => r.mask_key_id);
    assert.equal(ids, [keyFingerprint(oldKey), keyFingerprint(newKey)].sort(), 'both key ids appear while rolling');
    const rk = cli(['rekey', '--reason', 'rotation test', '--batch-size', '5'], { PII_HMAC_KEY: newKey.toString('base64') });
    assert.is(rk.code, 0, rk.stderr);
    assert.ok(rk.stdout.includes(`rekeyed ${first.length} rows`), rk.stdout);
    const all = [...first, ...second];
    const after = await db.any(`SELECT event_id, masked_ip, masked_device_id, mask_key_id FROM ${table}`);
    assert.is(after.length, all.length);
    for (const row of after) {
      const s = all.find((x) => x.id === row.event_id)!;
      assert.is(row.masked_ip, hmac(newKey, canonicalIp(s.ip)), 'masked_ip is an HMAC with the new key');
      assert.is(row.masked_device_id, hmac(newKey, s.device_id));
      assert.is(row.mask_key_id, keyFingerprint(newKey));
    }

    // 5. Forget user-1: sealed values gone, masks kept, nothing to reveal; audited.
    const f = cli(['forget', '--user-id', 'user-1', '--reason', 'erasure test']);
    assert.is(f.code, 0, f.stderr);
    const forgotten = await db.one(`SELECT count(*)::int AS n, count(sealed_ip)::int AS sealed, count(masked_ip)::int AS masked FROM ${table} WHERE user_id = 'user-1'`);
    assert.ok(forgotten.n > 0 && forgotten.sealed === 0 && forgotten.masked === forgotten.n, JSON.stringify(forgotten));
    const rv = cli(['reveal', '--user-id', 'user-1', '--reason', 'after forget', '--json']);
    assert.is(rv.code, 1);
    assert.ok((JSON.parse(rv.stdout) as { results: { error?: string }[] }).results.every((x) => x.error?.includes('no sealed values')));
    assert.is((await db.one(`SELECT count(*)::int AS n FROM "${world.schema}".pii_audit WHERE action = 'forget'`)).n, 1);

    await stop(running);
    running = undefined;

    // 6. No clear value anywhere it must not be: the clean topic, Postgres outside the sealed
    //    columns (the audit trail included), the services' logs.
    const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);
    assert.is(clean.length, all.length);
    const cleanBytes = Buffer.concat(clean.flatMap((r) => [r.key ?? Buffer.alloc(0), r.value ?? Buffer.alloc(0), Buffer.from(JSON.stringify(r.headers))]));
    const tableText = JSON.stringify(await db.any(`SELECT event_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date, mask_key_id FROM ${table}`));
    const auditText = JSON.stringify(await db.any(`SELECT * FROM "${world.schema}".pii_audit`));
    const logText = logs.join('\n');
    assert.ok(logText.includes('processor started'), 'the logs were collected');
    for (const s of all) {
      for (const clear of new Set([s.ip, canonicalIp(s.ip), s.device_id])) {
        assert.not.ok(cleanBytes.includes(Buffer.from(clear)), `clear ${clear} in the clean topic`);
        assert.not.ok(tableText.includes(clear), `clear ${clear} in user_logins`);
        assert.not.ok(auditText.includes(clear), `clear ${clear} in pii_audit`);
        assert.not.ok(logText.includes(clear), `clear ${clear} in a log`);
      }
    }
  } catch (err) {
    if (running) console.error(`--- run log tail ---\n${running.lines.slice(-20).join('\n')}\n${running.stderr.join('')}`);
    throw err;
  } finally {
    if (running) await running.stop();
    await world.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }
});

test.run();

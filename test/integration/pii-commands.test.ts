// reveal, rekey and forget as an operator runs them (the built command), on real Postgres. The
// rows are written here as the sink writes them, sealed with the library the processor uses; the
// whole pipeline is exercised in pii-pipeline.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { BatchSealer, importSealingKey, sealField, sealText, sealV1, type SealedField } from '../../lib/pii/hpke.js';
import { keyFingerprint } from '../../lib/pii/settings.js';
import { generateKeyFiles } from '../../cli/pii/keys.js';
import { db, leastPrivilege, newWorld, waitUntil, type World } from './harness.js';
import { hmac } from './oracles.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'loginpipe-pii-cmd-'));
const keys = generateKeyFiles(join(scratch, 'right'));
const wrongKeys = generateKeyFiles(join(scratch, 'wrong'));
const sealing = importSealingKey(Buffer.from(keys.publicKey, 'base64'));
const OLD_KEY = Buffer.alloc(32, 1);
const NEW_KEY = Buffer.alloc(32, 2);

/** The commands run as the PII role of migrate --roles: it may only execute the PII functions. */
const piiUrls = new Map<string, string>();

const commandEnv = (world: World, env: Record<string, string>) => ({
  PATH: process.env.PATH ?? '', DATABASE_URL: piiUrls.get(world.schema)!, DATABASE_SCHEMA: world.schema, PII_RECOVERY_PRIVATE_KEY_FILE: keys.privatePath, ...env,
});

function run(world: World, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: commandEnv(world, env), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * sealed: true (the default) seals in the current format (bound to field and event), 'v2' in the
 * second (one context per batch, bound to the event only), 'v1' in the first (one context per value).
 */
interface Login { event_id: string; user_id: string; ip: string; device_id: string; sealed?: boolean | 'v1' | 'v2' }

// The logins most cases start from, two of u1's and one of u2's; a case that needs another writes
// it out beside them.
const E1: Login = { event_id: 'e1', user_id: 'u1', ip: '203.0.113.5', device_id: 'dev-aaa' };
const E2: Login = { event_id: 'e2', user_id: 'u1', ip: '192.0.2.9', device_id: 'dev-bbb' };
const E3: Login = { event_id: 'e3', user_id: 'u2', ip: '198.51.100.1', device_id: 'dev-ccc' };

/**
 * Writes rows as the sink would for records the processor made with OLD_KEY: the current format's
 * values of one call share one HPKE context, as one processor batch's do.
 */
async function insertLogins(world: World, logins: Login[]): Promise<void> {
  const sealer = new BatchSealer(sealing);
  const sealerV2 = new BatchSealer(sealing, { format: 2 });
  const sealOne = (field: SealedField, value: string, eventId: string, format: true | 'v1' | 'v2') =>
    format === 'v1' ? sealV1(sealing, Buffer.from(value), Buffer.from(eventId)) : (format === 'v2' ? sealerV2 : sealer).sealField(field, value, eventId);
  for (const l of logins) {
    const sealed = l.sealed ?? true;
    await db.none(
      `INSERT INTO $1:name.user_logins (event_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date, sealed_ip, sealed_device_id, mask_key_id)
       VALUES ($2, $3, 'ios', $4, $5, NULL, NULL, '2026-12-01', $6, $7, $8)`,
      [world.schema, l.event_id, l.user_id, hmac(OLD_KEY, l.ip), hmac(OLD_KEY, l.device_id),
        sealed ? sealOne('ip', l.ip, l.event_id, sealed) : null, sealed ? sealOne('device_id', l.device_id, l.event_id, sealed) : null, keyFingerprint(OLD_KEY)],
    );
  }
}

/**
 * Runs a command with the wrong private key and checks what every command owes then: exit 1, and
 * an error line for each row whose sealed value does not open.
 */
function runWithWrongKey(world: World, args: string[], eventIds: string[], env: Record<string, string> = {}) {
  const r = run(world, args, { ...env, PII_RECOVERY_PRIVATE_KEY_FILE: wrongKeys.privatePath });
  assert.is(r.code, 1);
  for (const id of eventIds) assert.ok(r.stderr.includes(`event ${id}: sealed value does not open`), r.stderr);
  return r;
}

async function withWorld(label: string, fn: (w: World) => Promise<void>) {
  const world = await newWorld(label);
  const lp = await leastPrivilege(world.schema);
  piiUrls.set(world.schema, lp.piiUrl);
  try {
    await fn(world);
  } finally {
    await world.cleanup();
    await lp.drop();
  }
}

const audits = (w: World) => db.any(`SELECT id, action, os_user, requested_by, reason, event_ids, fields, detail FROM $1:name.pii_audit ORDER BY id`, [w.schema]);

test('reveal by event id prints the clear values (old and current sealed format) and leaves an audit row naming them', () => withWorld('reveal-ids', async (w) => {
  await insertLogins(w, [E1, { ...E2, ip: '2001:db8::7', sealed: 'v1' }, E3]);
  const r = run(w, ['reveal', '--event-id', 'e1', '--event-id', 'e2', '--reason', 'ticket 42', '--requested-by', 'alice', '--json']);
  assert.is(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { results: { event_id: string; ip: string; device_id: string }[] };
  assert.equal(got.results.map((x) => [x.event_id, x.ip, x.device_id]), [['e1', '203.0.113.5', 'dev-aaa'], ['e2', '2001:db8::7', 'dev-bbb']]);
  assert.not.ok(r.stderr.includes('203.0.113.5') || r.stderr.includes('dev-aaa'), 'clear values on stderr');
  const a = await audits(w);
  assert.is(a.length, 1);
  assert.is(a[0].action, 'reveal');
  assert.is(a[0].reason, 'ticket 42');
  assert.is(a[0].requested_by, 'alice');
  assert.ok(a[0].os_user.length > 0);
  assert.equal(a[0].event_ids, ['e1', 'e2']);
  assert.equal(a[0].fields, ['ip', 'device_id']);
}));

test('reveal by user id and by masked ip select the right rows; text output has one line per row', () => withWorld('reveal-sel', async (w) => {
  // e2 shares e1's address and e3's user.
  await insertLogins(w, [E1, { ...E2, user_id: 'u2', ip: '203.0.113.5' }, E3]);
  const byUser = run(w, ['reveal', '--user-id', 'u2', '--reason', 'r']);
  assert.is(byUser.code, 0, byUser.stderr);
  assert.equal(byUser.stdout.trim().split('\n'), ['e2\tu2\tip=203.0.113.5\tdevice_id=dev-bbb', 'e3\tu2\tip=198.51.100.1\tdevice_id=dev-ccc']);
  const byMask = run(w, ['reveal', '--masked-ip', hmac(OLD_KEY, '203.0.113.5'), '--reason', 'r', '--json']);
  assert.is(byMask.code, 0, byMask.stderr);
  assert.equal((JSON.parse(byMask.stdout) as { results: { event_id: string }[] }).results.map((x) => x.event_id), ['e1', 'e2']);
  assert.is((await audits(w)).length, 2);
}));

test('reveal with the wrong private key prints nothing clear, an error per row, exits 1; the audit names the rows handed out', () => withWorld('reveal-wrong', async (w) => {
  await insertLogins(w, [E1, E2]);
  const r = runWithWrongKey(w, ['reveal', '--user-id', 'u1', '--reason', 'r'], ['e1', 'e2']);
  assert.is(r.stdout, '');
  for (const clear of ['203.0.113.5', 'dev-aaa', '192.0.2.9', 'dev-bbb']) assert.not.ok(r.stderr.includes(clear));
  const a = await audits(w);
  assert.is(a.length, 1);
  // The database hands out sealed values; whether they open is beyond it: it audits the hand-out.
  assert.equal(a[0].event_ids, ['e1', 'e2']);
  assert.is(a[0].detail.disclosed, 2);
}));

test('a sealed value copied onto another row of its batch (same HPKE context) does not open there; a row without sealed values says so', () => withWorld('reveal-moved', async (w) => {
  await insertLogins(w, [E1, E2, { event_id: 'e3', user_id: 'u1', ip: '192.0.2.10', device_id: 'dev-ccc', sealed: false }]);
  await db.none(`UPDATE $1:name.user_logins SET sealed_ip = (SELECT sealed_ip FROM $1:name.user_logins WHERE event_id = 'e1') WHERE event_id = 'e2'`, [w.schema]);
  const r = run(w, ['reveal', '--user-id', 'u1', '--reason', 'r', '--json']);
  assert.is(r.code, 1);
  const got = JSON.parse(r.stdout) as { results: ({ event_id: string; error?: string; ip?: string })[] };
  assert.is(got.results[0]!.ip, '203.0.113.5');
  assert.match(got.results[1]!.error ?? '', /does not open/);
  assert.match(got.results[2]!.error ?? '', /no sealed values/);
  assert.not.ok(r.stdout.includes('192.0.2.9') || r.stdout.includes('dev-bbb'));
}));

test('with the masking key, reveal withholds a value sealed by someone else (it opens, but its mask is not the row\'s)', () => withWorld('reveal-forged', async (w) => {
  await insertLogins(w, [E1, E2]);
  // Anyone with the public key can seal: a writer of the table swaps in an address of its choosing.
  await db.none(`UPDATE $1:name.user_logins SET sealed_ip = $2 WHERE event_id = 'e1'`, [w.schema, sealField(sealing, 'ip', '10.6.6.6', 'e1')]);
  const checked = run(w, ['reveal', '--user-id', 'u1', '--reason', 'r', '--json'], { PII_HMAC_KEY: OLD_KEY.toString('base64') });
  assert.is(checked.code, 1);
  const got = JSON.parse(checked.stdout) as { results: ({ event_id: string; error?: string; ip?: string })[] };
  assert.match(got.results[0]!.error ?? '', /opened ip does not match the row's mask/);
  assert.is(got.results[1]!.ip, '192.0.2.9');
  assert.not.ok(checked.stdout.includes('10.6.6.6') || checked.stderr.includes('10.6.6.6'));
  // Under another masking key nothing can be told: the value is printed as it opened.
  const other = run(w, ['reveal', '--event-id', 'e1', '--reason', 'r', '--json'], { PII_HMAC_KEY: NEW_KEY.toString('base64') });
  assert.is(other.code, 0, other.stderr);
}));

test('a row\'s sealed ip and sealed device id swapped do not open (current format); old rows still reveal', () => withWorld('reveal-swapped', async (w) => {
  await insertLogins(w, [E1, { ...E2, sealed: 'v2' }, { ...E3, user_id: 'u1', sealed: 'v1' }]);
  await db.none(`UPDATE $1:name.user_logins SET sealed_ip = sealed_device_id, sealed_device_id = sealed_ip WHERE event_id = 'e1'`, [w.schema]);
  const r = run(w, ['reveal', '--user-id', 'u1', '--reason', 'r', '--json']);
  assert.is(r.code, 1);
  const got = JSON.parse(r.stdout) as { results: ({ event_id: string; error?: string; ip?: string; device_id?: string })[] };
  assert.is(got.results[0]!.event_id, 'e1');
  assert.match(got.results[0]!.error ?? '', /does not open/);
  assert.not.ok(r.stdout.includes('203.0.113.5') || r.stdout.includes('dev-aaa'));
  assert.equal(got.results.slice(1).map((x) => [x.event_id, x.ip, x.device_id]), [['e2', '192.0.2.9', 'dev-bbb'], ['e3', '198.51.100.1', 'dev-ccc']]);
}));

test('reveal refuses to run without a reason (exit 2) and audits nothing', () => withWorld('reveal-noreason', async (w) => {
  await insertLogins(w, [E1]);
  const r = run(w, ['reveal', '--event-id', 'e1']);
  assert.is(r.code, 2);
  assert.ok(r.stderr.includes('--reason'), r.stderr);
  assert.is(r.stdout, '');
  assert.is((await audits(w)).length, 0);
}));

test('pii_audit is append-only: UPDATE, DELETE and TRUNCATE are refused', () => withWorld('audit-append', async (w) => {
  await insertLogins(w, [E1]);
  assert.is(run(w, ['reveal', '--event-id', 'e1', '--reason', 'r']).code, 0);
  for (const sql of ['UPDATE $1:name.pii_audit SET reason = \'nothing\'', 'DELETE FROM $1:name.pii_audit', 'TRUNCATE $1:name.pii_audit']) {
    try {
      await db.none(sql, [w.schema]);
      assert.unreachable(`${sql} was allowed`);
    } catch (err) {
      assert.match((err as Error).message, /append-only/);
    }
  }
  assert.is((await audits(w))[0].reason, 'r');
}));

test('rekey moves every sealed row, old format or current, to the new key (masks equal an independent HMAC), counts the unsealed, and is idempotent', () => withWorld('rekey', async (w) => {
  const logins: Login[] = Array.from({ length: 25 }, (_, i) => ({ event_id: `e${String(i).padStart(3, '0')}`, user_id: `u${i % 3}`, ip: `10.0.${i}.1`, device_id: `dev-${i}`, sealed: i % 3 === 0 ? 'v1' : i % 3 === 1 ? 'v2' : true }));
  logins.push({ event_id: 'z-unsealed', user_id: 'u9', ip: '10.9.9.9', device_id: 'dev-z', sealed: false });
  await insertLogins(w, logins);
  const env = { PII_HMAC_KEY: NEW_KEY.toString('base64') };
  const r = run(w, ['rekey', '--reason', 'rotation', '--batch-size', '10'], env);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('rekeyed 25 rows'), r.stdout);
  assert.ok(r.stdout.includes('1 rows under another key have no sealed values'), r.stdout);
  const rows = await db.any(`SELECT event_id, masked_ip, masked_device_id, mask_key_id FROM $1:name.user_logins WHERE sealed_ip IS NOT NULL ORDER BY event_id`, [w.schema]);
  for (const row of rows) {
    const l = logins.find((x) => x.event_id === row.event_id)!;
    assert.is(row.masked_ip, hmac(NEW_KEY, l.ip));
    assert.is(row.masked_device_id, hmac(NEW_KEY, l.device_id));
    assert.is(row.mask_key_id, keyFingerprint(NEW_KEY));
  }
  const a = await audits(w);
  assert.is(a.filter((x) => x.action === 'rekey').length, 3);
  const again = run(w, ['rekey', '--reason', 'rotation'], env);
  assert.is(again.code, 0);
  assert.ok(again.stdout.includes('rekeyed 0 rows'), again.stdout);
}));

test('rekey killed with SIGKILL mid-run resumes: a second run finishes, every row once on the new key', () => withWorld('rekey-kill', async (w) => {
  const logins: Login[] = Array.from({ length: 600 }, (_, i) => ({ event_id: `e${String(i).padStart(4, '0')}`, user_id: `u${i % 7}`, ip: `10.1.${i % 250}.${Math.floor(i / 250)}`, device_id: `dev-${i}` }));
  // Bulk insert: the loop above is too slow for this many.
  await db.none(
    `INSERT INTO $1:name.user_logins (event_id, user_id, masked_ip, masked_device_id, create_date, sealed_ip, sealed_device_id, mask_key_id)
     SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::bytea[], $8::bytea[], $9::text[])`,
    [w.schema, logins.map((l) => l.event_id), logins.map((l) => l.user_id), logins.map((l) => hmac(OLD_KEY, l.ip)), logins.map((l) => hmac(OLD_KEY, l.device_id)),
      logins.map(() => '2026-12-01'), logins.map((l) => sealText(sealing, l.ip, l.event_id)), logins.map((l) => sealText(sealing, l.device_id, l.event_id)), logins.map(() => keyFingerprint(OLD_KEY))],
  );
  const env = commandEnv(w, { PII_HMAC_KEY: NEW_KEY.toString('base64') });
  const child = spawn(process.execPath, [CLI, 'rekey', '--reason', 'rotation', '--batch-size', '5'], { env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const newId = keyFingerprint(NEW_KEY);
  const moved = async () => Number((await db.one(`SELECT count(*) AS n FROM $1:name.user_logins WHERE mask_key_id = $2`, [w.schema, newId])).n);
  await waitUntil(async () => (await moved()) >= 20, { timeoutMs: 60_000, what: 'rekey to move a few batches' });
  child.kill('SIGKILL');
  await exited;
  const atKill = await moved();
  assert.ok(atKill < logins.length, `rekey finished before the kill (${atKill}); make the table bigger`);
  // Batches are all or nothing: every row is either fully on the new key or fully on the old.
  const torn = await db.one(`SELECT count(*) AS n FROM $1:name.user_logins WHERE mask_key_id = $2 AND masked_ip = ANY($3::text[])`, [w.schema, newId, logins.map((l) => hmac(OLD_KEY, l.ip))]);
  assert.is(Number(torn.n), 0);
  const r = run(w, ['rekey', '--reason', 'rotation, resumed'], { PII_HMAC_KEY: NEW_KEY.toString('base64') });
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`rekeyed ${logins.length - atKill} rows`), `${r.stdout} (${atKill} before the kill)`);
  const rows = await db.any(`SELECT event_id, masked_ip, masked_device_id, mask_key_id FROM $1:name.user_logins ORDER BY event_id`, [w.schema]);
  assert.is(rows.length, logins.length);
  for (const [i, row] of rows.entries()) {
    assert.is(row.masked_ip, hmac(NEW_KEY, logins[i]!.ip));
    assert.is(row.masked_device_id, hmac(NEW_KEY, logins[i]!.device_id));
    assert.is(row.mask_key_id, newId);
  }
  // Every row was re-keyed under exactly one applied request. The kill may have left one more
  // request, committed but never applied: its values may have left, so its audit row stays.
  const rekeys = (await audits(w)).filter((a) => a.action === 'rekey');
  const applied = new Set(await db.map('SELECT audit_id FROM $1:name.pii_audit_use WHERE step = $2', [w.schema, 'apply'], (r: { audit_id: string }) => String(r.audit_id)));
  const audited = rekeys.filter((a) => applied.has(String(a.id))).flatMap((a) => a.event_ids as string[]);
  assert.is(audited.length, logins.length);
  assert.is(new Set(audited).size, logins.length);
  assert.ok(rekeys.length - applied.size <= 1, `${rekeys.length - applied.size} requests never applied; only the batch in hand at the kill may be`);
}));

test('rekey with the wrong private key changes nothing, reports each row, exits 1', () => withWorld('rekey-wrong', async (w) => {
  await insertLogins(w, [E1]);
  runWithWrongKey(w, ['rekey', '--reason', 'r'], ['e1'], { PII_HMAC_KEY: NEW_KEY.toString('base64') });
  const row = await db.one(`SELECT masked_ip, mask_key_id FROM $1:name.user_logins`, [w.schema]);
  assert.is(row.masked_ip, hmac(OLD_KEY, '203.0.113.5'));
  assert.is(row.mask_key_id, keyFingerprint(OLD_KEY));
}));

test('forget clears a user\'s sealed values (masks stay), then reveal has nothing; --delete-rows deletes; both audited', () => withWorld('forget', async (w) => {
  await insertLogins(w, [E1, E2, E3]);
  const f = run(w, ['forget', '--user-id', 'u1', '--reason', 'erasure request 17']);
  assert.is(f.code, 0, f.stderr);
  const rows = await db.any(`SELECT event_id, sealed_ip, sealed_device_id, masked_ip FROM $1:name.user_logins ORDER BY event_id`, [w.schema]);
  assert.equal(rows.map((r) => [r.event_id, r.sealed_ip === null, r.sealed_device_id === null]), [['e1', true, true], ['e2', true, true], ['e3', false, false]]);
  assert.is(rows[0].masked_ip, hmac(OLD_KEY, '203.0.113.5'));
  const rv = run(w, ['reveal', '--user-id', 'u1', '--reason', 'r']);
  assert.is(rv.code, 1);
  assert.is(rv.stdout, '');
  const d = run(w, ['forget', '--user-id', 'u2', '--reason', 'erasure request 18', '--delete-rows']);
  assert.is(d.code, 0, d.stderr);
  assert.is(Number((await db.one(`SELECT count(*) AS n FROM $1:name.user_logins WHERE user_id = 'u2'`, [w.schema])).n), 0);
  const a = (await audits(w)).filter((x) => x.action === 'forget');
  assert.equal(a.map((x) => [x.event_ids, x.fields, x.detail.user_id]), [[['e1', 'e2'], ['sealed_ip', 'sealed_device_id'], 'u1'], [['e3'], ['row'], 'u2']]);
}));

test.after(() => rmSync(scratch, { recursive: true, force: true }));
test.run();


// The audit trail tried as the PII role would attack it, on the real Postgres with the roles of
// `migrate --roles`: every way of getting sealed values out either leaves a committed audit row
// naming exactly what left, or is refused. (sink/sql/004_committed_audit.sql)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { migrate } from '../../sink/migrate.js';
import type { Db } from '../../lib/postgres/db.js';
import { asRole, db } from './harness.js';
import { dropSchema, freshSchema } from './user-logins-table.js';

const PREFIX = 't_audit';
const IP = Buffer.from([1, 2, 3]);
const DEVICE = Buffer.from([4, 5, 6]);

interface AuditRow { id: string; action: string; event_ids: string[]; fields: string[]; detail: Record<string, unknown> }

async function seed(schema: string): Promise<void> {
  await db.none(`INSERT INTO $1:name.user_logins (event_id, user_id, masked_ip, masked_device_id, create_date, sealed_ip, sealed_device_id, mask_key_id) VALUES
    ('e1', 'u1', 'm1', 'd1', '2026-12-02', $2, $3, 'old'),
    ('e2', 'u1', 'm2', 'd2', '2026-12-02', $2, NULL, 'old'),
    ('e3', 'u2', 'm3', 'd3', '2026-12-02', NULL, $3, 'old'),
    ('e4', 'u2', 'm4', 'd4', '2026-12-02', NULL, NULL, 'old')`, [schema, IP, DEVICE]);
}

const audits = (schema: string) => db.manyOrNone<AuditRow>('SELECT id, action, event_ids, fields, detail FROM $1:name.pii_audit ORDER BY id', [schema]);

async function refused(pool: Db, fn: (t: Db) => Promise<unknown>): Promise<string> {
  try {
    await fn(pool);
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
  return 'not refused';
}

const request = (pool: Pick<Db, 'one'>, schema: string, by: string, values: string[]) =>
  pool.one<{ audit_id: string; event_ids: string[]; unsealed: string[]; missing: string[] }>(
    'SELECT * FROM $1:name.pii_reveal_request($2, $3::text[], $4, $5, $6)', [schema, by, values, 'ticket 9', null, 'mallory']);
const fetch = (pool: Pick<Db, 'one'>, schema: string, id: string) =>
  pool.one<{ event_ids: string[]; sealed_ips: (Buffer | null)[]; sealed_device_ids: (Buffer | null)[] }>('SELECT * FROM $1:name.pii_reveal_fetch($2)', [schema, id]);

test('a reveal requested and fetched in one transaction that rolls back is refused: no value without a committed audit row', () => {
  const schema = freshSchema(PREFIX);
  return asRole(schema, 'pii', 1, async (pii) => {
    await seed(schema);
    let got: unknown = null;
    const why = await refused(pii, (p) => p.tx(async (t) => {
      const r = await request(t, schema, 'user_id', ['u1']);
      got = await fetch(t, schema, r.audit_id);
      throw new Error('roll back');
    }));
    assert.match(why, /^42501: .*is not committed/);
    assert.is(got, null, 'no sealed value was handed out');
    assert.equal(await audits(schema), [], 'and the rolled-back request left nothing to fetch later');
  });
});

test('a reveal requested behind a savepoint is refused, whether the savepoint is released or rolled back', () => {
  const schema = freshSchema(PREFIX);
  return asRole(schema, 'pii', 1, async (pii) => {
    await seed(schema);
    const released = await refused(pii, (p) => p.tx(async (t) => {
      const r = await t.tx((sp) => request(sp, schema, 'user_id', ['u1']));
      await fetch(t, schema, r.audit_id);
    }));
    assert.match(released, /^42501: .*is not committed/);
    const rolledBack = await refused(pii, (p) => p.tx(async (t) => {
      let id = '';
      await t.tx(async (sp) => {
        id = (await request(sp, schema, 'user_id', ['u1'])).audit_id;
        throw new Error('rollback to savepoint');
      }).catch(() => {});
      await fetch(t, schema, id);
    }));
    assert.match(rolledBack, /^42501: no reveal request/);
    assert.equal(await audits(schema), []);
  });
});

test('a fetch whose own transaction rolls back has still left its committed audit row, and is not handed out twice', () => {
  const schema = freshSchema(PREFIX);
  return asRole(schema, 'pii', 1, async (pii) => {
    await seed(schema);
    const r = await request(pii, schema, 'event_id', ['e1']);
    let values: Buffer[] = [];
    await pii.tx(async (t) => {
      values = (await fetch(t, schema, r.audit_id)).sealed_ips as Buffer[];
      throw new Error('roll back');
    }).catch(() => {});
    assert.equal(values, [IP], 'the values left the database');
    const [a] = await audits(schema);
    assert.equal([a!.action, a!.event_ids, a!.fields], ['reveal', ['e1'], ['ip', 'device_id']], 'and their audit row is there');
    await fetch(pii, schema, r.audit_id);
    assert.match(await refused(pii, (p) => fetch(p, schema, r.audit_id)), /^42501: .*already used for its fetch/);
  });
});

test('a reveal audits exactly what leaves: rows with one sealed value are named with that field, rows with none are not', () => {
  const schema = freshSchema(PREFIX);
  return asRole(schema, 'pii', 1, async (pii) => {
    await seed(schema);
    const r = await request(pii, schema, 'event_id', ['e1', 'e2', 'e3', 'e4', 'nope']);
    assert.equal([r.event_ids, r.unsealed, r.missing], [['e1', 'e2', 'e3'], ['e4'], ['nope']]);
    const [a] = await audits(schema);
    assert.equal([a!.event_ids, a!.fields], [['e1', 'e2', 'e3'], ['ip', 'device_id']]);
    assert.equal([a!.detail.ip_only, a!.detail.device_id_only, a!.detail.disclosed], [['e2'], ['e3'], 3]);
    const f = await fetch(pii, schema, r.audit_id);
    assert.equal(f.event_ids, ['e1', 'e2', 'e3']);
    assert.equal(f.sealed_ips, [IP, IP, null]);
    assert.equal(f.sealed_device_ids, [DEVICE, null, DEVICE]);
  });
});

test("a reveal request is fetched only by the database role that made it", () => {
  const schema = freshSchema(PREFIX);
  return asRole(schema, 'pii', 1, async (pii, lp) => {
    await seed(schema);
    // The owner makes a request the PII role then tries to fetch.
    const mine = await db.tx(async (t) => {
      await t.none('SET LOCAL ROLE $1:name', [lp.roles.owner]);
      return request(t, schema, 'user_id', ['u1']);
    });
    assert.match(await refused(pii, (p) => fetch(p, schema, mine.audit_id)), /^42501: no reveal request \d+ by database role/);
  });
});

const rekeyRequest = (pool: Pick<Db, 'one'>, schema: string, keyId: string) =>
  pool.one<{ audit_id: string | null; event_ids: string[] }>('SELECT * FROM $1:name.pii_rekey_request($2, $3, $4, $5, $6, $7)', [schema, keyId, '', 100, 'rotation', null, 'mallory']);
const rekeyApply = (pool: Pick<Db, 'one'>, schema: string, id: string, ids: string[]) =>
  pool.one('SELECT $1:name.pii_rekey_apply($2, $3::text[], $4::text[], $5::text[]) AS n', [schema, id, ids, ids.map(() => 'x'), ids.map(() => 'y')]);

test('rekey: an apply is bound to its own fetched request, once; replayed, unfetched or for other rows it is refused', () => {
  const schema = freshSchema(PREFIX);
  return asRole(schema, 'pii', 1, async (pii) => {
    await seed(schema);
    const r = await rekeyRequest(pii, schema, 'new');
    assert.equal(r.event_ids, ['e1'], 'only rows with both sealed values are re-keyed');
    assert.match(await refused(pii, (p) => rekeyApply(p, schema, r.audit_id!, ['e1'])), /never fetched/);
    assert.match(await refused(pii, (p) => p.tx(async (t) => {
      await t.one('SELECT * FROM $1:name.pii_rekey_fetch($2)', [schema, r.audit_id]);
      await rekeyApply(t, schema, r.audit_id!, ['e1', 'e2']);
    })), /^42501: .*rows not handed out by rekey request/);
    await pii.tx(async (t) => {
      await t.one('SELECT * FROM $1:name.pii_rekey_fetch($2)', [schema, r.audit_id]);
      assert.is((await rekeyApply(t, schema, r.audit_id!, ['e1'])).n, 1);
    });
    assert.match(await refused(pii, (p) => rekeyApply(p, schema, r.audit_id!, ['e1'])), /^42501: .*already used for its apply/);
    const row = await db.one('SELECT masked_ip, mask_key_id FROM $1:name.user_logins WHERE event_id = $2', [schema, 'e1']);
    assert.equal(row, { masked_ip: 'x', mask_key_id: 'new' });
    // An earlier audit row of another action (the reveal of the same rows) cannot stand in.
    const reveal = await request(pii, schema, 'event_id', ['e1']);
    assert.match(await refused(pii, (p) => rekeyApply(p, schema, reveal.audit_id, ['e1'])), /^42501: no rekey request/);
  });
});

test('rekey with a made-up key id: its committed audit row names exactly the rows handed out, and shows they were never applied', () => {
  const schema = freshSchema(PREFIX);
  return asRole(schema, 'pii', 1, async (pii) => {
    await seed(schema);
    const r = await rekeyRequest(pii, schema, 'made-up');
    await pii.tx(async (t) => {
      const f = await t.one('SELECT * FROM $1:name.pii_rekey_fetch($2)', [schema, r.audit_id]);
      assert.equal(f.event_ids, ['e1']);
      throw new Error('walk away with the values');
    }).catch(() => {});
    const [a] = await audits(schema);
    assert.equal([a!.action, a!.event_ids, a!.fields, a!.detail.to_key_id], ['rekey', ['e1'], ['ip', 'device_id'], 'made-up']);
    const applied = await db.manyOrNone('SELECT step FROM $1:name.pii_audit_use WHERE audit_id = $2 AND step = $3', [schema, a!.id, 'apply']);
    assert.equal(applied, [], 'never applied: an audit reader sees a disclosure, not a rotation');
    assert.match(await refused(pii, (p) => rekeyRequest(p, schema, "bad key'")), /^22023: .*key id/);
  });
});

test('an operator planted in the schema is not used by the PII functions (they run as the owner)', () => {
  const schema = freshSchema(PREFIX);
  const attacker = `lp_attacker_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  return asRole(schema, 'pii', 1, async (pii) => {
    await seed(schema);
    // What PUBLIC had on `public` up to PostgreSQL 14: CREATE in the schema the functions search.
    await db.none('CREATE ROLE $1:name', [attacker]);
    try {
      await db.none('GRANT USAGE, CREATE ON SCHEMA $1:name TO $2:name', [schema, attacker]);
      await db.none('CREATE TABLE $1:name.hijacked (as_user text)', [schema]);
      await db.none('GRANT INSERT ON $1:name.hijacked TO PUBLIC', [schema]);
      await db.tx(async (t) => {
        await t.none('SET LOCAL ROLE $1:name', [attacker]);
        await t.none(`CREATE FUNCTION $1:name.eq_hijack(a varchar, b text) RETURNS boolean LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO $1:name.hijacked VALUES (current_user); RETURN a::text OPERATOR(pg_catalog.=) b; END $$`, [schema]);
        await t.none('CREATE OPERATOR $1:name.= (LEFTARG = varchar, RIGHTARG = text, FUNCTION = $1:name.eq_hijack)', [schema]);
      });
      const r = await request(pii, schema, 'user_id', ['u1']);
      await fetch(pii, schema, r.audit_id);
      await pii.one('SELECT * FROM $1:name.pii_forget($2, false, $3, NULL, $4)', [schema, 'u2', 'erasure', 'mallory']);
      assert.equal(await db.manyOrNone('SELECT as_user FROM $1:name.hijacked', [schema]), [], 'the planted operator never ran');
      assert.equal(r.event_ids, ['e1', 'e2'], 'and the lookup still found its rows');
    } finally {
      await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);
      await db.none('DROP OWNED BY $1:name', [attacker]);
      await db.none('DROP ROLE $1:name', [attacker]);
    }
  });
});

test('migrate --roles takes CREATE on the schema from PUBLIC, and refuses, naming them, other roles that have it', async () => {
  const schema = freshSchema(PREFIX);
  const other = `lp_other_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  const roles = { owner: `lp_owner_${tag}`, sink: `lp_sink_${tag}`, pii: `lp_pii_${tag}` };
  await db.none('CREATE SCHEMA $1:name', [schema]);
  await db.none('CREATE ROLE $1:name', [other]);
  try {
    await db.none('GRANT CREATE ON SCHEMA $1:name TO PUBLIC', [schema]);
    await migrate(db, schema, roles);
    const publicCreate = await db.one(`SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a
      WHERE n.nspname = $1 AND a.grantee = 0 AND a.privilege_type = 'CREATE') AS yes`, [schema]);
    assert.is(publicCreate.yes, false);
    await db.none('GRANT CREATE ON SCHEMA $1:name TO $2:name', [schema, other]);
    try {
      await migrate(db, schema, roles);
      assert.unreachable('migrate --roles accepted another role with CREATE on the schema');
    } catch (err) {
      assert.match((err as Error).message, new RegExp(`roles ${other} may create objects in schema ${schema}.*REVOKE CREATE ON SCHEMA`));
    }
  } finally {
    await dropSchema(schema);
    for (const r of [other, roles.owner, roles.sink, roles.pii]) {
      await db.none('DROP OWNED BY $1:name', [r]).catch(() => {});
      await db.none('DROP ROLE IF EXISTS $1:name', [r]);
    }
  }
});

test.run();

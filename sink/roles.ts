// The Postgres roles of least privilege, made by `loginpipe migrate --roles` (opt-in):
//   owner  owns the schema, user_logins, pii_audit and the PII functions; `loginpipe migrate`
//          runs as it. Nothing else needs it.
//   sink   CONNECT and TEMPORARY on the database (its staging table is a temporary one), USAGE on
//          the schema, INSERT on user_logins, SELECT on event_id alone (ON CONFLICT (event_id)
//          and RETURNING event_id read it), and SELECT on loginpipe_migrations (to see at start
//          that the schema is up to date). It cannot read a mask, let alone a sealed value.
//   pii    CONNECT, USAGE on the schema and EXECUTE on the PII functions (sink/sql/004_...), and
//          nothing on any table: reveal, rekey and forget work only through the functions, which
//          write the audit row themselves.
// The roles are made LOGIN without a password: give them one (ALTER ROLE ... PASSWORD) or map
// them in pg_hba.conf, as your Postgres authenticates. Running this needs a role that may create
// roles and act as the owner (a superuser, or CREATEROLE with membership in the owner role).
import type { ITask } from 'pg-promise';

export interface RoleNames { owner: string; sink: string; pii: string }

/** The functions the PII role may execute, with their argument types (as GRANT names them). */
export const PII_FUNCTIONS = [
  'pii_reveal_request(text, text[], text, text, text)',
  'pii_reveal_fetch(bigint)',
  'pii_rekey_request(text, text, integer, text, text, text)',
  'pii_rekey_fetch(bigint)',
  'pii_rekey_apply(bigint, text[], text[], text[])',
  'pii_rekey_unsealed(text)',
  'pii_forget(text, boolean, text, text, text)',
];

/** The other functions migrations make, and the one-call reveal that 004 drops (its owner must be
 *  the owner role for the DROP to work), all handed to the owner like the PII functions. */
const OWNED_FUNCTIONS = ['app_version_text', 'pii_audit_refuse_change', 'pii_audit_claim', 'pii_reveal'];

/** The tables migrations make, handed to the owner if an earlier `migrate` made them as another role. */
const TABLES = ['user_logins', 'pii_audit', 'pii_audit_use', 'loginpipe_migrations'];

type Task = ITask<unknown>;

/** Before the migrations: the roles exist, and the owner owns the schema and what is in it. */
export async function prepareRoles(t: Task, schema: string, roles: RoleNames): Promise<void> {
  const names = [roles.owner, roles.sink, roles.pii];
  if (new Set(names).size !== names.length) throw new Error(`the owner, sink and PII roles must be three different roles, got ${names.join(', ')}`);
  for (const role of names) {
    const exists = await t.oneOrNone('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (!exists) await t.none('CREATE ROLE $1:name LOGIN', [role]);
  }
  const found = await t.oneOrNone<{ owner: string }>('SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1', [schema]);
  if (!found) {
    await t.none('CREATE SCHEMA $1:name AUTHORIZATION $2:name', [schema, roles.owner]);
    return;
  }
  // An existing schema (public, say) keeps its owner; the owner role gets to create in it.
  await t.none('GRANT USAGE, CREATE ON SCHEMA $1:name TO $2:name', [schema, roles.owner]);
  await refuseOtherCreators(t, schema, roles);
  for (const table of TABLES) {
    const there = await t.oneOrNone('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, table]);
    if (there) await t.none('ALTER TABLE $1:name.$2:name OWNER TO $3:name', [schema, table, roles.owner]);
  }
  const functions = await t.map(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.proname = ANY($2::text[])`,
    [schema, [...OWNED_FUNCTIONS, ...PII_FUNCTIONS.map((f) => f.slice(0, f.indexOf('(')))]],
    (r: { signature: string }) => r.signature,
  );
  // regprocedure text is already quoted and schema-qualified as needed.
  for (const signature of functions) await t.none(`ALTER FUNCTION ${signature} OWNER TO $1:name`, [roles.owner]);
}

/**
 * Nobody but the owner may create objects in the schema. The PII functions run as the owner with
 * the schema on their search_path: an operator or function someone else created there, a better
 * match for an argument type than the built-in one, would run as the owner (the functions name
 * pg_catalog's operators too, but the schema is where the trust starts). PUBLIC's CREATE (the
 * default on `public` up to PostgreSQL 14, and on clusters upgraded from it) is revoked; any other
 * role's is refused, by name, because revoking a grant someone made on purpose is theirs to decide.
 */
async function refuseOtherCreators(t: Task, schema: string, roles: RoleNames): Promise<void> {
  await t.none('REVOKE CREATE ON SCHEMA $1:name FROM PUBLIC', [schema]);
  const others = await t.map(
    `SELECT a.grantee::regrole::text AS role FROM pg_namespace n, aclexplode(n.nspacl) a
      WHERE n.nspname = $1 AND a.privilege_type = 'CREATE' AND a.grantee <> 0 AND a.grantee <> n.nspowner
        AND a.grantee <> (SELECT oid FROM pg_roles WHERE rolname = $2) ORDER BY 1`,
    [schema, roles.owner], (r: { role: string }) => r.role);
  if (others.length > 0) {
    throw new Error(`roles ${others.join(', ')} may create objects in schema ${schema}, where an operator or function of theirs would run as the owner inside the PII functions: `
      + `REVOKE CREATE ON SCHEMA ${schema} FROM ${others.join(', ')}, or give loginpipe a schema of its own`);
  }
}

/** After the migrations: exactly the grants listed above. */
export async function grantRoles(t: Task, schema: string, roles: RoleNames): Promise<void> {
  const { database } = await t.one<{ database: string }>('SELECT current_database() AS database');
  await t.none('GRANT CONNECT, TEMPORARY ON DATABASE $1:name TO $2:name', [database, roles.sink]);
  await t.none('GRANT CONNECT ON DATABASE $1:name TO $2:name', [database, roles.pii]);
  await t.none('GRANT USAGE ON SCHEMA $1:name TO $2:name, $3:name', [schema, roles.sink, roles.pii]);
  await t.none('GRANT INSERT, SELECT (event_id) ON $1:name.user_logins TO $2:name', [schema, roles.sink]);
  await t.none('GRANT SELECT ON $1:name.loginpipe_migrations TO $2:name', [schema, roles.sink]);
  for (const f of PII_FUNCTIONS) await t.none(`GRANT EXECUTE ON FUNCTION $1:name.${f} TO $2:name`, [schema, roles.pii]);
}

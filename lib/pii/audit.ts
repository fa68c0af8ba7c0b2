// The pii_audit trail (sink/sql/002_...): one row per reveal, rekey batch or forget, inserted in
// the transaction that reads or changes the rows it records, so that no clear value is printed,
// and no row changed, without its audit row having committed first.
import { userInfo } from 'node:os';

/**
 * What the audit needs of a database transaction: the two calls it makes. A pg-promise task is
 * one; naming only these keeps lib/pii/ free of the Postgres client (see import-direction.test.ts).
 */
export interface AuditTx {
  one<T>(query: string, values?: unknown): Promise<T>;
  none(query: string, values?: unknown): Promise<unknown>;
}

export type AuditAction = 'reveal' | 'rekey' | 'forget';

export interface AuditEntry {
  action: AuditAction;
  reason: string;
  requestedBy: string | null;
  eventIds: string[];
  fields: string[];
  /** Counts and selectors; never a clear value. */
  detail: Record<string, unknown>;
}

/** The operating-system user running the command, as the audit records it. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid is still something to go on.
    return process.env.USER ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Refuses a missing or blank reason before anything is read. */
export function requireReason(reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '') throw new AuditUsageError('--reason "..." is required: say why, it goes to the audit trail');
  return reason.trim();
}

export class AuditUsageError extends Error {}

export async function insertAudit(t: AuditTx, e: AuditEntry): Promise<number> {
  const row = await t.one<{ id: string }>(
    `INSERT INTO pii_audit (action, os_user, requested_by, reason, event_ids, fields, detail)
     VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7::jsonb) RETURNING id`,
    [e.action, osUser(), e.requestedBy, e.reason, e.eventIds, e.fields, JSON.stringify(e.detail)],
  );
  return Number(row.id);
}

/** Scopes the transaction's unqualified names (user_logins, pii_audit) to the configured schema. */
export async function useSchema(t: AuditTx, schema: string): Promise<void> {
  await t.none('SET LOCAL search_path TO $1:name', [schema]);
}

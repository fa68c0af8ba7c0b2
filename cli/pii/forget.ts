// `loginpipe forget --user-id U --reason "..." [--delete-rows]`: makes a user's PII unrecoverable
// from Postgres. By default it clears the sealed values of the user's rows and keeps the
// pseudonymous masks (they still count logins and devices, and cannot be read back); with
// --delete-rows it deletes the rows. Either way one audit row records it, in the same transaction.
// It needs no key: forgetting must stay possible even when the recovery key is lost.
import { parseArgs } from 'node:util';
import { loadSettings } from '../../lib/runtime/config.js';
import { closeAllDbs, openDb, type Db } from '../../lib/postgres/db.js';
import { AuditUsageError, osUser, requireReason } from '../../lib/pii/audit.js';
import { databaseSettings } from '../../sink/config.js';

export interface ForgetRequest { userId: string; reason: string; requestedBy: string | null; deleteRows: boolean }

export function parseForgetArgs(args: string[]): ForgetRequest {
  const { values } = parseArgs({ args, options: { 'user-id': { type: 'string' }, reason: { type: 'string' }, 'requested-by': { type: 'string' }, 'delete-rows': { type: 'boolean', default: false } } });
  if (values['user-id'] === undefined || values['user-id'].trim() === '') throw new AuditUsageError('--user-id U is required');
  return { userId: values['user-id'], reason: requireReason(values.reason), requestedBy: values['requested-by']?.trim() || null, deleteRows: values['delete-rows'] ?? false };
}

/** pii_forget (sink/sql/004_...) clears or deletes the rows and writes the audit row, in one statement. */
export async function forget(db: Db, schema: string, req: ForgetRequest): Promise<{ eventIds: string[]; auditId: number }> {
  const r = await db.one<{ audit_id: string; event_ids: string[] }>(
    'SELECT * FROM $1:name.pii_forget($2, $3, $4, $5, $6)', [schema, req.userId, req.deleteRows, req.reason, req.requestedBy, osUser()]);
  return { eventIds: r.event_ids, auditId: Number(r.audit_id) };
}

export async function forgetCommand(args: string[], out: (line: string) => void): Promise<number> {
  const req = parseForgetArgs(args);
  const cfg = loadSettings(databaseSettings);
  try {
    const r = await forget(openDb(cfg, 1), cfg.databaseSchema, req);
    out(`${req.deleteRows ? 'deleted' : 'cleared the sealed values of'} ${r.eventIds.length} rows of user ${req.userId} (audit row ${r.auditId})`);
    return 0;
  } finally {
    closeAllDbs();
  }
}

// `loginpipe forget --user-id U --reason "..." [--delete-rows]`: makes a user's PII unrecoverable
// from Postgres. By default it clears the sealed values of the user's rows and keeps the
// pseudonymous masks (they still count logins and devices, and cannot be read back); with
// --delete-rows it deletes the rows. Either way one audit row records it, in the same transaction.
// It needs no key: forgetting must stay possible even when the recovery key is lost.
import { parseArgs } from 'node:util';
import { loadSettings } from '../lib/config.js';
import { closeAllDbs, openDb, type Db } from '../lib/db.js';
import { AuditUsageError, insertAudit, requireReason, useSchema } from '../lib/pii/audit.js';
import { databaseSettings } from '../sink/config.js';

export interface ForgetRequest { userId: string; reason: string; requestedBy: string | null; deleteRows: boolean }

export function parseForgetArgs(args: string[]): ForgetRequest {
  const { values } = parseArgs({ args, options: { 'user-id': { type: 'string' }, reason: { type: 'string' }, 'requested-by': { type: 'string' }, 'delete-rows': { type: 'boolean', default: false } } });
  if (values['user-id'] === undefined || values['user-id'].trim() === '') throw new AuditUsageError('--user-id U is required');
  return { userId: values['user-id'], reason: requireReason(values.reason), requestedBy: values['requested-by']?.trim() || null, deleteRows: values['delete-rows'] ?? false };
}

export async function forget(db: Db, schema: string, req: ForgetRequest): Promise<{ eventIds: string[]; auditId: number }> {
  return db.tx('loginpipe-forget', async (t) => {
    await useSchema(t, schema);
    const eventIds: string[] = req.deleteRows
      ? await t.map('DELETE FROM user_logins WHERE user_id = $1 RETURNING event_id', [req.userId], (r: { event_id: string }) => r.event_id)
      : await t.map(
        `UPDATE user_logins SET sealed_ip = NULL, sealed_device_id = NULL
         WHERE user_id = $1 AND (sealed_ip IS NOT NULL OR sealed_device_id IS NOT NULL) RETURNING event_id`,
        [req.userId], (r: { event_id: string }) => r.event_id);
    eventIds.sort();
    const auditId = await insertAudit(t, {
      action: 'forget', reason: req.reason, requestedBy: req.requestedBy, eventIds,
      fields: req.deleteRows ? ['row'] : ['sealed_ip', 'sealed_device_id'],
      detail: { user_id: req.userId, delete_rows: req.deleteRows, rows: eventIds.length },
    });
    return { eventIds, auditId };
  });
}

export async function forgetCommand(args: string[], out: (line: string) => void): Promise<number> {
  const req = parseForgetArgs(args);
  const cfg = loadSettings(databaseSettings);
  try {
    const r = await forget(openDb(cfg.databaseUrl, 1), cfg.databaseSchema, req);
    out(`${req.deleteRows ? 'deleted' : 'cleared the sealed values of'} ${r.eventIds.length} rows of user ${req.userId} (audit row ${r.auditId})`);
    return 0;
  } finally {
    closeAllDbs();
  }
}

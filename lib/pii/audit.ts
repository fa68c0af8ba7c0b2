// The pii_audit trail (sink/sql/002_...): one row per reveal, rekey batch or forget. The rows are
// written by the database functions of sink/sql/004_...: a reveal or rekey request commits its
// audit row before any sealed value is handed out, and forget changes rows in the statement that
// audits them; here is what the commands add to it (who runs them, and why).
import { userInfo } from 'node:os';

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

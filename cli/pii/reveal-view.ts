// How `reveal` prints what it opened. Every printed text came from an event someone sent (event
// ids, user ids, device ids; an ip is canonical and safe): a control or bidi character in it could
// start a forged second row or reorder the line, so each is shown as the inspect views show
// untrusted text, quoted and escaped whenever it holds one. The JSON form is escaped the same way
// and decodes to the exact values.
import { plain, safeJson } from '../inspect/record-view.js';

export type RevealedRow =
  | { event_id: string; user_id: string; ip: string; device_id: string }
  | { event_id: string; error: string };

/** Lines for standard output (the values) and standard error (what did not open, and the audit). */
export function revealLines(results: RevealedRow[], missing: string[], auditId: number, json: boolean): { out: string[]; err: string[] } {
  if (json) return { out: [safeJson({ audit_id: auditId, results, missing })], err: [] };
  const out: string[] = [];
  const err: string[] = [];
  for (const r of results) {
    if ('error' in r) err.push(`event ${plain(r.event_id)}: ${r.error}`);
    else out.push(`${plain(r.event_id)}\t${plain(r.user_id)}\tip=${plain(r.ip)}\tdevice_id=${plain(r.device_id)}`);
  }
  for (const id of missing) err.push(`event ${plain(id)}: no such row`);
  err.push(`audit row ${auditId}: ${results.filter((r) => !('error' in r)).length} of ${results.length + missing.length} revealed`);
  return { out, err };
}

// `loginpipe reveal (--event-id ID... | --user-id U | --masked-ip HEX) --reason "..."`: opens the
// sealed ip and device_id of the selected rows with the recovery private key.
// Order, and why: the audit row is written and committed by one call (pii_reveal_request), and
// only then are the sealed values handed out by another (pii_reveal_fetch), opened and printed. Clear values go to standard output only (never to a
// log or to standard error); a row that does not open gets an error line naming its event id and
// the reason, never a value.
import { parseArgs } from 'node:util';
import { fileVariable, loadSettings } from '../../lib/runtime/config.js';
import { closeAllDbs, openDb, type Db } from '../../lib/postgres/db.js';
import { AuditUsageError, osUser, requireReason } from '../../lib/pii/audit.js';
import { importOpeningKey, openField, SealedValueError, type OpeningKey } from '../../lib/pii/hpke.js';
import { maskKeyIdFrom, recoverySettings, sealingSettings } from '../../lib/pii/settings.js';
import { createMasker } from '../../lib/pii/mask.js';
import { maskMismatches, type MaskingKey, type StoredMasks } from '../../lib/pii/mask-check.js';
import { piiSettings } from '../../processor/config.js';
import { databaseSettings } from '../../sink/config.js';
import { revealLines } from './reveal-view.js';

export type Selector =
  | { by: 'event_id'; eventIds: string[] }
  | { by: 'user_id'; userId: string }
  | { by: 'masked_ip'; maskedIp: string };

export interface RevealRequest {
  selector: Selector;
  reason: string;
  requestedBy: string | null;
  json: boolean;
}

const MASK = /^[0-9a-f]{64}$/;

/** The command line, checked before any setting or connection. Throws AuditUsageError. */
export function parseRevealArgs(args: string[]): RevealRequest {
  const { values } = parseArgs({
    args,
    options: {
      'event-id': { type: 'string', multiple: true },
      'user-id': { type: 'string' },
      'masked-ip': { type: 'string' },
      reason: { type: 'string' },
      'requested-by': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const given = [values['event-id'] !== undefined, values['user-id'] !== undefined, values['masked-ip'] !== undefined].filter(Boolean).length;
  if (given !== 1) throw new AuditUsageError('give exactly one of --event-id ID (repeatable), --user-id U or --masked-ip HEX');
  const reason = requireReason(values.reason);
  const requestedBy = values['requested-by']?.trim() || null;
  let selector: Selector;
  if (values['event-id'] !== undefined) {
    const ids = values['event-id'].map((s) => s.trim());
    if (ids.some((s) => s === '')) throw new AuditUsageError('--event-id must not be blank');
    selector = { by: 'event_id', eventIds: [...new Set(ids)] };
  } else if (values['user-id'] !== undefined) {
    if (values['user-id'].trim() === '') throw new AuditUsageError('--user-id must not be blank');
    selector = { by: 'user_id', userId: values['user-id'] };
  } else {
    const mask = values['masked-ip']!.trim().toLowerCase();
    if (!MASK.test(mask)) throw new AuditUsageError('--masked-ip must be a mask as stored: 64 hex digits');
    selector = { by: 'masked_ip', maskedIp: mask };
  }
  return { selector, reason, requestedBy, json: values.json ?? false };
}

export type RevealResult =
  | { event_id: string; user_id: string; ip: string; device_id: string }
  | { event_id: string; error: string };

interface SealedRow { event_id: string; user_id: string; sealed_ip: Buffer | null; sealed_device_id: Buffer | null; masks?: StoredMasks }

function openRow(key: OpeningKey, r: SealedRow, maskingKey?: MaskingKey): RevealResult {
  if (r.sealed_ip === null && r.sealed_device_id === null) {
    return { event_id: r.event_id, error: 'no sealed values (stored without a recovery key, or forgotten)' };
  }
  if (r.sealed_ip === null || r.sealed_device_id === null) {
    return { event_id: r.event_id, error: `only ${r.sealed_ip === null ? 'device_id' : 'ip'} is sealed; a row needs both to be revealed` };
  }
  try {
    const opened = { ip: openField(key, r.sealed_ip, 'ip', r.event_id), device_id: openField(key, r.sealed_device_id, 'device_id', r.event_id) };
    return forgedCheck(r, opened, maskingKey) ?? { event_id: r.event_id, user_id: r.user_id, ...opened };
  } catch (err) {
    if (err instanceof SealedValueError) return { event_id: r.event_id, error: err.message };
    throw err;
  }
}

/** With the masking key that made the row's masks: an opened value whose mask differs is withheld as forged. */
function forgedCheck(r: SealedRow, opened: { ip: string; device_id: string }, maskingKey: MaskingKey | undefined): RevealResult | undefined {
  if (r.masks === undefined) return undefined;
  const wrong = maskMismatches(opened, r.masks, maskingKey);
  if (wrong === 'unchecked' || wrong.length === 0) return undefined;
  return { event_id: r.event_id, error: `the opened ${wrong.join(' and ')} does not match the row's mask: sealed by someone other than the processor; withheld` };
}

interface Requested { audit_id: string; event_ids: string[]; unsealed: string[]; missing: string[] }
interface Fetched {
  event_ids: string[]; user_ids: string[]; sealed_ips: (Buffer | null)[]; sealed_device_ids: (Buffer | null)[];
  masked_ips: string[]; masked_device_ids: string[]; mask_key_ids: (string | null)[];
}

/**
 * Two calls, each its own transaction (sink/sql/004_...): pii_reveal_request chooses the rows and
 * writes the audit row, and commits; only then does pii_reveal_fetch hand out the sealed values
 * that row audited (it refuses a request that has not committed). Nothing is opened, let alone
 * printed, before the audit row is committed. Which values opened is this command's to report.
 */
export async function reveal(db: Db, schema: string, key: OpeningKey, req: RevealRequest, maskingKey?: MaskingKey): Promise<{ results: RevealResult[]; missing: string[]; auditId: number }> {
  const s = req.selector;
  const values = s.by === 'event_id' ? s.eventIds : [s.by === 'user_id' ? s.userId : s.maskedIp];
  const asked = await db.one<Requested>(
    'SELECT * FROM $1:name.pii_reveal_request($2, $3::text[], $4, $5, $6)', [schema, s.by, values, req.reason, req.requestedBy, osUser()]);
  const r = await db.one<Fetched>('SELECT * FROM $1:name.pii_reveal_fetch($2)', [schema, asked.audit_id]);
  const rows: SealedRow[] = r.event_ids.map((id, i) => ({
    event_id: id, user_id: r.user_ids[i]!, sealed_ip: r.sealed_ips[i] ?? null, sealed_device_id: r.sealed_device_ids[i] ?? null,
    masks: { maskedIp: r.masked_ips[i]!, maskedDeviceId: r.masked_device_ids[i]!, maskKeyId: r.mask_key_ids[i] ?? null },
  }));
  const unsealed: SealedRow[] = asked.unsealed.map((id) => ({ event_id: id, user_id: '', sealed_ip: null, sealed_device_id: null }));
  const results = [...rows, ...unsealed].sort((a, b) => (a.event_id < b.event_id ? -1 : 1)).map((row) => openRow(key, row, maskingKey));
  return { results, missing: asked.missing, auditId: Number(asked.audit_id) };
}

/**
 * The masking key, when PII_HMAC_KEY (or its file) is set: then each opened row whose masks that
 * key made is checked against them. Optional, since the recovery key alone opens values.
 */
function maskingKeyIfGiven(env: NodeJS.ProcessEnv = process.env): MaskingKey | undefined {
  const hmac = piiSettings.hmacKey.env;
  if (env[hmac] === undefined && env[fileVariable(hmac)] === undefined) return undefined;
  const cfg = loadSettings({ hmacKey: piiSettings.hmacKey, hmacKeyId: sealingSettings.hmacKeyId }, env);
  const maskingKey = { mask: createMasker(cfg.hmacKey), keyId: maskKeyIdFrom(cfg) };
  cfg.hmacKey.fill(0);
  return maskingKey;
}

export async function revealCommand(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const req = parseRevealArgs(args);
  const cfg = { ...loadSettings(databaseSettings), ...loadSettings(recoverySettings) };
  const key = importOpeningKey(cfg.recoveryPrivateKeyFile);
  cfg.recoveryPrivateKeyFile.fill(0);
  const maskingKey = maskingKeyIfGiven();
  try {
    const { results, missing, auditId } = await reveal(openDb(cfg, 1), cfg.databaseSchema, key, req, maskingKey);
    const lines = revealLines(results, missing, auditId, req.json);
    lines.out.forEach((l) => out(l));
    lines.err.forEach((l) => err(l));
    const failed = results.some((r) => 'error' in r) || missing.length > 0 || results.length === 0;
    return failed ? 1 : 0;
  } finally {
    closeAllDbs();
  }
}

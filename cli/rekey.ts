// `loginpipe rekey --reason "..."`: recomputes masked_ip and masked_device_id of every row made
// under another masking key than PII_HMAC_KEY (named PII_HMAC_KEY_ID), from its sealed values.
// - Batches: each batch (rows locked, opened, updated, its audit row inserted) is one transaction,
//   so a crash or kill -9 loses at most the batch in hand, which rolls back.
// - Idempotent and resumable: what is left is found again by its mask_key_id, so running it again
//   (after a crash, or to catch rows a late processor wrote) carries on where it stopped.
// - Rows without sealed values cannot be re-keyed: they are counted and reported, left as they are.
// - A sealed value that does not open (wrong private key, tampered) is reported by event id, the
//   row is left as it is, and the command exits 1.
import { parseArgs } from 'node:util';
import { loadSettings } from '../lib/config.js';
import { closeAllDbs, openDb, type Db } from '../lib/db.js';
import { AuditUsageError, insertAudit, requireReason, useSchema } from '../lib/pii/audit.js';
import { importOpeningKey, openText, SealedValueError, type OpeningKey } from '../lib/pii/hpke.js';
import { maskKeyIdFrom, recoverySettings, sealingSettings } from '../lib/pii/settings.js';
import { piiSettings } from '../processor/config.js';
import { createMasker } from '../processor/mask.js';
import { databaseSettings } from '../sink/config.js';

export interface RekeyRequest { reason: string; requestedBy: string | null; batchSize: number }

export function parseRekeyArgs(args: string[]): RekeyRequest {
  const { values } = parseArgs({ args, options: { reason: { type: 'string' }, 'requested-by': { type: 'string' }, 'batch-size': { type: 'string', default: '500' } } });
  const reason = requireReason(values.reason);
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new AuditUsageError('--batch-size must be a whole number from 1 to 10000');
  return { reason, requestedBy: values['requested-by']?.trim() || null, batchSize };
}

export interface RekeyKeys { opening: OpeningKey; mask: (canonical: string) => string; keyId: string }
export interface RekeyOutcome { rekeyed: number; batches: number; failed: string[]; unsealed: number }

interface Row { event_id: string; sealed_ip: Buffer; sealed_device_id: Buffer; mask_key_id: string | null }

export async function rekey(db: Db, schema: string, keys: RekeyKeys, req: RekeyRequest, onBatch: (n: number) => void = () => {}): Promise<RekeyOutcome> {
  const outcome: RekeyOutcome = { rekeyed: 0, batches: 0, failed: [], unsealed: 0 };
  let after = '';
  for (;;) {
    const last = await db.tx('loginpipe-rekey', async (t) => {
      await useSchema(t, schema);
      const rows: Row[] = await t.any(
        `SELECT event_id, sealed_ip, sealed_device_id, mask_key_id FROM user_logins
         WHERE mask_key_id IS DISTINCT FROM $1 AND sealed_ip IS NOT NULL AND sealed_device_id IS NOT NULL AND event_id > $2
         ORDER BY event_id LIMIT $3 FOR UPDATE`,
        [keys.keyId, after, req.batchSize],
      );
      if (rows.length === 0) return undefined;
      const ids: string[] = [];
      const ips: string[] = [];
      const devices: string[] = [];
      const failed: string[] = [];
      for (const r of rows) {
        try {
          // The sealed ip is already the canonical form the processor masked.
          const ip = openText(keys.opening, r.sealed_ip, r.event_id);
          const device = openText(keys.opening, r.sealed_device_id, r.event_id);
          ids.push(r.event_id);
          ips.push(keys.mask(ip));
          devices.push(keys.mask(device));
        } catch (err) {
          if (!(err instanceof SealedValueError)) throw err;
          failed.push(r.event_id);
        }
      }
      if (ids.length > 0) {
        await t.none(
          `UPDATE user_logins AS u SET masked_ip = v.masked_ip, masked_device_id = v.masked_device_id, mask_key_id = $4
           FROM unnest($1::text[], $2::text[], $3::text[]) AS v(event_id, masked_ip, masked_device_id)
           WHERE u.event_id = v.event_id`,
          [ids, ips, devices, keys.keyId],
        );
      }
      await insertAudit(t, {
        action: 'rekey', reason: req.reason, requestedBy: req.requestedBy, eventIds: ids, fields: ids.length > 0 ? ['ip', 'device_id'] : [],
        detail: { to_key_id: keys.keyId, from_key_ids: [...new Set(rows.map((r) => r.mask_key_id))], rekeyed: ids.length, failed },
      });
      outcome.rekeyed += ids.length;
      outcome.failed.push(...failed);
      outcome.batches += 1;
      return rows[rows.length - 1]!.event_id;
    });
    if (last === undefined) break;
    after = last;
    onBatch(outcome.rekeyed);
  }
  outcome.unsealed = await db.tx(async (t) => {
    await useSchema(t, schema);
    const r = await t.one<{ n: string }>(
      'SELECT count(*) AS n FROM user_logins WHERE mask_key_id IS DISTINCT FROM $1 AND (sealed_ip IS NULL OR sealed_device_id IS NULL)', [keys.keyId]);
    return Number(r.n);
  });
  return outcome;
}

export async function rekeyCommand(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const req = parseRekeyArgs(args);
  const cfg = loadSettings({ ...databaseSettings, ...recoverySettings, hmacKey: piiSettings.hmacKey, hmacKeyId: sealingSettings.hmacKeyId });
  const keys: RekeyKeys = { opening: importOpeningKey(cfg.recoveryPrivateKeyFile), mask: createMasker(cfg.hmacKey), keyId: maskKeyIdFrom(cfg) };
  cfg.recoveryPrivateKeyFile.fill(0);
  cfg.hmacKey.fill(0);
  try {
    const o = await rekey(openDb(cfg.databaseUrl, 1), cfg.databaseSchema, keys, req);
    out(`rekeyed ${o.rekeyed} rows to key ${keys.keyId} in ${o.batches} batches`);
    if (o.unsealed > 0) out(`${o.unsealed} rows under another key have no sealed values and cannot be re-keyed`);
    for (const id of o.failed) err(`event ${id}: sealed value does not open; row left under its old key`);
    return o.failed.length > 0 ? 1 : 0;
  } finally {
    closeAllDbs();
  }
}

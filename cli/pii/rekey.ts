// `loginpipe rekey --reason "..."`: recomputes masked_ip and masked_device_id of every row made
// under another masking key than PII_HMAC_KEY (named PII_HMAC_KEY_ID), from its sealed values.
// - Batches: each batch is first requested, which writes and commits its audit row; then, in one
//   transaction, its rows are fetched (locked), opened, and updated. A crash or kill -9 loses at
//   most the batch in hand, whose update rolls back; its audit row stays, as it must, since its
//   values may have left the database.
// - Idempotent and resumable: what is left is found again by its mask_key_id, so running it again
//   (after a crash, or to catch rows a late processor wrote) carries on where it stopped.
// - Rows without sealed values cannot be re-keyed: they are counted and reported, left as they are.
// - A sealed value that does not open (wrong private key, tampered) is reported by event id, the
//   row is left as it is, and the command exits 1.
import { parseArgs } from 'node:util';
import { loadSettings } from '../../lib/runtime/config.js';
import { closeAllDbs, openDb, type Db } from '../../lib/postgres/db.js';
import { AuditUsageError, osUser, requireReason } from '../../lib/pii/audit.js';
import { importOpeningKey, openField, SealedValueError, type OpeningKey } from '../../lib/pii/hpke.js';
import { maskKeyIdFrom, recoverySettings, sealingSettings } from '../../lib/pii/settings.js';
import { piiSettings } from '../../processor/config.js';
import { createMasker } from '../../lib/pii/mask.js';
import { databaseSettings } from '../../sink/config.js';

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

interface Requested { audit_id: string | null; event_ids: string[] }
interface Fetched { event_ids: string[]; sealed_ips: Buffer[]; sealed_device_ids: Buffer[] }

/**
 * Batch by batch: pii_rekey_request chooses the next rows and commits their audit row; then, in
 * one transaction, pii_rekey_fetch hands out and locks those rows (it refuses a request that has
 * not committed), the masks are made here from the opened values, and pii_rekey_apply writes them
 * (only to rows that request audited, once). A batch killed half-way rolls back its update; its
 * audit row stays.
 */
export async function rekey(db: Db, schema: string, keys: RekeyKeys, req: RekeyRequest, onBatch: (n: number) => void = () => {}): Promise<RekeyOutcome> {
  const outcome: RekeyOutcome = { rekeyed: 0, batches: 0, failed: [], unsealed: 0 };
  let after = '';
  for (;;) {
    const asked = await db.one<Requested>('SELECT * FROM $1:name.pii_rekey_request($2, $3, $4, $5, $6, $7)',
      [schema, keys.keyId, after, req.batchSize, req.reason, req.requestedBy, osUser()]);
    if (asked.audit_id === null) break;
    await db.tx('loginpipe-rekey', async (t) => {
      const batch = await t.one<Fetched>('SELECT * FROM $1:name.pii_rekey_fetch($2)', [schema, asked.audit_id]);
      const ids: string[] = [];
      const ips: string[] = [];
      const devices: string[] = [];
      const failed: string[] = [];
      for (const [i, id] of batch.event_ids.entries()) {
        try {
          // The sealed ip is already the canonical form the processor masked.
          const ip = openField(keys.opening, batch.sealed_ips[i]!, 'ip', id);
          const device = openField(keys.opening, batch.sealed_device_ids[i]!, 'device_id', id);
          ids.push(id);
          ips.push(keys.mask(ip));
          devices.push(keys.mask(device));
        } catch (err) {
          if (!(err instanceof SealedValueError)) throw err;
          failed.push(id);
        }
      }
      if (ids.length > 0) {
        await t.one('SELECT $1:name.pii_rekey_apply($2, $3::text[], $4::text[], $5::text[]) AS n', [schema, asked.audit_id, ids, ips, devices]);
      }
      outcome.rekeyed += ids.length;
      outcome.failed.push(...failed);
      outcome.batches += 1;
    });
    // Rows the fetch no longer found (forgotten since the request) are passed over all the same.
    after = asked.event_ids[asked.event_ids.length - 1]!;
    onBatch(outcome.rekeyed);
  }
  const unsealed = await db.one<{ n: string }>('SELECT $1:name.pii_rekey_unsealed($2) AS n', [schema, keys.keyId]);
  outcome.unsealed = Number(unsealed.n);
  return outcome;
}

export async function rekeyCommand(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const req = parseRekeyArgs(args);
  const cfg = loadSettings({ ...databaseSettings, ...recoverySettings, hmacKey: piiSettings.hmacKey, hmacKeyId: sealingSettings.hmacKeyId });
  const keys: RekeyKeys = { opening: importOpeningKey(cfg.recoveryPrivateKeyFile), mask: createMasker(cfg.hmacKey), keyId: maskKeyIdFrom(cfg) };
  cfg.recoveryPrivateKeyFile.fill(0);
  cfg.hmacKey.fill(0);
  try {
    const o = await rekey(openDb(cfg, 1), cfg.databaseSchema, keys, req);
    out(`rekeyed ${o.rekeyed} rows to key ${keys.keyId} in ${o.batches} batches`);
    if (o.unsealed > 0) out(`${o.unsealed} rows under another key have no sealed values and cannot be re-keyed`);
    for (const id of o.failed) err(`event ${id}: sealed value does not open; row left under its old key`);
    return o.failed.length > 0 ? 1 : 0;
  } finally {
    closeAllDbs();
  }
}

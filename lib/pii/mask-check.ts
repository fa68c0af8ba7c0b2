// Whether the clear values a row's sealed columns opened to are the ones its masks were made
// from. Anyone with the recovery public key (every processor has it) can seal a value of their
// choosing for any event and field, and so could a writer of user_logins: only the masks tie a
// row to what the processor saw, since making one needs the masking key. So where the opener also
// holds the masking key that made the row's masks, an opened value whose mask differs from the
// stored one is refused as forged instead of being printed or re-masked.
import { timingSafeEqual } from 'node:crypto';
import type { SealedField } from './hpke.js';

export interface StoredMasks { maskedIp: string; maskedDeviceId: string; maskKeyId: string | null }
export interface MaskingKey { mask(canonical: string): string; keyId: string }

/**
 * 'unchecked' when no masking key is given or the row's masks are another key's (nothing can be
 * told then); otherwise the fields whose mask differs, an empty list when both agree.
 */
export function maskMismatches(opened: Record<SealedField, string>, stored: StoredMasks, key: MaskingKey | undefined): SealedField[] | 'unchecked' {
  if (key === undefined || stored.maskKeyId !== key.keyId) return 'unchecked';
  const wrong: SealedField[] = [];
  if (!sameHex(key.mask(opened.ip), stored.maskedIp)) wrong.push('ip');
  if (!sameHex(key.mask(opened.device_id), stored.maskedDeviceId)) wrong.push('device_id');
  return wrong;
}

function sameHex(made: string, stored: string): boolean {
  const a = Buffer.from(made, 'utf8');
  const b = Buffer.from(stored.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

// Settings of PII sealing and of the masking key's identity. The processor holds only the public
// recovery key; the private one is read by the operator's commands (reveal, rekey), never by a
// service. An unset optional setting parses to null.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BadValue, ConfigError, setting } from '../runtime/config.js';
import { importSealingKey, type SealingKey } from './hpke.js';
import { parseKeyText, readPrivateKeyFile } from './keys.js';

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

function optionalPublicKey(raw: string): Buffer | null {
  return raw.trim() === '' ? null : parseKeyText(raw, 'recovery public key');
}

function optionalPublicKeyFile(raw: string): Buffer | null {
  if (raw.trim() === '') return null;
  let text: string;
  try {
    text = readFileSync(raw.trim(), 'utf8');
  } catch (err) {
    throw new BadValue(`cannot read ${raw.trim()}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parseKeyText(text, 'recovery public key');
}

function optionalKeyId(raw: string): string | null {
  if (raw === '') return null;
  if (!KEY_ID.test(raw)) throw new BadValue(`must be 1-32 letters, digits, ".", "_" or "-", got "${raw}"`);
  return raw;
}

export const sealingSettings = {
  recoveryPublicKey: setting('PII_RECOVERY_PUBLIC_KEY', 'Recovery public key (base64 X25519, from `loginpipe keys generate`): ip and device_id are also stored sealed to it; unset, nothing is sealed', '', optionalPublicKey),
  recoveryPublicKeyFile: setting('PII_RECOVERY_PUBLIC_KEY_FILE', 'File holding the recovery public key, instead of PII_RECOVERY_PUBLIC_KEY', '', optionalPublicKeyFile),
  hmacKeyId: setting('PII_HMAC_KEY_ID', 'Name of the masking key, stored with every mask (mask_key_id); default: a fingerprint of PII_HMAC_KEY that reveals nothing about it', '', optionalKeyId),
};

export const recoverySettings = {
  recoveryPrivateKeyFile: setting('PII_RECOVERY_PRIVATE_KEY_FILE', 'File holding the recovery private key (mode 600), for reveal and rekey only; never give it to a service', undefined, readPrivateKeyFile),
};

/** The sealing key from either setting, or undefined when sealing is off. */
export function sealingKeyFrom(cfg: { recoveryPublicKey: Buffer | null; recoveryPublicKeyFile: Buffer | null }): SealingKey | undefined {
  if (cfg.recoveryPublicKey !== null && cfg.recoveryPublicKeyFile !== null) {
    throw new ConfigError(['PII_RECOVERY_PUBLIC_KEY and PII_RECOVERY_PUBLIC_KEY_FILE are both set; set one']);
  }
  const raw = cfg.recoveryPublicKey ?? cfg.recoveryPublicKeyFile;
  return raw === null ? undefined : importSealingKey(raw);
}

/**
 * A short name for an HMAC key: the first 8 hex digits of HMAC-SHA256(key, "loginpipe key id").
 * A keyed hash of a constant reveals nothing about the key (32 bits of an HMAC output), and it
 * changes whenever the key does.
 */
export function keyFingerprint(hmacKey: Buffer): string {
  return createHmac('sha256', hmacKey).update('loginpipe key id', 'utf8').digest('hex').slice(0, 8);
}

export function maskKeyIdFrom(cfg: { hmacKey: Buffer; hmacKeyId: string | null }): string {
  return cfg.hmacKeyId ?? keyFingerprint(cfg.hmacKey);
}

// What the processor does with PII besides masking it: with a recovery public key, seal the
// canonical ip and the device id to it (bound to the event id); always name the masking key.
import { sealText } from '../lib/pii/hpke.js';
import { maskKeyIdFrom, sealingKeyFrom } from '../lib/pii/settings.js';
import type { ProcessorConfig } from './config.js';
import type { PiiOptions } from './transform.js';

export function piiOptionsFrom(cfg: Pick<ProcessorConfig, 'hmacKey' | 'hmacKeyId' | 'recoveryPublicKey' | 'recoveryPublicKeyFile'>): PiiOptions {
  const key = sealingKeyFrom(cfg);
  return { maskKeyId: maskKeyIdFrom(cfg), seal: key === undefined ? null : (clear, eventId) => sealText(key, clear, eventId) };
}

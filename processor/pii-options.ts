// What the processor does with PII besides masking it: with a recovery public key, seal the
// canonical ip and the device id to it (each bound to its field and the event id); always name the masking key.
// Sealing shares one HPKE context among the values of one batch (lib/pii/hpke.ts BatchSealer):
// forBatch() gives each batch a fresh sealer, so the asymmetric step is paid once per batch.
import { BatchSealer } from '../lib/pii/hpke.js';
import { maskKeyIdFrom, sealingKeyFrom } from '../lib/pii/settings.js';
import type { ProcessorConfig } from './config.js';
import { NO_PII_OPTIONS, type PiiOptions } from './transform.js';

export interface PiiPolicy {
  maskKeyId: string;
  sealing: boolean;
  /** The options for one batch's transforms: with sealing on, a sealer of its own. */
  forBatch(): PiiOptions;
}

export function piiPolicyFrom(cfg: Pick<ProcessorConfig, 'hmacKey' | 'hmacKeyId' | 'recoveryPublicKey' | 'recoveryPublicKeyFile'>): PiiPolicy {
  const key = sealingKeyFrom(cfg);
  const maskKeyId = maskKeyIdFrom(cfg);
  return {
    maskKeyId,
    sealing: key !== undefined,
    forBatch() {
      if (key === undefined) return { ...NO_PII_OPTIONS, maskKeyId };
      const sealer = new BatchSealer(key);
      return { maskKeyId, seal: (field, clear, eventId) => sealer.sealField(field, clear, eventId) };
    },
  };
}

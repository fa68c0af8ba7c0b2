// The mask lives in lib/pii/mask.ts, where the PII commands (rekey, reveal's check) reach it too;
// the processor keeps importing it from here.
export { createMasker, MIN_HMAC_KEY_BYTES, parseHmacKey } from '../lib/pii/mask.js';

// Sealing a clear value to the recovery key: HPKE (RFC 9180) in base mode with the suite
// DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM. Whoever holds the public key can seal;
// only the private key's holder can open. The associated data (the field's name and the event
// id) is authenticated, so a sealed value moved onto another row, or into the row's other sealed
// column, does not open.
//
// Why node:crypto's primitives and not an HPKE package: @hpke/core (checked in the unit tests as
// a second implementation) goes through WebCrypto's promises and took about 0.9 ms per seal here,
// against about 0.1 ms for the same steps in node:crypto; the processor seals two values per
// event. Each step below is named after the RFC's section, and test/unit/hpke.test.ts checks
// them against the RFC's published test vectors for this suite.
//
// Sealed format, version 3 (53 bytes + the clear value's length), what the processor's sealers
// write: laid out as version 2, with info "loginpipe pii v3" and byte 0 0x03, and the associated
// data is the field's name ("ip" or "device_id"), a 0 byte, then the event id (UTF-8). A field
// name holds no 0 byte, so the two parts read back one way only. Version 2 bound the event id
// alone, so a row's sealed ip and sealed device id could be swapped and still open.
// Relabelling a version 3 value as version 2 does not make it open under the weaker binding: the
// info, and so every key, differs.
//
// Sealed format, version 2 (53 bytes + the clear value's length), written until version 3 came;
// still opened (the associated data is the event id alone):
//   byte 0       0x02: this suite, info "loginpipe pii v2"
//   bytes 1-32   enc: the encapsulated key of the HPKE context the value was sealed in
//   bytes 33-36  the value's sequence number in that context, unsigned 32-bit big-endian
//   bytes 37-    the AES-256-GCM ciphertext of the value, its 16-byte tag last
// One context seals many values (RFC 9180 section 5.2, multi-shot: the sequence number makes each
// nonce), so the X25519 key generation and Diffie-Hellman, some 100 µs, are paid once per context
// instead of once per value. Every value still carries the whole enc, so it opens alone: the
// 36 bytes cost less than a lookup of a shared context row would, and forget/reveal/rekey need
// nothing but the row.
//
// Sealed format, version 1 (49 bytes + the clear value's length), written until version 2 came;
// still opened:
//   byte 0       0x01: this suite, info "loginpipe pii v1"
//   bytes 1-32   enc: the sender's ephemeral X25519 public key (RFC 9180 section 4.1)
//   bytes 33-    the AES-256-GCM ciphertext of the value, its 16-byte tag last
// Each value is its own single-shot HPKE context (sequence number 0).
import {
  createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, createSecretKey, diffieHellman,
  generateKeyPairSync, type KeyObject,
} from 'node:crypto';

export const SEALED_FORMAT_V1 = 0x01;
export const SEALED_FORMAT_V2 = 0x02;
export const SEALED_FORMAT_V3 = 0x03;
/** The sealed columns; the name is part of what a value is bound to from version 3 on. */
export type SealedField = 'ip' | 'device_id';
export const X25519_KEY_BYTES = 32;
const INFO_V1 = Buffer.from('loginpipe pii v1', 'utf8');
const INFO_V2 = Buffer.from('loginpipe pii v2', 'utf8');
const INFO_V3 = Buffer.from('loginpipe pii v3', 'utf8');
const SEQUENCE_BYTES = 4;
/**
 * Values one context seals before the sealer encapsulates afresh. Far below any limit of the
 * suite (RFC 9180 allows 2^96 - 1 sequence numbers, AES-GCM some 2^24 messages under one key at
 * a negligible advantage); kept small so that one context's key, if it ever leaked, exposes at
 * most this many values, while its cost per value stays a tenth of a microsecond.
 */
export const MAX_VALUES_PER_CONTEXT = 1024;
/** Largest sequence number the format can carry. */
export const MAX_SEQUENCE = 2 ** (8 * SEQUENCE_BYTES) - 1;
const ENC_BYTES = 32; // Nenc
const TAG_BYTES = 16; // Nt
const KEY_BYTES = 32; // Nk of AES-256-GCM
const NONCE_BYTES = 12; // Nn
const HASH_BYTES = 32; // Nh of HKDF-SHA256, and Nsecret of the KEM

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0002;
const MODE_BASE = 0x00;
const VERSION_LABEL = Buffer.from('HPKE-v1', 'ascii');
const i2osp = (n: number, bytes: number) => { const b = Buffer.alloc(bytes); b.writeUIntBE(n, 0, bytes); return b; };
// Section 4.1 (the KEM's own) and section 5.1 (the whole suite's) suite_id.
const KEM_SUITE_ID = Buffer.concat([Buffer.from('KEM', 'ascii'), i2osp(KEM_ID, 2)]);
const HPKE_SUITE_ID = Buffer.concat([Buffer.from('HPKE', 'ascii'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2)]);

// RFC 8410 DER wrappers around raw X25519 keys: these fixed prefixes, then the 32 key bytes.
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

// ---- HKDF with the RFC's labels (section 4) ----------------------------------------------------

/** HKDF-Extract (RFC 5869): HMAC keyed by the salt; an empty salt is HashLen zeros, the same key. */
function extract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt.length === 0 ? Buffer.alloc(HASH_BYTES) : salt).update(ikm).digest();
}

/** HKDF-Expand (RFC 5869). */
function expand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * HASH_BYTES < length; i++) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function labeledExtract(suiteId: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array): Buffer {
  return extract(salt, Buffer.concat([VERSION_LABEL, suiteId, Buffer.from(label, 'ascii'), ikm]));
}

function labeledExpand(suiteId: Buffer, prk: Uint8Array, label: string, info: Uint8Array, length: number): Buffer {
  return expand(prk, Buffer.concat([i2osp(length, 2), VERSION_LABEL, suiteId, Buffer.from(label, 'ascii'), info]), length);
}

// ---- X25519 keys and DHKEM (section 4.1, 7.1) -------------------------------------------------

// Public keys are imported from JWK: node:crypto takes about 70 µs to import an X25519 key from
// DER, and 2 µs from JWK. They are never exported as JWK: in Node 20 that hangs the process after
// some 80,000 calls. A fresh ephemeral key comes with its DER public key from the key generator.
// (A private key cannot be imported from a JWK without its public half.)
function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_BYTES) throw new RangeError(`an X25519 public key has ${X25519_KEY_BYTES} bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

function privateKeyObject(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function rawPublic(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
}

/** A fresh X25519 pair: the private key as a KeyObject, the public one raw. */
function freshEphemeral(): { privateKey: KeyObject; publicRaw: Buffer } {
  const pair = generateKeyPairSync('x25519', { publicKeyEncoding: { type: 'spki', format: 'der' } });
  // Typed as a KeyObject by @types/node for this overload; with publicKeyEncoding it is a Buffer.
  const der = pair.publicKey as unknown as Buffer;
  return { privateKey: pair.privateKey, publicRaw: der.subarray(X25519_SPKI_PREFIX.length) };
}

function rawPrivate(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }).subarray(X25519_PKCS8_PREFIX.length);
}

function dh(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  const shared = diffieHellman({ privateKey, publicKey });
  // Section 7.1.4: an all-zero X25519 output (a small-order public key) must be refused.
  if (shared.every((b) => b === 0)) throw new SealedValueError('does_not_open', 'key agreement gave the all-zero value');
  return shared;
}

/** Section 4.1 ExtractAndExpand, for DHKEM. */
function extractAndExpand(dhValue: Buffer, kemContext: Buffer): Buffer {
  const eaePrk = labeledExtract(KEM_SUITE_ID, Buffer.alloc(0), 'eae_prk', dhValue);
  return labeledExpand(KEM_SUITE_ID, eaePrk, 'shared_secret', kemContext, HASH_BYTES);
}

/** Section 7.1.3 DeriveKeyPair for X25519: the raw private key made from input keying material. */
export function deriveX25519PrivateKey(ikm: Uint8Array): Buffer {
  const dkpPrk = labeledExtract(KEM_SUITE_ID, Buffer.alloc(0), 'dkp_prk', ikm);
  return labeledExpand(KEM_SUITE_ID, dkpPrk, 'sk', Buffer.alloc(0), X25519_KEY_BYTES);
}

// ---- key schedule (section 5.1), base mode ----------------------------------------------------

export interface BaseContext {
  enc: Buffer;
  sharedSecret: Buffer;
  keyScheduleContext: Buffer;
  secret: Buffer;
  key: Buffer;
  baseNonce: Buffer;
  exporterSecret: Buffer;
}

function keySchedule(sharedSecret: Buffer, info: Uint8Array): Omit<BaseContext, 'enc' | 'sharedSecret'> {
  const empty = Buffer.alloc(0); // base mode: no psk, no psk_id
  const pskIdHash = labeledExtract(HPKE_SUITE_ID, empty, 'psk_id_hash', empty);
  const infoHash = labeledExtract(HPKE_SUITE_ID, empty, 'info_hash', info);
  const keyScheduleContext = Buffer.concat([Buffer.of(MODE_BASE), pskIdHash, infoHash]);
  const secret = labeledExtract(HPKE_SUITE_ID, sharedSecret, 'secret', empty);
  return {
    keyScheduleContext,
    secret,
    key: labeledExpand(HPKE_SUITE_ID, secret, 'key', keyScheduleContext, KEY_BYTES),
    baseNonce: labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', keyScheduleContext, NONCE_BYTES),
    exporterSecret: labeledExpand(HPKE_SUITE_ID, secret, 'exp', keyScheduleContext, HASH_BYTES),
  };
}

/**
 * Section 5.1.1 SetupBaseS: Encap to the recipient's public key, then the key schedule. The
 * ephemeral private key is fresh unless given (the test vectors give theirs).
 */
export function setupBaseSender(recipientPublic: Uint8Array | SealingKey, info: Uint8Array, ephemeralPrivate?: Uint8Array): BaseContext {
  const pkR = recipientPublic instanceof Uint8Array ? publicKeyObject(recipientPublic) : recipientPublic.key;
  const pkRm = recipientPublic instanceof Uint8Array ? Buffer.from(recipientPublic) : recipientPublic.raw;
  const ephemeral = ephemeralPrivate === undefined ? freshEphemeral() : { privateKey: privateKeyObject(ephemeralPrivate), publicRaw: rawPublic(createPublicKey(privateKeyObject(ephemeralPrivate))) };
  const skE = ephemeral.privateKey;
  const enc = ephemeral.publicRaw;
  const sharedSecret = extractAndExpand(dh(skE, pkR), Buffer.concat([enc, pkRm]));
  return { enc, sharedSecret, ...keySchedule(sharedSecret, info) };
}

/** Section 5.1.1 SetupBaseR: Decap with the recipient's private key, then the key schedule. */
export function setupBaseRecipient(enc: Uint8Array, recipient: OpeningKey, info: Uint8Array): BaseContext {
  const pkE = publicKeyObject(enc);
  const sharedSecret = extractAndExpand(dh(recipient.key, pkE), Buffer.concat([enc, recipient.publicRaw]));
  return { enc: Buffer.from(enc), sharedSecret, ...keySchedule(sharedSecret, info) };
}

/** Section 5.2 ComputeNonce: base_nonce XOR the sequence number, big-endian. */
export function nonceFor(baseNonce: Buffer, sequence: number): Buffer {
  const nonce = Buffer.from(baseNonce);
  const seq = i2osp(sequence, 6); // enough for any sequence this code uses
  for (let i = 0; i < seq.length; i++) nonce[NONCE_BYTES - seq.length + i]! ^= seq[i]!;
  return nonce;
}

export function aeadSeal(key: Buffer, nonce: Buffer, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function aeadOpen(key: Buffer, nonce: Buffer, aad: Uint8Array, ciphertext: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  return Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), decipher.final()]);
}

// ---- loginpipe's API ---------------------------------------------------------------------------

/** A recovery public key ready to seal with (imported once, not per seal). */
export interface SealingKey { readonly kind: 'sealing'; readonly raw: Buffer; readonly key: KeyObject }
/**
 * A recovery private key ready to open with, its public half (part of the KEM context), and the
 * version 2 and 3 contexts it recently opened values of, by version and enc.
 */
export interface OpeningKey {
  readonly kind: 'opening';
  readonly key: KeyObject;
  readonly publicRaw: Buffer;
  readonly contexts: Map<string, { key: Buffer; baseNonce: Buffer }>;
}

/** Why a sealed value did not open. The message never holds the value, clear or sealed. */
export class SealedValueError extends Error {
  constructor(readonly code: 'not_sealed' | 'unknown_format' | 'does_not_open', message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

export function importSealingKey(raw: Uint8Array): SealingKey {
  if (raw.length !== X25519_KEY_BYTES) throw new RangeError(`an X25519 public key has ${X25519_KEY_BYTES} bytes, got ${raw.length}`);
  return { kind: 'sealing', raw: Buffer.from(raw), key: publicKeyObject(raw) };
}

export function importOpeningKey(raw: Uint8Array): OpeningKey {
  if (raw.length !== X25519_KEY_BYTES) throw new RangeError(`an X25519 private key has ${X25519_KEY_BYTES} bytes, got ${raw.length}`);
  const key = privateKeyObject(raw);
  return { kind: 'opening', key, publicRaw: rawPublic(createPublicKey(key)), contexts: new Map() };
}

/** A fresh key pair as raw bytes (32 each), for `loginpipe keys generate`. */
export function generateRawKeyPair(): { publicKey: Buffer; privateKey: Buffer } {
  const pair = generateKeyPairSync('x25519');
  return { publicKey: rawPublic(pair.publicKey), privateKey: rawPrivate(pair.privateKey) };
}

/** The raw public key that goes with a raw private key. */
export function publicKeyOf(rawPrivateKey: Uint8Array): Buffer {
  if (rawPrivateKey.length !== X25519_KEY_BYTES) throw new RangeError(`an X25519 private key has ${X25519_KEY_BYTES} bytes, got ${rawPrivateKey.length}`);
  return rawPublic(createPublicKey(privateKeyObject(rawPrivateKey)));
}

/** A context's state on the sender's side: what every value sealed in it starts with, and its key. */
interface SenderState {
  header: Buffer;
  /** The AEAD key, imported once per context: a KeyObject makes each value's cipher set-up cheaper. */
  key: KeyObject;
  baseNonce: Buffer;
  /** Reused for every value's nonce (createCipheriv copies it). */
  nonce: Buffer;
  next: number;
}

/** The associated data of a version 3 value: the field's name, a 0 byte, the event id. */
export function fieldAad(field: SealedField, eventId: string): Buffer {
  return Buffer.from(`${field}\u0000${eventId}`, 'utf8');
}

/**
 * Seals values in the version 3 format (version 2 when asked, for tests that make old rows),
 * many per HPKE context: one encapsulation, then one
 * AES-256-GCM per value at the next sequence number. After `maxValues` values it encapsulates
 * afresh. The first seal pays the encapsulation, so a sealer that seals nothing costs nothing.
 * One sealer per batch: it is not meant to live for a process's lifetime (see the README on what
 * values sharing a context means).
 */
export class BatchSealer {
  private state: SenderState | undefined;
  private readonly maxValues: number;
  private readonly vector: { info: Uint8Array; ephemeralPrivate: Uint8Array } | undefined;
  private readonly format: typeof SEALED_FORMAT_V2 | typeof SEALED_FORMAT_V3;
  /** Encapsulations done so far (one per context). */
  contexts = 0;

  constructor(
    private readonly publicKey: SealingKey,
    options: {
      maxValues?: number;
      /** Test vectors only: the RFC's info and ephemeral private key instead of ours and a fresh one. */
      vector?: { info: Uint8Array; ephemeralPrivate: Uint8Array };
      /** 3 (the default); 2 only to make rows as older processors did. */
      format?: 2 | 3;
    } = {},
  ) {
    this.maxValues = options.maxValues ?? MAX_VALUES_PER_CONTEXT;
    if (!Number.isInteger(this.maxValues) || this.maxValues < 1 || this.maxValues > MAX_SEQUENCE + 1) {
      throw new RangeError(`values per context must be from 1 to ${MAX_SEQUENCE + 1}, got ${this.maxValues}`);
    }
    this.vector = options.vector;
    this.format = options.format === 2 ? SEALED_FORMAT_V2 : SEALED_FORMAT_V3;
  }

  seal(plaintext: Uint8Array, aad: Uint8Array): Buffer {
    if (this.state === undefined || this.state.next >= this.maxValues) this.state = this.newContext();
    const state = this.state;
    const sequence = state.next++;
    const out = Buffer.allocUnsafe(state.header.length + SEQUENCE_BYTES + plaintext.length + TAG_BYTES);
    state.header.copy(out, 0);
    out.writeUInt32BE(sequence, state.header.length);
    // Section 5.2 ComputeNonce, in place: the base nonce with its last 4 bytes XOR the sequence.
    state.nonce.writeUInt32BE((state.baseNonce.readUInt32BE(NONCE_BYTES - 4) ^ sequence) >>> 0, NONCE_BYTES - 4);
    const cipher = createCipheriv('aes-256-gcm', state.key, state.nonce);
    cipher.setAAD(aad);
    let at = state.header.length + SEQUENCE_BYTES;
    at += cipher.update(plaintext).copy(out, at);
    at += cipher.final().copy(out, at);
    cipher.getAuthTag().copy(out, at);
    return out;
  }

  /** One column's value of one event, bound to both (version 2: to the event id alone). */
  sealField(field: SealedField, value: string, eventId: string): Buffer {
    const aad = this.format === SEALED_FORMAT_V3 ? fieldAad(field, eventId) : Buffer.from(eventId, 'utf8');
    return this.seal(Buffer.from(value, 'utf8'), aad);
  }

  private newContext(): SenderState {
    const ctx = this.vector === undefined
      ? setupBaseSender(this.publicKey, this.format === SEALED_FORMAT_V3 ? INFO_V3 : INFO_V2)
      : setupBaseSender(this.publicKey, this.vector.info, this.vector.ephemeralPrivate);
    this.contexts++;
    return {
      header: Buffer.concat([Buffer.of(this.format), ctx.enc]),
      key: createSecretKey(ctx.key),
      baseNonce: ctx.baseNonce,
      nonce: Buffer.from(ctx.baseNonce),
      next: 0,
    };
  }
}

/** Seals `plaintext` with `aad` in a context of its own, in the version 2 format (tests, old rows). */
export function seal(publicKey: SealingKey, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  return new BatchSealer(publicKey, { maxValues: 1, format: 2 }).seal(plaintext, aad);
}

/** Version 1: one context per value. Kept so that the tests can make old rows; nothing writes it. */
export function sealV1(publicKey: SealingKey, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const ctx = setupBaseSender(publicKey, INFO_V1);
  return Buffer.concat([Buffer.of(SEALED_FORMAT_V1), ctx.enc, aeadSeal(ctx.key, ctx.baseNonce, aad, plaintext)]);
}

const V1_HEADER = 1 + ENC_BYTES;
const V2_HEADER = 1 + ENC_BYTES + SEQUENCE_BYTES; // version 3's too

/**
 * Opens what seal(), sealV1() or a BatchSealer made, with the same aad; throws SealedValueError
 * otherwise. Contexts of version 2 values are remembered by their enc (a few hundred, the most
 * recent), so opening a batch's values pays its Diffie-Hellman once.
 */
export function open(privateKey: OpeningKey, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length === 0) throw new SealedValueError('not_sealed', 'no sealed value');
  const version = sealed[0];
  if (version !== SEALED_FORMAT_V1 && version !== SEALED_FORMAT_V2 && version !== SEALED_FORMAT_V3) throw new SealedValueError('unknown_format', `sealed value of unknown format ${version}`);
  const header = version === SEALED_FORMAT_V1 ? V1_HEADER : V2_HEADER;
  if (sealed.length < header + TAG_BYTES) throw new SealedValueError('unknown_format', 'sealed value too short to be one');
  const enc = sealed.subarray(1, 1 + ENC_BYTES);
  try {
    if (version === SEALED_FORMAT_V1) {
      const ctx = setupBaseRecipient(enc, privateKey, INFO_V1);
      return aeadOpen(ctx.key, ctx.baseNonce, aad, sealed.subarray(header));
    }
    const sequence = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length).readUInt32BE(1 + ENC_BYTES);
    const cacheKey = `${version}:${Buffer.from(enc).toString('base64')}`;
    const ctx = privateKey.contexts.get(cacheKey) ?? setupBaseRecipient(enc, privateKey, version === SEALED_FORMAT_V3 ? INFO_V3 : INFO_V2);
    const clear = aeadOpen(ctx.key, nonceFor(ctx.baseNonce, sequence), aad, sealed.subarray(header));
    remember(privateKey.contexts, cacheKey, ctx);
    return clear;
  } catch {
    // The underlying error is dropped on purpose: one message for all, and nothing of the input.
    throw new SealedValueError('does_not_open', 'sealed value does not open: wrong private key, tampered value, or sealed for another event');
  }
}

const REMEMBERED_CONTEXTS = 256;

/** Remembers a context that opened a value (only then: a forged enc is never kept). */
function remember(contexts: Map<string, { key: Buffer; baseNonce: Buffer }>, cacheKey: string, ctx: { key: Buffer; baseNonce: Buffer }): void {
  if (contexts.has(cacheKey)) return;
  if (contexts.size >= REMEMBERED_CONTEXTS) contexts.delete(contexts.keys().next().value!);
  contexts.set(cacheKey, { key: ctx.key, baseNonce: ctx.baseNonce });
}

/** One column's value of one event in a context of its own, version 3 (bound to field and event). */
export function sealField(publicKey: SealingKey, field: SealedField, value: string, eventId: string): Buffer {
  return new BatchSealer(publicKey, { maxValues: 1 }).sealField(field, value, eventId);
}

/**
 * Opens one column's sealed value: a version 3 value only under its own field and event id, an
 * older one under its event id (all it was bound to).
 */
export function openField(privateKey: OpeningKey, sealed: Uint8Array, field: SealedField, eventId: string): string {
  const aad = sealed[0] === SEALED_FORMAT_V3 ? fieldAad(field, eventId) : Buffer.from(eventId, 'utf8');
  return open(privateKey, sealed, aad).toString('utf8');
}

/** Version 2, the value's UTF-8 sealed with the event id's UTF-8 as aad: old rows, for tests. */
export function sealText(publicKey: SealingKey, value: string, eventId: string): Buffer {
  return seal(publicKey, Buffer.from(value, 'utf8'), Buffer.from(eventId, 'utf8'));
}

/** Opens a value sealed with the event id alone as aad (versions 1 and 2). */
export function openText(privateKey: OpeningKey, sealed: Uint8Array, eventId: string): string {
  return open(privateKey, sealed, Buffer.from(eventId, 'utf8')).toString('utf8');
}

/** Exposed for the cross-check with another implementation in the unit tests. */
export const SEALED_INFO: Uint8Array = INFO_V3;
export const SEALED_INFO_V2: Uint8Array = INFO_V2;
export const SEALED_INFO_V1: Uint8Array = INFO_V1;

// The last N event ids added on one partition, oldest forgotten first. Bounded so memory stays
// flat however long the processor runs, and compact: a Set of N id strings took about 530 bytes
// per id in V8 (the string, and a hash table that keeps deleted entries until it is rebuilt), so
// 100,000 ids on each of 6 partitions held 300 MiB. Here each id is a 64-bit fingerprint, kept
// in a ring of the last N additions and counted in an open-addressing table of twice as many
// slots: 32 bytes per id, allocated once. Two different ids share a fingerprint with odds of
// about N / 2^64 per lookup (5e-15 at the default window): that is the chance a real event is
// taken for a repeat.

/** Two 32-bit halves of one 64-bit fingerprint of a string (its UTF-16 code units). */
export function fingerprint(id: string): [hi: number, lo: number] {
  let a = 0x9e3779b9 ^ id.length;
  let b = 0x7f4a7c15 ^ Math.imul(id.length, 0x85ebca6b);
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    b = Math.imul(b ^ c, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + a) | 0;
  }
  // Each half avalanched (murmur3's finaliser) and mixed with the other, so both depend on every unit.
  a = fmix(a ^ Math.imul(b, 0x27d4eb2d));
  b = fmix(b ^ a);
  return [a >>> 0, b >>> 0];
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class RecentIds {
  /** Fingerprints in the order they were added; `next` is where the next one goes. */
  private readonly ringHi: Uint32Array;
  private readonly ringLo: Uint32Array;
  private next = 0;
  private added = 0;
  /** Open addressing with linear probing; a slot is free when its count is 0. */
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly counts: Uint32Array;
  private readonly mask: number;
  private distinct = 0;

  constructor(readonly capacity: number) {
    const ring = Math.max(0, capacity);
    this.ringHi = new Uint32Array(ring);
    this.ringLo = new Uint32Array(ring);
    // At most half full: probes stay short.
    let slots = 2;
    while (slots < 2 * ring) slots *= 2;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.counts = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  has(id: string): boolean {
    if (this.capacity <= 0) return false;
    const [hi, lo] = fingerprint(id);
    return this.counts[this.slotOf(hi, lo)] !== 0;
  }

  /** Remembers the id as the newest addition; once N are held, the oldest addition is forgotten. */
  add(id: string): void {
    if (this.capacity <= 0) return;
    const [hi, lo] = fingerprint(id);
    if (this.added === this.capacity) this.forget(this.ringHi[this.next]!, this.ringLo[this.next]!);
    else this.added++;
    this.ringHi[this.next] = hi;
    this.ringLo[this.next] = lo;
    this.next = (this.next + 1) % this.capacity;
    const slot = this.slotOf(hi, lo);
    if (this.counts[slot] === 0) {
      this.hi[slot] = hi;
      this.lo[slot] = lo;
      this.distinct++;
    }
    this.counts[slot]!++;
  }

  /** Distinct ids remembered (an id added again within the window counts once). */
  get size(): number {
    return this.distinct;
  }

  /** The slot holding the fingerprint, or the free slot where it would go. */
  private slotOf(hi: number, lo: number): number {
    let i = lo & this.mask;
    while (this.counts[i] !== 0 && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & this.mask;
    return i;
  }

  private forget(hi: number, lo: number): void {
    const slot = this.slotOf(hi, lo);
    if (this.counts[slot] === 0) return;
    if (--this.counts[slot]! > 0) return;
    this.distinct--;
    // Backward-shift deletion: later entries of the probe run move into the hole unless their
    // home slot lies (cyclically) after it, so that every entry stays reachable from its home.
    let hole = slot;
    for (let j = (slot + 1) & this.mask; this.counts[j] !== 0; j = (j + 1) & this.mask) {
      const home = this.lo[j]! & this.mask;
      const reachable = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (reachable) continue;
      this.hi[hole] = this.hi[j]!;
      this.lo[hole] = this.lo[j]!;
      this.counts[hole] = this.counts[j]!;
      this.counts[j] = 0;
      hole = j;
    }
  }
}

// The compact memory of recent event ids: what it remembers, what it forgets and when, against a
// plain model of "the last N additions", including ids that share a home slot and wrap around.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecentIds, fingerprint } from '../../processor/recent-ids.js';

/** The reference: an id is remembered while it is among the last `capacity` additions. */
class Model {
  private readonly added: string[] = [];
  constructor(private readonly capacity: number) {}
  add(id: string) { if (this.capacity <= 0) return; this.added.push(id); if (this.added.length > this.capacity) this.added.shift(); }
  has(id: string) { return this.added.includes(id); }
  get size() { return new Set(this.added).size; }
}

const hostile = ['', ' ', '\u0000', '\u0000replay.of\u0000x', '\ud800', '\udfff\ud800', '😀', 'é', 'e\u0301', 'a'.repeat(100_000), '0', '00', '9b2f5f3e-6a0c-4f1e-9c1e-2f0f7e5a1b3c'];

const cases: { name: string; capacity: number; adds: string[]; remembered: string[]; forgotten: string[] }[] = [
  { name: 'nothing added', capacity: 3, adds: [], remembered: [], forgotten: ['a', ''] },
  { name: 'within capacity', capacity: 3, adds: ['a', 'b', 'c'], remembered: ['a', 'b', 'c'], forgotten: ['d'] },
  { name: 'the oldest goes first', capacity: 3, adds: ['a', 'b', 'c', 'd'], remembered: ['b', 'c', 'd'], forgotten: ['a'] },
  { name: 'an id added again lives until its last addition leaves', capacity: 3, adds: ['a', 'b', 'a', 'c', 'd'], remembered: ['a', 'c', 'd'], forgotten: ['b'] },
  { name: 'capacity one', capacity: 1, adds: ['a', 'b'], remembered: ['b'], forgotten: ['a'] },
  { name: 'capacity zero remembers nothing', capacity: 0, adds: ['a'], remembered: [], forgotten: ['a'] },
  { name: 'hostile strings are ids like any other', capacity: hostile.length, adds: hostile, remembered: hostile, forgotten: ['\ud801', 'a'.repeat(99_999), '1'] },
  { name: 'similar ids are told apart', capacity: 4, adds: ['ab', 'ba', 'a\u0000b', 'a'], remembered: ['ab', 'ba', 'a\u0000b', 'a'], forgotten: ['b', 'abb', 'a\u0000'] },
];

for (const c of cases) {
  test(`${c.name}`, () => {
    const r = new RecentIds(c.capacity);
    for (const id of c.adds) r.add(id);
    for (const id of c.remembered) assert.ok(r.has(id), `remembers ${JSON.stringify(id.slice(0, 20))}`);
    for (const id of c.forgotten) assert.not.ok(r.has(id), `has forgotten ${JSON.stringify(id.slice(0, 20))}`);
  });
}

test('agrees with the model step by step, with few ids so that probe runs wrap and shift', () => {
  let state = 777;
  const next = () => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state; };
  for (const capacity of [1, 3, 8, 50]) {
    const r = new RecentIds(capacity);
    const m = new Model(capacity);
    for (let i = 0; i < 10_000; i++) {
      const id = `e${next() % (capacity * 2 + 1)}`;
      r.add(id);
      m.add(id);
      const probe = `e${next() % (capacity * 2 + 1)}`;
      assert.is(r.has(probe), m.has(probe), `capacity ${capacity}, step ${i}: has(${probe})`);
      assert.is(r.size, m.size, `capacity ${capacity}, step ${i}: size`);
    }
  }
});

test('fingerprints of 200,000 distinct ids do not collide', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200_000; i++) {
    const [hi, lo] = fingerprint(`${i.toString(16)}-msg`);
    const key = `${hi}:${lo}`;
    assert.not.ok(seen.has(key), `collision at ${i}`);
    seen.add(key);
  }
});

test.run();

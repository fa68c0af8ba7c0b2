import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkDeadLetterLimit } from '../../processor/topic-limits.js';

const cases: { name: string; raw: number; dlq: number; refused: boolean }[] = [
  { name: 'the limits loginpipe creates (equal)', raw: 1_114_112, dlq: 1_114_112, refused: false },
  { name: 'a larger dead-letter topic', raw: 1_048_588, dlq: 8_388_608, refused: false },
  { name: 'a dead-letter topic one byte smaller', raw: 1_114_112, dlq: 1_114_111, refused: true },
  { name: "a dead-letter topic left at the broker's default 1 MB", raw: 1_114_112, dlq: 1_048_588, refused: true },
  { name: 'both lowered alike', raw: 100_000, dlq: 100_000, refused: false },
];

for (const c of cases) {
  test(`checkDeadLetterLimit: ${c.name} -> ${c.refused ? 'refused' : 'accepted'}`, () => {
    const err = checkDeadLetterLimit({ rawTopic: 'logins.raw', rawLimit: c.raw, dlqTopic: 'logins.dlq', dlqLimit: c.dlq });
    assert.is(err !== undefined, c.refused);
    if (err) {
      assert.is(err.code, 'dead_letter_topic_too_small');
      // Says what to change, with the number to set.
      assert.ok(err.message.includes(`--entity-name logins.dlq --add-config max.message.bytes=${c.raw}`), err.message);
      assert.ok(err.message.includes(`logins.raw (${c.raw})`), err.message);
    }
  });
}

test.run();

// Which create_dates the sink counts as outside the partitions: [firstDay, endDay), firstDay
// undefined meaning no lower bound (the legacy partition's MINVALUE).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coveredBy } from '../../sink/partitions.js';

const made = { firstDay: '2026-12-05', endDay: '2026-12-21' };
const legacy = { firstDay: undefined, endDay: '2026-12-21' };
const cases: [typeof made | typeof legacy, string, boolean, string][] = [
  [made, '2026-12-05', true, 'the first day'],
  [made, '2026-12-20', true, 'the last day'],
  [made, '2026-12-21', false, 'the end is exclusive'],
  [made, '2026-12-04', false, 'the day before the first'],
  [made, '1970-01-01', false, 'a clock at the epoch'],
  [made, '2999-12-31', false, 'a clock far ahead'],
  [made, '0001-01-01', false, 'the earliest date'],
  [legacy, '1970-01-01', true, 'no lower bound: every past day is covered'],
  [legacy, '2026-12-21', false, 'the end still holds'],
  [legacy, '9999-12-31', false, 'the latest date'],
];
for (const [coverage, date, expected, why] of cases) {
  test(`${date} is ${expected ? '' : 'not '}covered by ${coverage.firstDay ?? 'MINVALUE'}..${coverage.endDay}: ${why}`, () => {
    assert.is(coveredBy(coverage, date), expected);
  });
}

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROW_COLUMNS, toRow, utcDate, type UserLoginRow } from '../../sink/rows.js';
import type { UserLogin } from '../../lib/records/user-login.js';

// Inputs are written as ISO texts (with their own offsets where that is the point); expected dates
// are worked out by hand. Offsets +14:00 (Kiribati) and -12:00 (Baker Island) are the extremes.

const ms = (iso: string) => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad test input ${iso}`);
  return t;
};

const dates: { name: string; input: number; expected: string }[] = [
  { name: 'the epoch', input: 0, expected: '1970-01-01' },
  { name: 'one millisecond before UTC midnight is still the old day', input: ms('2024-03-09T23:59:59.999Z'), expected: '2024-03-09' },
  { name: 'UTC midnight exactly is the new day', input: ms('2024-03-10T00:00:00.000Z'), expected: '2024-03-10' },
  { name: 'one millisecond after UTC midnight', input: ms('2024-03-10T00:00:00.001Z'), expected: '2024-03-10' },
  { name: 'early morning of the 10th in UTC+14 is still the 9th in UTC', input: ms('2024-03-10T02:30:00+14:00'), expected: '2024-03-09' },
  { name: 'late evening of the 9th in UTC-12 is already the 10th in UTC', input: ms('2024-03-09T20:00:00-12:00'), expected: '2024-03-10' },
  { name: 'New Year in UTC+14 is still the old year in UTC', input: ms('2025-01-01T00:00:00+14:00'), expected: '2024-12-31' },
  { name: 'a leap day', input: ms('2024-02-29T23:59:59.999Z'), expected: '2024-02-29' },
  { name: 'the last millisecond of 1999', input: ms('1999-12-31T23:59:59.999Z'), expected: '1999-12-31' },
  { name: 'a time before the epoch', input: -1, expected: '1969-12-31' },
  { name: 'the last day of year 9999', input: ms('9999-12-31T23:59:59.999Z'), expected: '9999-12-31' },
  // 253_402_300_800_000 ms is 10000-01-01T00:00:00Z. The processor accepts login times of up to
  // 15 digits (up to the year 33658), and Postgres dates go to the year 5874897, so such a row is
  // storable: the date must still be a whole date, here with a five-digit year.
  { name: 'the first day of year 10000 (a login time the processor lets through)', input: 253_402_300_800_000, expected: '10000-01-01' },
];

for (const c of dates) {
  test(`utcDate: ${c.name} -> ${c.expected}`, () => {
    assert.is(utcDate(c.input), c.expected);
  });
}

const zones: { name: string; input: string; expected: string }[] = [
  { name: 'UTC+14 (Pacific/Kiritimati)', input: 'Pacific/Kiritimati', expected: '2024-03-09' },
  { name: 'UTC-12 (Etc/GMT+12)', input: 'Etc/GMT+12', expected: '2024-03-09' },
  { name: 'UTC-10 (Pacific/Honolulu)', input: 'Pacific/Honolulu', expected: '2024-03-09' },
];

for (const c of zones) {
  test(`utcDate does not depend on the machine's time zone: ${c.name}`, () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = c.input;
      // The zone really is in force: local and UTC dates differ for these two instants.
      const localDays = ['2024-03-09T23:30:00Z', '2024-03-09T00:30:00Z'].map((iso) => new Date(ms(iso)).getDate());
      assert.ok(localDays.some((d) => d !== 9), `TZ=${c.input} did not take effect`);
      assert.is(utcDate(ms('2024-03-09T23:30:00Z')), c.expected);
      assert.is(utcDate(ms('2024-03-09T00:30:00Z')), c.expected);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
}

// ---- toRow ----------------------------------------------------------------------------------------

const BASE: UserLogin = {
  event_id: 'e-1',
  user_id: '424cdd21-063a-43a7-b91b-7ca1a833afae',
  device_type: 'android',
  masked_ip: 'a'.repeat(64),
  masked_device_id: 'b'.repeat(64),
  locale: 'RU',
  app_version: '2.3.0',
  login_time: ms('2024-03-09T23:59:59.999Z'),
  sealed_ip: null,
  sealed_device_id: null,
  mask_key_id: null,
};

const BASE_ROW: UserLoginRow = {
  event_id: 'e-1',
  user_id: '424cdd21-063a-43a7-b91b-7ca1a833afae',
  device_type: 'android',
  masked_ip: 'a'.repeat(64),
  masked_device_id: 'b'.repeat(64),
  locale: 'RU',
  app_version: 2_003_000,
  create_date: '2024-03-09',
  sealed_ip: null,
  sealed_device_id: null,
  mask_key_id: null,
};

const rows: { name: string; input: UserLogin; expected: UserLoginRow }[] = [
  { name: 'a full record becomes a row with the version encoded and the UTC date', input: BASE, expected: BASE_ROW },
  { name: 'app_version "0.96" is stored as 96000', input: { ...BASE, app_version: '0.96' }, expected: { ...BASE_ROW, app_version: 96_000 } },
  { name: 'app_version "2.3.0" is stored as 2003000', input: { ...BASE, app_version: '2.3.0' }, expected: { ...BASE_ROW, app_version: 2_003_000 } },
  { name: 'app_version "4" is stored as 4000000', input: { ...BASE, app_version: '4' }, expected: { ...BASE_ROW, app_version: 4_000_000 } },
  { name: 'app_version "999.999.999" is stored as 999999999', input: { ...BASE, app_version: '999.999.999' }, expected: { ...BASE_ROW, app_version: 999_999_999 } },
  { name: 'app_version "0" is stored as 0, not null', input: { ...BASE, app_version: '0' }, expected: { ...BASE_ROW, app_version: 0 } },
  { name: 'a null app_version stays null', input: { ...BASE, app_version: null }, expected: { ...BASE_ROW, app_version: null } },
  { name: 'null device_type and locale stay null', input: { ...BASE, device_type: null, locale: null }, expected: { ...BASE_ROW, device_type: null, locale: null } },
  { name: 'create_date is the UTC date of login_time', input: { ...BASE, login_time: ms('2024-03-10T00:00:00.000Z') }, expected: { ...BASE_ROW, create_date: '2024-03-10' } },
  { name: 'sealed values and the mask key id pass through unchanged', input: { ...BASE, sealed_ip: Buffer.from([1, 2]), sealed_device_id: Buffer.from([3]), mask_key_id: 'k1' }, expected: { ...BASE_ROW, sealed_ip: Buffer.from([1, 2]), sealed_device_id: Buffer.from([3]), mask_key_id: 'k1' } },
  { name: 'unicode text passes through unchanged', input: { ...BASE, user_id: 'пользователь-😀', locale: 'e\u0301s' }, expected: { ...BASE_ROW, user_id: 'пользователь-😀', locale: 'e\u0301s' } },
];

for (const c of rows) {
  test(`toRow: ${c.name}`, () => {
    assert.equal(toRow(c.input), c.expected);
  });
}

const badVersions: { name: string; input: string }[] = [
  { name: 'text that is not a version', input: '2.x' },
  { name: 'an empty text', input: '' },
  { name: 'a four-part version', input: '1.2.3.4' },
  { name: 'a part above 999', input: '1000.0' },
];

for (const c of badVersions) {
  test(`toRow throws a RangeError for a clean record whose app_version is ${c.name} (the sink dead-letters it)`, () => {
    assert.throws(() => toRow({ ...BASE, app_version: c.input }), (e: unknown) => e instanceof RangeError);
  });
}

test('ROW_COLUMNS names exactly the fields of a row, each once', () => {
  const row = toRow(BASE);
  assert.equal([...ROW_COLUMNS].sort(), Object.keys(row).sort());
  assert.is(new Set(ROW_COLUMNS).size, ROW_COLUMNS.length);
});

test.run();

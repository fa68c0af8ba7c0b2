import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unstorableReason } from '../../sink/row-check.js';
import { toRow } from '../../sink/rows.js';
import type { UserLogin } from '../../lib/records/user-login.js';

const GOOD: UserLogin = {
  event_id: 'e-1', user_id: 'u-1', device_type: 'android', masked_ip: 'a'.repeat(64), masked_device_id: 'b'.repeat(64),
  locale: 'RU', app_version: '2.3.0', login_time: Date.UTC(2026, 11, 6), sealed_ip: null, sealed_device_id: null, mask_key_id: null,
};

const cases: { name: string; change: Partial<UserLogin>; reason: RegExp | undefined }[] = [
  { name: 'a record the processor writes', change: {}, reason: undefined },
  { name: 'no app_version', change: { app_version: null }, reason: undefined },
  { name: 'app_version 999.999.999', change: { app_version: '999.999.999' }, reason: undefined },
  { name: 'app_version 1000', change: { app_version: '1000' }, reason: /^app_version/ },
  { name: 'app_version four parts', change: { app_version: '1.2.3.4' }, reason: /^app_version/ },
  { name: 'app_version with a sign', change: { app_version: '-1' }, reason: /^app_version/ },
  { name: 'app_version empty', change: { app_version: '' }, reason: /^app_version/ },
  { name: 'empty event_id', change: { event_id: '' }, reason: /^event_id is empty/ },
  { name: 'event_id of spaces only', change: { event_id: '   ' }, reason: /^event_id is empty/ },
  { name: 'event_id missing (another writer)', change: { event_id: undefined as unknown as string }, reason: /^event_id is empty/ },
  { name: 'event_id of 128 characters', change: { event_id: 'x'.repeat(128) }, reason: undefined },
  { name: 'event_id of 129 characters', change: { event_id: 'x'.repeat(129) }, reason: /^event_id is longer than its column \(128/ },
  { name: 'user_id of 128 astral characters (256 UTF-16 units)', change: { user_id: '😀'.repeat(128) }, reason: undefined },
  { name: 'user_id of 129 astral characters', change: { user_id: '😀'.repeat(129) }, reason: /^user_id is longer/ },
  { name: 'device_type of 33 characters', change: { device_type: 'd'.repeat(33) }, reason: /^device_type is longer than its column \(32/ },
  { name: 'locale of 33 characters', change: { locale: 'l'.repeat(33) }, reason: /^locale is longer/ },
  { name: 'masked_ip of 257 characters', change: { masked_ip: 'm'.repeat(257) }, reason: /^masked_ip is longer than its column \(256/ },
  { name: 'masked_device_id of 257 characters', change: { masked_device_id: 'm'.repeat(257) }, reason: /^masked_device_id is longer/ },
  { name: 'mask_key_id of any length (text column)', change: { mask_key_id: 'k'.repeat(10_000) }, reason: undefined },
  { name: 'a NUL in user_id', change: { user_id: 'a\u0000b' }, reason: /^user_id contains a NUL/ },
  { name: 'a NUL in mask_key_id', change: { mask_key_id: '\u0000' }, reason: /^mask_key_id contains a NUL/ },
  { name: 'login_time before year 1', change: { login_time: Date.UTC(0, 0, 1) - 62_167_219_200_000 }, reason: /^login_time/ },
  { name: 'login_time beyond what a Date holds', change: { login_time: 9e15 }, reason: /^login_time/ },
  { name: 'login_time not a whole number', change: { login_time: 1.5 }, reason: /^login_time/ },
  { name: 'login_time in year 10000', change: { login_time: 253_402_300_800_000 }, reason: undefined },
];

for (const c of cases) {
  test(`unstorableReason: ${c.name}`, () => {
    const record = { ...GOOD, ...c.change };
    const reason = unstorableReason(record);
    if (c.reason === undefined) {
      assert.is(reason, undefined);
      // What passes the check becomes a row without throwing.
      toRow(record);
    } else {
      assert.ok(reason !== undefined && c.reason.test(reason), `got ${reason}`);
    }
  });
}

test('a reason never carries the value', () => {
  const secret = 'SECRET-VALUE-1234';
  for (const change of [{ user_id: secret.repeat(20) }, { app_version: secret }, { locale: `${secret}\u0000` }]) {
    const reason = unstorableReason({ ...GOOD, ...change }) ?? '';
    assert.not.ok(reason.includes('SECRET'), reason);
  }
});

test.run();

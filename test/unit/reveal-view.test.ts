// reveal prints values that came from events anyone could send: none of them may add a line,
// reorder one, or reach the terminal as a control sequence; --json must still give back the
// exact values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { revealLines, type RevealedRow } from '../../cli/pii/reveal-view.js';

// Anything a terminal would act on or that bidi rendering would reorder.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

const hostile: { name: string; device_id: string; user_id?: string; event_id?: string }[] = [
  { name: 'a newline and a forged row', device_id: 'dev-1\nevil-event\tvictim\tip=10.0.0.1\tdevice_id=fake' },
  { name: 'a carriage return that overwrites the line', device_id: 'dev-1\rforged' },
  { name: 'a tab that shifts the columns', device_id: 'a\tb', user_id: 'u\tip=1.2.3.4' },
  { name: 'an ANSI escape sequence (clear screen)', device_id: '\u001b[2J\u001b[Hhidden' },
  { name: 'a C1 control (CSI)', device_id: '\u009b31mred' },
  { name: 'DEL', device_id: 'a\u007fb' },
  { name: 'the line separator', device_id: 'a\u2028b' },
  { name: 'the paragraph separator', device_id: 'a\u2029b' },
  { name: 'a right-to-left override', device_id: 'dev\u202e1gp.exe', user_id: '\u202eadmin' },
  { name: 'a left-to-right embedding and pop', device_id: '\u202aab\u202c' },
  { name: 'a right-to-left isolate', device_id: '\u2067x\u2069' },
  { name: 'the right-to-left and left-to-right marks', device_id: '\u200fa\u200eb' },
  { name: 'the Arabic letter mark', device_id: 'a\u061cb' },
  { name: 'a NEL (next line) in the event id', device_id: 'dev', event_id: 'e1\u0085e2' },
];

for (const c of hostile) {
  const row: RevealedRow = { event_id: c.event_id ?? 'e1', user_id: c.user_id ?? 'u1', ip: '203.0.113.5', device_id: c.device_id };

  test(`reveal prints ${c.name} on one line, escaped`, () => {
    const { out, err } = revealLines([row], [], 7, false);
    assert.is(out.length, 1);
    // The row's four columns, split on the tabs reveal puts between them: no more, no fewer.
    assert.is(out[0]!.split('\t').length, 4);
    assert.not.match(out[0]!.replaceAll('\t', ' '), UNSAFE);
    assert.is(err.length, 1);
  });

  test(`reveal --json escapes ${c.name} and decodes to the exact values`, () => {
    const { out } = revealLines([row], [], 7, true);
    assert.is(out.length, 1);
    assert.not.match(out[0]!, UNSAFE);
    assert.equal(JSON.parse(out[0]!), { audit_id: 7, results: [row], missing: [] });
  });
}

test('an error line and a missing id are escaped too', () => {
  const { err } = revealLines([{ event_id: 'e\n1', error: 'sealed value does not open' }], ['e\u202e2'], 3, false);
  assert.is(err.length, 3);
  for (const line of err) assert.not.match(line, UNSAFE);
});

test('ordinary values print as they are', () => {
  const { out } = revealLines([{ event_id: 'e1', user_id: 'u1', ip: '2001:db8::1', device_id: 'dev-aaa' }], [], 1, false);
  assert.equal(out, ['e1\tu1\tip=2001:db8::1\tdevice_id=dev-aaa']);
});

test.run();

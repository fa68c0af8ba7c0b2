import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyField, copyText } from '../../sink/copy-text.js';

// Expected texts written by hand from Postgres's COPY text-format rules ("File Formats" in the
// COPY page of the Postgres manual): \N is NULL; backslash, tab, newline and carriage return are
// written \\ \t \n \r; everything else is the character itself.
const fields: { name: string; input: string | number | boolean | null; expected: string }[] = [
  { name: 'true (an added boolean field) is t', input: true, expected: 't' },
  { name: 'false is f', input: false, expected: 'f' },
  { name: 'a fraction (an added double field) as JavaScript writes it, which Postgres reads', input: 0.1, expected: '0.1' },
  { name: 'plain ascii', input: 'abc-123', expected: 'abc-123' },
  { name: 'null', input: null, expected: '\\N' },
  { name: 'the text \\N is not NULL', input: '\\N', expected: '\\\\N' },
  { name: 'empty string is not NULL', input: '', expected: '' },
  { name: 'tab', input: 'a\tb', expected: 'a\\tb' },
  { name: 'newline', input: 'a\nb', expected: 'a\\nb' },
  { name: 'carriage return', input: 'a\r\nb', expected: 'a\\r\\nb' },
  { name: 'backslash', input: 'C:\\dir\\', expected: 'C:\\\\dir\\\\' },
  { name: 'end-of-data marker', input: '\\.', expected: '\\\\.' },
  { name: 'every special at once', input: '\\\t\n\r\\', expected: '\\\\\\t\\n\\r\\\\' },
  { name: 'unicode passes unchanged', input: 'Zoë 東京 🚀 \u200b', expected: 'Zoë 東京 🚀 \u200b' },
  { name: 'quotes and SQL text pass unchanged', input: `'); DROP TABLE x; --"`, expected: `'); DROP TABLE x; --"` },
  { name: 'integer', input: 2003000, expected: '2003000' },
  { name: 'zero', input: 0, expected: '0' },
];

for (const c of fields) {
  test(`copyField: ${c.name}`, () => {
    assert.is(copyField(c.input), c.expected);
  });
}

test('copyText: columns in the given order, tab-separated, one newline-terminated line per row', () => {
  const rows = [
    { a: 'x\ty', b: null, c: 7 },
    { a: 'line\nbreak', b: 'ok', c: null },
  ];
  assert.is(copyText(rows, ['c', 'a', 'b']), '7\tx\\ty\t\\N\n\\N\tline\\nbreak\tok\n');
});

test('copyField: a Buffer (bytea) is written in hex format with its backslash escaped', () => {
  assert.is(copyField(Buffer.from([0x5c, 0x09, 0x00, 0xff])), '\\\\x5c0900ff');
  assert.is(copyField(Buffer.alloc(0)), '\\\\x');
});

test('copyText: no rows is no text', () => {
  assert.is(copyText([], ['a']), '');
});

test.run();

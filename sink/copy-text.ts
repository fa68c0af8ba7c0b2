// Rows in Postgres's COPY text format: one line per row, columns separated by tabs, NULL as \N.
// Inside a value a backslash, tab, newline or carriage return would end the value or the row, so
// each is written as its backslash escape; every other character goes through as it is (UTF-8).
// A NUL cannot be stored in text at all: Postgres refuses the line, and the writer's split on
// refusal isolates it like any other refused row.

export type CopyValue = string | number | boolean | Buffer | null;

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value as COPY text writes it. */
export function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  // bytea (the sealed values) in hex format, "\x0a1b..."; its backslash escaped as COPY needs.
  if (Buffer.isBuffer(value)) return '\\\\x' + value.toString('hex');
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = typeof value === 'number' ? String(value) : value;
  // Most values hold nothing to escape: test once instead of building a new string.
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : text;
}

/** The COPY text of rows, taking the columns in the given order; every line ends with a newline. */
export function copyText<R>(rows: readonly R[], columns: readonly (keyof R)[]): string {
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) line += '\t';
      line += copyField(row[columns[c]!] as CopyValue);
    }
    lines[i] = line;
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

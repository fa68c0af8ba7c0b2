// Which Postgres failures the sink waits out (retry) and which it treats as final.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRowError, isTransientDbError } from '../../lib/postgres/db.js';

const err = (code: unknown) => Object.assign(new Error('x'), { code });

const cases: { name: string; error: unknown; transient: boolean; row: boolean }[] = [
  { name: 'connection refused by the socket (server down)', error: err('ECONNREFUSED'), transient: true, row: false },
  { name: 'connection reset mid-query', error: err('ECONNRESET'), transient: true, row: false },
  { name: 'broken pipe', error: err('EPIPE'), transient: true, row: false },
  { name: 'timeout with no code at all', error: new Error('timeout exceeded when trying to connect'), transient: true, row: false },
  { name: 'admin shutdown (57P01)', error: err('57P01'), transient: true, row: false },
  { name: 'the database system is shutting down (57P03)', error: err('57P03'), transient: true, row: false },
  { name: 'connection failure (08006)', error: err('08006'), transient: true, row: false },
  { name: 'too many connections (53300)', error: err('53300'), transient: true, row: false },
  { name: 'serialization failure (40001)', error: err('40001'), transient: true, row: false },
  { name: 'deadlock (40P01)', error: err('40P01'), transient: true, row: false },
  { name: 'value too long (22001) is the row, not the server', error: err('22001'), transient: false, row: true },
  { name: 'check constraint (23514)', error: err('23514'), transient: false, row: true },
  { name: 'undefined table (42P01) is final', error: err('42P01'), transient: false, row: false },
  { name: 'syntax error (42601) is final', error: err('42601'), transient: false, row: false },
];

for (const c of cases) {
  test(`${c.name}: ${c.transient ? 'retried' : 'not retried'}${c.row ? ', blamed on a row' : ''}`, () => {
    assert.is(isTransientDbError(c.error), c.transient);
    assert.is(isRowError(c.error), c.row);
  });
}

test.run();

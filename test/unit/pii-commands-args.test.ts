// The command lines of reveal, rekey and forget, checked before any setting or connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditUsageError } from '../../lib/pii/audit.js';
import { parseRevealArgs } from '../../cli/pii/reveal.js';
import { parseRekeyArgs } from '../../cli/pii/rekey.js';
import { parseForgetArgs } from '../../cli/pii/forget.js';

const MASK = 'ab'.repeat(32);

const goodReveals: { name: string; args: string[]; expected: ReturnType<typeof parseRevealArgs> }[] = [
  { name: 'several event ids, duplicates once', args: ['--event-id', 'e1', '--event-id', 'e2', '--event-id', 'e1', '--reason', 'ticket 7'],
    expected: { selector: { by: 'event_id', eventIds: ['e1', 'e2'] }, reason: 'ticket 7', requestedBy: null, json: false } },
  { name: 'a user id, with requested-by and json', args: ['--user-id', 'u-1', '--reason', ' fraud case ', '--requested-by', 'alice', '--json'],
    expected: { selector: { by: 'user_id', userId: 'u-1' }, reason: 'fraud case', requestedBy: 'alice', json: true } },
  { name: 'a masked ip in upper case', args: ['--masked-ip', MASK.toUpperCase(), '--reason', 'abuse report'],
    expected: { selector: { by: 'masked_ip', maskedIp: MASK }, reason: 'abuse report', requestedBy: null, json: false } },
];
for (const c of goodReveals) {
  test(`reveal accepts ${c.name}`, () => assert.equal(parseRevealArgs(c.args), c.expected));
}

const badReveals: { name: string; args: string[] }[] = [
  { name: 'no reason', args: ['--event-id', 'e1'] },
  { name: 'a blank reason', args: ['--event-id', 'e1', '--reason', '   '] },
  { name: 'no selector', args: ['--reason', 'x'] },
  { name: 'two selectors', args: ['--event-id', 'e1', '--user-id', 'u', '--reason', 'x'] },
  { name: 'a blank event id', args: ['--event-id', ' ', '--reason', 'x'] },
  { name: 'a blank user id', args: ['--user-id', '', '--reason', 'x'] },
  { name: 'a masked ip that is not 64 hex digits', args: ['--masked-ip', '10.0.0.1', '--reason', 'x'] },
  { name: 'a masked ip one digit short', args: ['--masked-ip', MASK.slice(1), '--reason', 'x'] },
];
for (const c of badReveals) {
  test(`reveal refuses ${c.name}`, () => {
    assert.throws(() => parseRevealArgs(c.args), (e: unknown) => e instanceof AuditUsageError);
  });
}

test('reveal refuses an unknown option (a clear value typed in the wrong place is not echoed back as data)', () => {
  assert.throws(() => parseRevealArgs(['--ip', '10.0.0.1', '--reason', 'x']), (e: unknown) => (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION');
});

test('rekey needs a reason and takes a batch size from 1 to 10000', () => {
  assert.equal(parseRekeyArgs(['--reason', 'rotation 2026-12']), { reason: 'rotation 2026-12', requestedBy: null, batchSize: 500 });
  assert.equal(parseRekeyArgs(['--reason', 'r', '--batch-size', '20', '--requested-by', 'ops']), { reason: 'r', requestedBy: 'ops', batchSize: 20 });
  for (const bad of [[], ['--reason', ''], ['--reason', 'r', '--batch-size', '0'], ['--reason', 'r', '--batch-size', '1.5'], ['--reason', 'r', '--batch-size', '10001']]) {
    assert.throws(() => parseRekeyArgs(bad), (e: unknown) => e instanceof AuditUsageError, bad.join(' '));
  }
});

test('forget needs a user id and a reason; --delete-rows is off unless given', () => {
  assert.equal(parseForgetArgs(['--user-id', 'u-9', '--reason', 'GDPR art. 17']), { userId: 'u-9', reason: 'GDPR art. 17', requestedBy: null, deleteRows: false });
  assert.is(parseForgetArgs(['--user-id', 'u-9', '--reason', 'r', '--delete-rows']).deleteRows, true);
  for (const bad of [['--reason', 'r'], ['--user-id', 'u'], ['--user-id', ' ', '--reason', 'r'], ['--user-id', 'u', '--reason', ' ']]) {
    assert.throws(() => parseForgetArgs(bad), (e: unknown) => e instanceof AuditUsageError, bad.join(' '));
  }
});

test.run();

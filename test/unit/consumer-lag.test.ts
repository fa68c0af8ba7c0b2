import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { consumerLag, type CommittedOffset, type PartitionEnds } from '../../lib/kafka/sampler.js';

// Expected lags worked out by hand from the rule: high watermark minus the committed offset; no
// commit, or one below the low watermark, means everything still in the log; never below 0.

const ends = (...e: [number, string, string][]): PartitionEnds[] => e.map(([partition, low, high]) => ({ partition, low, high }));
const commits = (...c: [number, string][]): CommittedOffset[] => c.map(([partition, offset]) => ({ partition, offset }));

const cases: { name: string; ends: PartitionEnds[]; committed: CommittedOffset[]; expected: [number, number][] }[] = [
  { name: 'a group that committed everything lags by 0', ends: ends([0, '0', '10']), committed: commits([0, '10']), expected: [[0, 0]] },
  { name: 'records after the committed offset are the lag', ends: ends([0, '0', '10']), committed: commits([0, '7']), expected: [[0, 3]] },
  { name: 'no commit yet: the whole log', ends: ends([0, '0', '10']), committed: commits([0, '-1']), expected: [[0, 10]] },
  { name: 'a partition missing from the answer: the whole log', ends: ends([0, '0', '10'], [1, '2', '5']), committed: commits([0, '10']), expected: [[0, 0], [1, 3]] },
  { name: 'no commit and a log trimmed by retention: what is left', ends: ends([0, '40', '50']), committed: commits([0, '-1']), expected: [[0, 10]] },
  { name: 'a commit below the low watermark counts from the low watermark', ends: ends([0, '40', '50']), committed: commits([0, '12']), expected: [[0, 10]] },
  { name: 'a commit past the end (topic recreated) is 0, not negative', ends: ends([0, '0', '5']), committed: commits([0, '9']), expected: [[0, 0]] },
  { name: 'an empty partition lags by 0', ends: ends([0, '0', '0']), committed: commits([0, '-1']), expected: [[0, 0]] },
  { name: 'partitions come back in order', ends: ends([2, '0', '3'], [0, '0', '1'], [1, '0', '2']), committed: [], expected: [[0, 1], [1, 2], [2, 3]] },
  { name: 'offsets beyond 2^53 are subtracted exactly', ends: ends([0, '0', '9007199254740993']), committed: commits([0, '9007199254740990']), expected: [[0, 3]] },
  { name: 'a garbled high watermark drops the partition', ends: ends([0, '0', 'ten'], [1, '0', '4']), committed: [], expected: [[1, 4]] },
  { name: 'a garbled committed offset counts as no commit', ends: ends([0, '0', '4']), committed: commits([0, '3; DROP TABLE']), expected: [[0, 4]] },
  { name: 'an empty or signed offset is not a number', ends: ends([0, '', '4'], [1, '0', '+4']), committed: commits([0, '']), expected: [[0, 4]] },
  { name: 'commits for partitions the topic does not have are ignored', ends: ends([0, '0', '4']), committed: commits([7, '100']), expected: [[0, 4]] },
  { name: 'no partitions, no lag', ends: [], committed: commits([0, '1']), expected: [] },
];

for (const c of cases) {
  test(`consumerLag: ${c.name}`, () => {
    assert.equal(consumerLag(c.ends, c.committed).map((l) => [l.partition, l.lag]), c.expected);
  });
}

test.run();

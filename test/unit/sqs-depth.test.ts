import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseQueueDepth, redriveTarget } from '../../lib/sqs/depth.js';

const depthCases: { name: string; attributes: Record<string, string> | undefined; expected: { visible: number; in_flight: number; delayed: number } }[] = [
  {
    name: 'the three counts map to visible, in_flight and delayed',
    attributes: { ApproximateNumberOfMessages: '12', ApproximateNumberOfMessagesNotVisible: '3', ApproximateNumberOfMessagesDelayed: '1' },
    expected: { visible: 12, in_flight: 3, delayed: 1 },
  },
  { name: 'no attributes at all read as 0', attributes: undefined, expected: { visible: 0, in_flight: 0, delayed: 0 } },
  { name: 'missing ones read as 0', attributes: { ApproximateNumberOfMessages: '5' }, expected: { visible: 5, in_flight: 0, delayed: 0 } },
  {
    name: 'garbled ones read as 0, never NaN',
    attributes: { ApproximateNumberOfMessages: 'lots', ApproximateNumberOfMessagesNotVisible: '-2', ApproximateNumberOfMessagesDelayed: '1e3' },
    expected: { visible: 0, in_flight: 0, delayed: 0 },
  },
  { name: 'other attributes are ignored', attributes: { VisibilityTimeout: '30', ApproximateNumberOfMessagesDelayed: '4' }, expected: { visible: 0, in_flight: 0, delayed: 4 } },
];

for (const c of depthCases) {
  test(`parseQueueDepth: ${c.name}`, () => {
    assert.equal(parseQueueDepth(c.attributes), c.expected);
  });
}

const policy = (arn: unknown) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 5 });

const redriveCases: { name: string; policy: string | undefined; expected: { accountId: string; name: string } | undefined }[] = [
  { name: 'ElasticMQ\'s policy names the queue and account', policy: policy('arn:aws:sqs:us-east-1:000000000000:login-queue-dlq'), expected: { accountId: '000000000000', name: 'login-queue-dlq' } },
  { name: 'a FIFO redrive queue keeps its suffix', policy: policy('arn:aws:sqs:eu-west-1:123456789012:logins-dead.fifo'), expected: { accountId: '123456789012', name: 'logins-dead.fifo' } },
  { name: 'another AWS partition', policy: policy('arn:aws-cn:sqs:cn-north-1:123456789012:dlq'), expected: { accountId: '123456789012', name: 'dlq' } },
  { name: 'no policy', policy: undefined, expected: undefined },
  { name: 'an empty policy', policy: '  ', expected: undefined },
  { name: 'a policy that is not JSON', policy: '{deadLetterTargetArn:', expected: undefined },
  { name: 'JSON that is not an object', policy: '"arn:aws:sqs:us-east-1:1:q"', expected: undefined },
  { name: 'JSON null', policy: 'null', expected: undefined },
  { name: 'an ARN that is not a string', policy: policy(42), expected: undefined },
  { name: 'an ARN of another service', policy: policy('arn:aws:sns:us-east-1:123456789012:topic'), expected: undefined },
  { name: 'an ARN without a queue name', policy: policy('arn:aws:sqs:us-east-1:123456789012:'), expected: undefined },
  { name: 'a queue name with a path in it', policy: policy('arn:aws:sqs:us-east-1:123456789012:../other'), expected: undefined },
  { name: 'a queue name over 80 characters', policy: policy(`arn:aws:sqs:us-east-1:123456789012:${'q'.repeat(81)}`), expected: undefined },
];

for (const c of redriveCases) {
  test(`redriveTarget: ${c.name}`, () => {
    const got = redriveTarget(c.policy);
    assert.equal(got === undefined ? undefined : { accountId: got.accountId, name: got.name }, c.expected);
  });
}

test.run();

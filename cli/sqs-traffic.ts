// The shapes production SQS traffic comes in, for `seed --sns` / `--fifo` and the tests: a body as
// SNS delivers it to a queue subscribed without raw message delivery, and message groups that
// interleave. The envelope's signature fields are placeholders: loginpipe does not verify them
// (docs/security.md).
import { randomUUID } from 'node:crypto';

/** The topic ARN the seed's envelopes name (the local stack's account). */
export const SEED_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:logins';

/** `body` as the Message of an SNS Notification; `messageId` is SNS's own id (not SQS's). */
export function snsEnvelope(body: string, topicArn = SEED_TOPIC_ARN, messageId: string = randomUUID(), at: Date = new Date()): string {
  const region = topicArn.split(':')[3] ?? 'us-east-1';
  return JSON.stringify({
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: topicArn,
    Message: body,
    Timestamp: at.toISOString(),
    SignatureVersion: '1',
    Signature: 'unsigned',
    SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-unsigned.pem`,
    UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${messageId}`,
  });
}

/** Message group of the i-th of `count` messages spread over `groups` groups, interleaved. */
export function interleavedGroups(count: number, groups: number): string[] {
  return Array.from({ length: count }, (_, i) => `group-${i % groups}`);
}

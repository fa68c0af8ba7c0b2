// The URL of a queue's redrive queue, from its RedrivePolicy (lib/sqs/depth.ts reads the policy
// the same way): undefined when the queue has none.
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { redriveTarget } from './depth.js';

export async function findRedriveQueueUrl(sqs: SQSClient, queueUrl: string): Promise<string | undefined> {
  const main = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
  const target = redriveTarget(main.Attributes?.RedrivePolicy);
  if (target === undefined) return undefined;
  const found = await sqs.send(new GetQueueUrlCommand({ QueueName: target.name, QueueOwnerAWSAccountId: target.accountId }));
  if (!found.QueueUrl) throw new Error(`SQS has no URL for the redrive queue ${target.arn} of ${queueUrl}`);
  return found.QueueUrl;
}

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seed } from '../../cli/seed.js';
import { UsageError } from '../../cli/args.js';

// `seed --fifo` refuses a standard queue before it sends anything (no SQS server is asked).

const queues = [
  'http://127.0.0.1:9324/000000000000/login-queue',
  'http://127.0.0.1:9324/000000000000/login-queue-fifo',
  'https://sqs.eu-west-1.amazonaws.com/123456789012/logins.fifo.old',
];
for (const url of queues) {
  test(`seed --fifo refuses ${url}, naming SQS_QUEUE_URL`, async () => {
    try {
      await seed({ count: 1, malformedShare: 0, seed: 1, fifoGroups: 6 }, { SQS_QUEUE_URL: url, SQS_ENDPOINT: 'http://127.0.0.1:1' });
      assert.unreachable('seed sent to a standard queue');
    } catch (err) {
      assert.instance(err, UsageError);
      assert.match((err as Error).message, 'SQS_QUEUE_URL');
      assert.match((err as Error).message, 'login-queue.fifo');
    }
  });
}

test.run();

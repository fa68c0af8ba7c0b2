// `loginpipe status --json` against a real world: queue depth (main and redrive), lag of both
// groups, rows, dead letters of the last hour by code, and the readiness of running services.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { sendBodies } from '../../lib/sqs/client.js';
import { createTopics, db, newWorld, produceRaw, sqs, startLoginpipe, waitUntil, type LoginpipeProcess } from './harness.js';
import { cliOk } from './cli-run.js';

function healthPort(p: LoginpipeProcess): string {
  const line = p.lines.find((l) => l.includes('"msg":"health endpoints listening"'));
  if (!line) throw new Error(`${p.kind} logged no health port`);
  return String((JSON.parse(line) as { port: number }).port);
}

interface StatusJson {
  queue: { url: string; visible: number };
  redrive: { url: string; visible: number } | null;
  lag: Record<'processor' | 'sink', { total: string; group: string; partitions: { partition: number; lag: string }[] } | { error: string }>;
  rows: { count: number | null };
  dead_letters_last_hour: { total: number; by_code: { code: string; count: number }[] };
  services: { name: string; state: string }[];
}

test('status --json reports the queue and its redrive queue, lag, rows, recent dead letters and readiness', async () => {
  const world = await newWorld('status');
  const redrive = await sqs.send(new CreateQueueCommand({ QueueName: `q-${world.id}-redrive` }));
  const services: LoginpipeProcess[] = [];
  try {
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: redrive.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: world.queueUrl, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: '3' }) } }));
    await createTopics(world);
    // No connector runs: what is sent to SQS stays there, to be counted.
    await sendBodies(sqs, world.queueUrl, ['{}', '{}', '{}']);
    const gen = createSampleLogins(8);
    await produceRaw(world, [
      ...Array.from({ length: 5 }, (_, i) => ({ id: `ok-${i}`, body: gen.valid().body })),
      { id: 'bad-1', body: 'not json' },
      { id: 'bad-2', body: JSON.stringify({ user_id: 'u', ip: 'x', device_id: 'd' }) },
    ]);
    services.push(await startLoginpipe('sink', world.env));
    services.push(await startLoginpipe('processor', world.env));
    const env = { ...world.env, PROCESSOR_HEALTH_PORT: healthPort(services[1]!), SINK_HEALTH_PORT: healthPort(services[0]!), CONNECTOR_HEALTH_PORT: '0' };

    let status: StatusJson | undefined;
    await waitUntil(async () => {
      status = JSON.parse((await cliOk(['status', '--json'], env)).stdout) as StatusJson;
      const settled = (g: StatusJson['lag']['sink']) => 'total' in g && g.total === '0';
      return settled(status.lag.processor) && settled(status.lag.sink) && status.rows.count === 5;
    }, { timeoutMs: 60_000, intervalMs: 1_000, what: 'status to show the world settled', state: () => status });
    const s = status!;
    assert.is(s.queue.url, world.queueUrl);
    assert.is(s.queue.visible, 3);
    assert.is(s.redrive?.url, redrive.QueueUrl);
    assert.is(s.redrive?.visible, 0);
    const processor = s.lag.processor as Exclude<StatusJson['lag']['processor'], { error: string }>;
    assert.is(processor.group, world.env.PROCESSOR_GROUP_ID);
    assert.is(processor.partitions.length, 4);
    assert.is(s.dead_letters_last_hour.total, 2);
    assert.equal(s.dead_letters_last_hour.by_code, [{ code: 'invalid_ip', count: 1 }, { code: 'invalid_json', count: 1 }]);
    assert.equal(s.services.map((x) => `${x.name}:${x.state}`), ['connector:not checked', 'processor:ready', 'sink:ready']);

    // The screen for people says the same.
    const screen = (await cliOk(['status'], env)).stdout;
    for (const text of ['visible 3', 'redrive', `group ${world.env.SINK_GROUP_ID}`, `${world.schema}.user_logins: 5`, 'invalid_json', 'processor  ready']) {
      assert.ok(screen.includes(text), `screen shows ${text}:\n${screen}`);
    }

    // A stopped service is reported as not answering, and the rest still shows.
    await services[1]!.stop();
    const after = JSON.parse((await cliOk(['status', '--json'], env)).stdout) as StatusJson;
    assert.equal(after.services.map((x) => `${x.name}:${x.state}`), ['connector:not checked', 'processor:not answering', 'sink:ready']);
    assert.is(after.rows.count, 5);
    assert.is((await db.one(`SELECT count(*)::int AS n FROM "${world.schema}".user_logins`)).n, 5);
  } finally {
    await Promise.all(services.map((p) => p.stop()));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: redrive.QueueUrl! })).catch(() => {});
    await world.cleanup();
  }
});

test.run();

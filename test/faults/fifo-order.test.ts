// A FIFO queue's order per message group, kept to the clean topic through a kill -9 of the
// connector and of the processor. Six groups, one user each (a producer that keeps a user's
// logins in order groups them by user), sent interleaved; a group's events must reach
// logins.clean (read committed) once each, in the order SQS took them, and so must their first
// copies in the raw topic, keyed by group. A redelivered copy keeps its SQS message id and is
// dropped by the processor's duplicate filter.
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { sendGrouped } from '../../lib/sqs/client.js';
import { readWholeTopic, type ReadRecord } from '../../lib/kafka/topic-reader.js';
import { kafka, sqs, waitUntil } from '../integration/harness.js';
import { withAdmin } from '../../lib/kafka/client.js';
import { cleanEventId } from './oracle.js';
import { Services } from './scenario.js';
import { newFaultWorld } from './world.js';

const GROUPS = 6;
const PER_GROUP = 100;
const EVENTS = GROUPS * PER_GROUP;
/** Pacing of the sender, so that both kills meet events in flight. */
const BATCH_PAUSE_MS = 300;

async function highWatermarks(topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0)).catch(() => 0);
}

/** The ids of `records` (in topic order per partition) grouped by `groupOf`, first copies only. */
function firstCopiesByGroup(records: ReadRecord[], idOf: (r: ReadRecord) => string | undefined, groupOf: Map<string, number>): string[][] {
  const seen = new Set<string>();
  const out: string[][] = Array.from({ length: GROUPS }, () => []);
  for (const r of records) {
    const id = idOf(r);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const g = groupOf.get(id);
    if (g !== undefined) out[g]!.push(id);
  }
  return out;
}

test(`${GROUPS} interleaved FIFO groups x ${PER_GROUP} keep their order in logins.clean through kill -9 of the connector and the processor`, async () => {
  const world = await newFaultWorld('fifo', {}, undefined, { fifo: true });
  const services = new Services(world.env);
  try {
    await services.start('processor');
    await services.start('connector');

    // Event k of group g is the (k * GROUPS + g)-th sent: the groups interleave all the way.
    const gen = createSampleLogins(6_006);
    const users = Array.from({ length: GROUPS }, (_, g) => `fifo-user-${g}-${world.id}`);
    const order = Array.from({ length: EVENTS }, (_, i) => i % GROUPS);
    const bodies = order.map((g) => JSON.stringify({ ...JSON.parse(gen.valid().body), user_id: users[g] }));
    const ids: string[] = [];
    const sending = (async () => {
      for (let start = 0; start < EVENTS; start += 10) {
        ids.push(...await sendGrouped(sqs, world.queueUrl, bodies.slice(start, start + 10), order.slice(start, start + 10).map((g) => users[g]!)));
        await sleep(BATCH_PAUSE_MS); // the stream's pace, not a wait for a condition
      }
    })();

    const raw = world.env.RAW_TOPIC!;
    const clean = world.env.CLEAN_TOPIC!;
    // Each kill falls while the sender is still sending and after its service has done some work.
    await waitUntil(async () => ids.length >= EVENTS / 4 && (await highWatermarks(raw)) >= EVENTS / 12, { timeoutMs: 60_000, what: 'a quarter sent, some of it in the raw topic' });
    await services.kill('connector');
    await services.start('connector');
    await waitUntil(async () => ids.length >= EVENTS * 0.6 && (await highWatermarks(clean)) >= EVENTS / 12, { timeoutMs: 60_000, what: '60% sent, some of it in the clean topic' });
    const sentAtProcessorKill = ids.length;
    await services.kill('processor');
    await services.start('processor');
    await sending;
    assert.ok(sentAtProcessorKill < EVENTS, `the processor was killed mid-stream (${sentAtProcessorKill} of ${EVENTS} sent)`);

    const groupOf = new Map(ids.map((id, i) => [id, order[i]!]));
    const sentByGroup = Array.from({ length: GROUPS }, (_, g) => ids.filter((_, i) => order[i] === g));
    // Committed clean records with every id: the dedup drops copies, so EVENTS records is all of them.
    await waitUntil(async () => (await readWholeTopic(kafka, clean, 30_000)).length >= EVENTS, {
      timeoutMs: 180_000, intervalMs: 2_000, what: `${EVENTS} clean records`,
    });
    assert.is(await services.terminate('connector').then((r) => r.code), 0);
    assert.is(await services.terminate('processor').then((r) => r.code), 0);
    assert.equal(services.unexpectedExits, []);

    const cleanRecords = await readWholeTopic(kafka, clean);
    const cleanIds = cleanRecords.map((r) => cleanEventId(r.value));
    assert.is(cleanRecords.length, EVENTS, 'each event once in the clean topic');
    assert.is(new Set(cleanIds).size, EVENTS);
    assert.equal(firstCopiesByGroup(cleanRecords, (r) => cleanEventId(r.value), groupOf), sentByGroup, 'each group in the order SQS took it');
    for (let g = 0; g < GROUPS; g++) {
      const partitions = new Set(cleanRecords.filter((r) => groupOf.get(cleanEventId(r.value)!) === g).map((r) => r.partition));
      assert.is(partitions.size, 1, `group ${g} (one user) on one clean partition`);
    }

    const rawRecords = await readWholeTopic(kafka, raw);
    for (const r of rawRecords) {
      const g = groupOf.get(r.headers['sqs.message_id']!);
      assert.is(r.key?.toString('utf8'), users[g!], 'raw records are keyed by MessageGroupId');
      assert.is(r.headers['sqs.message_group_id'], users[g!]);
    }
    assert.equal(firstCopiesByGroup(rawRecords, (r) => r.headers['sqs.message_id'], groupOf), sentByGroup, 'first copies in the raw topic in group order');
    assert.is((await readWholeTopic(kafka, world.env.DLQ_TOPIC!)).length, 0, 'nothing dead-lettered');
    console.log(`fifo-order: ${EVENTS} events, ${rawRecords.length - EVENTS} copies in the raw topic (dropped by the processor), processor killed at ${sentAtProcessorKill} sent`);
  } catch (err) {
    for (const s of services.history) console.error(`--- ${s.kind} (pid ${s.child.pid}) log tail ---\n${s.lines.slice(-12).join('\n')}\n${s.stderr.join('')}`);
    throw err;
  } finally {
    for (const name of services.up()) await services.kill(name);
    await world.cleanup();
  }
});

test.run();

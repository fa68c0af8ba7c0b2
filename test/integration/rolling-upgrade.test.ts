// Adding an optional field (os_version) while events flow, as docs/operations.md "Adding a field to
// the login event" says: the column first, then processors and sinks one by one, old and new side by
// side. An "old" service runs with the built-in schema, a "new" one with CLEAN_SCHEMA_FILE adding
// the field: the same build, as in a rolling upgrade. Nothing may be lost, doubled or dead-lettered;
// an old sink stores what it knows, a new one the field; the writer of each record is read back from
// the clean topic, so every row's expected value is known.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { HEADER_MESSAGE_ID, HEADER_SENT_TIMESTAMP } from '../../lib/records/headers.js';
import { USER_LOGIN_SCHEMA_TEXT, createUserLoginDecoder, subjectFor } from '../../lib/records/user-login.js';
import { unframe } from '../../lib/records/wire-format.js';
import { SchemaRegistry } from '../../lib/registry/client.js';
import { createTopics, db, kafka, newWorld, spawnLoginpipe, startLoginpipe, waitUntil, type LoginpipeProcess, type World } from './harness.js';

const PARTITIONS = [0, 1, 2, 3]; // the world's TOPIC_PARTITIONS

/** schemas/user-login.avsc with os_version added, as the procedure's step 2 writes it. */
function schemaWith(field: object): string {
  const s = JSON.parse(USER_LOGIN_SCHEMA_TEXT) as { fields: object[] };
  return JSON.stringify({ ...s, fields: [...s.fields, field] }, null, 2);
}
const OS_VERSION = { name: 'os_version', type: ['null', 'string'], default: null, maxLength: 64, doc: 'operating system version, as sent' };

/** A valid login; every third carries no os_version; all carry a field loginpipe never declares. */
function body(id: string, i: number): string {
  return JSON.stringify({
    user_id: `user-${i % 7}`, ip: `10.0.${i % 250}.${(i * 7) % 250}`, device_id: `dev-${i}`, device_type: 'android', locale: 'en_GB', app_version: '2.3.0',
    ...(i % 3 === 0 ? {} : { os_version: `os-${id}` }), screen: { width: 1080, height: 2400 },
  });
}
const expectedOs = (id: string, i: number) => (i % 3 === 0 ? null : `os-${id}`);

interface Sent { id: string; i: number; phase: string }

/** Member lines from `mark` on: the last 'joined group' assignment of the topic, if any. */
function lastAssignment(p: LoginpipeProcess, topic: string, mark: number): number[] | undefined {
  for (let k = p.lines.length - 1; k >= mark; k--) {
    const line = p.lines[k]!;
    if (!line.includes('"msg":"joined group"')) continue;
    return ((JSON.parse(line) as { assigned: Record<string, number[]> }).assigned[topic] ?? []).slice().sort();
  }
  return undefined;
}

/** Every member rejoined since its mark, and together they hold each partition once. */
async function groupSettled(members: { p: LoginpipeProcess; mark: number }[], topic: string, what: string): Promise<void> {
  await waitUntil(() => {
    const held = members.map(({ p, mark }) => lastAssignment(p, topic, mark));
    // With 4 partitions and at most 2 members, each holds some: a member holding none is a
    // generation that has not settled yet.
    if (held.some((h) => h === undefined || h.length === 0)) return false;
    const all = held.flatMap((h) => h!).sort();
    return JSON.stringify(all) === JSON.stringify(PARTITIONS);
  }, { timeoutMs: 60_000, what });
}

test('a rolling upgrade adding os_version loses, doubles and dead-letters nothing; old sinks store what they know, new ones the field', async () => {
  const world: World = await newWorld('rolling');
  const dir = mkdtempSync(join(tmpdir(), 'loginpipe-rolling-'));
  const schemaFile = join(dir, 'user-login-os.avsc');
  writeFileSync(schemaFile, schemaWith(OS_VERSION));
  const NEW = { CLEAN_SCHEMA_FILE: schemaFile };
  const running = new Set<LoginpipeProcess>();
  const start = async (kind: string, extra: Record<string, string> = {}) => {
    const p = await startLoginpipe(kind, world.env, extra);
    running.add(p);
    return p;
  };
  const stop = async (p: LoginpipeProcess) => {
    running.delete(p);
    assert.is(await p.stop(), 0, `${p.kind} stopped cleanly`);
  };
  const mark = (p: LoginpipeProcess) => ({ p, mark: p.lines.length });
  const table = `"${world.schema}".user_logins`;
  const rawTopic = world.env.RAW_TOPIC!;
  const cleanTopic = world.env.CLEAN_TOPIC!;
  const sent: Sent[] = [];
  let producer: Producer | undefined;
  let flowing = true;
  let flow: Promise<void> = Promise.resolve();
  try {
    await createTopics(world);
    producer = kafka.producer();
    await producer.connect();
    const send = async (phase: string, ids: string[]) => {
      const batch = ids.map((id) => ({ id, i: sent.length + ids.indexOf(id), phase }));
      await producer!.send({
        topic: rawTopic,
        messages: batch.map((e) => ({ key: e.id, value: body(e.id, e.i), headers: { [HEADER_MESSAGE_ID]: e.id, [HEADER_SENT_TIMESTAMP]: String(Date.now()) } })),
      });
      sent.push(...batch);
    };
    const landed = async (phase: string) => {
      const ids = sent.filter((e) => e.phase === phase).map((e) => e.id);
      await waitUntil(async () => (await db.one(`SELECT count(*)::int AS n FROM ${table} WHERE event_id = ANY($1)`, [ids])).n === ids.length, { timeoutMs: 60_000, what: `phase ${phase}'s rows` });
    };
    const phase = async (name: string) => {
      await send(name, Array.from({ length: 24 }, (_, k) => `${name}-${k}`));
      await landed(name);
    };

    const oldSink = await start('sink');
    const oldProcessor = await start('processor');
    // Events flow through every step below, a few every 50 ms.
    let n = 0;
    flow = (async () => {
      while (flowing) {
        await send('flow', [`flow-${n++}`, `flow-${n++}`]);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await phase('A');

    // A new sink started before the column exists stops, naming the field and the column.
    const early = spawnLoginpipe('sink', world.env, NEW);
    assert.is.not(await early.exited, 0, 'a new sink without the column does not start');
    assert.match(early.lines.join('\n') + early.stderr.join(''), /adds field os_version but .*has no column os_version/);

    // Step 1: the column, while old services write.
    await db.none(`ALTER TABLE ${table} ADD COLUMN os_version varchar(64)`);

    // Step 2: a new processor beside the old one; the old sink reads both writers' records.
    const pOld = mark(oldProcessor);
    const newProcessor = await start('processor', NEW);
    await groupSettled([pOld, { p: newProcessor, mark: 0 }], rawTopic, 'old and new processors to share the raw partitions');
    await phase('B');

    // Step 3: a new sink beside the old one.
    const sOld = mark(oldSink);
    const newSink = await start('sink', NEW);
    await groupSettled([sOld, { p: newSink, mark: 0 }], cleanTopic, 'old and new sinks to share the clean partitions');
    await phase('C');

    // Step 4: the old sink leaves; the new one reads the old processor's records too.
    let marks = [mark(newSink)];
    await stop(oldSink);
    await groupSettled(marks, cleanTopic, 'the new sink to hold every clean partition');
    await phase('D');

    // Step 5: the old processor leaves.
    marks = [mark(newProcessor)];
    await stop(oldProcessor);
    await groupSettled(marks, rawTopic, 'the new processor to hold every raw partition');
    await phase('E');

    flowing = false;
    await flow;
    await landed('flow');
    await stop(newProcessor);
    await stop(newSink);

    // Who wrote each record, from the clean topic: the schema id of its wire format.
    const registry = new SchemaRegistry(world.env.SCHEMA_REGISTRY_URL!);
    const decode = createUserLoginDecoder(registry);
    const writerOf = new Map<string, number>();
    const clean = await readWholeTopic(kafka, cleanTopic);
    for (const r of clean) {
      const rec = await decode(r.value!);
      assert.not.ok(writerOf.has(rec.event_id), `event ${rec.event_id} is in the clean topic once`);
      writerOf.set(rec.event_id, unframe(r.value!).schemaId);
    }
    assert.is(clean.length, sent.length, 'every event is in the clean topic');
    assert.is((await readWholeTopic(kafka, world.env.DLQ_TOPIC!)).length, 0, 'nothing is dead-lettered');
    const schemas = await registry.subjectVersions(subjectFor(cleanTopic));
    assert.is(schemas.length, 2, 'the subject holds the old and the new schema');
    const newId = await registry.register(subjectFor(cleanTopic), schemas[1]!.schema); // already there: its id
    const byNew = (e: Sent) => writerOf.get(e.id) === newId;
    for (const p of ['B', 'D']) {
      const ph = sent.filter((e) => e.phase === p);
      assert.ok(ph.some(byNew) && ph.some((e) => !byNew(e)), `phase ${p} has records of both writers`);
    }

    const rows = new Map((await db.any(`SELECT event_id, os_version FROM ${table}`)).map((r) => [r.event_id as string, r.os_version as string | null]));
    assert.is(rows.size, sent.length, 'one row per event, none lost, none doubled');
    for (const e of sent) {
      const got = rows.get(e.id);
      assert.ok(got !== undefined, `row ${e.id}`);
      const value = expectedOs(e.id, e.i);
      let allowed: (string | null)[];
      if (e.phase === 'A' || !byNew(e)) allowed = [null]; // an old processor drops the field
      else if (e.phase === 'B') allowed = [null]; // only the old sink ran: it stores what it knows
      else if (e.phase === 'C' || e.phase === 'flow') allowed = [null, value]; // either sink
      else allowed = [value]; // D, E: the new sink alone
      assert.ok(allowed.includes(got), `${e.id} (phase ${e.phase}, ${byNew(e) ? 'new' : 'old'} writer) stored ${JSON.stringify(got)}, expected one of ${JSON.stringify(allowed)}`);
    }
    const stored = [...rows.values()].filter((v) => v !== null).length;
    assert.ok(stored > 0, 'the new sink stored os_version');
  } finally {
    flowing = false;
    await flow.catch(() => {});
    for (const p of running) await p.stop();
    await producer?.disconnect();
    rmSync(dir, { recursive: true, force: true });
    await world.cleanup();
  }
});

test('the processor sets FULL_TRANSITIVE on the clean subject and refuses a schema that breaks it, naming the field', async () => {
  const world: World = await newWorld('compat');
  const dir = mkdtempSync(join(tmpdir(), 'loginpipe-compat-'));
  const registry = new SchemaRegistry(world.env.SCHEMA_REGISTRY_URL!);
  const subject = subjectFor(world.env.CLEAN_TOPIC!);
  const running: LoginpipeProcess[] = [];
  try {
    await createTopics(world);
    const v2 = join(dir, 'v2.avsc');
    writeFileSync(v2, schemaWith(OS_VERSION));
    running.push(await startLoginpipe('processor', world.env, { CLEAN_SCHEMA_FILE: v2 }));
    assert.is(await running.pop()!.stop(), 0);
    const config = await fetch(`${world.env.SCHEMA_REGISTRY_URL}/config/${encodeURIComponent(subject)}`).then((r) => r.json()) as { compatibilityLevel?: string };
    assert.is(config.compatibilityLevel, 'FULL_TRANSITIVE');

    // os_version changes type: records already written could no longer be read.
    const v3 = join(dir, 'v3.avsc');
    writeFileSync(v3, schemaWith({ ...OS_VERSION, type: ['null', 'int'], maxLength: undefined }));
    const refused = spawnLoginpipe('processor', world.env, { CLEAN_SCHEMA_FILE: v3 });
    assert.is.not(await refused.exited, 0, 'the processor does not start');
    const said = refused.lines.join('\n') + refused.stderr.join('');
    assert.match(said, /breaks the FULL_TRANSITIVE compatibility of subject/);
    assert.match(said, /field os_version is \[\\?"null\\?",\\?"int\\?"\]/);
    assert.is((await registry.subjectVersions(subject)).length, 1, 'nothing new was registered');

    // A required field added: refused before the registry is asked, naming the field.
    const v4 = join(dir, 'v4.avsc');
    writeFileSync(v4, schemaWith({ name: 'os_build', type: 'string' }));
    const refusedToo = spawnLoginpipe('processor', world.env, { CLEAN_SCHEMA_FILE: v4 });
    assert.is(await refusedToo.exited, 2, 'a bad setting exits 2');
    assert.match(refusedToo.lines.join('\n') + refusedToo.stderr.join(''), /CLEAN_SCHEMA_FILE: .*field os_build is not optional/);
  } finally {
    for (const p of running) await p.stop();
    rmSync(dir, { recursive: true, force: true });
    await world.cleanup();
  }
});

test.run();

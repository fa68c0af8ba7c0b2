// The clean record's schema evolved (sealed_ip, sealed_device_id, mask_key_id were added, optional
// with null defaults): the sink keeps reading records written with the first version, storing
// NULL in the new columns, and stores the new fields of records written with the current one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import avro from 'avsc';
import { SchemaRegistry } from '../../lib/registry/client.js';
import { createUserLoginEncoder, subjectFor } from '../../lib/records/user-login.js';
import { frame } from '../../lib/records/wire-format.js';
import { createTopics, db, newWorld, produce, startLoginpipe, waitUntil, type LoginpipeProcess } from './harness.js';

// schemas/user-login.avsc as it was before the PII fields: the writer of older records.
const FIRST_VERSION = {
  type: 'record', name: 'UserLogin', namespace: 'io.loginpipe',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'user_id', type: 'string' },
    { name: 'device_type', type: ['null', 'string'], default: null },
    { name: 'masked_ip', type: 'string' },
    { name: 'masked_device_id', type: 'string' },
    { name: 'locale', type: ['null', 'string'], default: null },
    { name: 'app_version', type: ['null', 'string'], default: null },
    { name: 'login_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

test('the sink stores records of the first schema version (new columns NULL) and of the current one side by side', async () => {
  const world = await newWorld('pii-evolve');
  let sink: LoginpipeProcess | undefined;
  try {
    await createTopics(world);
    const registry = new SchemaRegistry(world.env.SCHEMA_REGISTRY_URL!);
    const oldId = await registry.register(subjectFor(world.env.CLEAN_TOPIC!), JSON.stringify(FIRST_VERSION));
    const oldType = avro.Type.forSchema(FIRST_VERSION as avro.Schema);
    const encodeNew = await createUserLoginEncoder(registry, world.env.CLEAN_TOPIC!);
    const base = { user_id: 'u-1', device_type: 'ios', masked_ip: 'a'.repeat(64), masked_device_id: 'b'.repeat(64), locale: null, app_version: '1.2.3', login_time: Date.UTC(2026, 11, 1) };
    const sealedIp = Buffer.from('01' + 'cd'.repeat(60), 'hex');
    const sealedDevice = Buffer.from('01' + 'ef'.repeat(70), 'hex');
    await produce(world.env.CLEAN_TOPIC!, [
      { key: 'u-1', value: frame(oldId, oldType.toBuffer({ ...base, event_id: 'old-1' })) },
      { key: 'u-1', value: encodeNew({ ...base, event_id: 'new-1', sealed_ip: sealedIp, sealed_device_id: sealedDevice, mask_key_id: 'k-2026' }) },
    ]);
    sink = await startLoginpipe('sink', world.env);
    const table = `"${world.schema}".user_logins`;
    await waitUntil(async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n >= 2, { timeoutMs: 60_000, what: 'both rows' });
    const rows = await db.any(`SELECT event_id, masked_ip, sealed_ip, sealed_device_id, mask_key_id FROM ${table} ORDER BY event_id`);
    assert.equal(rows.map((r) => [r.event_id, r.masked_ip, r.sealed_ip, r.sealed_device_id, r.mask_key_id]), [
      ['new-1', 'a'.repeat(64), sealedIp, sealedDevice, 'k-2026'],
      ['old-1', 'a'.repeat(64), null, null, null],
    ]);
    assert.is(await sink.stop(), 0);
    sink = undefined;
  } finally {
    if (sink) await sink.stop();
    await world.cleanup();
  }
});

test.run();

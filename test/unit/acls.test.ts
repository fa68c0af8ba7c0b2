// The ACLs `loginpipe acls` prints and applies: what each service may do, for any names, the
// script form in docs/operations.md, the admin API's bindings, and the principal setting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { aclEntries, serviceAcls, type AclGrant, type AclNames, type AclService } from '../../lib/kafka/acls.js';
import { aclNamesFrom, aclScript } from '../../cli/acls.js';
import { aclSettings } from '../../cli/config.js';
import { ConfigError, loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { processorSettings } from '../../processor/config.js';
import { sinkSettings } from '../../sink/config.js';
import { ROOT } from '../../lib/runtime/paths.js';

const { AclOperationTypes, ResourcePatternTypes } = kafkajs;

const DEFAULTS: AclNames = aclNamesFrom(loadSettings({ ...kafkaSettings, ...aclSettings, processorGroup: processorSettings.groupId, sinkGroup: sinkSettings.groupId }, {}));
const CUSTOM: AclNames = {
  rawTopic: 'acme.raw', cleanTopic: 'acme.clean', dlqTopic: 'acme.dlq', processorGroup: 'acme-proc', sinkGroup: 'acme-sink', transactionalIdPrefix: 'acme-proc:acme.raw:',
  principals: { connector: 'User:svc-in', processor: 'User:CN=proc,OU=data', sink: 'User:svc-out' },
};

const ops = (grants: AclGrant[], service: AclService, type: string, name: string) =>
  grants.filter((g) => g.service === service && g.resource.type === type && g.resource.name === name).flatMap((g) => g.operations).sort();

// What each service may do, for the default names and for names of an operator's own.
for (const names of [DEFAULTS, CUSTOM]) {
  const g = serviceAcls(names);
  const cases: { service: AclService; type: string; name: string; expected: string[] }[] = [
    { service: 'connector', type: 'topic', name: names.rawTopic, expected: ['Describe', 'DescribeConfigs', 'Write'] },
    { service: 'connector', type: 'topic', name: names.cleanTopic, expected: ['Describe'] },
    { service: 'connector', type: 'topic', name: names.dlqTopic, expected: ['Describe', 'Write'] },
    { service: 'processor', type: 'topic', name: names.rawTopic, expected: ['Describe', 'DescribeConfigs', 'Read'] },
    { service: 'processor', type: 'topic', name: names.cleanTopic, expected: ['Describe', 'Write'] },
    { service: 'processor', type: 'topic', name: names.dlqTopic, expected: ['Describe', 'DescribeConfigs', 'Write'] },
    { service: 'processor', type: 'group', name: names.processorGroup, expected: ['Describe', 'Read'] },
    { service: 'processor', type: 'group', name: names.sinkGroup, expected: [] },
    { service: 'processor', type: 'transactional-id', name: `${names.processorGroup}:${names.rawTopic}:`, expected: ['Describe', 'Write'] },
    { service: 'sink', type: 'topic', name: names.rawTopic, expected: ['Describe'] },
    { service: 'sink', type: 'topic', name: names.cleanTopic, expected: ['Describe', 'Read'] },
    { service: 'sink', type: 'topic', name: names.dlqTopic, expected: ['Describe', 'Write'] },
    { service: 'sink', type: 'group', name: names.sinkGroup, expected: ['Describe', 'Read'] },
    { service: 'sink', type: 'group', name: names.processorGroup, expected: [] },
    { service: 'connector', type: 'group', name: names.processorGroup, expected: [] },
  ];
  for (const c of cases) {
    test(`${names.rawTopic}: the ${c.service} may ${c.expected.join(', ') || 'do nothing'} on ${c.type} ${c.name}`, () => {
      assert.equal(ops(g, c.service, c.type, c.name), c.expected);
    });
  }
  test(`${names.rawTopic}: each grant goes to its service's principal, and only the transactional id is a prefix`, () => {
    for (const grant of g) {
      assert.is(grant.principal, names.principals[grant.service]);
      assert.is(grant.resource.pattern, grant.resource.type === 'transactional-id' ? 'prefixed' : 'literal');
    }
  });
  test(`${names.rawTopic}: one admin-API binding per operation, allowed from any host`, () => {
    const entries = aclEntries(g);
    assert.is(entries.length, g.reduce((n, x) => n + x.operations.length, 0));
    assert.ok(entries.every((e) => e.host === '*'));
    assert.is(entries.filter((e) => e.resourcePatternType === ResourcePatternTypes.PREFIXED).length, 2);
    assert.is(entries.filter((e) => e.operation === AclOperationTypes.DESCRIBE_CONFIGS).length, 3);
  });
}

test('the script in docs/operations.md is what `loginpipe acls` prints for the default names', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const block = /```sh\n(B=[^\n]*\nacl\(\)[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, 'docs/operations.md has the ACL script');
  const printed = aclScript(serviceAcls(DEFAULTS), ['b1.kafka.internal:9094', 'b2.kafka.internal:9094']);
  assert.equal(block.trimEnd().split('\n'), printed);
});

test('a principal the shell would split is quoted in the script', () => {
  const names = { ...CUSTOM, principals: { ...CUSTOM.principals, sink: "User:O'Brien" } };
  const line = aclScript(serviceAcls(names), ['b:9092']).find((l) => l.startsWith('acl ') && l.includes('Brien'));
  assert.match(line ?? '', `--allow-principal 'User:O'\\''Brien'`);
});

const principalCases: { raw: string; ok: boolean }[] = [
  { raw: 'User:loginpipe-sink', ok: true },
  { raw: 'User:CN=sink,OU=data', ok: true },
  { raw: 'loginpipe-sink', ok: false },
  { raw: 'User:two words', ok: false },
  { raw: 'User:', ok: false },
  { raw: ':x', ok: false },
  { raw: 'User:*', ok: false },
  { raw: ' User:* ', ok: false },
  { raw: 'Group:*', ok: false },
  { raw: 'User:loginpipe-*', ok: false },
];
for (const c of principalCases) {
  test(`KAFKA_SINK_PRINCIPAL="${c.raw}" is ${c.ok ? 'taken' : 'refused, naming the setting'}`, () => {
    try {
      assert.is(loadSettings(aclSettings, { KAFKA_SINK_PRINCIPAL: c.raw }).sinkPrincipal, c.raw);
      assert.ok(c.ok, 'should have been refused');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      assert.not.ok(c.ok, err.message);
      assert.match(err.message, 'KAFKA_SINK_PRINCIPAL');
    }
  });
}

const sharing: { name: string; env: Record<string, string>; named: string[] }[] = [
  { name: 'the sink and the connector', env: { KAFKA_SINK_PRINCIPAL: 'User:loginpipe', KAFKA_CONNECTOR_PRINCIPAL: 'User:loginpipe' }, named: ['KAFKA_CONNECTOR_PRINCIPAL', 'KAFKA_SINK_PRINCIPAL'] },
  { name: 'the processor and the sink', env: { KAFKA_PROCESSOR_PRINCIPAL: 'User:svc', KAFKA_SINK_PRINCIPAL: ' User:svc' }, named: ['KAFKA_PROCESSOR_PRINCIPAL', 'KAFKA_SINK_PRINCIPAL'] },
  { name: 'all three', env: { KAFKA_CONNECTOR_PRINCIPAL: 'User:x', KAFKA_PROCESSOR_PRINCIPAL: 'User:x', KAFKA_SINK_PRINCIPAL: 'User:x' }, named: ['KAFKA_CONNECTOR_PRINCIPAL', 'KAFKA_PROCESSOR_PRINCIPAL', 'KAFKA_SINK_PRINCIPAL'] },
];
for (const c of sharing) {
  test(`one principal given to ${c.name} is refused, naming both settings`, () => {
    try {
      loadSettings(aclSettings, c.env);
      assert.unreachable('should have been refused');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      assert.is(err.problems.length, 1, err.message);
      assert.is(err.problems[0], `${c.named.join(' and ')} name the same principal: give each service its own, or it gets the others' access too`);
    }
  });
}

test('the transactional-id prefix covers the processor group and the raw topic', () => {
  assert.is(DEFAULTS.transactionalIdPrefix, 'loginpipe-processor:logins.raw:');
  assert.equal(ops(serviceAcls(DEFAULTS), 'processor', 'transactional-id', 'loginpipe-processor:logins.raw:'), ['Describe', 'Write']);
});

test.run();

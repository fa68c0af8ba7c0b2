// The Kafka ACLs each service needs, and nothing more, for the configured topic, group and
// principal names: one list behind `loginpipe acls` (printed as kafka-acls.sh commands, or
// created through the admin API with --apply), the secure local stack, and the table in
// docs/operations.md. Each entry says why, from what the service's code calls.
import kafkajs, { type AclEntry, type Admin } from 'kafkajs';

// Node's CommonJS interop does not see these as named exports of kafkajs.
const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

export type AclService = 'connector' | 'processor' | 'sink';
export type AclOperation = 'Read' | 'Write' | 'Describe' | 'DescribeConfigs';
export type AclResourceType = 'topic' | 'group' | 'transactional-id';

export interface AclNames {
  rawTopic: string;
  cleanTopic: string;
  dlqTopic: string;
  processorGroup: string;
  sinkGroup: string;
  /** What every processor transactional id starts with (processor/transactional-id.ts). */
  transactionalIdPrefix: string;
  /** Kafka principals, `User:<name>` for SASL users. */
  principals: Record<AclService, string>;
}

export interface AclGrant {
  service: AclService;
  principal: string;
  resource: { type: AclResourceType; name: string; pattern: 'literal' | 'prefixed' };
  operations: AclOperation[];
  why: string;
}

export function serviceAcls(n: AclNames): AclGrant[] {
  const grant = (service: AclService, type: AclResourceType, name: string, operations: AclOperation[], why: string, pattern: 'literal' | 'prefixed' = 'literal'): AclGrant =>
    ({ service, principal: n.principals[service], resource: { type, name, pattern }, operations, why });
  return [
    grant('connector', 'topic', n.rawTopic, ['Write', 'Describe', 'DescribeConfigs'], "publishes SQS bodies; reads the topic's max.message.bytes at start"),
    grant('connector', 'topic', n.dlqTopic, ['Write', 'Describe'], '`too_large` dead letters'),
    grant('connector', 'topic', n.cleanTopic, ['Describe'], 'the start-up check that all three topics exist'),
    grant('processor', 'topic', n.rawTopic, ['Read', 'Describe', 'DescribeConfigs'], "its input, and the rewind that rebuilds the duplicate filter; reads the topic's max.message.bytes at start"),
    grant('processor', 'topic', n.cleanTopic, ['Write', 'Describe'], 'its output'),
    grant('processor', 'topic', n.dlqTopic, ['Write', 'Describe', 'DescribeConfigs'], "its dead letters; checks at start that the topic's max.message.bytes is at least the raw topic's"),
    grant('processor', 'group', n.processorGroup, ['Read', 'Describe'], 'joins the group, commits offsets inside its transactions, reads the committed offsets'),
    grant('processor', 'transactional-id', n.transactionalIdPrefix, ['Write', 'Describe'],
      `one transactional id per raw partition, \`${n.transactionalIdPrefix}<partition>\``, 'prefixed'),
    grant('sink', 'topic', n.cleanTopic, ['Read', 'Describe'], 'its input'),
    grant('sink', 'topic', n.dlqTopic, ['Write', 'Describe'], '`rejected_by_database`, `invalid_avro` and `unstorable_record` dead letters'),
    grant('sink', 'topic', n.rawTopic, ['Describe'], 'the start-up check that all three topics exist'),
    grant('sink', 'group', n.sinkGroup, ['Read', 'Describe'], 'joins the group, commits offsets; reads the committed offset before committing for a batch fetched under an earlier assignment'),
  ];
}

const RESOURCE_FLAG: Record<AclResourceType, string> = { topic: '--topic', group: '--group', 'transactional-id': '--transactional-id' };

/** The kafka-acls.sh arguments that add one grant (after `kafka-acls.sh --bootstrap-server … --add`). */
export function kafkaAclsArgs(g: AclGrant): string[] {
  return [
    '--allow-principal', g.principal,
    ...g.operations.flatMap((op) => ['--operation', op]),
    RESOURCE_FLAG[g.resource.type], g.resource.name,
    ...(g.resource.pattern === 'prefixed' ? ['--resource-pattern-type', 'prefixed'] : []),
  ];
}

const RESOURCE_TYPE: Record<AclResourceType, number> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
};
const OPERATION: Record<AclOperation, number> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
};

/** The grants as the admin API's ACL bindings: one per operation, from any host. */
export function aclEntries(grants: AclGrant[]): AclEntry[] {
  return grants.flatMap((g) => g.operations.map((op) => ({
    resourceType: RESOURCE_TYPE[g.resource.type],
    resourceName: g.resource.name,
    resourcePatternType: g.resource.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: g.principal,
    host: '*',
    operation: OPERATION[op],
    permissionType: AclPermissionTypes.ALLOW,
  } as AclEntry)));
}

/**
 * Creates the grants' ACL bindings (creating one that exists changes nothing) and reads them
 * back: returns those the broker still does not list after `settleMs`, which should be none.
 */
export async function applyAcls(admin: Admin, grants: AclGrant[], settleMs = 15_000): Promise<AclEntry[]> {
  const wanted = aclEntries(grants);
  await admin.createAcls({ acl: wanted });
  return aclsNotYet(admin, wanted, 'listed', settleMs);
}

/**
 * Waits until the broker lists all of `entries` (or none of them, for 'gone'); returns those
 * still not so after `settleMs`. In KRaft the controller takes an ACL change and each broker
 * learns it from the metadata log a moment later, so a broker asked at once may still answer
 * (and authorise) as before.
 */
export async function aclsNotYet(admin: Admin, entries: AclEntry[], state: 'listed' | 'gone', settleMs = 15_000): Promise<AclEntry[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const have = new Set((await currentAcls(admin)).map(aclKey));
    const notYet = entries.filter((e) => have.has(aclKey(e)) === (state === 'gone'));
    if (notYet.length === 0 || Date.now() >= deadline) return notYet;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function currentAcls(admin: Admin): Promise<AclEntry[]> {
  const res = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return res.resources.flatMap((r) => r.acls.map((a) => ({
    resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType, ...a,
  } as AclEntry)));
}

const aclKey = (e: AclEntry) => [e.resourceType, e.resourceName, e.resourcePatternType, e.principal, e.host, e.operation, e.permissionType].join('|');

export const describeAcl = (e: AclEntry) => `${e.principal} ${AclOperationTypes[e.operation]} on ${AclResourceTypes[e.resourceType]} ${e.resourceName}`;

// `loginpipe acls [--apply]`: the Kafka ACLs of the three services for the configured topic, group
// and principal names. Printed as a kafka-acls.sh script an operator can read and run; with
// --apply, created through the admin API with the KAFKA_* credentials (which must be allowed to
// alter the cluster's ACLs) and then read back, so nobody copies a table by hand.
import { loadSettings, type Parsed } from '../lib/runtime/config.js';
import { kafkaSettings } from '../lib/runtime/settings.js';
import { withAdmin } from '../lib/kafka/client.js';
import { aclEntries, applyAcls, describeAcl, kafkaAclsArgs, serviceAcls, type AclGrant, type AclNames } from '../lib/kafka/acls.js';
import { errorMessage } from '../lib/runtime/errors.js';
import { processorSettings } from '../processor/config.js';
import { transactionalIdPrefix } from '../processor/transactional-id.js';
import { sinkSettings } from '../sink/config.js';
import { aclSettings } from './config.js';
import { cliKafka, type Out } from './cli-context.js';

const settings = {
  ...kafkaSettings,
  ...aclSettings,
  processorGroup: processorSettings.groupId,
  sinkGroup: sinkSettings.groupId,
};

export function aclNamesFrom(cfg: Parsed<typeof settings>): AclNames {
  return {
    rawTopic: cfg.rawTopic,
    cleanTopic: cfg.cleanTopic,
    dlqTopic: cfg.dlqTopic,
    processorGroup: cfg.processorGroup,
    sinkGroup: cfg.sinkGroup,
    transactionalIdPrefix: transactionalIdPrefix(cfg.processorGroup, cfg.rawTopic),
    principals: { connector: cfg.connectorPrincipal, processor: cfg.processorPrincipal, sink: cfg.sinkPrincipal },
  };
}

const shellWord = (w: string) => (/^[A-Za-z0-9._:=,@/-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The grants as a shell script: one `acl …` line per grant, under the service it is for. */
export function aclScript(grants: AclGrant[], brokers: string[]): string[] {
  const lines = [
    `B=${shellWord(brokers.join(','))}`,
    'acl() { kafka-acls.sh --bootstrap-server "$B" --command-config admin.properties --add "$@"; }',
  ];
  let service = '';
  for (const g of grants) {
    if (g.service !== service) {
      service = g.service;
      lines.push(`# ${service} (${g.principal})`);
    }
    lines.push(`acl ${kafkaAclsArgs(g).map(shellWord).join(' ')}`);
  }
  return lines;
}

export async function aclsCommand(out: Out, apply: boolean): Promise<number> {
  const cfg = loadSettings(settings);
  const grants = serviceAcls(aclNamesFrom(cfg));
  if (!apply) {
    for (const line of aclScript(grants, cfg.brokers)) out(line);
    return 0;
  }
  const kafka = cliKafka(cfg, 'acls');
  const who = cfg.kafkaSaslUsername !== '' ? `KAFKA_SASL_USERNAME=${cfg.kafkaSaslUsername}` : 'the KAFKA_* credentials';
  try {
    const missing = await withAdmin(kafka, (admin) => applyAcls(admin, grants));
    if (missing.length > 0) throw new Error(`the broker took the ACLs but does not list ${missing.length} of them afterwards: ${missing.map(describeAcl).join('; ')}`);
  } catch (err) {
    const refused = /CLUSTER_AUTHORIZATION_FAILED|not authorized/i.test(`${(err as { type?: string }).type ?? ''} ${errorMessage(err)}`);
    throw new Error(refused
      ? `${who} may not create ACLs: --apply needs a principal with Alter on the cluster (a super user or the cluster's admin), not a service's own`
      : `could not create the ACLs at ${cfg.brokers.join(',')}: ${errorMessage(err)}`, { cause: err });
  }
  const principals = new Set(grants.map((g) => g.principal));
  out(`${aclEntries(grants).length} ACL bindings in place for ${[...principals].join(', ')} (${grants.length} grants; \`loginpipe acls\` lists them)`);
  return 0;
}

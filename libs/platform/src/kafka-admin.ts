// The broker administration the secretariat's governance needs, in the project's own terms: topics, and ALLOW rules
// for principals on topics and consumer groups. kafkajs stays inside libs/platform (docs/architecture.md).
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Admin,
  ResourcePatternTypes,
  type AclEntry,
} from 'kafkajs';

/** One ALLOW rule: `principal` (e.g. User:gw-ly) may `operation` the topic or group `name` (or every name it prefixes). */
export interface AllowRule {
  resource: 'TOPIC' | 'GROUP';
  name: string;
  prefixed?: boolean;
  principal: string;
  operation: 'READ' | 'WRITE';
}

export interface TopicSpec {
  topic: string;
  partitions?: number;
  config?: Record<string, string>;
}

function entry(r: AllowRule): AclEntry {
  return {
    resourceType: r.resource === 'TOPIC' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
    resourceName: r.name,
    resourcePatternType: r.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: r.principal,
    host: '*',
    operation: r.operation === 'READ' ? AclOperationTypes.READ : AclOperationTypes.WRITE,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

const EVERY_RULE_OF = (principal: string) => ({
  resourceType: AclResourceTypes.ANY,
  resourcePatternType: ResourcePatternTypes.ANY,
  principal,
  host: '*',
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
});

export class KafkaAdmin {
  constructor(private readonly admin: () => Promise<Admin>) {}

  /** Creates the topics that do not exist yet, waiting for their leaders. */
  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) {
      return;
    }
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions ?? 1,
        configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }

  /** The topics this principal may see (DESCRIBE, which READ or WRITE imply). */
  async topics(): Promise<string[]> {
    return (await this.admin()).listTopics();
  }

  async allow(rules: AllowRule[]): Promise<void> {
    await (await this.admin()).createAcls({ acl: rules.map(entry) });
  }

  async removeRules(rules: AllowRule[]): Promise<void> {
    await (await this.admin()).deleteAcls({ filters: rules.map(entry) });
  }

  /** Removes every rule of a principal: the broker refuses its next request. */
  async removeEveryRuleOf(principal: string): Promise<void> {
    await (await this.admin()).deleteAcls({ filters: [EVERY_RULE_OF(principal)] });
  }

  /** The principal's rules as "OPERATION resource" lines. */
  async describeRulesOf(principal: string): Promise<string[]> {
    const res = await (await this.admin()).describeAcls(EVERY_RULE_OF(principal));
    return res.resources.flatMap((r) =>
      r.acls.map((a) => `${AclOperationTypes[a.operation]} ${r.resourceName}`),
    );
  }
}

// Kafka governance: the broker itself enforces the agreements. One topic per direction of an active agreement;
// each gateway may write only its outgoing topics and read only its incoming ones.
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Admin,
  ResourcePatternTypes,
  type AclEntry,
} from 'kafkajs';
import type { Logger } from 'pino';
import {
  auditHeadsTopic,
  controlTopic,
  exchangeTopic,
  gatewayGroupPrefix as groupPrefixOf,
} from '@corridor/contracts';
import { KafkaClient } from '@corridor/platform';

export function gatewayPrincipal(country: string): string {
  return `User:gw-${country.toLowerCase()}`;
}

/** Consumer groups of a gateway all start with this prefix (one READ ACL, PREFIXED). */
export function gatewayGroupPrefix(country: string, topicPrefix: string): string {
  return groupPrefixOf(country, topicPrefix);
}

function acl(
  resourceType: AclResourceTypes,
  name: string,
  principal: string,
  operation: AclOperationTypes,
  pattern = ResourcePatternTypes.LITERAL,
): AclEntry {
  return {
    resourceType,
    resourceName: name,
    resourcePatternType: pattern,
    principal,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

export class KafkaGovernance {
  constructor(
    private readonly kafka: KafkaClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  get controlTopic(): string {
    return controlTopic(this.prefix);
  }

  get headsTopic(): string {
    return auditHeadsTopic(this.prefix);
  }

  private async admin(): Promise<Admin> {
    return this.kafka.adminReady();
  }

  async ensureControlTopics(): Promise<void> {
    const admin = await this.admin();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: this.controlTopic,
          numPartitions: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
        {
          topic: this.headsTopic,
          numPartitions: 1,
          configEntries: [{ name: 'retention.ms', value: String(30 * 86400_000) }],
        },
      ],
    });
  }

  /** What every enrolled gateway may do regardless of agreements: read the control topic, publish its heads. */
  async grantMembership(country: string): Promise<void> {
    const p = gatewayPrincipal(country);
    const admin = await this.admin();
    await admin.createAcls({
      acl: [
        acl(AclResourceTypes.TOPIC, this.controlTopic, p, AclOperationTypes.READ),
        acl(AclResourceTypes.TOPIC, this.headsTopic, p, AclOperationTypes.WRITE),
        acl(
          AclResourceTypes.GROUP,
          gatewayGroupPrefix(country, this.prefix),
          p,
          AclOperationTypes.READ,
          ResourcePatternTypes.PREFIXED,
        ),
      ],
    });
    this.logger.info({ country }, 'membership ACLs granted');
  }

  /** Every ACL of the gateway's principal: membership and agreements. The broker refuses its next request. */
  async revokeMembership(country: string): Promise<void> {
    const admin = await this.admin();
    await admin.deleteAcls({
      filters: [
        {
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: gatewayPrincipal(country),
          host: '*',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        },
      ],
    });
    this.logger.warn({ country }, 'every broker ACL of the gateway removed');
  }

  private directionAcls(a: string, b: string): AclEntry[] {
    return [
      acl(
        AclResourceTypes.TOPIC,
        exchangeTopic(a, b, this.prefix),
        gatewayPrincipal(a),
        AclOperationTypes.WRITE,
      ),
      acl(
        AclResourceTypes.TOPIC,
        exchangeTopic(a, b, this.prefix),
        gatewayPrincipal(b),
        AclOperationTypes.READ,
      ),
      acl(
        AclResourceTypes.TOPIC,
        exchangeTopic(b, a, this.prefix),
        gatewayPrincipal(b),
        AclOperationTypes.WRITE,
      ),
      acl(
        AclResourceTypes.TOPIC,
        exchangeTopic(b, a, this.prefix),
        gatewayPrincipal(a),
        AclOperationTypes.READ,
      ),
    ];
  }

  /** Topics for both directions, then the ACLs: from now on the broker carries this pair's traffic. */
  async openAgreement(parties: [string, string]): Promise<void> {
    const [a, b] = parties;
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const topics = [exchangeTopic(a, b, this.prefix), exchangeTopic(b, a, this.prefix)].filter(
      (t) => !existing.has(t),
    );
    if (topics.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({ topic, numPartitions: 3 })),
      });
    }
    await admin.createAcls({ acl: this.directionAcls(a, b) });
    this.logger.info({ parties }, 'exchange topics and ACLs in place');
  }

  /** Removes the pair's ACLs: the broker refuses their traffic from now on. Topics stay for the retention period. */
  async closeAgreement(parties: [string, string]): Promise<void> {
    const [a, b] = parties;
    const admin = await this.admin();
    await admin.deleteAcls({ filters: this.directionAcls(a, b) });
    this.logger.info({ parties }, 'exchange ACLs removed');
  }

  async describeAcls(country: string): Promise<string[]> {
    const admin = await this.admin();
    const res = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: gatewayPrincipal(country),
      host: '*',
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return res.resources.flatMap((r) =>
      r.acls.map((a) => `${AclOperationTypes[a.operation]} ${r.resourceName}`),
    );
  }
}

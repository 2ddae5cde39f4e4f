// Kafka governance: the broker itself enforces the agreements. One topic per direction of an active agreement;
// each gateway may write only its outgoing topics and read only its incoming ones.
import type { Logger } from 'pino';
import {
  auditHeadsTopic,
  controlTopic,
  exchangeTopic,
  gatewayControlTopic,
  gatewayControlTopicPrefix,
  gatewayGroupPrefix as groupPrefixOf,
} from '@corridor/contracts';
import { AllowRule, KafkaClient } from '@corridor/platform';

/** How the broker names a gateway: `{name}` is its certificate's CN (gw-ly), `{country}` its C (LY). */
export const DEFAULT_PRINCIPAL_FORMAT = '{name}';

/**
 * The Kafka principal of a gateway. The project's brokers map a certificate's subject to its CN
 * (`ssl.principal.mapping.rules`), so the default is `User:gw-ly`. A broker that cannot map (Strimzi forbids the
 * rule) names the client by its whole subject: KAFKA_PRINCIPAL_FORMAT=CN={name},OU=Kafka,O=Corridor,C={country}
 * then gives `User:CN=gw-ly,OU=Kafka,O=Corridor,C=LY`, the name that broker's ACLs must carry.
 */
export function gatewayPrincipal(country: string, format = DEFAULT_PRINCIPAL_FORMAT): string {
  const name = format
    .replace('{name}', `gw-${country.toLowerCase()}`)
    .replace('{country}', country.toUpperCase());
  return `User:${name}`;
}

/** Consumer groups of a gateway all start with this prefix (one READ ACL, PREFIXED). */
export function gatewayGroupPrefix(country: string, topicPrefix: string): string {
  return groupPrefixOf(country, topicPrefix);
}

function allow(
  resource: AllowRule['resource'],
  name: string,
  principal: string,
  operation: AllowRule['operation'],
  prefixed = false,
): AllowRule {
  return { resource, name, principal, operation, prefixed };
}

export class KafkaGovernance {
  constructor(
    private readonly kafka: KafkaClient,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly principalFormat: string = DEFAULT_PRINCIPAL_FORMAT,
    /**
     * KAFKA_LEGACY_CONTROL_WRITE: gateways may still write the shared control topic, for a network whose gateways do
     * not all publish on their own control topic yet (docs/operations.md). Off: that right is removed.
     */
    private readonly legacyControlWrite = false,
  ) {}

  private principalOf(country: string): string {
    return gatewayPrincipal(country, this.principalFormat);
  }

  get controlTopic(): string {
    return controlTopic(this.prefix);
  }

  get headsTopic(): string {
    return auditHeadsTopic(this.prefix);
  }

  private get admin() {
    return this.kafka.administration;
  }

  async ensureControlTopics(): Promise<void> {
    await this.admin.ensureTopics([
      { topic: this.controlTopic, config: { 'cleanup.policy': 'compact' } },
      { topic: this.headsTopic, config: { 'retention.ms': String(30 * 86400_000) } },
    ]);
  }

  /**
   * What every enrolled gateway may do regardless of agreements: read the secretariat's control topic and every
   * gateway's control topic (one PREFIXED rule), write only its own (its signed gateway record: suites, epoch keys),
   * publish its heads. Compaction keeps the newest record per key, so a gateway that could write under another's
   * key on a shared topic could have that record compacted away: each writes its own topic only.
   */
  async grantMembership(country: string): Promise<void> {
    const p = this.principalOf(country);
    const own = gatewayControlTopic(country, this.prefix);
    await this.admin.ensureTopics([{ topic: own, config: { 'cleanup.policy': 'compact' } }]);
    await this.admin.allow([
      allow('TOPIC', this.controlTopic, p, 'READ'),
      allow('TOPIC', gatewayControlTopicPrefix(this.prefix), p, 'READ', true),
      allow('TOPIC', own, p, 'WRITE'),
      allow('TOPIC', this.headsTopic, p, 'WRITE'),
      allow('GROUP', gatewayGroupPrefix(country, this.prefix), p, 'READ', true),
      ...(this.legacyControlWrite ? [allow('TOPIC', this.controlTopic, p, 'WRITE')] : []),
    ]);
    if (!this.legacyControlWrite) {
      // An ACL granted by an earlier version, or while the migration switch was on.
      await this.admin.removeRules([allow('TOPIC', this.controlTopic, p, 'WRITE')]);
    }
    this.logger.info({ country, legacyControlWrite: this.legacyControlWrite }, 'membership ACLs granted');
  }

  /** Every ACL of the gateway's principal: membership and agreements. The broker refuses its next request. */
  async revokeMembership(country: string): Promise<void> {
    await this.admin.removeEveryRuleOf(this.principalOf(country));
    this.logger.warn({ country }, 'every broker ACL of the gateway removed');
  }

  private directionAcls(a: string, b: string): AllowRule[] {
    const ab = exchangeTopic(a, b, this.prefix);
    const ba = exchangeTopic(b, a, this.prefix);
    return [
      allow('TOPIC', ab, this.principalOf(a), 'WRITE'),
      allow('TOPIC', ab, this.principalOf(b), 'READ'),
      allow('TOPIC', ba, this.principalOf(b), 'WRITE'),
      allow('TOPIC', ba, this.principalOf(a), 'READ'),
    ];
  }

  /** Topics for both directions, then the ACLs: from now on the broker carries this pair's traffic. */
  async openAgreement(parties: [string, string]): Promise<void> {
    const [a, b] = parties;
    await this.admin.ensureTopics([
      { topic: exchangeTopic(a, b, this.prefix), partitions: 3 },
      { topic: exchangeTopic(b, a, this.prefix), partitions: 3 },
    ]);
    await this.admin.allow(this.directionAcls(a, b));
    this.logger.info({ parties }, 'exchange topics and ACLs in place');
  }

  /** Removes the pair's ACLs: the broker refuses their traffic from now on. Topics stay for the retention period. */
  async closeAgreement(parties: [string, string]): Promise<void> {
    const [a, b] = parties;
    await this.admin.removeRules(this.directionAcls(a, b));
    this.logger.info({ parties }, 'exchange ACLs removed');
  }

  async describeAcls(country: string): Promise<string[]> {
    return this.admin.describeRulesOf(this.principalOf(country));
  }
}

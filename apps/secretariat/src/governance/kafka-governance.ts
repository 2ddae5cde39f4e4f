// Kafka governance: the broker itself enforces the agreements. One topic per direction of an active agreement;
// each gateway may write only its outgoing topics and read only its incoming ones.
import type { Logger } from 'pino';
import {
  auditHeadsTopic,
  controlTopic,
  exchangeTopic,
  gatewayGroupPrefix as groupPrefixOf,
} from '@corridor/contracts';
import { AllowRule, KafkaClient } from '@corridor/platform';

export function gatewayPrincipal(country: string): string {
  return `User:gw-${country.toLowerCase()}`;
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
  ) {}

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

  /** What every enrolled gateway may do regardless of agreements: read the control topic, publish its heads. */
  async grantMembership(country: string): Promise<void> {
    const p = gatewayPrincipal(country);
    await this.admin.allow([
      allow('TOPIC', this.controlTopic, p, 'READ'),
      allow('TOPIC', this.headsTopic, p, 'WRITE'),
      allow('GROUP', gatewayGroupPrefix(country, this.prefix), p, 'READ', true),
    ]);
    this.logger.info({ country }, 'membership ACLs granted');
  }

  /** Every ACL of the gateway's principal: membership and agreements. The broker refuses its next request. */
  async revokeMembership(country: string): Promise<void> {
    await this.admin.removeEveryRuleOf(gatewayPrincipal(country));
    this.logger.warn({ country }, 'every broker ACL of the gateway removed');
  }

  private directionAcls(a: string, b: string): AllowRule[] {
    const ab = exchangeTopic(a, b, this.prefix);
    const ba = exchangeTopic(b, a, this.prefix);
    return [
      allow('TOPIC', ab, gatewayPrincipal(a), 'WRITE'),
      allow('TOPIC', ab, gatewayPrincipal(b), 'READ'),
      allow('TOPIC', ba, gatewayPrincipal(b), 'WRITE'),
      allow('TOPIC', ba, gatewayPrincipal(a), 'READ'),
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
    return this.admin.describeRulesOf(gatewayPrincipal(country));
  }
}

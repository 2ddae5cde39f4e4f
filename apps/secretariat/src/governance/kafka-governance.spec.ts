import pino from 'pino';
import type { AllowRule, KafkaClient } from '@corridor/platform';
import { loadSecretariatConfig } from '../config';
import { KafkaGovernance, gatewayPrincipal } from './kafka-governance';

/** Records what the governance asks of the broker's administration. */
function recordingKafka(): { kafka: KafkaClient; allowed: AllowRule[]; removed: string[] } {
  const allowed: AllowRule[] = [];
  const removed: string[] = [];
  const admin = {
    ensureTopics: async () => undefined,
    allow: async (rules: AllowRule[]) => void allowed.push(...rules),
    removeRules: async () => undefined,
    removeEveryRuleOf: async (principal: string) => void removed.push(principal),
    describeRulesOf: async () => [],
  };
  return { kafka: { administration: admin } as unknown as KafkaClient, allowed, removed };
}

const silent = pino({ level: 'silent' });

describe('Kafka principals the secretariat grants', () => {
  it('names the CN alone by default, as the project brokers map a certificate', () => {
    expect(gatewayPrincipal('LY')).toBe('User:gw-ly');
  });

  it('names the whole subject where the broker cannot map it (Strimzi)', async () => {
    const { kafka, allowed, removed } = recordingKafka();
    const governance = new KafkaGovernance(
      kafka,
      'corridor',
      silent,
      'CN={name},OU=Kafka,O=Corridor,C={country}',
    );
    await governance.openAgreement(['LY', 'IT']);
    await governance.revokeMembership('NE');
    expect(new Set(allowed.map((r) => r.principal))).toEqual(
      new Set(['User:CN=gw-ly,OU=Kafka,O=Corridor,C=LY', 'User:CN=gw-it,OU=Kafka,O=Corridor,C=IT']),
    );
    expect(allowed.find((r) => r.name === 'corridor.x.LY.IT' && r.operation === 'WRITE')?.principal).toBe(
      'User:CN=gw-ly,OU=Kafka,O=Corridor,C=LY',
    );
    expect(removed).toEqual(['User:CN=gw-ne,OU=Kafka,O=Corridor,C=NE']);
  });

  it('refuses a principal format without {name}, naming the variable', () => {
    const env = {
      CA_DIR: '/tmp/ca',
      CA_PASSPHRASE: 'a-long-passphrase',
      AUTH_DEV_TOKEN_SECRET: 'x'.repeat(32),
      KAFKA_PRINCIPAL_FORMAT: 'CN=gw-ly',
    };
    expect(() => loadSecretariatConfig(env)).toThrow(/KAFKA_PRINCIPAL_FORMAT/);
    expect(
      loadSecretariatConfig({ ...env, KAFKA_PRINCIPAL_FORMAT: 'CN={name},O=Corridor' }).kafka.principalFormat,
    ).toBe('CN={name},O=Corridor');
  });
});

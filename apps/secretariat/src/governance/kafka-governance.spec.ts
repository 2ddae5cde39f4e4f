import pino from 'pino';
import type { AllowRule, KafkaClient } from '@corridor/platform';
import { loadSecretariatConfig } from '../config';
import { KafkaGovernance, gatewayPrincipal } from './kafka-governance';

/** Records what the governance asks of the broker's administration. */
function recordingKafka(): {
  kafka: KafkaClient;
  allowed: AllowRule[];
  removed: string[];
  removedRules: AllowRule[];
  topics: { topic: string; config?: Record<string, string> }[];
} {
  const allowed: AllowRule[] = [];
  const removed: string[] = [];
  const removedRules: AllowRule[] = [];
  const topics: { topic: string; config?: Record<string, string> }[] = [];
  const admin = {
    ensureTopics: async (t: { topic: string; config?: Record<string, string> }[]) => void topics.push(...t),
    allow: async (rules: AllowRule[]) => void allowed.push(...rules),
    removeRules: async (rules: AllowRule[]) => void removedRules.push(...rules),
    removeEveryRuleOf: async (principal: string) => void removed.push(principal),
    describeRulesOf: async () => [],
  };
  return {
    kafka: { administration: admin } as unknown as KafkaClient,
    allowed,
    removed,
    removedRules,
    topics,
  };
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

  it("a member writes only its own compacted control topic and reads every gateway's by prefix", async () => {
    const { kafka, allowed, removedRules, topics } = recordingKafka();
    await new KafkaGovernance(kafka, 'corridor', silent).grantMembership('LY');
    expect(topics).toEqual([{ topic: 'corridor.control.LY', config: { 'cleanup.policy': 'compact' } }]);
    const rules = allowed.map((r) => `${r.operation} ${r.name}${r.prefixed ? '*' : ''}`).sort();
    expect(rules).toEqual([
      'READ corridor.control',
      'READ corridor.control.*',
      'READ corridor.gw-ly.*',
      'WRITE corridor.audit.heads',
      'WRITE corridor.control.LY',
    ]);
    expect(allowed.every((r) => r.principal === 'User:gw-ly')).toBe(true);
    // a WRITE on the shared topic granted by an earlier version is taken away
    expect(removedRules).toEqual([
      {
        resource: 'TOPIC',
        name: 'corridor.control',
        principal: 'User:gw-ly',
        operation: 'WRITE',
        prefixed: false,
      },
    ]);
  });

  it('keeps WRITE on the shared control topic while a network migrates (KAFKA_LEGACY_CONTROL_WRITE)', async () => {
    const { kafka, allowed, removedRules } = recordingKafka();
    await new KafkaGovernance(kafka, 'corridor', silent, '{name}', true).grantMembership('LY');
    expect(allowed.filter((r) => r.operation === 'WRITE').map((r) => r.name)).toEqual(
      expect.arrayContaining(['corridor.control', 'corridor.control.LY']),
    );
    expect(removedRules).toEqual([]);
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

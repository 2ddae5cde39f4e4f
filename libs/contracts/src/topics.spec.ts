import {
  AUDIT_HEADS_TOPIC,
  auditHeadsTopic,
  CONTROL_TOPIC,
  controlTopic,
  exchangeTopic,
  gatewayConsumerGroups,
  gatewayGroupPrefix,
  parseExchangeTopic,
  secretariatHeadsGroup,
} from './topics';

describe('topic and consumer group names', () => {
  it('are built under the deployment prefix', () => {
    expect([CONTROL_TOPIC, AUDIT_HEADS_TOPIC]).toEqual(['corridor.control', 'corridor.audit.heads']);
    expect([controlTopic('t1'), auditHeadsTopic('t1')]).toEqual(['t1.control', 't1.audit.heads']);
    expect(exchangeTopic('LY', 'IT', 't1')).toBe('t1.x.LY.IT');
    expect(parseExchangeTopic('t1.x.LY.IT')).toEqual({ from: 'LY', to: 'IT' });
    expect(() => exchangeTopic('ly', 'IT')).toThrow('ISO 3166-1');
  });

  it('keep every group of a gateway under its prefix (one PREFIXED ACL)', () => {
    const groups = gatewayConsumerGroups({ country: 'LY', instance: 'a', prefix: 't1' });
    expect(groups).toEqual({ exchange: 't1.gw-ly.exchange', control: 't1.gw-ly.control.a' });
    expect(Object.values(groups).every((g) => g.startsWith(gatewayGroupPrefix('LY', 't1')))).toBe(true);
    expect(secretariatHeadsGroup('t1')).toBe('t1.secretariat.heads');
  });
});

import {
  AUDIT_HEADS_TOPIC,
  auditHeadsTopic,
  CONTROL_TOPIC,
  controlTopic,
  exchangeTopic,
  gatewayConsumerGroups,
  gatewayControlTopic,
  gatewayControlTopicPrefix,
  gatewayGroupPrefix,
  parseExchangeTopic,
  parseGatewayControlTopic,
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

  it("names each gateway's control topic under one prefix that the shared control topic does not match", () => {
    expect(gatewayControlTopic('LY', 't1')).toBe('t1.control.LY');
    expect(gatewayControlTopicPrefix('t1')).toBe('t1.control.');
    expect(controlTopic('t1').startsWith(gatewayControlTopicPrefix('t1'))).toBe(false);
    expect(parseGatewayControlTopic('t1.control.LY', 't1')).toBe('LY');
    for (const other of ['t1.control', 't1.control.ly', 't1.control.LYX', 't2.control.LY', 't1.x.LY.IT']) {
      expect(parseGatewayControlTopic(other, 't1')).toBeUndefined();
    }
    expect(() => gatewayControlTopic('ly', 't1')).toThrow(/ISO 3166-1/);
  });
});

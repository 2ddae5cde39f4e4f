// Every Kafka topic, its key and its value type, and every consumer group name, declared once. `prefix` is the
// deployment's topic prefix (KAFKA_TOPIC_PREFIX, 'corridor' by default; tests and benchmarks use their own).
const COUNTRY = /^[A-Z]{2}$/;

/** The compacted control topic: certificates, CRL, root and agreements, written by the secretariat. */
export function controlTopic(prefix = 'corridor'): string {
  return `${prefix}.control`;
}

/**
 * A gateway's own compacted control topic, key `gateway/<CC>`, value its signed gateway record (suites, epoch keys).
 * Only that gateway's principal may write it, so no gateway can have another's records compacted away.
 */
export function gatewayControlTopic(country: string, prefix = 'corridor'): string {
  if (!COUNTRY.test(country)) {
    throw new Error(`gatewayControlTopic needs an ISO 3166-1 alpha-2 code, got ${country}`);
  }
  return `${gatewayControlTopicPrefix(prefix)}${country}`;
}

/** Every gateway control topic starts with this: one PREFIXED READ ACL lets a gateway read them all. */
export function gatewayControlTopicPrefix(prefix = 'corridor'): string {
  return `${prefix}.control.`;
}

/** The country of a gateway control topic under `prefix`, or undefined for any other topic. */
export function parseGatewayControlTopic(topic: string, prefix = 'corridor'): string | undefined {
  const start = gatewayControlTopicPrefix(prefix);
  const country = topic.startsWith(start) ? topic.slice(start.length) : '';
  return COUNTRY.test(country) ? country : undefined;
}

/** Signed tree heads, written by every gateway, read by the secretariat. */
export function auditHeadsTopic(prefix = 'corridor'): string {
  return `${prefix}.audit.heads`;
}

export const CONTROL_TOPIC = controlTopic();
export const AUDIT_HEADS_TOPIC = auditHeadsTopic();

/** Topic carrying envelopes of every kind from one country to another; key = thread id, value = Envelope. */
export function exchangeTopic(from: string, to: string, prefix = 'corridor'): string {
  if (!COUNTRY.test(from) || !COUNTRY.test(to)) {
    throw new Error(`exchangeTopic needs two ISO 3166-1 alpha-2 codes, got ${from} and ${to}`);
  }
  return `${prefix}.x.${from}.${to}`;
}

/** Inverse of exchangeTopic: undefined for a topic that is not an exchange topic. */
export function parseExchangeTopic(topic: string): { from: string; to: string } | undefined {
  const m = /\.x\.([A-Z]{2})\.([A-Z]{2})$/.exec(topic);
  return m ? { from: m[1], to: m[2] } : undefined;
}

export const TOPICS = {
  control: { name: CONTROL_TOPIC, key: 'ControlRecord.key', value: 'ControlRecord', compacted: true },
  gatewayControl: {
    name: 'corridor.control.<CC>',
    key: 'gateway/<CC>',
    value: 'ControlRecord (gateway)',
    compacted: true,
  },
  auditHeads: { name: AUDIT_HEADS_TOPIC, key: 'gateway country', value: 'SignedTreeHead', compacted: false },
  exchange: { name: 'corridor.x.<FROM>.<TO>', key: 'thread id', value: 'Envelope', compacted: false },
} as const;

/** Every consumer group of a gateway starts with this (one PREFIXED READ ACL covers them). */
export function gatewayGroupPrefix(country: string, prefix = 'corridor'): string {
  return `${prefix}.gw-${country.toLowerCase()}.`;
}

/** A gateway's consumer groups: exchange shared by its instances, control one per instance (each reads everything). */
export function gatewayConsumerGroups(opts: { country: string; instance: string; prefix?: string }): {
  exchange: string;
  control: string;
} {
  const base = gatewayGroupPrefix(opts.country, opts.prefix);
  return { exchange: `${base}exchange`, control: `${base}control.${opts.instance}` };
}

/** Every consumer group of the secretariat starts with this. */
export function secretariatGroupPrefix(prefix = 'corridor'): string {
  return `${prefix}.secretariat`;
}

/** The secretariat's consumer group on the tree heads topic. */
export function secretariatHeadsGroup(prefix = 'corridor'): string {
  return `${secretariatGroupPrefix(prefix)}.heads`;
}

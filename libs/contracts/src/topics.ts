// Every Kafka topic, its key and its value type, declared once.
export const CONTROL_TOPIC = 'corridor.control';
export const AUDIT_HEADS_TOPIC = 'corridor.audit.heads';
const COUNTRY = /^[A-Z]{2}$/;

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
  auditHeads: { name: AUDIT_HEADS_TOPIC, key: 'gateway country', value: 'SignedTreeHead', compacted: false },
  exchange: { name: 'corridor.x.<FROM>.<TO>', key: 'thread id', value: 'Envelope', compacted: false },
} as const;

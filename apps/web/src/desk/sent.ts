// The alerts this country sent, no DOM: the state of each partner's copy from its outbox rows, and an alert's
// versions in order.
import type { AlertVersion, SentDelivery } from '@corridor/gateway-api';

export interface PartnerState {
  recipient: string;
  /** the state of the newest message to this partner (the alert, its latest update or the withdrawal) */
  status: string;
  kind: SentDelivery['kind'];
  reason: string | null;
  deliveredAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  /** how many messages (alert, updates, withdrawal) went to this partner */
  messages: number;
}

/** One line per partner, in alphabetical order; the acknowledgement is the one of the alert's own row. */
export function partnerStates(deliveries: SentDelivery[]): PartnerState[] {
  const byPartner = new Map<string, SentDelivery[]>();
  for (const d of deliveries) {
    byPartner.set(d.recipient, [...(byPartner.get(d.recipient) ?? []), d]);
  }
  return [...byPartner.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([recipient, rows]) => {
      const ordered = [...rows].sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
      const latest = ordered[ordered.length - 1];
      const ack =
        ordered.find((r) => r.kind === 'ALERT' && r.acknowledgedAt) ?? ordered.find((r) => r.acknowledgedAt);
      return {
        recipient,
        status: latest.status,
        kind: latest.kind,
        reason: latest.reason,
        deliveredAt: latest.deliveredAt,
        acknowledgedBy: ack?.acknowledgedBy ?? null,
        acknowledgedAt: ack?.acknowledgedAt ?? null,
        messages: ordered.length,
      };
    });
}

const EVENT_ORDER: Record<AlertVersion['event'], number> = {
  PUBLISHED: 0,
  UPDATED: 1,
  WITHDRAWN: 2,
  EXPIRED: 3,
};

/** Oldest first: by time, then version, then publication before update before withdrawal. */
export function orderHistory(versions: AlertVersion[]): AlertVersion[] {
  return [...versions].sort(
    (a, b) =>
      a.at.localeCompare(b.at) || a.version - b.version || EVENT_ORDER[a.event] - EVENT_ORDER[b.event],
  );
}

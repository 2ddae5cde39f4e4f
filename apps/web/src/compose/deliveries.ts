// Delivery per partner, followed live after a publish: the gateway's own outbox rows (GET /v1/alerts/:id) reduced to
// one state per recipient. Pure.
import type { Delivery } from '@corridor/gateway-api';

export type DeliveryState =
  'QUEUED' | 'SENT' | 'DELIVERED' | 'ACKNOWLEDGED' | 'UNCONFIRMED' | 'REJECTED' | 'FAILED' | 'REFUSED';

export interface RecipientDelivery {
  country: string;
  state: DeliveryState;
  /** when it reached that state (queued, sent, delivered or acknowledged at) */
  at: string | null;
  acknowledgedBy: string | null;
  reason: string | null;
}

/** States after which nothing more happens to a delivery without someone acting. */
const SETTLED: ReadonlySet<DeliveryState> = new Set(['ACKNOWLEDGED', 'REJECTED', 'FAILED', 'REFUSED']);

function stateOf(d: Delivery): DeliveryState {
  if (d.acknowledgedAt) {
    return 'ACKNOWLEDGED';
  }
  switch (d.status) {
    case 'QUEUED':
    case 'SENT':
    case 'DELIVERED':
    case 'UNCONFIRMED':
    case 'REJECTED':
    case 'FAILED':
    case 'REFUSED':
      return d.status;
    default:
      return 'QUEUED';
  }
}

/** One line per recipient of the alert itself (kind ALERT), by country. */
export function recipientDeliveries(deliveries: readonly Delivery[]): RecipientDelivery[] {
  return deliveries
    .filter((d) => d.kind === 'ALERT')
    .map((d) => {
      const state = stateOf(d);
      const at =
        state === 'ACKNOWLEDGED'
          ? d.acknowledgedAt
          : state === 'DELIVERED'
            ? d.deliveredAt
            : state === 'SENT' || state === 'UNCONFIRMED'
              ? d.sentAt
              : d.queuedAt;
      return {
        country: d.recipient,
        state,
        at,
        acknowledgedBy: d.acknowledgedBy,
        reason: d.reason,
      };
    })
    .sort((a, b) => a.country.localeCompare(b.country));
}

/** Whether following can stop: every recipient acknowledged, or refused, rejected or failed. */
export function settled(rows: readonly RecipientDelivery[]): boolean {
  return rows.length > 0 && rows.every((r) => SETTLED.has(r.state));
}

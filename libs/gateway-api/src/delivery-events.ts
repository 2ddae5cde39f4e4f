// socket.io namespace /deliveries: an agency follows the delivery of the alerts it published, pushed live as each
// partner's outbox row changes (queued, sent, delivered, acknowledged, refused, failed). Same sign-in as the REST API
// (the publisher's session cookie, or a bearer token as auth.token); only the publisher's own agency's alerts.
import type { Ack } from './desk-events';
import type { Delivery } from './publishing';

export const DELIVERIES_NAMESPACE = '/deliveries';

export interface DeliveryUpdate {
  alertId: string;
  /** every delivery of the alert (all kinds, all recipients), as GET /v1/alerts/:id lists them */
  deliveries: Delivery[];
}

export interface DeliveriesServerToClientEvents {
  deliveries: (update: DeliveryUpdate) => void;
}

export interface DeliveriesClientToServerEvents {
  /** Follows an alert: answers with its deliveries now, then pushes each change. */
  follow: (req: { alertId: string }, ack: (res: Ack<DeliveryUpdate>) => void) => void;
  unfollow: (req: { alertId: string }) => void;
}

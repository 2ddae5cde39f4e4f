/** Every state of an outbox row, in the order a delivery goes through them (shared with the CLI, no imports). */
export const OUTBOX_STATUSES = [
  'QUEUED',
  'SENT',
  'DELIVERED',
  'UNCONFIRMED',
  'REJECTED',
  'FAILED',
  'REFUSED',
];

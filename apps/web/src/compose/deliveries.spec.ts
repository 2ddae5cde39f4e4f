// Delivery per partner from the gateway's outbox rows: acknowledgement wins, the time shown is the state's own.
import type { Delivery } from '@corridor/gateway-api';
import { describe, expect, it } from 'vitest';
import { recipientDeliveries, settled } from './deliveries';

const row = (over: Partial<Delivery>): Delivery => ({
  cursor: 1,
  alertId: 'a1',
  recipient: 'LY',
  kind: 'ALERT',
  messageId: 'm1',
  status: 'QUEUED',
  reason: null,
  queuedAt: '2026-12-01T10:00:00.000Z',
  sentAt: null,
  deliveredAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  redactedFields: [],
  ...over,
});

describe('delivery per partner', () => {
  it('shows each recipient of the alert once, with the time of its state', () => {
    const rows = recipientDeliveries([
      row({
        recipient: 'LY',
        status: 'DELIVERED',
        sentAt: '2026-12-01T10:00:01Z',
        deliveredAt: '2026-12-01T10:00:02Z',
      }),
      row({ recipient: 'IT', status: 'REFUSED', reason: 'CATEGORY_NOT_GRANTED' }),
      row({ recipient: 'LY', kind: 'UPDATE', status: 'QUEUED' }),
    ]);
    expect(rows).toEqual([
      {
        country: 'IT',
        state: 'REFUSED',
        at: '2026-12-01T10:00:00.000Z',
        acknowledgedBy: null,
        reason: 'CATEGORY_NOT_GRANTED',
      },
      { country: 'LY', state: 'DELIVERED', at: '2026-12-01T10:00:02Z', acknowledgedBy: null, reason: null },
    ]);
    expect(settled(rows)).toBe(false);
  });

  it('takes the acknowledgement, by whom and when, and stops following once all are settled', () => {
    const rows = recipientDeliveries([
      row({
        status: 'DELIVERED',
        deliveredAt: '2026-12-01T10:00:02Z',
        acknowledgedBy: 'LY/officer.tripoli',
        acknowledgedAt: '2026-12-01T10:05:00Z',
      }),
      row({ recipient: 'TN', status: 'FAILED', reason: 'broker unreachable' }),
    ]);
    expect(rows.map((r) => [r.country, r.state, r.at, r.acknowledgedBy])).toEqual([
      ['LY', 'ACKNOWLEDGED', '2026-12-01T10:05:00Z', 'LY/officer.tripoli'],
      ['TN', 'FAILED', '2026-12-01T10:00:00.000Z', null],
    ]);
    expect(settled(rows)).toBe(true);
    expect(settled([])).toBe(false);
  });
});

// The hub's pass over the feed: one read per notification when the page is short, more when it is full, and a
// notification during a pass is never lost (pure logic: a feed in memory stands in for the inbox).
import pino from 'pino';
import type { DeskItem } from '@corridor/gateway-api';
import type { InboxRepository } from '../inbox/inbox.repository';
import type { InboxService } from '../inbox/inbox.service';
import type { GatewayMetrics } from '../health/metrics';
import { DeskClient, DeskHub } from './desk.hub';

function feed(n: number): DeskItem[] {
  return Array.from(
    { length: n },
    (_, i) => ({ seq: i + 1, category: 'ROUTE', classification: 'RESTRICTED' }) as DeskItem,
  );
}

function hubOver(rows: DeskItem[]): { hub: DeskHub; reads: number[]; emitted: number[]; client: DeskClient } {
  const reads: number[] = [];
  const inbox = {
    feedSince: (_p: unknown, after: number, limit: number) => {
      reads.push(after);
      return Promise.resolve(rows.filter((r) => r.seq > after).slice(0, limit));
    },
    canSee: () => true,
    latestSeq: () => Promise.resolve(0),
  } as unknown as InboxService;
  const metrics = { deskClients: { set: () => undefined } } as unknown as GatewayMetrics;
  const hub = new DeskHub(
    inbox,
    {} as InboxRepository,
    'postgres://unused',
    metrics,
    pino({ level: 'silent' }),
  );
  const emitted: number[] = [];
  const client: DeskClient = {
    id: 'c1',
    principal: { sub: 'officer', country: 'IT', roles: ['officer'] },
    live: true,
    pending: [],
    sent: new Set(),
    emit: (item) => emitted.push(item.seq),
  };
  hub.add(client);
  return { hub, reads, emitted, client };
}

async function settle(hub: DeskHub): Promise<void> {
  for (let i = 0; i < 20 && (hub as unknown as { pumping?: Promise<void> }).pumping; i += 1) {
    await (hub as unknown as { pumping?: Promise<void> }).pumping;
  }
}

describe('DeskHub pass over the feed', () => {
  it('reads once when the page is short (no second, empty read per notification)', async () => {
    const rows = feed(3);
    const { hub, reads, emitted } = hubOver(rows);
    hub.pump();
    await settle(hub);
    expect(reads).toEqual([0]);
    expect(emitted).toEqual([1, 2, 3]);
  });

  it('reads on while pages are full, in order', async () => {
    const rows = feed(1200);
    const { hub, reads, emitted } = hubOver(rows);
    hub.pump();
    await settle(hub);
    expect(reads).toEqual([0, 500, 1000]);
    expect(emitted).toEqual(rows.map((r) => r.seq));
  });

  it('a notification during a pass brings the rows committed meanwhile', async () => {
    const rows = feed(2);
    const { hub, emitted } = hubOver(rows);
    hub.pump();
    rows.push({ seq: 3, category: 'ROUTE', classification: 'RESTRICTED' } as DeskItem); // committed after the read
    hub.pump(); // its notification
    await settle(hub);
    expect(emitted).toEqual([1, 2, 3]);
  });
});

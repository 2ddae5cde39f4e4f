// The hub's pass over the feed: one read per notification when the page is short, more when it is full, and a
// notification during a pass is never lost; it listens only while desks are connected (pure logic: a feed in memory
// stands in for the inbox, an event emitter for the LISTEN connection).
import { EventEmitter } from 'node:events';
import type { Client } from 'pg';
import pino from 'pino';
import type { DeskItem } from '@corridor/gateway-api';
import type { InboxRepository } from '../inbox/inbox.repository';
import type { InboxService } from '../inbox/inbox.service';
import type { GatewayMetrics } from '../health/metrics';
import { DeskClient, DeskHub, IDLE_CLOSE_MS } from './desk.hub';

function feed(n: number): DeskItem[] {
  return Array.from(
    { length: n },
    (_, i) => ({ seq: i + 1, category: 'ROUTE', classification: 'RESTRICTED' }) as DeskItem,
  );
}

/** A LISTEN connection stand-in: `notify` delivers a notification, `ended` says whether the hub closed it. */
class FakeListener extends EventEmitter {
  ended = false;
  notify(seq: number): void {
    this.emit('notification', { channel: 'corridor_desk', payload: String(seq) });
  }
  end(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }
}

function deskClient(id: string, emitted: number[]): DeskClient {
  return {
    id,
    principal: { sub: 'officer', country: 'IT', roles: ['officer'] },
    live: true,
    pending: [],
    sent: new Set(),
    emit: (item) => emitted.push(item.seq),
  };
}

function hubOf(rows: DeskItem[], opts: { failConnect?: boolean; latest?: number } = {}) {
  const reads: number[] = [];
  const listeners: FakeListener[] = [];
  const inbox = {
    feedSince: (_p: unknown, after: number, limit: number) => {
      reads.push(after);
      return Promise.resolve(rows.filter((r) => r.seq > after).slice(0, limit));
    },
    canSee: () => true,
    latestSeq: () => Promise.resolve(opts.latest ?? (rows.length ? rows[rows.length - 1].seq : 0)),
  } as unknown as InboxService;
  const metrics = { deskClients: { set: () => undefined } } as unknown as GatewayMetrics;
  const hub = new DeskHub(
    inbox,
    {} as InboxRepository,
    'postgres://unused',
    metrics,
    pino({ level: 'silent' }),
    () => {
      if (opts.failConnect) {
        return Promise.reject(new Error('connection refused'));
      }
      const l = new FakeListener();
      listeners.push(l);
      return Promise.resolve(l as unknown as Client);
    },
  );
  return { hub, reads, listeners };
}

/** A hub with one desk connected and synced while the feed's end was 0; `rows` are committed after that. */
async function hubOver(
  rows: DeskItem[],
): Promise<{ hub: DeskHub; reads: number[]; emitted: number[]; client: DeskClient }> {
  const { hub, reads } = hubOf(rows, { latest: 0 });
  hub.start();
  const emitted: number[] = [];
  const client = deskClient('c1', emitted);
  hub.add(client);
  await hub.ready();
  return { hub, reads, emitted, client };
}

async function settle(hub: DeskHub): Promise<void> {
  for (let i = 0; i < 20 && (hub as unknown as { pumping?: Promise<void> }).pumping; i += 1) {
    await (hub as unknown as { pumping?: Promise<void> }).pumping;
  }
}

describe('DeskHub pass over the feed', () => {
  const hubs: DeskHub[] = [];
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((h) => h.stop()));
  });

  it('reads once when the page is short (no second, empty read per notification)', async () => {
    const rows = feed(3);
    const { hub, reads, emitted } = await hubOver(rows);
    hubs.push(hub);
    hub.pump();
    await settle(hub);
    expect(reads).toEqual([0]);
    expect(emitted).toEqual([1, 2, 3]);
  });

  it('reads on while pages are full, in order', async () => {
    const rows = feed(1200);
    const { hub, reads, emitted } = await hubOver(rows);
    hubs.push(hub);
    hub.pump();
    await settle(hub);
    expect(reads).toEqual([0, 500, 1000]);
    expect(emitted).toEqual(rows.map((r) => r.seq));
  });

  it('a notification during a pass brings the rows committed meanwhile', async () => {
    const rows = feed(2);
    const { hub, emitted } = await hubOver(rows);
    hubs.push(hub);
    hub.pump();
    rows.push({ seq: 3, category: 'ROUTE', classification: 'RESTRICTED' } as DeskItem); // committed after the read
    hub.pump(); // its notification
    await settle(hub);
    expect(emitted).toEqual([1, 2, 3]);
  });
});

describe('DeskHub listens only while desks are connected', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens no connection until a desk connects, and one for several desks', async () => {
    const { hub, listeners } = hubOf(feed(0));
    hub.start();
    expect(listeners).toHaveLength(0);
    expect(hub.listening).toBe(false);
    hub.add(deskClient('c1', []));
    hub.add(deskClient('c2', []));
    await Promise.all([hub.ready(), hub.ready()]);
    expect(listeners).toHaveLength(1);
    expect(hub.listening).toBe(true);
    expect(hub.ready()).toBeUndefined(); // synced: the next desk gets its hello at once
    await hub.stop();
  });

  it('closes IDLE_CLOSE_MS after the last desk left, and a desk coming back syncs to the end of the feed first', async () => {
    const rows = feed(3);
    const { hub, listeners } = hubOf(rows);
    hub.start();
    hub.add(deskClient('c1', []));
    await hub.ready();
    hub.remove('c1');
    await jest.advanceTimersByTimeAsync(IDLE_CLOSE_MS - 1);
    expect(listeners[0].ended).toBe(false); // a desk reloading keeps it
    await jest.advanceTimersByTimeAsync(1);
    expect(listeners[0].ended).toBe(true);
    expect(hub.listening).toBe(false);
    // committed while nobody listened: not pushed to the desk that comes back (its resume replays them), and its
    // hello's latestSeq is the feed's end as of the moment the hub listened again
    rows.push(...feed(5).slice(3));
    const emitted: number[] = [];
    hub.add(deskClient('c2', emitted));
    hub.pump();
    await jest.advanceTimersByTimeAsync(0);
    expect(emitted).toEqual([]); // not synced yet: a pump reads nothing
    await hub.ready();
    expect(listeners).toHaveLength(2);
    expect(hub.latest).toBe(5);
    rows.push({ seq: 6, category: 'ROUTE', classification: 'RESTRICTED' } as DeskItem);
    listeners[1].notify(6);
    await jest.advanceTimersByTimeAsync(0);
    expect(emitted).toEqual([6]);
    await hub.stop();
  });

  it('a desk that comes back within IDLE_CLOSE_MS keeps the connection', async () => {
    const { hub, listeners } = hubOf(feed(0));
    hub.start();
    hub.add(deskClient('c1', []));
    await hub.ready();
    hub.remove('c1');
    await jest.advanceTimersByTimeAsync(IDLE_CLOSE_MS / 2);
    hub.add(deskClient('c2', []));
    await jest.advanceTimersByTimeAsync(IDLE_CLOSE_MS);
    expect(listeners).toHaveLength(1);
    expect(listeners[0].ended).toBe(false);
    await hub.stop();
    expect(listeners[0].ended).toBe(true);
  });

  it('when LISTEN cannot connect, desks still get new rows from the poll', async () => {
    const rows = feed(2);
    const { hub } = hubOf(rows, { failConnect: true });
    hub.start();
    const emitted: number[] = [];
    hub.add(deskClient('c1', emitted));
    await hub.ready();
    expect(hub.listening).toBe(false);
    rows.push({ seq: 3, category: 'ROUTE', classification: 'RESTRICTED' } as DeskItem);
    await jest.advanceTimersByTimeAsync(1000);
    expect(emitted).toEqual([3]);
    await hub.stop();
  });
});

// Live push to desks. The desk feed is committed in PostgreSQL; pg_notify (transactional) tells every gateway
// instance that rows exist, each instance reads them in sequence order and pushes to its own sockets.
import { Client } from 'pg';
import type { Logger } from 'pino';
import { Principal } from '@corridor/identity';
import { InboxRepository } from '../inbox/inbox.repository';
import { GatewayMetrics } from '../health/metrics';
import { InboxService } from '../inbox/inbox.service';
import type { DeskItem } from '@corridor/gateway-api';

export interface DeskClient {
  id: string;
  principal: Principal;
  /** false while a resume is replaying: live items wait in `pending` so order holds */
  live: boolean;
  pending: DeskItem[];
  sent: Set<number>;
  emit(item: DeskItem): void;
}

const SAFETY_POLL_MS = 1000;
/** feed rows read per query */
const FEED_PAGE = 500;

export class DeskHub {
  private readonly clients = new Map<string, DeskClient>();
  private listener?: Client;
  private cursor = 0;
  private pumping?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly inbox: InboxService,
    private readonly inboxRepo: InboxRepository,
    private readonly databaseUrl: string,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.cursor = await this.inbox.latestSeq();
    this.listener = new Client({ connectionString: this.databaseUrl });
    this.listener.on('error', (err) =>
      this.logger.error({ err: err.message }, 'desk listener connection lost'),
    );
    await this.listener.connect();
    this.listener.on('notification', (n) => {
      // Nobody connected to this instance: nothing to read or push. The cursor only moves on; a desk that connects
      // later replays what it missed from the database (resume), so nothing is lost.
      if (this.clients.size === 0 && !this.pumping) {
        this.cursor = Math.max(this.cursor, Number(n.payload) || 0);
        return;
      }
      this.pump();
    });
    await this.inboxRepo.listenToFeed(this.listener);
    // A missed notification (connection blip) is caught by this poll: the feed in the database is the truth.
    this.timer = setInterval(() => this.pump(), SAFETY_POLL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pumping;
    await this.listener?.end().catch(() => undefined);
  }

  add(c: DeskClient): void {
    this.clients.set(c.id, c);
    this.metrics.deskClients.set(this.clients.size);
  }

  remove(id: string): void {
    this.clients.delete(id);
    this.metrics.deskClients.set(this.clients.size);
  }

  get size(): number {
    return this.clients.size;
  }

  get latest(): number {
    return this.cursor;
  }

  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.drain()
      .catch((err: unknown) =>
        this.logger.error({ err: (err as Error).message }, 'desk push failed; the next poll retries'),
      )
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private async drain(): Promise<void> {
    if (this.clients.size === 0) {
      this.cursor = Math.max(this.cursor, await this.inbox.latestSeq());
      return;
    }
    for (;;) {
      const items = await this.inbox.feedSince(
        { sub: 'hub', country: '', roles: ['admin'] },
        this.cursor,
        FEED_PAGE,
      );
      for (const item of items) {
        this.cursor = item.seq;
        for (const c of this.clients.values()) {
          if (this.inbox.canSee(c.principal, item)) {
            this.deliver(c, item);
          }
        }
      }
      // A short page is the end of the feed: a row committed after this read notifies, and the notification,
      // arriving while this pass runs, sets `again` (pump). No second, empty read per notification.
      if (items.length < FEED_PAGE) {
        return;
      }
    }
  }

  deliver(c: DeskClient, item: DeskItem): void {
    if (!c.live) {
      c.pending.push(item);
      return;
    }
    if (c.sent.has(item.seq)) {
      return;
    }
    c.sent.add(item.seq);
    if (c.sent.size > 5000) {
      c.sent.delete(c.sent.values().next().value as number);
    }
    c.emit(item);
  }

  /** Replays what the desk missed after lastSeq, in order, then releases live items held meanwhile. */
  async resume(c: DeskClient, lastSeq: number): Promise<number> {
    c.live = false;
    let replayed = 0;
    try {
      let from = lastSeq;
      for (;;) {
        const items = await this.inbox.feedSince(c.principal, from, 1000);
        if (items.length === 0) {
          break;
        }
        c.live = true;
        for (const item of items) {
          if (!c.sent.has(item.seq)) {
            this.deliver(c, item);
            replayed++;
          }
        }
        c.live = false;
        from = items[items.length - 1].seq;
      }
    } finally {
      c.live = true;
      const held = c.pending.splice(0).sort((a, b) => a.seq - b.seq);
      for (const item of held) {
        this.deliver(c, item);
      }
    }
    return replayed;
  }
}

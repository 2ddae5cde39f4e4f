// Live push to desks. The desk feed is committed in PostgreSQL; pg_notify (transactional) tells every gateway
// instance that rows exist, each instance reads them in sequence order and pushes to its own sockets. An instance
// listens only while desks are connected to it (and IDLE_CLOSE_MS after the last one left): otherwise every alert
// received would wake it and a PostgreSQL backend for a notification nobody reads (an API-only instance, a night
// with no desk open). A desk connecting waits for `ready` before its hello: the cursor is then the feed's end as of
// a moment when the instance was already listening, so what came before reaches the desk by its resume, what comes
// after by a push, and nothing falls between.
import { Client } from 'pg';
import type { Logger } from 'pino';
import { Principal } from '@corridor/identity';
import { InboxRepository } from '../inbox/inbox.repository';
import { ListenerFactory, listenerFactory } from '../database/listener';
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
/** How long the hub keeps listening after the last desk left (a desk reloading keeps it). */
export const IDLE_CLOSE_MS = 30_000;
const RETRY_MS = 1000;

export class DeskHub {
  private readonly clients = new Map<string, DeskClient>();
  private listener?: Client;
  private cursor = 0;
  /** the cursor is where this instance has pushed to (listening, or polling when LISTEN failed) */
  private synced = false;
  private opening?: Promise<void>;
  private pumping?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private idleClose?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private stopped = true;
  private readonly connect: ListenerFactory;

  constructor(
    private readonly inbox: InboxService,
    inboxRepo: InboxRepository,
    databaseUrl: string,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    connect?: ListenerFactory,
  ) {
    this.connect = connect ?? listenerFactory(databaseUrl, (client) => inboxRepo.listenToFeed(client));
  }

  /**
   * Ready to listen on demand; nothing is opened and nothing read until a desk connects (`ready` reads the feed's end
   * before any hello or push uses the cursor).
   */
  start(): void {
    this.stopped = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.idleClose);
    clearTimeout(this.retry);
    await this.opening?.catch(() => undefined);
    await this.close();
  }

  /** Whether committed feed rows are heard now (tests, health). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  add(c: DeskClient): void {
    this.clients.set(c.id, c);
    this.metrics.deskClients.set(this.clients.size);
    clearTimeout(this.idleClose);
    this.idleClose = undefined;
  }

  remove(id: string): void {
    this.clients.delete(id);
    this.metrics.deskClients.set(this.clients.size);
    if (this.clients.size === 0 && !this.stopped) {
      clearTimeout(this.idleClose);
      this.idleClose = setTimeout(() => {
        this.idleClose = undefined;
        if (this.clients.size === 0) {
          void this.close();
        }
      }, IDLE_CLOSE_MS);
    }
  }

  /**
   * Resolves once rows committed from now on reach the connected desks (listening, or polling if LISTEN failed), with
   * `latest` the feed's end as of then. A failure to read the feed's end is logged and retried while desks remain.
   */
  ready(): Promise<void> | undefined {
    if (this.synced || this.stopped) {
      return this.opening; // undefined once synced: a desk joining a listening hub gets its hello at once
    }
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<void> {
    let client: Client | undefined;
    try {
      client = await this.connect();
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message },
        'desk listener could not connect; the feed is polled',
      );
    }
    if (client) {
      client.on('notification', (n) => {
        // Nobody connected to this instance: nothing to read or push. The cursor only moves on; a desk that connects
        // later replays what it missed from the database (resume), so nothing is lost.
        if (this.clients.size === 0 && !this.pumping) {
          this.cursor = Math.max(this.cursor, Number(n.payload) || 0);
          return;
        }
        this.pump();
      });
      client.on('error', (err) =>
        this.logger.error({ err: err.message }, 'desk listener connection lost; the feed is polled'),
      );
      this.listener = client;
    }
    try {
      this.cursor = Math.max(this.cursor, await this.inbox.latestSeq());
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'desk feed position unknown; retrying');
      await this.close();
      this.retry = setTimeout(() => {
        this.retry = undefined;
        if (this.clients.size > 0) {
          void this.ready();
        }
      }, RETRY_MS);
      return;
    }
    if (this.stopped) {
      await this.close();
      return;
    }
    this.synced = true;
    // A missed notification (connection blip) is caught by this poll: the feed in the database is the truth.
    this.timer = setInterval(() => this.pump(), SAFETY_POLL_MS);
  }

  private async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.synced = false;
    const client = this.listener;
    this.listener = undefined;
    await this.pumping;
    await client?.end().catch(() => undefined);
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
    if (!this.synced) {
      return; // not listening: a desk that connects syncs first (ready)
    }
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

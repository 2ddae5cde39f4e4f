// Delivery changes as they commit: one PostgreSQL connection LISTENs on the outbox's channel (a trigger announces the
// alert id of every changed delivery state) and hands the alert ids on, a few milliseconds' worth at a time, so a
// burst of changes to one alert is one push. It listens only while a page follows deliveries on this instance (and
// IDLE_CLOSE_MS after the last one leaves): otherwise every publish, send and receipt would wake this process and a
// PostgreSQL backend for a notification nobody reads (measured: ~0.5 ms of CPU per alert at 50/s across the two). A
// lost connection is opened again while pages follow; they fall back to polling meanwhile.
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { OutboxRepository } from '../exchange/outbox.repository';
import { ListenerFactory, listenerFactory } from '../database/listener';

const GATHER_MS = 20;
const RECONNECT_MS = 1000;
/** How long the connection stays open after the last follower leaves (a page reloading keeps it). */
export const IDLE_CLOSE_MS = 30_000;

interface DeliveriesHubEvents {
  /** alert ids whose deliveries changed (committed) */
  changed: [alertIds: string[]];
}

export class DeliveriesHub extends EventEmitter<DeliveriesHubEvents> {
  private listener?: Client;
  /** the connection being opened, awaited by followers that arrive meanwhile */
  private opening?: Promise<void>;
  private readonly due = new Set<string>();
  private gather?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private idleClose?: NodeJS.Timeout;
  /** sockets on this instance that may follow deliveries */
  private followers = 0;
  private stopped = true;
  private readonly connect: ListenerFactory;

  constructor(
    outbox: OutboxRepository,
    databaseUrl: string,
    private readonly logger: Logger,
    connect?: ListenerFactory,
  ) {
    super();
    this.connect = connect ?? listenerFactory(databaseUrl, (client) => outbox.listenToDeliveries(client));
  }

  /** Whether changes are heard now (the page polls while not). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Ready to listen on demand; nothing is opened until a page follows. */
  start(): void {
    this.stopped = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.gather);
    clearTimeout(this.reconnect);
    clearTimeout(this.idleClose);
    await this.opening;
    await this.close();
  }

  /** A page that may follow deliveries connected: listen from now on (opening the connection if needed). */
  retain(): void {
    this.followers++;
    clearTimeout(this.idleClose);
    this.idleClose = undefined;
    void this.ready();
  }

  /** That page left: after the last one, the connection closes once IDLE_CLOSE_MS have passed without another. */
  release(): void {
    this.followers = Math.max(0, this.followers - 1);
    if (this.followers === 0 && !this.stopped) {
      clearTimeout(this.idleClose);
      this.idleClose = setTimeout(() => {
        this.idleClose = undefined;
        if (this.followers === 0) {
          void this.close();
        }
      }, IDLE_CLOSE_MS);
    }
  }

  /**
   * Resolves once changes committed from now on are heard, or once opening the connection failed (logged; retried
   * while pages follow): a follow joins its room and reads the deliveries after this, so no change falls between.
   */
  async ready(): Promise<void> {
    if (this.listener || this.stopped || this.followers === 0) {
      return this.opening;
    }
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<void> {
    let client: Client;
    try {
      client = await this.connect();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'delivery listener could not connect; retrying');
      this.again();
      return;
    }
    if (this.stopped || this.followers === 0) {
      await client.end().catch(() => undefined);
      return;
    }
    client.on('notification', (n) => {
      if (n.payload) {
        this.due.add(n.payload);
        this.gather ??= setTimeout(() => this.flush(), GATHER_MS);
      }
    });
    client.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'delivery listener connection lost; opening it again');
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    this.listener = client;
  }

  private async close(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }

  private flush(): void {
    this.gather = undefined;
    const ids = [...this.due];
    this.due.clear();
    if (ids.length) {
      this.emit('changed', ids);
    }
  }

  private lost(client: Client): void {
    if (this.listener !== client) {
      return;
    }
    this.listener = undefined;
    void client.end().catch(() => undefined);
    this.again();
  }

  private again(): void {
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      void this.ready();
    }, RECONNECT_MS);
  }
}

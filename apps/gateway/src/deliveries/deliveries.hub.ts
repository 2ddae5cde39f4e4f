// Delivery changes as they commit: one PostgreSQL connection LISTENs on the outbox's channel (a trigger announces the
// alert id of every changed delivery state) and hands the alert ids on, a few milliseconds' worth at a time, so a
// burst of changes to one alert is one push. A lost connection is opened again; pages fall back to polling meanwhile.
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { OutboxRepository } from '../exchange/outbox.repository';

const GATHER_MS = 20;
const RECONNECT_MS = 1000;

interface DeliveriesHubEvents {
  /** alert ids whose deliveries changed (committed) */
  changed: [alertIds: string[]];
}

export class DeliveriesHub extends EventEmitter<DeliveriesHubEvents> {
  private listener?: Client;
  private readonly due = new Set<string>();
  private gather?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Whether changes are heard now (the page polls while not). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const client = new Client({ connectionString: this.databaseUrl });
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
    await client.connect();
    await this.outbox.listenToDeliveries(client);
    this.listener = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.gather);
    clearTimeout(this.reconnect);
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
    if (this.listener !== client || this.stopped) {
      return;
    }
    this.listener = undefined;
    void client.end().catch(() => undefined);
    this.again();
  }

  private again(): void {
    this.reconnect = setTimeout(() => {
      if (this.stopped) {
        return;
      }
      this.start().catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message }, 'delivery listener still down');
        this.again();
      });
    }, RECONNECT_MS);
  }
}

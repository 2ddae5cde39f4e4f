// The floor of one alert's path on this machine, measured whole: what the parts a single alert cannot do without
// cost when nothing of Corridor runs between them. Per alert, at the load's rate: a bare HTTP POST of the alert's JSON
// (node:http, keep-alive, a server in this process that parses it and answers 202), a raw suite 2 seal (ECDSA P-256,
// X-Wing, AES-256-GCM; bench/lib/crypto-ceiling.ts), a durable one-row insert at the sender, a bare kafkajs produce
// (idempotent, acks=all, mutual TLS) and consume with offsets committed as Corridor's consumers commit them
// (bench/lib/kafka-bare.ts), a raw open, and a durable one-row insert at the receiver. Not in it: the receipt back,
// the log leaves, authentication, policy and validation. Used by bench/single-measure.ts for CPU per alert (its
// accounting per process group, above idle) and bench/exchange.ts for latency (POST start -> receiver's commit).
// Both ends live in the bench process, so no process wakes between the HTTP request and the seal, or between the
// consume and the open, as a gateway does: a lower bound for two gateways.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { COMMIT_INTERVAL_MS } from '@corridor/platform';
import type { BrokerInfo } from '../../scripts/lib/kafka-broker';
import { onCleanup } from './cleanup';
import { sealedBytes, sealedFrom, suite2Raw } from './crypto-ceiling';
import { bareKafkaRoundTrips } from './kafka-bare';
import { ADMIN_DATABASE_URL } from './testbed';

const TABLE = 'bench_alert_floor';

/** A superuser URL of `databaseUrl`'s database (the bench's admin URL, that database's name). */
export function adminUrlOf(databaseUrl: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = new URL(databaseUrl).pathname;
  return url.toString();
}

function adminTo(databaseUrl: string): Client {
  return new Client({ connectionString: adminUrlOf(databaseUrl) });
}

/** What a floor run is given: where, how many, how fast, and the alert's JSON as the load POSTs it. */
export interface AlertFloorOptions {
  broker: BrokerInfo;
  senderDatabaseUrl: string;
  receiverDatabaseUrl: string;
  count: number;
  ratePerSecond: number;
  log: (line: string) => void;
  body: Buffer;
}

/**
 * Keep-alive POSTs of a JSON body to 127.0.0.1:`port` (the load's shape): each resolves when the answer has been read,
 * and rejects unless it is 202.
 */
export function keepAlivePoster(port: number): {
  post: (body: Buffer, headers?: Record<string, string>) => Promise<void>;
  close: () => void;
} {
  const agent = new http.Agent({ keepAlive: true });
  const post = (body: Buffer, headers: Record<string, string> = {}): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 202
              ? resolve()
              : reject(new Error(`HTTP ${res.statusCode} from 127.0.0.1:${port}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/** A bare HTTP server in this process that parses a JSON body and answers 202, and a keep-alive POST to it. */
async function bareHttp(): Promise<{ post: (body: Buffer) => Promise<void>; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { title } = JSON.parse(Buffer.concat(chunks).toString()) as { title?: string };
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: typeof title === 'string' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = keepAlivePoster((server.address() as AddressInfo).port);
  const close = async (): Promise<void> => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  };
  return { post: (body) => client.post(body), close };
}

/**
 * Runs `count` alerts' floor at `ratePerSecond`; returns how many reached the receiver's table, and each one's time
 * from the start of its POST to its receiver's commit (ms).
 */
export async function alertFloor({
  broker,
  senderDatabaseUrl,
  receiverDatabaseUrl,
  count,
  ratePerSecond,
  log,
  measured,
  body,
}: AlertFloorOptions & {
  /** called around the measured alerts: after the connections, the topic and the warm-up, before they close */
  measured?: { start: () => void; stop: () => void };
}): Promise<{ received: number; latencies: number[] }> {
  const sender = adminTo(senderDatabaseUrl);
  const receiver = adminTo(receiverDatabaseUrl);
  const api = await bareHttp();
  const release = onCleanup('alert floor connections', async () => {
    await api.close();
    for (const db of [sender, receiver]) {
      await db.query(`drop table if exists ${TABLE}`).catch(() => undefined);
      await db.end().catch(() => undefined);
    }
  });
  try {
    for (const db of [sender, receiver]) {
      await db.connect();
      await db.query(`create table ${TABLE} (id bigserial primary key, body bytea not null)`);
    }
    const raw = suite2Raw(1024);
    const insert = (db: Client, body: Buffer): Promise<unknown> =>
      db.query({ name: 'floor_insert', text: `insert into ${TABLE} (body) values ($1)`, values: [body] });
    const trips = await bareKafkaRoundTrips({
      broker,
      messageBytes: 0,
      count,
      ratePerSecond,
      log,
      measured,
      commitIntervalMs: COMMIT_INTERVAL_MS,
      prepare: async () => {
        await api.post(body);
        const bytes = sealedBytes(raw.seal());
        await insert(sender, bytes);
        return bytes;
      },
      receive: async (value) => {
        raw.open(sealedFrom(value));
        await insert(receiver, value);
      },
    });
    const { rows } = await receiver.query<{ n: string }>(`select count(*) as n from ${TABLE}`);
    if (Number(rows[0].n) < trips.latencies.length) {
      throw new Error(
        `alert floor: ${trips.latencies.length} consumed but ${rows[0].n} rows at the receiver`,
      );
    }
    return { received: trips.latencies.length, latencies: trips.latencies };
  } finally {
    await release();
  }
}

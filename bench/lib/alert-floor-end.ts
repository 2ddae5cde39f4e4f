// One end of bench/lib/alert-floor-processes.ts, in a process of its own as a gateway is, doing only the parts of
// the path no implementation avoids. Started by fork() with the parent's loader (tsx) and a gateway's Node.js flags;
// its orders come over IPC (the broker's TLS passphrase is never in argv or the environment).
// - sender: an HTTP server; per POST it parses the JSON body, seals it raw (suite 2: ECDSA P-256, X-Wing,
//   AES-256-GCM), inserts it durably, answers 202, then produces it (kafkajs, idempotent, acks=all, mutual TLS), in
//   that order, as a gateway accepts an alert before its relay produces it.
// - receiver: a kafkajs consumer (the gateway's fetch wait, offsets committed every COMMIT_INTERVAL_MS); per record a
//   raw open, then one statement that inserts it durably and notifies the bench (pg_notify in the same commit, as the
//   inbox tells the desk), so the bench hears the commit as it hears Corridor's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { loadMlKemAccelerator } from '@corridor/envelope';
import { COMMIT_INTERVAL_MS } from '@corridor/platform';
import type { BrokerInfo } from '../../scripts/lib/kafka-broker';
import { sealedBytes, sealedFrom, suite2Raw, type Suite2RawMaterial } from './crypto-ceiling';
import { nowMs } from './clock';
import { adminKafka } from './kafka-bare';

export interface FloorEndOrder {
  role: 'sender' | 'receiver';
  broker: BrokerInfo;
  /** a superuser URL of this end's database, where `table` exists */
  databaseUrl: string;
  table: string;
  topic: string;
  /** receiver: the channel the bench listens on */
  channel: string;
  /** receiver: its consumer group */
  groupId: string;
  /** the same keys at both ends, so the receiver opens what the sender sealed */
  material: Suite2RawMaterial;
}

/** Moments of one alert at an end (process-wide monotonic clock, ms, the same clock in every process). */
export type FloorStamps = Record<string, number>;

/**
 * What an end tells its parent: ready (with the sender's port), what failed, or (asked with `{ collect: true }`) the
 * moments of each alert it handled, by key.
 */
export type FloorEndReport =
  { ready: true; port?: number } | { error: string } | { stamps: [string, FloorStamps][] };

const stamps = new Map<string, FloorStamps>();
const stamp = (key: string, moment: string): void => {
  const at = nowMs();
  const s = stamps.get(key);
  if (s) {
    s[moment] = at;
  } else {
    stamps.set(key, { [moment]: at });
  }
};

const report = (r: FloorEndReport): void => {
  process.send?.(r);
};

async function sender(order: FloorEndOrder): Promise<number> {
  const db = new Client({ connectionString: order.databaseUrl });
  await db.connect();
  const raw = suite2Raw(1024, order.material);
  const producer = adminKafka(order.broker, 'bench-floor-sender').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const server = http.createServer((req, res) => {
    const key = String(req.headers['x-floor-key'] ?? '');
    stamp(key, 'request');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const handle = async (): Promise<void> => {
        const { title } = JSON.parse(Buffer.concat(chunks).toString()) as { title?: string };
        if (typeof title !== 'string') {
          throw new Error('the floor body has no title');
        }
        const bytes = sealedBytes(raw.seal());
        stamp(key, 'sealed');
        await db.query({
          name: 'floor_insert',
          text: `insert into ${order.table} (body) values ($1)`,
          values: [bytes],
        });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"accepted":true}');
        stamp(key, 'answered');
        setImmediate(() => {
          stamp(key, 'produce');
          producer
            .send({ topic: order.topic, acks: -1, messages: [{ key, value: bytes }] })
            .catch((err: Error) => report({ error: `floor sender: produce failed: ${err.message}` }));
        });
      };
      handle().catch((err: Error) => {
        res.writeHead(500);
        res.end(err.message);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function receiver(order: FloorEndOrder): Promise<void> {
  const db = new Client({ connectionString: order.databaseUrl });
  await db.connect();
  const raw = suite2Raw(1024, order.material);
  const consumer = adminKafka(order.broker, 'bench-floor-receiver').consumer({
    groupId: order.groupId,
    maxWaitTimeInMs: 500,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [order.topic], fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    autoCommitInterval: COMMIT_INTERVAL_MS,
    eachMessage: async ({ message }) => {
      const key = message.key?.toString() ?? '';
      stamp(key, 'consumed');
      const value = message.value ?? Buffer.alloc(0);
      raw.open(sealedFrom(value));
      stamp(key, 'opened');
      await db.query({
        name: 'floor_receive',
        text: `with r as (insert into ${order.table} (body) values ($1) returning id) select pg_notify($2, $3) from r`,
        values: [value, order.channel, key],
      });
      stamp(key, 'committed');
    },
  });
  await joined;
}

process.on('message', (m: FloorEndOrder | { collect: true }) => {
  if ('collect' in m) {
    report({ stamps: [...stamps] });
    return;
  }
  const order = m;
  // The gateway's ML-KEM engine (liboqs in WebAssembly), as bench/run.ts loads it for the ceilings.
  const run = loadMlKemAccelerator().then(() =>
    order.role === 'sender' ? sender(order) : receiver(order).then(() => undefined),
  );
  run.then(
    (port) => report({ ready: true, ...(port === undefined ? {} : { port }) }),
    (err: Error) => {
      report({ error: `floor ${order.role}: ${err.message}` });
      process.exitCode = 1;
    },
  );
});
process.on('disconnect', () => process.exit(0));

// Nothing lost, nothing duplicated, with real processes killed with SIGKILL and the real broker restarted.
// Counts are taken in the receiver's database.
import { Client } from 'pg';
import { ManagedProcess, Network } from '../scripts/lib/network';
import { readBrokerInfo, startBroker, stopBroker } from '../scripts/lib/kafka-broker';
import { eventually, startTestNetwork } from './harness/network';
import { bulletinAlert, routeAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];

async function one<T>(url: string, text: string, args: unknown[] = []): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, args)).rows[0] as T;
  } finally {
    await c.end();
  }
}

describe('no loss, no duplicates under faults', () => {
  let net: Network;
  let marker = 0;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'faults',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'faults',
          directions: [
            { from: 'LY', to: 'IT', categories: ALL, maxClassification: 'RED' },
            { from: 'IT', to: 'LY', categories: ALL, maxClassification: 'RED' },
          ],
        },
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  const baseEnv: Record<string, Record<string, string>> = {};

  /** Replaces a country's gateway process (same database, trust and port) with optional env changes. */
  async function restart(country: string, env: Record<string, string> = {}): Promise<ManagedProcess> {
    const g = net.gateways[country];
    baseEnv[country] ??= { ...g.process.env };
    const p = new ManagedProcess(
      g.process.name,
      g.process.script,
      { ...baseEnv[country], ...env },
      g.process.logFile,
      g.url,
    );
    p.start();
    await p.ready();
    g.process = p;
    return p;
  }

  async function publishMany(
    n: number,
    label: string,
    fn = (i: number) => routeAlert({ recipients: ['IT'], title: `${label} ${i}` }),
  ): Promise<string[]> {
    const token = net.gateways.LY.token({ roles: ['publisher'] });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${net.gateways.LY.url}/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(fn(i)),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    return ids;
  }

  /** Waits until every id is in IT's inbox and checks each is there exactly once. */
  async function expectExactlyOnce(ids: string[], timeoutMs = 60_000): Promise<void> {
    const it = net.gateways.IT.databaseUrl;
    await eventually(
      `${ids.length} alerts in IT inbox`,
      async () => {
        const r = await one<{ n: string }>(
          it,
          "select count(distinct alert_id) as n from inbox where kind = 'ALERT' and alert_id = any($1)",
          [ids],
        );
        return Number(r.n) === ids.length ? true : undefined;
      },
      timeoutMs,
      250,
    );
    const rows = await one<{ n: string }>(
      it,
      "select count(*) as n from inbox where kind = 'ALERT' and alert_id = any($1)",
      [ids],
    );
    expect(Number(rows.n)).toBe(ids.length);
    const feed = await one<{ n: string }>(
      it,
      "select count(*) as n from desk_feed f join inbox i on i.seq = f.inbox_seq where f.event = 'ALERT' and i.alert_id = any($1)",
      [ids],
    );
    expect(Number(feed.n)).toBe(ids.length);
    // The sender learns of every delivery through a signed receipt.
    await eventually(
      'every delivery confirmed at LY',
      async () => {
        const r = await one<{ n: string }>(
          net.gateways.LY.databaseUrl,
          "select count(*) as n from outbox where kind = 'ALERT' and status = 'DELIVERED' and alert_id = any($1)",
          [ids],
        );
        return Number(r.n) === ids.length ? true : undefined;
      },
      timeoutMs,
      250,
    );
  }

  it('kill -9 of the sender after 202 and before produce: each alert arrives once after restart', async () => {
    await net.gateways.LY.process.kill();
    // An instance without the relay worker answers 202 but never produces: the kill lands between the two.
    const apiOnly = await restart('LY', { GATEWAY_WORKERS: 'consumer' });
    const ids = await publishMany(10, `sender-crash-${marker++}`);
    await apiOnly.kill();
    const queued = await one<{ n: string }>(
      net.gateways.LY.databaseUrl,
      "select count(*) as n from outbox where status = 'QUEUED' and alert_id = any($1)",
      [ids],
    );
    expect(Number(queued.n)).toBe(10);
    await restart('LY');
    await expectExactlyOnce(ids);
  });

  it('kill -9 of the sender while its relay is producing: each alert arrives once', async () => {
    const ids = await publishMany(30, `sender-mid-${marker++}`);
    await net.gateways.LY.process.kill();
    await restart('LY');
    await expectExactlyOnce(ids);
  });

  it('kill -9 of the receiver mid-consume: each alert arrives once after restart', async () => {
    const itDb = net.gateways.IT.databaseUrl;
    const before = Number(
      (await one<{ n: string }>(itDb, "select count(*) as n from inbox where kind = 'ALERT'")).n,
    );
    const publishing = publishMany(40, `receiver-crash-${marker++}`);
    await eventually('some alerts consumed at IT', async () => {
      const n = Number(
        (await one<{ n: string }>(itDb, "select count(*) as n from inbox where kind = 'ALERT'")).n,
      );
      return n - before >= 5 ? true : undefined;
    });
    await net.gateways.IT.process.kill();
    const ids = await publishing;
    const atKill = Number(
      (
        await one<{ n: string }>(
          itDb,
          "select count(*) as n from inbox where kind = 'ALERT' and alert_id = any($1)",
          [ids],
        )
      ).n,
    );
    expect(atKill).toBeLessThan(ids.length);
    await restart('IT');
    await expectExactlyOnce(ids);
  });

  it('restart of the broker mid-stream: the API keeps accepting and each alert arrives once', async () => {
    const dir = process.env.CORRIDOR_TEST_BROKER_DIR;
    if (!dir) {
      throw new Error(
        'this test restarts the run broker and needs the harness-started broker (unset KAFKA_BROKERS)',
      );
    }
    const first = await publishMany(15, `broker-a-${marker++}`, (i) =>
      bulletinAlert({ recipients: ['IT'], title: `before restart ${i}` }),
    );
    await stopBroker(dir);
    // While the broker is down the gateway still commits alerts to its outbox and answers 202.
    const during = await publishMany(10, `broker-b-${marker++}`, (i) =>
      bulletinAlert({ recipients: ['IT'], title: `broker down ${i}` }),
    );
    const info = readBrokerInfo(dir)!;
    await startBroker({ dir, clientPort: info.clientPort, controllerPort: info.controllerPort });
    const after = await publishMany(15, `broker-c-${marker++}`, (i) =>
      bulletinAlert({ recipients: ['IT'], title: `after restart ${i}` }),
    );
    await expectExactlyOnce([...first, ...during, ...after], 120_000);
  });
});

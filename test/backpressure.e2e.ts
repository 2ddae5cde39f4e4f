// Backpressure with real processes: when the partner stops answering, LY's outbox fills with rows waiting for
// receipts; past MAX_OUTBOX_BACKLOG the publishing API answers 503 with Retry-After instead of taking more, and
// writes nothing for a refused request. When the partner is back, every alert accepted before arrives once and the
// API takes alerts again.
import type { BatchPublishResult } from '@corridor/gateway-api';
import { ManagedProcess, type Network } from '../scripts/lib/network';
import { sql } from './harness/databases';
import { eventually, startTestNetwork } from './harness/network';
import { bulletinAlert } from './factories/alerts';

const BACKLOG = 40;

describe('backpressure on publishing (real processes)', () => {
  let net: Network;
  let publisher: string;
  const ly = () => net.gateways.LY;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'backpressure',
      countries: ['LY', 'IT'],
      gatewayEnv: { MAX_OUTBOX_BACKLOG: String(BACKLOG) },
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'test',
          directions: [
            { from: 'LY', to: 'IT', categories: ['BULLETIN'], maxClassification: 'AMBER' },
            { from: 'IT', to: 'LY', categories: ['BULLETIN'], maxClassification: 'AMBER' },
          ],
        },
      ],
    });
    publisher = ly().token({ roles: ['publisher'], agency: 'LY-COASTGUARD' });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  const publishBatch = async (label: string, n: number) => {
    const res = await fetch(`${ly().url}/v1/alerts/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${publisher}` },
      body: JSON.stringify(
        Array.from({ length: n }, (_, i) => bulletinAlert({ recipients: ['IT'], title: `${label} ${i}` })),
      ),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as BatchPublishResult & { code?: string; limit?: number },
    };
  };

  it('answers 503 with Retry-After while the partner lags, loses nothing accepted, and takes alerts again once it is back', async () => {
    const itGw = net.gateways.IT;
    const itEnv = { ...itGw.process.env };
    await itGw.process.stop();
    const accepted: string[] = [];
    let refused: Awaited<ReturnType<typeof publishBatch>> | undefined;
    for (let round = 0; round < 40 && !refused; round++) {
      const r = await publishBatch(`lagging ${round}`, 10);
      if (r.status === 202) {
        accepted.push(...r.body.results.flatMap((x) => (x.status === 'ACCEPTED' ? [x.id] : [])));
      } else {
        refused = r;
      }
      await new Promise((res) => setTimeout(res, 300));
    }
    expect(refused).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: { code: 'PARTNERS_LAGGING', status: 503 },
    });
    // The single-alert route says the same, with the limit (it is authenticated by then).
    const single = await fetch(`${ly().url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${publisher}` },
      body: JSON.stringify(bulletinAlert({ recipients: ['IT'], title: 'lagging single' })),
    });
    expect(single.status).toBe(503);
    expect(single.headers.get('retry-after')).toBe('5');
    expect(await single.json()).toMatchObject({ code: 'PARTNERS_LAGGING', limit: BACKLOG });
    // Refused before anything was written: only the accepted alerts exist.
    const [{ n }] = await sql<{ n: string }>(
      ly().databaseUrl,
      "select count(*) as n from alerts where title like 'lagging %'",
    );
    expect(Number(n)).toBe(accepted.length);
    expect(accepted.length).toBeGreaterThanOrEqual(BACKLOG);

    const back = new ManagedProcess(
      itGw.process.name,
      itGw.process.script,
      itEnv,
      itGw.process.logFile,
      itGw.url,
    );
    back.start();
    await back.ready();
    itGw.process = back;

    await eventually(
      'every accepted alert DELIVERED at LY',
      async () => {
        const rows = await sql<{ status: string }>(
          ly().databaseUrl,
          "select status from outbox where alert_id = any($1) and kind = 'ALERT'",
          [accepted],
        );
        return rows.length === accepted.length && rows.every((r) => r.status === 'DELIVERED')
          ? true
          : undefined;
      },
      90_000,
    );
    const [{ received }] = await sql<{ received: string }>(
      itGw.databaseUrl,
      'select count(*) as received from inbox where alert_id = any($1)',
      [accepted],
    );
    expect(Number(received)).toBe(accepted.length);
    const again = await eventually(
      'publishing accepted again',
      async () => {
        const r = await publishBatch('after', 1);
        return r.status === 202 ? r : undefined;
      },
      30_000,
      500,
    );
    expect(again.body.accepted).toBe(1);
  });
});

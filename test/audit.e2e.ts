// The verifiable exchange log with real processes: heads reach the secretariat, the service cannot rewrite
// its log, tampering by a superuser is named, an exchange that never arrived becomes a finding, and the
// secretariat resumes from its stored heads after a restart.
import { verifyExport, AuditExport } from '@corridor/audit-log';
import { ManagedProcess, Network } from '../scripts/lib/network';
import { ADMIN_DATABASE_URL } from './harness/constants';
import { eventually, publishAlert, startTestNetwork } from './harness/network';
import { withDb } from './harness/databases';
import { bulletinAlert, routeAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];

/** The same database as the superuser of the cluster (the harness admin role). */
function asSuperuser(url: string): string {
  const u = new URL(url);
  const admin = new URL(ADMIN_DATABASE_URL);
  u.username = admin.username;
  u.password = admin.password;
  return u.toString();
}

interface Finding {
  id: number;
  kind: string;
  gateway: string;
  peer: string | null;
  messageId: string | null;
  state: string;
  detail: string;
}

describe('verifiable exchange log and the secretariat audit (real processes)', () => {
  let net: Network;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'audit',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'audit',
          directions: [
            { from: 'LY', to: 'IT', categories: ALL, maxClassification: 'RED' },
            { from: 'IT', to: 'LY', categories: ALL, maxClassification: 'RED' },
          ],
        },
      ],
      gatewayEnv: { TREE_HEAD_INTERVAL_MS: '500' },
      secretariatEnv: { RECONCILE_BOUND_MS: '4000', RECONCILE_INTERVAL_MS: '500' },
    });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  const publish = (body: Record<string, unknown>): Promise<string> =>
    publishAlert(net, 'LY', { recipients: ['IT'], ...body });

  const findings = (state = 'OPEN') =>
    net.secretariatCall<Finding[]>('GET', `/v1/audit/findings?state=${state}`);
  const heads = () => net.secretariatCall<{ gateway: string; treeSize: string }[]>('GET', '/v1/audit/heads');

  async function sizeAt(country: string): Promise<number> {
    return withDb(net.gateways[country].databaseUrl, async (c) =>
      Number((await c.query('select count(*) as n from audit_leaves')).rows[0].n),
    );
  }

  /** Waits until the secretariat holds a verified head covering everything the gateway has logged so far. */
  async function caughtUp(country: string): Promise<void> {
    const size = await sizeAt(country);
    await eventually(`secretariat head of ${country} at ${size}`, async () => {
      const h = (await heads()).find((x) => x.gateway === country);
      return h && Number(h.treeSize) >= size ? true : undefined;
    });
  }

  it('receives verified heads from both gateways and finds nothing wrong in a clean exchange', async () => {
    for (let i = 0; i < 3; i++) {
      await publish(routeAlert({ title: `clean ${i}` }));
    }
    await eventually('deliveries confirmed', async () =>
      withDb(net.gateways.LY.databaseUrl, async (c) => {
        const r = await c.query(
          "select count(*) as n from outbox where kind = 'ALERT' and status = 'DELIVERED'",
        );
        return Number(r.rows[0].n) === 3 ? true : undefined;
      }),
    );
    await caughtUp('LY');
    await caughtUp('IT');
    await new Promise((r) => setTimeout(r, 5000)); // past the reconciliation bound
    await net.secretariatCall('POST', '/v1/audit/reconcile');
    expect(await findings()).toEqual([]);
    // Every matched exchange is settled: later passes no longer read it.
    const rows = await withDb(net.secretariatDatabaseUrl, async (c) =>
      (
        await c.query<{ event: string; settled: boolean; n: string }>(
          `select event, settled, count(*) as n from audit_events
           where event in ('SENT', 'RECEIVED', 'RECEIPT') group by event, settled order by event, settled`,
        )
      ).rows.map((r) => [r.event, r.settled, Number(r.n)]),
    );
    expect(rows.filter(([, settled]) => settled === false)).toEqual([]);
    expect(rows.map(([event]) => event)).toEqual(['RECEIPT', 'RECEIVED', 'SENT']);
    // A settled row is never read again: rows marked settled without any counterpart raise no finding, where
    // the same rows unsettled would raise UNMATCHED_SENT, MISSING_RECEIPT and UNMATCHED_RECEIVED.
    const orphans = async (settled: boolean): Promise<void> =>
      withDb(net.secretariatDatabaseUrl, async (c) => {
        await c.query(
          `insert into audit_events (gateway, idx, event, peer, message_id, category, reason_code, at_ms, leaf_hash, settled)
           values ('LY', 1000000000, 'SENT', 'IT', 'orphan-sent', 'ROUTE', 'ALERT', 1, '\\x00', $1),
                  ('IT', 1000000000, 'RECEIVED', 'LY', 'orphan-received', 'ROUTE', null, 1, '\\x00', $1)`,
          [settled],
        );
      });
    const dropOrphans = (): Promise<void> =>
      withDb(net.secretariatDatabaseUrl, async (c) => {
        await c.query("delete from audit_events where message_id in ('orphan-sent', 'orphan-received')");
        await c.query("delete from findings where message_id in ('orphan-sent', 'orphan-received')");
      });
    try {
      await orphans(true);
      await net.secretariatCall('POST', '/v1/audit/reconcile');
      expect(await findings()).toEqual([]);
      await dropOrphans();
      await orphans(false);
      await net.secretariatCall('POST', '/v1/audit/reconcile');
      expect((await findings()).map((f) => f.kind).sort()).toEqual([
        'MISSING_RECEIPT',
        'UNMATCHED_RECEIVED',
        'UNMATCHED_SENT',
      ]);
    } finally {
      await dropOrphans(); // the mirror must hold only what the gateways signed (a later test restarts it)
    }
    const stats = await net.secretariatCall<
      { from: string; to: string; category: string; exchanges: number }[]
    >('GET', '/v1/audit/statistics');
    expect(stats).toContainEqual(
      expect.objectContaining({ from: 'LY', to: 'IT', category: 'ROUTE', exchanges: 3 }),
    );
  });

  it('refuses UPDATE and DELETE of the log to the service role, and to a superuser through the trigger', async () => {
    const appRole = net.gateways.IT.process.env.DATABASE_APP_ROLE;
    const asApp = new URL(net.gateways.IT.databaseUrl);
    asApp.username = appRole;
    await withDb(asApp.toString(), async (c) => {
      await expect(c.query("update audit_leaves set event = 'X' where idx = 0")).rejects.toThrow(
        /permission denied/,
      );
      await expect(c.query('delete from audit_leaves where idx = 0')).rejects.toThrow(/permission denied/);
      await expect(c.query('select count(*) from audit_leaves')).resolves.toBeDefined();
    });
    await withDb(asSuperuser(net.gateways.IT.databaseUrl), async (c) => {
      await expect(c.query("update audit_leaves set event = 'X' where idx = 0")).rejects.toThrow(
        /append-only/,
      );
      await expect(c.query('delete from audit_leaves where idx = 0')).rejects.toThrow(/append-only/);
    });
  });

  it('reports a SENT that never arrived, and closes the finding when it does', async () => {
    await net.gateways.IT.process.kill();
    const id = await publish(bulletinAlert({ title: 'while IT is down' }));
    const sentMessage = await eventually('SENT at LY', async () =>
      withDb(net.gateways.LY.databaseUrl, async (c) => {
        const r = await c.query(
          "select message_id from outbox where alert_id = $1 and status in ('SENT', 'UNCONFIRMED')",
          [id],
        );
        return r.rows[0]?.message_id as string | undefined;
      }),
    );
    // One reconcile pass records both findings, one after the other: wait for both.
    const open = await eventually(
      'UNMATCHED_SENT and MISSING_RECEIPT findings',
      async () => {
        const f = await findings();
        return f.some((x) => x.kind === 'UNMATCHED_SENT' && x.messageId === sentMessage) &&
          f.some((x) => x.kind === 'MISSING_RECEIPT' && x.messageId === sentMessage)
          ? f
          : undefined;
      },
      30_000,
      500,
    );
    expect(open.find((x) => x.kind === 'UNMATCHED_SENT' && x.messageId === sentMessage)).toMatchObject({
      gateway: 'LY',
      peer: 'IT',
    });
    expect(open.some((x) => x.kind === 'MISSING_RECEIPT' && x.messageId === sentMessage)).toBe(true);
    const settledAtLy = (): Promise<boolean[]> =>
      withDb(net.secretariatDatabaseUrl, async (c) =>
        (
          await c.query<{ settled: boolean }>(
            `select settled from audit_events where gateway = 'LY' and event = 'SENT' and message_id = $1`,
            [sentMessage],
          )
        ).rows.map((r) => r.settled),
      );
    expect(await settledAtLy()).toEqual([false]);
    const g = net.gateways.IT;
    g.process = new ManagedProcess(g.process.name, g.process.script, g.process.env, g.process.logFile, g.url);
    g.process.start();
    await g.process.ready();
    await eventually(
      'findings closed after delivery',
      async () => {
        const f = await findings();
        return f.some((x) => x.messageId === sentMessage) ? undefined : true;
      },
      60_000,
      500,
    );
    expect(await settledAtLy()).toEqual([true]);
  });

  it('resumes from its stored heads after a restart of the secretariat', async () => {
    const before = await heads();
    await net.secretariat.stop();
    const s = net.secretariat;
    net.secretariat = new ManagedProcess(s.name, s.script, s.env, s.logFile, s.url);
    net.secretariat.start();
    await net.secretariat.ready();
    expect((await heads()).map((h) => h.gateway).sort()).toEqual(before.map((h) => h.gateway).sort());
    await publish(routeAlert({ title: 'after secretariat restart' }));
    const lySize = await sizeAt('LY');
    await eventually('a newer LY head accepted', async () => {
      const h = (await heads()).find((x) => x.gateway === 'LY');
      return h && Number(h.treeSize) >= lySize ? true : undefined;
    });
    const forks = (await findings()).filter((f) =>
      ['ROLLBACK', 'FORK', 'BAD_HEAD_SIGNATURE'].includes(f.kind),
    );
    expect(forks).toEqual([]);
  });
  it('names a leaf a superuser altered in the database: offline export verification and the secretariat re-audit', async () => {
    await caughtUp('IT');
    const index = 2;
    await withDb(asSuperuser(net.gateways.IT.databaseUrl), async (c) => {
      await c.query('begin');
      await c.query("set local session_replication_role = 'replica'"); // bypasses the trigger: what an attacker with superuser can do
      await c.query('update audit_leaves set leaf = leaf || $2::bytea where idx = $1', [
        index,
        Buffer.from([0x58]),
      ]);
      await c.query('commit');
    });
    const auditor = net.gateways.IT.token({ roles: ['auditor'] });
    const res = await fetch(`${net.gateways.IT.url}/v1/audit/export`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    const exported = (await res.json()) as AuditExport;
    const verdict = verifyExport({ export: exported });
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.firstBadIndex).toBe(index);
    const re = await net.secretariatCall<{ ok: boolean; firstBadIndex?: number }>(
      'POST',
      '/v1/audit/gateways/IT/reaudit',
    );
    expect(re).toMatchObject({ ok: false, firstBadIndex: index });
    expect((await findings()).some((f) => f.kind === 'LOG_MISMATCH' && f.gateway === 'IT')).toBe(true);
  });

  it('names a leaf a superuser deleted', async () => {
    await caughtUp('LY');
    await withDb(asSuperuser(net.gateways.LY.databaseUrl), async (c) => {
      await c.query('begin');
      await c.query("set local session_replication_role = 'replica'");
      await c.query('delete from audit_leaves where idx = 1');
      await c.query('commit');
    });
    const re = await net.secretariatCall<{ ok: boolean; firstBadIndex?: number; detail: string }>(
      'POST',
      '/v1/audit/gateways/LY/reaudit',
    );
    expect(re).toMatchObject({ ok: false, firstBadIndex: 1 });
    expect(re.detail).toMatch(/missing/);
  });
});

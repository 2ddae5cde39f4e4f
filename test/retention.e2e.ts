// Received personal data expires with the agreement's retention: the content leaves the partner's database,
// the exchange log records the purge, alerts without personal data stay.
import { exchangeTopic } from '@corridor/contracts';
import { Network } from '../scripts/lib/network';
import { eventually, startTestNetwork } from './harness/network';
import { withDb } from './harness/databases';
import { bulletinAlert, suspectAlert } from './factories/alerts';

describe('retention of received personal data (real processes)', () => {
  let net: Network;

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'retention',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'retention',
          directions: [
            // 0 days: personal data may be received for action but not kept.
            {
              from: 'LY',
              to: 'IT',
              categories: ['SUSPECT', 'BULLETIN'],
              maxClassification: 'AMBER',
              retentionDays: 0,
            },
            { from: 'IT', to: 'LY', categories: ['BULLETIN'], maxClassification: 'AMBER', retentionDays: 0 },
          ],
        },
      ],
      gatewayEnv: { RETENTION_SWEEP_MS: '500' },
    });
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
  });

  it('purges a suspect record when its retention ends and keeps the bulletin', async () => {
    const token = net.gateways.LY.token({ roles: ['publisher'] });
    const post = async (body: unknown): Promise<string> => {
      const res = await fetch(`${net.gateways.LY.url}/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const suspect = await post(suspectAlert({ recipients: ['IT'] }));
    const bulletin = await post(bulletinAlert({ recipients: ['IT'] }));
    await withDb(net.gateways.IT.databaseUrl, async (db) => {
      const row = await eventually('suspect purged at IT', async () => {
        const r = await db.query<{ state: string; body: Buffer | null; title: string | null }>(
          'select state, body, title from inbox where alert_id = $1',
          [suspect],
        );
        return r.rows[0]?.state === 'PURGED' ? r.rows[0] : undefined;
      });
      expect(row.body).toBeNull();
      expect(row.title).toBeNull();
      const kept = await db.query<{ state: string; body: Buffer | null }>(
        'select state, body from inbox where alert_id = $1',
        [bulletin],
      );
      expect(kept.rows[0]).toMatchObject({ state: 'ACTIVE' });
      expect(kept.rows[0].body).not.toBeNull();
      const leaves = await db.query("select count(*) as n from audit_leaves where event = 'PURGED'");
      expect(Number(leaves.rows[0].n)).toBe(1);
    });
  });

  it('removes quarantined envelope bytes after QUARANTINE_RETENTION_DAYS (30), keeping hash, reason and metadata', async () => {
    await withDb(net.gateways.IT.databaseUrl, async (db) => {
      const insert = (age: string, offset: string) =>
        db.query<{ id: string }>(
          `insert into quarantine (received_at, topic, partition, "offset", claimed_sender, message_id, reason_code, envelope, envelope_sha256)
         values (now() - $1::interval, $3, 0, $2, 'LY', null, 'BAD_SIGNATURE', '\\x0102', '\\xaa') returning id`,
          [age, offset, exchangeTopic('LY', 'IT', net.opts.topicPrefix)],
        );
      const old = (await insert('31 days', '900001')).rows[0].id;
      const recent = (await insert('29 days', '900002')).rows[0].id;
      await eventually('old quarantined bytes removed', async () => {
        const r = await db.query('select envelope from quarantine where id = $1', [old]);
        return r.rows[0].envelope === null ? true : undefined;
      });
      const rows = await db.query<{ id: string; envelope: Buffer | null; sha: string; reason_code: string }>(
        `select id, envelope, encode(envelope_sha256, 'hex') as sha, reason_code from quarantine where id = any($1::bigint[]) order by id`,
        [[old, recent]],
      );
      expect(rows.rows.map((r) => [r.envelope?.toString('hex') ?? null, r.sha, r.reason_code])).toEqual([
        [null, 'aa', 'BAD_SIGNATURE'],
        ['0102', 'aa', 'BAD_SIGNATURE'],
      ]);
    });
  });

  it('forgets message-id dedupe rows past the replay window (7 days + skew + margin) and keeps the recent ones', async () => {
    await withDb(net.gateways.IT.databaseUrl, async (db) => {
      const old = '00000000-0000-7000-8000-000000000001';
      const recent = '00000000-0000-7000-8000-000000000002';
      await db.query(
        `insert into seen_messages (sender, message_id, kind, at) values
         ('LY', $1, 'ALERT', now() - interval '8 days'), ('LY', $2, 'ALERT', now() - interval '6 days')`,
        [old, recent],
      );
      await eventually('old dedupe row forgotten', async () => {
        const r = await db.query('select 1 from seen_messages where message_id = $1', [old]);
        return r.rowCount === 0 ? true : undefined;
      });
      const kept = await db.query('select 1 from seen_messages where message_id = $1', [recent]);
      expect(kept.rowCount).toBe(1);
      // The alerts received in the test above are recent: their dedupe rows stay.
      const received = await db.query(
        "select count(*) as n from seen_messages where sender = 'LY' and kind = 'ALERT'",
      );
      expect(Number(received.rows[0].n)).toBeGreaterThanOrEqual(3);
    });
  });
});

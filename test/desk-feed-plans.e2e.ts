// The desk's reads of the inbox on a young database (real PostgreSQL): a network's first minutes, when the tables grow
// faster than autovacuum analyzes them. The plans must not read the whole inbox or the whole feed for a page.
import type { DataSource } from 'typeorm';
import { openGatewayDatabase } from '../apps/gateway/src/database/data-source';
import type { Db } from '../apps/gateway/src/exchange/exchange.repository';
import { InboxRepository, type FeedRow, type InboxScope } from '../apps/gateway/src/inbox/inbox.repository';
import { createTestDatabase } from './harness/databases';

const ROWS = 5000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('desk reads on a young gateway database (real PostgreSQL)', () => {
  let db: DataSource;
  const repo = new InboxRepository();
  /** The statement a repository method sends, explained instead of run. */
  const explaining = (): { db: Db; plan: () => Promise<PlanNode> } => {
    let sent: { text: string; args: unknown[] } | undefined;
    return {
      db: {
        query: (text: string, args: unknown[]) => {
          sent = { text, args };
          return Promise.resolve([]);
        },
      } as unknown as Db,
      plan: async () => {
        const rows = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(
          `explain (format json) ${sent!.text}`,
          sent!.args,
        );
        return rows[0]['QUERY PLAN'][0].Plan;
      },
    };
  };

  beforeAll(async () => {
    db = await openGatewayDatabase(await createTestDatabase('desk_feed_plans'));
    // never analyzed, as in a network's first minute (autovacuum off so it stays so during the test)
    await db.query('alter table inbox set (autovacuum_enabled = false)');
    await db.query('alter table desk_feed set (autovacuum_enabled = false)');
    await db.query(
      `insert into inbox (message_id, sender, alert_id, kind, category, classification, priority, title, body,
                          redacted_fields, envelope_sha256, state, version)
       select gen_random_uuid(), 'LY', gen_random_uuid(), 'ALERT', case when g % 2 = 0 then 'ROUTE' else 'SUSPECT' end,
              'AMBER', 'HIGH', 'alert ' || g, decode(repeat('ab', 900), 'hex'), '{}', decode(repeat('cd', 32), 'hex'),
              'NEW', 1
       from generate_series(1, $1::int) g`,
      [ROWS],
    );
    await db.query(`insert into desk_feed (inbox_seq, event) select seq, 'ALERT' from inbox order by seq`);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
  });

  it('pushes the feed after a cursor by the keys of the feed and the inbox, whatever the statistics', async () => {
    const scopes: InboxScope[] = ['ALL', { categories: ['ROUTE'], classifications: ['AMBER'] }];
    for (const scope of scopes) {
      const e = explaining();
      await repo.feedSince(e.db, scope, ROWS - 10, 1000);
      const plan = nodes(await e.plan());
      expect(plan.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
      expect(plan.map((n) => n['Node Type'])).not.toContain('Hash Join');
      expect(plan.map((n) => n['Index Name'])).toEqual(
        expect.arrayContaining(['desk_feed_pkey', 'inbox_pkey']),
      );
    }
  });

  it('returns the feed after the cursor, oldest first, within the scope', async () => {
    const all = await repo.feedSince(db, 'ALL', ROWS - 10, 1000);
    expect(all.map((r) => Number(r.feed_seq))).toEqual(Array.from({ length: 10 }, (_, k) => ROWS - 9 + k));
    const routes = await repo.feedSince(
      db,
      { categories: ['ROUTE'], classifications: ['AMBER'] },
      ROWS - 10,
      3,
    );
    expect(routes.map((r: FeedRow) => [Number(r.feed_seq), r.category])).toEqual([
      [ROWS - 8, 'ROUTE'],
      [ROWS - 6, 'ROUTE'],
      [ROWS - 4, 'ROUTE'],
    ]);
  });

  it('lists the inbox with the newest feed entry of each row without reading the whole feed per row', async () => {
    const e = explaining();
    await repo.list(e.db, 'ALL', { limit: 50 });
    const plan = nodes(await e.plan());
    // the newest feed entry of a row by the feed's inbox index, not by walking the feed (scan or backward key walk)
    const onFeed = plan.filter((n) => n['Relation Name'] === 'desk_feed');
    expect(onFeed.map((n) => n['Index Name'])).toEqual(onFeed.map(() => 'desk_feed_inbox'));
    expect(onFeed.length).toBeGreaterThan(0);
    const listed = await repo.list(db, 'ALL', { limit: 3 });
    expect(listed.map((r) => [Number(r.seq), Number(r.feed_seq)])).toEqual([
      [ROWS, ROWS],
      [ROWS - 1, ROWS - 1],
      [ROWS - 2, ROWS - 2],
    ]);
  });
});

/**
 * Document registers, part of npm run bench -- bulk (issue #19):
 * - 100,000 document records LY -> IT through the API (requests of 10,000, two at a time; chunks of 500, one envelope
 *   each): time from the first request to the last record searchable at IT (all rows committed in IT's
 *   register_records, then one REST check of the last number answers HIT). Goal <= 60 s.
 * - Hit/no-hit p99 through the REST API (POST /v1/documents/check, each check a log leaf) against a register of
 *   1,000,000 records: IT's register_records is SEEDED DIRECTLY in SQL (generate_series) up to 1,000,000 rows, plus
 *   the 100,000 that came through the exchange; checks are half hits, half misses, a tenth inside series. Goal <= 5 ms,
 *   judged against the register at rest: the checks run once right after the seed (shown: backends then write the
 *   seed's dirty pages out), then after a CHECKPOINT, as for a register loaded earlier.
 *   Baselines in the same run: the same look-up as bare SQL from this process, a bare `select 1` round trip, and the
 *   same route answered 422 before any look-up (HTTP, authentication and validation only), and one durable commit
 *   (the WAL flush every check's leaf waits for). The same checks again CONCURRENCY at a time, with how many leaves
 *   each transaction carried (group commit of check leaves).
 */
import http from 'node:http';
import { Client } from 'pg';
import { nowMs, sleep } from './lib/clock';
import { loopbackRoundTrips, type BareCheckStep } from './lib/loopback-hops';
import { setProfiling } from './lib/profiling';
import { fixed, printTable, summarize, verdict } from './lib/stats';
import { ADMIN_DATABASE_URL, type BenchRun } from './lib/testbed';

/** Buffers written out by backends themselves (to free one), since the statistics were reset. */
async function buffersWrittenByBackends(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select buffers_backend as n from pg_stat_bgwriter');
  return Number(rows[0].n);
}

/** Writes every dirty buffer out (CHECKPOINT needs a superuser: the bench's admin connection). */
async function checkpoint(): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query('checkpoint');
  } finally {
    await admin.end();
  }
}

const RECORDS = 100_000;
const PER_REQUEST = 10_000;
const PARALLEL = 2;
const REGISTER_SIZE = 1_000_000;
const CHECKS = 3000;
/**
 * A check as bare SQL, for the baselines (in this process, and in the floor's Node process): the register look-up of
 * the number, then one leaf appended and committed durably (corridor_append_leaves, as the gateway calls it).
 */
const BARE_CHECK: BareCheckStep[] = [
  {
    text: 'select record_id from register_records where number = $1 and series_end is null limit 100',
    number: true,
  },
  {
    text: `select corridor_append_leaves(array[decode(repeat('01', 120), 'hex')], array[decode(repeat('02', 32), 'hex')],
                                         array['PERSONAL_DATA_VIEWED'], array[null::text])`,
  },
];
const CONCURRENCY = 16;
const GOAL_SHARE_S = 60;
const GOAL_P99_MS = 5;

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function request(
  method: string,
  url: string,
  token: string,
  body?: string,
): Promise<{ status: number; text: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-length': payload.length } : {}),
        },
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () =>
          resolve({
            status: r.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            retryAfter: r.headers['retry-after'],
          }),
        );
        r.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const STATUSES = ['COUNTERFEIT', 'FORGED', 'STOLEN_BLANK', 'LOST', 'FRAUDULENTLY_OBTAINED'];

/** Record i of the shared register: numbers R00000000.., every 1,000th a series of 100 numbers under prefix S. */
function record(i: number): Record<string, unknown> {
  const base = { id: `r${i}`, documentType: 'PASSPORT', issuingState: 'LBY', status: STATUSES[i % 5] };
  if (i % 1000 === 999) {
    const start = i * 100;
    return {
      ...base,
      number: `S${String(start).padStart(8, '0')}`,
      seriesLast: `S${String(start + 99).padStart(8, '0')}`,
    };
  }
  return { ...base, number: `R${String(i).padStart(8, '0')}` };
}

export interface RegisterFigures {
  shareSeconds: number;
  checkP50: number;
  checkP99: number;
}

export async function measureRegisters({ bed, log }: BenchRun): Promise<RegisterFigures> {
  const ly = bed.net.gateways.LY;
  const it = bed.net.gateways.IT;
  const publisher = ly.token({ sub: 'agency.bench', roles: ['publisher'], agency: 'LY-PASSPORTS' });
  const officer = it.token({
    sub: 'officer.bench',
    roles: ['officer'],
    categories: ['DOCUMENT'],
    clearance: 'RED',
  });
  const itDb = new Client({ connectionString: it.databaseUrl });
  await itDb.connect();
  try {
    const created = await request(
      'POST',
      `${ly.url}/v1/registers`,
      publisher,
      JSON.stringify({ name: 'bench register', classification: 'AMBER' }),
    );
    if (created.status !== 201) {
      throw new Error(`POST /v1/registers: ${created.status} ${created.text.slice(0, 200)}`);
    }
    const registerId = (JSON.parse(created.text) as { id: string }).id;
    log(`registers: ${RECORDS} records LY -> IT in requests of ${PER_REQUEST}, ${PARALLEL} at a time …`);
    const first = nowMs();
    let next = 0;
    const failures: string[] = [];
    const postMs: number[] = [];
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < RECORDS) {
          const from = next;
          next += PER_REQUEST;
          const body = JSON.stringify(
            Array.from({ length: Math.min(PER_REQUEST, RECORDS - from) }, (_, k) => record(from + k)),
          );
          for (;;) {
            const t = nowMs();
            const r = await request('POST', `${ly.url}/v1/registers/${registerId}/records`, publisher, body);
            if (r.status === 429 || r.status === 503) {
              await sleep((Number(r.retryAfter) || 1) * 1000);
              continue;
            }
            if (r.status !== 202) {
              failures.push(`${r.status} ${r.text.slice(0, 200)}`);
            }
            postMs.push(nowMs() - t);
            break;
          }
        }
      }),
    );
    const postedS = (nowMs() - first) / 1000;
    log(`  posted in ${fixed(postedS, 1)} s; waiting for IT …`);
    const deadline = first + 300_000;
    let held = 0;
    while (nowMs() < deadline) {
      const { rows } = await itDb.query<{ n: string }>(
        'select count(*) as n from register_records where register_id = $1',
        [registerId],
      );
      held = Number(rows[0].n);
      if (held >= RECORDS) {
        break;
      }
      await sleep(100);
    }
    const last = record(RECORDS - 2);
    const lastCheck = await request(
      'POST',
      `${it.url}/v1/documents/check`,
      officer,
      JSON.stringify({ number: last.number }),
    );
    const shareSeconds = (nowMs() - first) / 1000;
    const searchable = lastCheck.status === 200 && (JSON.parse(lastCheck.text) as { hit: boolean }).hit;
    log(`  ${held} records at IT after ${fixed(shareSeconds, 1)} s; last searchable: ${searchable}`);

    log(`registers: seeding IT's register_records directly (SQL) up to ${REGISTER_SIZE} rows …`);
    const seedStart = nowMs();
    const seeded = REGISTER_SIZE - held;
    await itDb.query(
      `insert into register_records (source, register_id, record_id, register_name, classification, document_type,
                                     issuing_state, number, series_last, series_prefix, series_width, series_start,
                                     series_end, status, updated_at)
       select 'LY', '00000000-0000-7000-8000-000000000001', 'seed' || g, 'seeded', 'AMBER', 'PASSPORT', 'LBY',
              case when g % 1000 = 0 then 'T' || lpad((g * 100)::text, 9, '0') else 'Q' || lpad(g::text, 9, '0') end,
              case when g % 1000 = 0 then 'T' || lpad((g * 100 + 99)::text, 9, '0') end,
              case when g % 1000 = 0 then 'T' end,
              case when g % 1000 = 0 then 9 end,
              case when g % 1000 = 0 then g * 100 end,
              case when g % 1000 = 0 then g * 100 + 99 end,
              'LOST', now()
       from generate_series(1, $1::int) g`,
      [seeded],
    );
    await itDb.query('analyze register_records');
    const { rows: total } = await itDb.query<{ n: string }>('select count(*) as n from register_records');
    log(`  ${total[0].n} rows in ${fixed((nowMs() - seedStart) / 1000, 1)} s`);

    const numbers = Array.from({ length: CHECKS }, (_, k) => {
      const g = 1 + ((k * 7919) % seeded);
      switch (k % 10) {
        case 0:
          return `T${String(Math.floor(g / 1000) * 100_000 + 42 + 100_000).padStart(9, '0')}`; // inside a series
        case 1:
        case 2:
        case 3:
          return `Q${String(g).padStart(9, '0')}`; // hit
        case 4:
          return String(record(k % RECORDS).number); // hit, through the exchange
        default:
          return `N${String(g).padStart(9, '0')}`; // miss
      }
    });
    /** The checks one at a time through REST: their latencies, hits, and the buffers backends wrote meanwhile. */
    const checksOneAtATime = async (): Promise<{ lat: number[]; hits: number; backendWrites: number }> => {
      const before = await buffersWrittenByBackends(itDb);
      const out: number[] = [];
      let found = 0;
      for (const number of numbers) {
        const t = nowMs();
        const r = await request('POST', `${it.url}/v1/documents/check`, officer, JSON.stringify({ number }));
        out.push(nowMs() - t);
        if (r.status !== 200) {
          failures.push(`check ${r.status} ${r.text.slice(0, 200)}`);
        } else if ((JSON.parse(r.text) as { hit: boolean }).hit) {
          found += 1;
        }
      }
      return { lat: out, hits: found, backendWrites: (await buffersWrittenByBackends(itDb)) - before };
    };
    // Right after the seed, its million new rows are dirty pages in shared buffers, and a backend that needs a buffer
    // writes one out first: the checks then pay for the seed's write-back, which a register loaded earlier (the
    // goal's case) has long finished. Measured and shown, then a CHECKPOINT writes them all, and the checks the goal
    // is judged on run against the register at rest.
    log(`registers: ${CHECKS} hit/no-hit checks via REST, one at a time, right after the seed …`);
    const afterSeed = await checksOneAtATime();
    log('registers: CHECKPOINT (the seed written back), then the same checks against the register at rest …');
    await checkpoint();
    // With BENCH_BULK_PROFILE (bulk.ts says how), the gateways are profiled during these one-at-a-time checks.
    setProfiling(process.env.BENCH_BULK_PROFILE, true);
    const atRest = await checksOneAtATime();
    setProfiling(process.env.BENCH_BULK_PROFILE, false);
    const { lat, hits } = atRest;
    // The same checks, CONCURRENCY at a time (officers at several desks): group commit lets concurrent checks share
    // one durable commit of their leaves; the leaves of one transaction share its xmin, which counts the commits.
    const [{ idx: leavesBefore }] = (
      await itDb.query<{ idx: string }>('select coalesce(max(idx), -1) as idx from audit_leaves')
    ).rows;
    const concLat: number[] = [];
    let nextCheck = 0;
    const concStart = nowMs();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (nextCheck < numbers.length) {
          const number = numbers[nextCheck++];
          const t = nowMs();
          const r = await request(
            'POST',
            `${it.url}/v1/documents/check`,
            officer,
            JSON.stringify({ number }),
          );
          concLat.push(nowMs() - t);
          if (r.status !== 200) {
            failures.push(`concurrent check ${r.status} ${r.text.slice(0, 200)}`);
          }
        }
      }),
    );
    const concSeconds = (nowMs() - concStart) / 1000;
    const [{ leaves: concLeaves, commits: concCommits }] = (
      await itDb.query<{ leaves: string; commits: string }>(
        `select count(*) as leaves, count(distinct xmin::text) as commits from audit_leaves
         where idx > $1`,
        [leavesBefore],
      )
    ).rows;
    // Baseline: the same route refused before any look-up (422: authentication, rate limit, validation, no database).
    const restLat: number[] = [];
    for (let k = 0; k < 1000; k++) {
      const t = nowMs();
      await request('POST', `${it.url}/v1/documents/check`, officer, JSON.stringify({ number: '?' }));
      restLat.push(nowMs() - t);
    }
    const sqlLat: number[] = [];
    const oneLat: number[] = [];
    for (const number of numbers.slice(0, 1000)) {
      const m = /^(.*?)(\d+)$/.exec(number);
      let t = nowMs();
      await itDb.query(
        `select record_id from register_records where number = $1 and series_end is null
         union all
         select record_id from register_records where series_end is not null
           and int8range(series_start, series_end, '[]') @> $2::bigint and series_prefix = $3 and series_width = $4`,
        [number, Number(m?.[2] ?? 0), m?.[1] ?? '', m?.[2].length ?? 0],
      );
      sqlLat.push(nowMs() - t);
      t = nowMs();
      await itDb.query('select 1');
      oneLat.push(nowMs() - t);
    }
    // Baseline: one durable (synchronous) commit of a one-row insert from this process: the WAL flush floor.
    await itDb.query(
      'create table if not exists bench_commit_probe (id bigserial primary key, at timestamptz)',
    );
    const commitLat: number[] = [];
    for (let k = 0; k < 1000; k++) {
      const t = nowMs();
      await itDb.query('insert into bench_commit_probe (at) values (now())');
      commitLat.push(nowMs() - t);
    }
    await itDb.query('drop table bench_commit_probe');
    // Baseline: what a check asks of the database, from this process: the look-up, then one leaf appended and
    // committed durably (corridor_append_leaves, as the gateway calls it). Last: its leaves are not real leaves.
    const dbCheckLat: number[] = [];
    for (const number of numbers.slice(0, 1000)) {
      const t = nowMs();
      for (const [i, step] of BARE_CHECK.entries()) {
        await itDb.query({ name: `bare_check_${i}`, text: step.text, values: step.number ? [number] : [] });
      }
      dbCheckLat.push(nowMs() - t);
    }
    // Baseline: the machine's floor for the check's shape (this process -> one process -> another and back), as many
    // round trips as checks so the p99s compare, with nothing done in either process.
    const hops = summarize(await loopbackRoundTrips({ hops: 2, count: CHECKS }));
    // Baseline: the check's floor on this machine, measured whole: this process -> one Node process that runs the
    // check as bare SQL (look-up, durable leaf append) -> back, the same numbers as the REST checks. What a gateway adds
    // above it is HTTP, authentication, validation and its own code; what it costs is this machine's processes, loopback
    // and WAL flush. Last: its leaves are not real leaves.
    const floor = summarize(
      await loopbackRoundTrips({
        hops: 1,
        count: CHECKS,
        bytes: 64,
        check: { databaseUrl: it.databaseUrl, numbers, steps: BARE_CHECK },
      }),
    );
    const check = summarize(lat);
    const seedCheck = summarize(afterSeed.lat);
    const conc = summarize(concLat);
    const commit = summarize(commitLat);
    const dbCheck = summarize(dbCheckLat);
    const bare = summarize(sqlLat);
    const one = summarize(oneLat);
    const rest = summarize(restLat);
    console.log('');
    console.log(
      `Document registers LY -> IT (${RECORDS} records via the API), then hit/no-hit against ${total[0].n} rows at IT ` +
        `(${seeded} seeded directly in SQL)`,
    );
    printTable({
      headers: ['registers', 'value'],
      rows: [
        ['records posted (202) in s', fixed(postedS, 1)],
        [
          'POST 10,000 records -> 202 p50 / max (ms)',
          `${fixed(summarize(postMs).p50, 0)} / ${fixed(Math.max(...postMs), 0)}`,
        ],
        ['first request -> last record searchable at IT (s)', fixed(shareSeconds, 1)],
        ['records per second, first request -> searchable', fixed(RECORDS / shareSeconds, 0)],
        ['failed requests', String(failures.length)],
        [
          `hit/no-hit via REST, ${CHECKS} checks right after the seed p50 / p99 (ms); buffers written by backends`,
          `${fixed(seedCheck.p50, 2)} / ${fixed(seedCheck.p99, 2)}; ${afterSeed.backendWrites}`,
        ],
        [
          `hit/no-hit via REST, ${CHECKS} checks (${hits} hits), register at rest p50 / p99 (ms); buffers written by backends`,
          `${fixed(check.p50, 2)} / ${fixed(check.p99, 2)}; ${atRest.backendWrites}`,
        ],
        [
          `hit/no-hit via REST, ${CHECKS} checks ${CONCURRENCY} at a time p50 / p99 (ms)`,
          `${fixed(conc.p50, 2)} / ${fixed(conc.p99, 2)}`,
        ],
        [`  checks per second, ${CONCURRENCY} at a time`, fixed(CHECKS / concSeconds, 0)],
        [
          `  log leaves / transactions committing them (group commit)`,
          `${concLeaves} / ${concCommits} (${fixed(Number(concLeaves) / Math.max(1, Number(concCommits)), 1)} per commit)`,
        ],
        [
          'baseline: the same look-up as bare SQL p50 / p99 (ms)',
          `${fixed(bare.p50, 2)} / ${fixed(bare.p99, 2)}`,
        ],
        ['baseline: select 1 round trip p50 / p99 (ms)', `${fixed(one.p50, 2)} / ${fixed(one.p99, 2)}`],
        [
          'baseline: one durable commit (insert, synchronous_commit on) p50 / p99 (ms)',
          `${fixed(commit.p50, 2)} / ${fixed(commit.p99, 2)}`,
        ],
        [
          'baseline: look-up + durable leaf append as bare SQL (a check in the database) p50 / p99 (ms)',
          `${fixed(dbCheck.p50, 2)} / ${fixed(dbCheck.p99, 2)}`,
        ],
        [
          'baseline: the same route answered 422 before any look-up p50 / p99 (ms)',
          `${fixed(rest.p50, 2)} / ${fixed(rest.p99, 2)}`,
        ],
        [
          `baseline: ${CHECKS} bare round trips through two Node processes on loopback TCP, no work p50 / p99 (ms)`,
          `${fixed(hops.p50, 2)} / ${fixed(hops.p99, 2)}`,
        ],
        [
          `baseline: the check's floor, ${CHECKS} round trips to one Node process running it as bare SQL p50 / p99 (ms)`,
          `${fixed(floor.p50, 2)} / ${fixed(floor.p99, 2)}`,
        ],
        ['ratio REST check p99 / REST 422 p99', fixed(check.p99 / rest.p99, 1)],
        ['ratio REST check p99 / the check floor p99', fixed(check.p99 / floor.p99, 1)],
        ['ratio REST check p99 / bare two-process round trip p99', fixed(check.p99 / hops.p99, 1)],
        ['ratio REST check p99 / bare SQL look-up p99', fixed(check.p99 / bare.p99, 1)],
      ],
    });
    console.log('');
    console.log(
      verdict({
        met: searchable && held >= RECORDS && shareSeconds <= GOAL_SHARE_S && failures.length === 0,
        text: `${RECORDS} document records searchable at IT ${fixed(shareSeconds, 1)} s after the first request (goal <= ${GOAL_SHARE_S} s)`,
      }),
    );
    console.log(
      verdict({
        met: check.p99 <= GOAL_P99_MS,
        text: `hit/no-hit p99 ${fixed(check.p99, 2)} ms against ${total[0].n} records at rest (goal <= ${GOAL_P99_MS} ms; the check's floor here: p99 ${fixed(floor.p99, 2)} ms; right after the seed: ${fixed(seedCheck.p99, 2)} ms)`,
      }),
    );
    if (failures.length) {
      console.log(`first failure: ${failures[0]}`);
    }
    return { shareSeconds, checkP50: check.p50, checkP99: check.p99 };
  } finally {
    await itDb.end();
  }
}

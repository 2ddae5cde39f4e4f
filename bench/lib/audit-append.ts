// Append rate of exchange-log leaves into PostgreSQL through the gateway's own AuditLog (advisory lock, next
// index, leaf encoding and hashing, multi-row insert, commit), beside bare inserts of rows of the same size.
import 'reflect-metadata';
import { randomBytes, randomFillSync } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { leafHashOf } from '@corridor/audit-log';
import { auditHeadsTopic, AuditEvent, Category } from '@corridor/contracts';
import type { KafkaClient } from '@corridor/platform';
import { AuditLog, LeafInput } from '../../apps/gateway/src/audit/audit.log';
import { ExchangeLogRepository } from '../../apps/gateway/src/audit/exchange-log.repository';
import { openGatewayDatabase } from '../../apps/gateway/src/database/data-source';
import type { TrustStore } from '../../apps/gateway/src/trust/trust.store';
import { onCleanup } from './cleanup';
import { fixed, printTable, verdict } from './stats';
import { ADMIN_DATABASE_URL, dropDatabases } from './testbed';

const GOAL_LEAVES_PER_SECOND = 2000;
const BATCH_SIZES = [1, 50];
const ROUNDS = 5;
const ROUND_MS = 1000;
/** what the audit benchmark's section 1 encodes: gateway GR, peer IT, SENT, ROUTE */
const GATEWAY = 'GR';

export interface AuditAppendFigures {
  rows: { leavesPerTransaction: number; corridorPerSecond: number; barePerSecond: number }[];
  catchUpLeaves: number;
  catchUpMs: number;
}

/** Runs `fn` repeatedly for `ms`; returns how many leaves it appended per second. */
async function rateFor({
  ms,
  leavesPerCall,
  fn,
}: {
  ms: number;
  leavesPerCall: number;
  fn: () => Promise<void>;
}): Promise<{ leaves: number; elapsedMs: number }> {
  const started = performance.now();
  let leaves = 0;
  do {
    await fn();
    leaves += leavesPerCall;
  } while (performance.now() - started < ms);
  return { leaves, elapsedMs: performance.now() - started };
}

export async function measureAuditAppend({
  leafBytesAt,
  log,
}: {
  leafBytesAt: (index: number) => Uint8Array;
  log: (line: string) => void;
}): Promise<AuditAppendFigures> {
  const name = `corridor_bench_audit_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  onCleanup(`database ${name}`, async () => {
    await dropDatabases(name);
  });
  log(`section 2: PostgreSQL append rate through the gateway's AuditLog, database ${name}`);
  const ds: DataSource = await openGatewayDatabase(url.toString());
  onCleanup('audit data source', async () => {
    if (ds.isInitialized) {
      await ds.destroy();
    }
  });
  const bare = new Client({ connectionString: url.toString() });
  await bare.connect();
  onCleanup('baseline pg client', () => bare.end());
  await bare.query('create table bench_bare_leaves (like audit_leaves including all)');
  const settings = await bare.query<{ name: string; setting: string }>(
    "select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'wal_sync_method')",
  );
  log(`  PostgreSQL: ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`);

  // append() reads only trust.own.country and never touches Kafka or the logger.
  const trust = { own: { country: GATEWAY } } as unknown as TrustStore;
  const kafka = {} as unknown as KafkaClient;
  const logger = pino({ level: 'silent' });
  const auditLog = new AuditLog(
    ds,
    new ExchangeLogRepository(),
    trust,
    kafka,
    auditHeadsTopic('bench'),
    logger,
  );

  const envelopePool = randomFillSync(Buffer.alloc(32 * 1024));
  let leafCounter = 0;
  const leafInput = (): LeafInput => {
    const i = (leafCounter += 1);
    return {
      event: AuditEvent.SENT,
      peer: 'IT',
      messageId: `0190c3d2-8f1e-7a00-8000-${i.toString(16).padStart(12, '0')}`,
      envelopeSha256: envelopePool.subarray((i % 1024) * 32, (i % 1024) * 32 + 32),
      category: Category.ROUTE,
      agreementId: 'agr-GR-IT-2026',
    };
  };
  // The baseline inserts ready-made rows: leaf bytes and hash computed before timing, index from a counter.
  const pool = Array.from({ length: 1024 }, (_, i) => {
    const leaf = Buffer.from(leafBytesAt(i));
    return { leaf, hash: Buffer.from(leafHashOf(leaf)) };
  });
  let bareIndex = 0;
  const bareInsert = async (count: number): Promise<void> => {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let k = 0; k < count; k += 1) {
      const i = bareIndex++;
      const row = pool[i % pool.length];
      const b = k * 5;
      tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`);
      values.push(
        i,
        row.leaf,
        row.hash,
        'SENT',
        `0190c3d2-8f1e-7a00-8000-${i.toString(16).padStart(12, '0')}`,
      );
    }
    await bare.query('begin');
    await bare.query(
      `insert into bench_bare_leaves (idx, leaf, leaf_hash, event, message_id) values ${tuples.join(', ')}`,
      values,
    );
    await bare.query('commit');
  };

  const rows: AuditAppendFigures['rows'] = [];
  for (const perTransaction of BATCH_SIZES) {
    log(
      `  ${perTransaction} leaf/transaction: AuditLog vs bare insert, ${ROUNDS} alternating rounds of ` +
        `${ROUND_MS / 1000} s each …`,
    );
    const totals = { corridor: { leaves: 0, ms: 0 }, bare: { leaves: 0, ms: 0 } };
    for (let round = 0; round < ROUNDS; round += 1) {
      const c = await rateFor({
        ms: ROUND_MS,
        leavesPerCall: perTransaction,
        fn: () => auditLog.record(Array.from({ length: perTransaction }, leafInput)),
      });
      totals.corridor.leaves += c.leaves;
      totals.corridor.ms += c.elapsedMs;
      const b = await rateFor({
        ms: ROUND_MS,
        leavesPerCall: perTransaction,
        fn: () => bareInsert(perTransaction),
      });
      totals.bare.leaves += b.leaves;
      totals.bare.ms += b.elapsedMs;
    }
    const row = {
      leavesPerTransaction: perTransaction,
      corridorPerSecond: (totals.corridor.leaves / totals.corridor.ms) * 1000,
      barePerSecond: (totals.bare.leaves / totals.bare.ms) * 1000,
    };
    log(
      `    AuditLog ${fixed(row.corridorPerSecond, 0)} leaves/s, bare insert ${fixed(row.barePerSecond, 0)} rows/s`,
    );
    rows.push(row);
  }

  log(`  catchUp(): rebuilding the tree from the ${leafCounter} stored leaves …`);
  const fresh = new AuditLog(ds, new ExchangeLogRepository(), trust, kafka, auditHeadsTopic('bench'), logger);
  const started = performance.now();
  const catchUpLeaves = await fresh.catchUp();
  const catchUpMs = performance.now() - started;

  console.log('');
  console.log(
    `Exchange-log append into PostgreSQL (${GATEWAY} leaves of ~${pool[0].leaf.length} B, one connection, commit per transaction)`,
  );
  printTable({
    headers: ['leaves/transaction', 'AuditLog leaves/s', 'bare insert rows/s', 'AuditLog / bare'],
    rows: rows.map((r) => [
      String(r.leavesPerTransaction),
      fixed(r.corridorPerSecond, 0),
      fixed(r.barePerSecond, 0),
      fixed(r.corridorPerSecond / r.barePerSecond, 2),
    ]),
  });
  console.log(
    `catchUp(): ${catchUpLeaves} leaves read back and hashed into the tree in ${fixed(catchUpMs, 0)} ms ` +
      `(${fixed((catchUpLeaves / catchUpMs) * 1000, 0)} leaves/s)`,
  );
  for (const r of rows) {
    console.log(
      verdict({
        met: r.corridorPerSecond >= GOAL_LEAVES_PER_SECOND,
        text: `${fixed(r.corridorPerSecond, 0)} leaves/s at ${r.leavesPerTransaction} leaf/transaction (goal >= ${GOAL_LEAVES_PER_SECOND})`,
      }),
    );
  }
  console.log('');
  return { rows, catchUpLeaves, catchUpMs };
}

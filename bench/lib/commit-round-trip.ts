// One synchronous commit on this PostgreSQL, as the client sees it: a one-row insert in its own transaction with
// synchronous_commit on (the WAL flushed before the answer). The exchange path needs two of these, whatever else
// it does: the publish before 202 Accepted and the receiver's inbox before its Kafka offset commit.
import { Client } from 'pg';
import { nowMs } from './clock';

export async function commitRoundTrips({
  databaseUrl,
  count = 200,
}: {
  databaseUrl: string;
  count?: number;
}): Promise<number[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('create table if not exists bench_commit_probe (id bigserial primary key, at bigint)');
    await client.query('set synchronous_commit = on');
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = nowMs();
      await client.query('insert into bench_commit_probe (at) values ($1)', [i]);
      latencies.push(nowMs() - started);
    }
    await client.query('drop table bench_commit_probe');
    return latencies;
  } finally {
    await client.end();
  }
}

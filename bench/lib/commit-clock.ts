// Inbox commit times without polling noise: the gateway sends pg_notify(corridor_desk, <desk_feed seq>) in the
// same transaction as the inbox insert, so the notification arrives right after the commit. It is received in a
// worker thread, so a busy main thread (1,000 socket clients, HTTP load) does not delay the time stamp.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Client } = require(workerData.pgPath);
const client = new Client({ connectionString: workerData.databaseUrl });
client.on('notification', (n) => {
  parentPort.postMessage({ seq: Number(n.payload), at: Number(process.hrtime.bigint()) / 1e6 });
});
client.on('error', (err) => parentPort.postMessage({ error: err.message }));
parentPort.on('message', (m) => {
  if (m === 'stop') {
    client.end().catch(() => undefined).finally(() => parentPort.postMessage({ stopped: true }));
  }
});
client
  .connect()
  .then(() => client.query('listen ' + workerData.channel))
  .then(
    () => parentPort.postMessage({ ready: true }),
    (err) => parentPort.postMessage({ error: err.message }),
  );
`;

type WorkerMessage = { seq: number; at: number } | { ready: true } | { stopped: true } | { error: string };

export class CommitClock {
  /** desk_feed seq -> monotonic ms (clock.ts nowMs) when the commit was heard */
  readonly commits = new Map<number, number>();
  private errors: string[] = [];

  private constructor(private readonly worker: Worker) {}

  static async start({
    databaseUrl,
    channel,
  }: {
    databaseUrl: string;
    channel: string;
  }): Promise<CommitClock> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { databaseUrl, channel, pgPath: require.resolve('pg') },
    });
    const clock = new CommitClock(worker);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('LISTEN worker did not connect within 10 s')), 10_000);
      worker.on('message', (m: WorkerMessage) => {
        if ('seq' in m) {
          clock.commits.set(m.seq, m.at);
        } else if ('ready' in m) {
          clearTimeout(timer);
          resolve();
        } else if ('error' in m) {
          clock.errors.push(m.error);
          clearTimeout(timer);
          reject(new Error(`LISTEN ${channel}: ${m.error}`));
        }
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return clock;
  }

  get count(): number {
    return this.commits.size;
  }

  /** Commits heard at or after `sinceMs` (nowMs clock). */
  since(sinceMs: number): [number, number][] {
    return [...this.commits].filter(([, at]) => at >= sinceMs);
  }

  get problems(): string[] {
    return this.errors;
  }

  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      this.worker.on('message', (m: WorkerMessage) => {
        if ('stopped' in m) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
  }
}

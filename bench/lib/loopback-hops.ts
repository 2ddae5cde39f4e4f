// The machine's floor for a request that crosses processes: round trips from this process through `hops` other Node
// processes on loopback TCP, each passing the message on and the answer back, doing nothing else. A hit/no-hit check
// has this shape with two hops (the client -> the gateway -> PostgreSQL); its tail here is the scheduling of woken
// processes on the machine's cores, which no code in the path removes.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { nowMs } from './clock';

/** One statement of a check run as bare SQL; `number`: its one parameter is the message's document number. */
export interface BareCheckStep {
  text: string;
  number?: boolean;
}

export async function loopbackRoundTrips({
  hops,
  count,
  bytes = 300,
  check,
}: {
  hops: number;
  count: number;
  bytes?: number;
  /**
   * The last process runs a document check as bare SQL against this database for each message (the numbers in turn):
   * the floor of a hit/no-hit check on this machine, without HTTP, authentication or the gateway's code.
   */
  check?: { databaseUrl: string; numbers: string[]; steps: BareCheckStep[] };
}): Promise<number[]> {
  const children: ChildProcess[] = [];
  const socket = new net.Socket();
  try {
    // The last process first: each one's port is the next-nearer one's upstream.
    let port = 0;
    for (let h = 0; h < hops; h++) {
      const last = h === 0;
      const child = fork(path.join(__dirname, 'loopback-hop.js'), [String(port)], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: {
          ...process.env,
          HOP_MESSAGE_BYTES: String(bytes),
          ...(last && check
            ? { HOP_DATABASE_URL: check.databaseUrl, HOP_CHECK_STEPS: JSON.stringify(check.steps) }
            : {}),
        },
      });
      children.push(child);
      port = await new Promise<number>((resolve, reject) => {
        child.once('message', (m: { port: number }) => resolve(m.port));
        child.once('error', reject);
        child.once('exit', (code) =>
          reject(new Error(`a loopback hop exited with ${code} before listening`)),
        );
      });
    }
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, '127.0.0.1', resolve);
    });
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const message = check
        ? Buffer.from(check.numbers[i % check.numbers.length].padEnd(bytes, ' '))
        : Buffer.alloc(bytes, 0x61);
      if (message.length !== bytes) {
        throw new Error(`a check's number does not fit in ${bytes} bytes`);
      }
      const started = nowMs();
      let got = 0;
      await new Promise<void>((resolve) => {
        const onData = (d: Buffer): void => {
          got += d.length;
          if (got >= bytes) {
            socket.off('data', onData);
            resolve();
          }
        };
        socket.on('data', onData);
        socket.write(message);
      });
      latencies.push(nowMs() - started);
    }
    return latencies;
  } finally {
    socket.destroy();
    for (const child of children) {
      child.kill();
    }
  }
}

// One process of bench/lib/loopback-hops.ts's chain: listens on 127.0.0.1 (a port the kernel picks) and answers
// each message with the answer of the next process in the chain (its port in argv[2]) or, the last, with the message
// itself. No work: what is left of a round trip through it is waking processes and loopback TCP on this machine.
// With HOP_DATABASE_URL (the last process only), it first runs a document check as bare SQL for the number the
// message carries (the statements in HOP_CHECK_STEPS, from bench/bulk-registers.ts), so the round trip is the check's
// shape with nothing of the gateway's own in it.
const net = require('node:net');

const nextPort = Number(process.argv[2] || 0);
const messageBytes = Number(process.env.HOP_MESSAGE_BYTES || 0);
const databaseUrl = process.env.HOP_DATABASE_URL;
let db;
let upstream;
const waiting = [];
if (nextPort) {
  upstream = net.connect(nextPort, '127.0.0.1');
  upstream.setNoDelay(true);
  upstream.on('data', (d) => waiting.shift()?.write(d));
}

const steps = JSON.parse(process.env.HOP_CHECK_STEPS || '[]');

async function check(message) {
  const number = message.toString('utf8').trim();
  for (const [i, step] of steps.entries()) {
    await db.query({ name: `hop_check_${i}`, text: step.text, values: step.number ? [number] : [] });
  }
}

const server = net.createServer((c) => {
  c.setNoDelay(true);
  let pending = Buffer.alloc(0);
  let busy = Promise.resolve();
  c.on('data', (d) => {
    if (upstream) {
      waiting.push(c);
      upstream.write(d);
    } else if (!db) {
      c.write(d);
    } else {
      // one message of messageBytes at a time, answered after its check
      pending = Buffer.concat([pending, d]);
      while (pending.length >= messageBytes) {
        const message = pending.subarray(0, messageBytes);
        pending = pending.subarray(messageBytes);
        busy = busy
          .then(() => check(message))
          .then(
            () => c.write(message),
            (err) => {
              console.error(`loopback hop: ${err.message}`);
              process.exit(1);
            },
          );
      }
    }
  });
  c.on('error', () => undefined);
});

async function main() {
  if (databaseUrl && !nextPort) {
    const { Client } = require('pg');
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  }
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}
main().catch((err) => {
  console.error(`loopback hop: ${err.message}`);
  process.exit(1);
});
process.on('disconnect', () => process.exit(0));

// One process of bench/lib/loopback-hops.ts's chain: listens on 127.0.0.1 (a port the kernel picks) and answers
// each message with the answer of the next process in the chain (its port in argv[2]) or, the last, with the message
// itself. No work: what is left of a round trip through it is waking processes and loopback TCP on this machine.
const net = require('node:net');

const nextPort = Number(process.argv[2] || 0);
let upstream;
const waiting = [];
if (nextPort) {
  upstream = net.connect(nextPort, '127.0.0.1');
  upstream.setNoDelay(true);
  upstream.on('data', (d) => waiting.shift()?.write(d));
}
const server = net.createServer((c) => {
  c.setNoDelay(true);
  c.on('data', (d) => {
    if (upstream) {
      waiting.push(c);
      upstream.write(d);
    } else {
      c.write(d);
    }
  });
  c.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));

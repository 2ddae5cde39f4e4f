// A TCP proxy in front of one Kafka node, for the fault tests: it forwards, holds a link cut (nothing passes either
// way, nothing is refused: as when a link goes down), or delays every chunk in both directions. TLS passes through
// untouched (the proxy sees only ciphertext): the node's certificate still names 127.0.0.1.
import net from 'node:net';

export type LinkState = 'up' | 'cut';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class TcpProxy {
  private server?: net.Server;
  private readonly pairs = new Set<Pair>();
  private state: LinkState = 'up';
  /** added to every chunk, each way (a round trip costs twice this) */
  private delayMs = 0;
  /** connections made while cut: they wait, unanswered, for the link to come back */
  private readonly waiting = new Set<net.Socket>();

  constructor(
    readonly listenPort: number,
    readonly target: { host: string; port: number },
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
  }

  /** Stops forwarding: data in flight stays in the sockets' buffers, new connections wait unanswered. */
  cut(): void {
    this.state = 'cut';
    for (const p of this.pairs) {
      p.client.pause();
      p.upstream.pause();
    }
  }

  /** Forwards again: what waited flows, waiting connections are connected. */
  restore(): void {
    this.state = 'up';
    for (const p of this.pairs) {
      p.client.resume();
      p.upstream.resume();
    }
    for (const c of this.waiting) {
      this.waiting.delete(c);
      this.connect(c);
    }
  }

  /** Every chunk is held this long before it is passed on, in both directions (order kept). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  private accept(client: net.Socket): void {
    client.on('error', () => client.destroy());
    if (this.state === 'cut') {
      client.pause();
      this.waiting.add(client);
      client.once('close', () => this.waiting.delete(client));
      return;
    }
    this.connect(client);
  }

  private connect(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    upstream.on('close', close);
    client.on('close', close);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
    client.resume();
  }

  /** Passes chunks on after the current delay; a constant delay keeps their order. */
  private pipe(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.delayMs === 0) {
        if (!to.destroyed) {
          to.write(chunk);
        }
        return;
      }
      setTimeout(() => {
        if (!to.destroyed) {
          to.write(chunk);
        }
      }, this.delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), this.delayMs));
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    for (const c of this.waiting) {
      c.destroy();
    }
    this.pairs.clear();
    this.waiting.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

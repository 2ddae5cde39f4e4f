// The liaison desk over socket.io against real gateways: authentication at the handshake, scoping by
// clearance and category, live push, resume without gap or duplicate, fan-out across two instances.
import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import { freePort } from '../scripts/lib/prereqs';
import { ManagedProcess, Network } from '../scripts/lib/network';
import type { DeskHello, DeskItem } from '@corridor/gateway-api';
import { eventually, publishAlert, startTestNetwork } from './harness/network';
import { documentAlert, routeAlert, specimenMrz, suspectAlert } from './factories/alerts';

const ALL = ['ROUTE', 'DOCUMENT', 'SUSPECT', 'FINANCIAL_FLOW', 'PROTECTION_REFERRAL', 'BULLETIN'];

interface Desk {
  socket: Socket;
  items: DeskItem[];
  hello: Promise<DeskHello>;
}

function connect(url: string, token: string | undefined): Desk {
  const socket = io(`${url}/desk`, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const items: DeskItem[] = [];
  socket.on('feed', (item: DeskItem) => items.push(item));
  const hello = new Promise<DeskHello>((resolve) => socket.once('hello', resolve));
  return { socket, items, hello };
}

function refusal(url: string, token: string | undefined): Promise<{ message: string; code?: string }> {
  return new Promise((resolve, reject) => {
    const socket = io(`${url}/desk`, {
      auth: token === undefined ? {} : { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.once('connect', () => {
      socket.close();
      reject(new Error('connected although the token is bad'));
    });
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.close();
      resolve({ message: err.message, code: err.data?.code });
    });
  });
}

function emit<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<T>;
}

describe('liaison desk over socket.io (real gateways)', () => {
  let net: Network;
  let second: ManagedProcess | undefined;
  const sockets: Socket[] = [];
  const officer = (p: { sub: string; clearance: string; categories: string[] }, country = 'IT') =>
    net.gateways[country].token({ roles: ['officer'], ...p });
  const open = (url: string, token: string | undefined): Desk => {
    const d = connect(url, token);
    sockets.push(d.socket);
    return d;
  };

  const publish = (body: Record<string, unknown>): Promise<string> =>
    publishAlert(net, 'LY', { recipients: ['IT'], ...body });

  beforeAll(async () => {
    net = await startTestNetwork({
      label: 'desk',
      countries: ['LY', 'IT'],
      agreements: [
        {
          parties: ['LY', 'IT'],
          purpose: 'desk',
          directions: [
            { from: 'LY', to: 'IT', categories: ALL, maxClassification: 'RED' },
            { from: 'IT', to: 'LY', categories: ALL, maxClassification: 'RED' },
          ],
        },
      ],
    });
  }, 180_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await second?.stop();
    await net?.stop();
  });

  it.each([
    ['missing', undefined, 'TOKEN_MISSING'],
    ['garbage', 'abc', 'TOKEN_INVALID'],
  ])('refuses a %s token at the handshake with a reason', async (_n, token, code) => {
    const r = await refusal(net.gateways.IT.url, token);
    expect(r.code).toBe(code);
    expect(r.message.length).toBeGreaterThan(5);
  });

  it('tells a socket without a token to send it as auth.token, not as an Authorization header', async () => {
    const r = await refusal(net.gateways.IT.url, undefined);
    expect(r.message).toMatch(/auth\.token/);
    expect(r.message).not.toMatch(/Authorization/i);
  });

  it('refuses an expired token and a token without the officer role', async () => {
    const expired = net.gateways.IT.token({ roles: ['officer'], clearance: 'RED', categories: ALL }, -60);
    expect((await refusal(net.gateways.IT.url, expired)).code).toBe('TOKEN_EXPIRED');
    const publisher = net.gateways.IT.token({ roles: ['publisher'] });
    expect((await refusal(net.gateways.IT.url, publisher)).code).toBe('TOKEN_CLAIMS');
  });

  it('pushes an alert to the desks whose scope covers it, and only to those', async () => {
    const maritime = open(
      net.gateways.IT.url,
      officer({ sub: 'maritime', clearance: 'AMBER', categories: ['ROUTE', 'PROTECTION_REFERRAL'] }),
    );
    const investigations = open(
      net.gateways.IT.url,
      officer({ sub: 'investigations', clearance: 'RED', categories: ['SUSPECT', 'ROUTE'] }),
    );
    await Promise.all([maritime.hello, investigations.hello]);
    const suspectId = await publish(suspectAlert({ classification: 'AMBER' }));
    const redRouteId = await publish(routeAlert({ classification: 'RED' }));
    const routeId = await publish(routeAlert({ classification: 'GREEN' }));
    await eventually('route at both desks', async () =>
      maritime.items.some((i) => i.alertId === routeId) &&
      investigations.items.some((i) => i.alertId === routeId)
        ? true
        : undefined,
    );
    await eventually('suspect and red route at investigations', async () =>
      investigations.items.some((i) => i.alertId === suspectId) &&
      investigations.items.some((i) => i.alertId === redRouteId)
        ? true
        : undefined,
    );
    // The maritime desk has no SUSPECT category and only AMBER clearance: it never receives either.
    expect(maritime.items.map((i) => i.alertId)).not.toContain(suspectId);
    expect(maritime.items.map((i) => i.alertId)).not.toContain(redRouteId);
    // Sequence numbers increase strictly on each desk.
    for (const d of [maritime, investigations]) {
      const seqs = d.items.map((i) => i.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    // Out of scope detail is refused with a reason, in scope is given, and a SUSPECT view is logged.
    const suspectItem = investigations.items.find((i) => i.alertId === suspectId)!;
    const refused = await emit<{ ok: boolean; code: string }>(maritime.socket, 'detail', {
      seq: suspectItem.seq,
    });
    expect(refused).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    const detail = await emit<{ ok: boolean; alert: { suspect: { aliases: string[] } } }>(
      investigations.socket,
      'detail',
      { seq: suspectItem.seq },
    );
    expect(detail.ok).toBe(true);
    expect(detail.alert.suspect.aliases).toEqual(['The Captain']);
    const c = new Client({ connectionString: net.gateways.IT.databaseUrl });
    await c.connect();
    const views = await c.query(
      "select count(*) as n from audit_leaves where event = 'PERSONAL_DATA_VIEWED'",
    );
    await c.end();
    expect(Number(views.rows[0].n)).toBeGreaterThan(0);
    const bad = await emit<{ ok: boolean; code: string }>(investigations.socket, 'detail', { seq: 'x' });
    expect(bad).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });

  it('resumes after a disconnect with every missed alert, in order, no gap and no duplicate', async () => {
    const token = officer({ sub: 'resumer', clearance: 'RED', categories: ALL });
    const first = open(net.gateways.IT.url, token);
    await first.hello;
    const before = await publish(routeAlert({ title: 'before disconnect' }));
    await eventually('first alert', async () =>
      first.items.some((i) => i.alertId === before) ? true : undefined,
    );
    const lastSeq = Math.max(...first.items.map((i) => i.seq));
    first.socket.close();
    const missed = [
      await publish(routeAlert({ title: 'missed 1' })),
      await publish(routeAlert({ title: 'missed 2' })),
      await publish(routeAlert({ title: 'missed 3' })),
    ];
    // Wait until IT has committed all three, so they are history when the desk comes back.
    const c = new Client({ connectionString: net.gateways.IT.databaseUrl });
    await c.connect();
    await eventually('missed alerts at IT', async () => {
      const r = await c.query('select count(*) as n from inbox where alert_id = any($1)', [missed]);
      return Number(r.rows[0].n) === 3 ? true : undefined;
    });
    await c.end();
    const again = open(net.gateways.IT.url, token);
    await again.hello;
    const ack = await emit<{ ok: boolean; replayed: number }>(again.socket, 'resume', { lastSeq });
    expect(ack.ok).toBe(true);
    const live = await publish(routeAlert({ title: 'live after resume' }));
    await eventually('live alert after resume', async () =>
      again.items.some((i) => i.alertId === live) ? true : undefined,
    );
    const got = again.items.map((i) => i.alertId);
    // Alerts on different threads may be committed at IT in any order; the desk order is the commit (sequence) order.
    expect([...got.slice(0, 3)].sort()).toEqual([...missed].sort());
    expect(got).toContain(live);
    const seqs = again.items.map((i) => i.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    expect(seqs[0]).toBeGreaterThan(lastSeq);
  });

  it('fans out across two instances of the same gateway', async () => {
    second = net.addInstance('IT', '2', await freePort());
    await second.ready();
    const token = officer({ sub: 'fanout', clearance: 'RED', categories: ALL });
    const one = open(net.gateways.IT.url, token);
    const two = open(second.url, token);
    await Promise.all([one.hello, two.hello]);
    const ids = [
      await publish(routeAlert({ title: 'fan-out 1' })),
      await publish(routeAlert({ title: 'fan-out 2' })),
    ];
    await eventually('both alerts on both instances', async () =>
      ids.every((id) => one.items.some((i) => i.alertId === id) && two.items.some((i) => i.alertId === id))
        ? true
        : undefined,
    );
    expect(one.items.filter((i) => ids.includes(i.alertId)).map((i) => i.seq)).toEqual(
      two.items.filter((i) => ids.includes(i.alertId)).map((i) => i.seq),
    );
  });

  it('acknowledges from the desk (the originator sees it) and checks documents hit/no-hit', async () => {
    const desk = open(net.gateways.IT.url, officer({ sub: 'docs', clearance: 'RED', categories: ALL }));
    await desk.hello;
    const docId = await publish(documentAlert());
    const item = await eventually('document at desk', async () =>
      desk.items.find((i) => i.alertId === docId),
    );
    const ack = await emit<{ ok: boolean; acknowledgedBy: string }>(desk.socket, 'acknowledge', {
      seq: item.seq,
    });
    expect(ack).toMatchObject({ ok: true, acknowledgedBy: 'docs' });
    const publisher = net.gateways.LY.token({ roles: ['publisher'] });
    await eventually('ack at LY', async () => {
      const r = (await (
        await fetch(`${net.gateways.LY.url}/v1/alerts/${docId}`, {
          headers: { authorization: `Bearer ${publisher}` },
        })
      ).json()) as {
        deliveries: { acknowledgedBy: string | null }[];
      };
      return r.deliveries[0].acknowledgedBy === 'IT/docs' ? true : undefined;
    });
    const hit = await emit<{ ok: boolean; hit: boolean; matches: { fraudType: string }[] }>(
      desk.socket,
      'documentCheck',
      { mrz: specimenMrz() },
    );
    expect(hit).toMatchObject({ ok: true, hit: true });
    expect(hit.matches[0].fraudType).toBe('COUNTERFEIT');
    const miss = await emit<{ ok: boolean; hit: boolean }>(desk.socket, 'documentCheck', {
      number: 'X0000000',
    });
    expect(miss).toMatchObject({ ok: true, hit: false });
    const badMrz = await emit<{ ok: boolean; code: string }>(desk.socket, 'documentCheck', {
      mrz: ['P<UTO', 'L898'],
    });
    expect(badMrz.ok).toBe(false);
    const reply = await emit<{ ok: boolean; replyId: string }>(desk.socket, 'reply', {
      seq: item.seq,
      body: 'Seen two of these in Lampedusa today.',
    });
    expect(reply.ok).toBe(true);
  });
});

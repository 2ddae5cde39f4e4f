import pino from 'pino';
import type { Namespace } from 'socket.io';
import { IdentityError, type Principal } from '@corridor/identity';
import { authCookieNames, SessionStore } from '@corridor/platform';
import { HandshakeRefusal, SocketSignIn, type SocketHandshake } from './socket-sign-in';

const OWN = 'http://127.0.0.1:8070';
const cookies = authCookieNames('corridor');
const officer: Principal = {
  sub: 'officer.roma',
  country: 'IT',
  roles: ['officer'],
  clearance: 'RED',
  categories: ['ROUTE'],
};
const publisher: Principal = { sub: 'agency.roma', country: 'IT', roles: ['publisher'] };

function setup() {
  const sessions = new SessionStore();
  const tokens = new Map<string, Principal>([['officer-token', officer]]);
  const authenticator = {
    authenticate: (token: string): Promise<Principal> => {
      const p = tokens.get(token);
      return p ? Promise.resolve(p) : Promise.reject(new IdentityError('TOKEN_INVALID', 'bad token'));
    },
  };
  const signIn = new SocketSignIn(
    authenticator,
    sessions,
    { baseUrl: `${OWN}/`, cookies },
    pino({ level: 'silent' }),
  );
  const session = (principal: Principal) =>
    sessions.create({
      principal,
      subject: principal.sub,
      accessToken: 'at',
      accessExpiresAtMs: Date.now() + 60_000,
    });
  return { sessions, signIn, session };
}

const handshake = (h: { cookie?: string; origin?: string; token?: unknown }): SocketHandshake => ({
  headers: { ...(h.cookie ? { cookie: h.cookie } : {}), ...(h.origin ? { origin: h.origin } : {}) },
  auth: h.token === undefined ? {} : { token: h.token },
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as IdentityError | HandshakeRefusal).code, message: (err as Error).message };
  }
  throw new Error('signed in although it should have been refused');
}

describe('SocketSignIn.signIn', () => {
  it('takes a bearer token from auth.token without an Origin (the CLI, node clients)', async () => {
    const { signIn } = setup();
    expect(await signIn.signIn(handshake({ token: 'officer-token' }))).toEqual({ principal: officer });
    expect((await refusal(signIn.signIn(handshake({ token: 'forged' })))).code).toBe('TOKEN_INVALID');
  });

  it('takes the session cookie from a handshake whose Origin is this gateway', async () => {
    const { signIn, session } = setup();
    const s = session(officer);
    const signedIn = await signIn.signIn(
      handshake({ cookie: `other=1; corridor_session=${s.id}`, origin: OWN }),
    );
    expect(signedIn).toEqual({ principal: officer, sessionId: s.id });
  });

  it.each([
    ['another origin', 'http://127.0.0.1:9999', /another origin/],
    ['another scheme', 'https://127.0.0.1:8070', /another origin/],
    ['no Origin', undefined, /carries no Origin/],
  ])('refuses the session cookie from %s with the reason', async (_n, origin, reason) => {
    const { signIn, session } = setup();
    const s = session(officer);
    const r = await refusal(signIn.signIn(handshake({ cookie: `corridor_session=${s.id}`, origin })));
    expect(r.code).toBe('SESSION_FOREIGN_ORIGIN');
    expect(r.message).toMatch(reason);
  });

  it('prefers a token sent on purpose to a cookie that came along, whatever the Origin', async () => {
    const { signIn, session } = setup();
    const s = session(publisher);
    const signedIn = await signIn.signIn(
      handshake({
        cookie: `corridor_session=${s.id}`,
        origin: 'http://evil.example',
        token: 'officer-token',
      }),
    );
    expect(signedIn).toEqual({ principal: officer });
  });

  it('tells an ended session to sign in again and a bare handshake to sign in or send auth.token', async () => {
    const { signIn, session, sessions } = setup();
    const s = session(officer);
    sessions.end(s.id, 'logout');
    const ended = await refusal(
      signIn.signIn(handshake({ cookie: `corridor_session=${s.id}`, origin: OWN })),
    );
    expect(ended).toEqual({ code: 'TOKEN_MISSING', message: 'your sign-in has ended: sign in again' });
    const bare = await refusal(signIn.signIn(handshake({ origin: OWN, token: 42 })));
    expect(bare.code).toBe('TOKEN_MISSING');
    expect(bare.message).toMatch(/auth\.token/);
  });
});

/** The part of a socket.io namespace guard() uses: its middleware and its connected sockets. */
function fakeNamespace() {
  const middlewares: ((socket: unknown, next: (err?: Error) => void) => void)[] = [];
  const sockets = new Map<string, { data: Record<string, unknown>; disconnect: jest.Mock }>();
  const ns = { use: (fn: (typeof middlewares)[number]) => middlewares.push(fn), sockets };
  const handshakeOf = async (id: string, h: SocketHandshake): Promise<Error | undefined> => {
    const socket = { handshake: h, data: {}, disconnect: jest.fn() };
    const err = await new Promise<Error | undefined>((resolve) => middlewares[0](socket, resolve));
    if (!err) {
      sockets.set(id, socket);
    }
    return err;
  };
  return { ns: ns as unknown as Namespace, sockets, handshakeOf };
}

describe('SocketSignIn.guard', () => {
  const officersOnly = {
    namespace: '/desk',
    admit: (p: Principal) => {
      if (!p.roles.includes('officer')) {
        throw new IdentityError('TOKEN_CLAIMS', 'the desk needs the officer role');
      }
    },
  };

  it('admits a signed-in socket with its principal and session, and refuses others with reason and code', async () => {
    const { signIn, session } = setup();
    const { ns, sockets, handshakeOf } = fakeNamespace();
    signIn.guard(ns, officersOnly);
    const s = session(officer);
    expect(
      await handshakeOf('a', handshake({ cookie: `corridor_session=${s.id}`, origin: OWN })),
    ).toBeUndefined();
    expect(sockets.get('a')?.data).toEqual({ principal: officer, sessionId: s.id });

    const foreign = await handshakeOf(
      'b',
      handshake({ cookie: `corridor_session=${s.id}`, origin: 'http://x.test' }),
    );
    expect(foreign).toMatchObject({ data: { code: 'SESSION_FOREIGN_ORIGIN' } });
    expect(foreign?.message).toMatch(/own pages/);
    const p = session(publisher);
    const wrongRole = await handshakeOf('c', handshake({ cookie: `corridor_session=${p.id}`, origin: OWN }));
    expect(wrongRole).toMatchObject({
      message: 'the desk needs the officer role',
      data: { code: 'TOKEN_CLAIMS' },
    });
    expect([...sockets.keys()]).toEqual(['a']);
  });

  it('answers an unexpected failure with a generic reason, never its text', async () => {
    const sessions = new SessionStore();
    const signIn = new SocketSignIn(
      { authenticate: () => Promise.reject(new Error('connection string postgres://secret')) },
      sessions,
      { baseUrl: OWN, cookies },
      pino({ level: 'silent' }),
    );
    const { ns, handshakeOf } = fakeNamespace();
    signIn.guard(ns, officersOnly);
    const err = await handshakeOf('a', handshake({ token: 't' }));
    expect(err).toMatchObject({ message: 'sign-in refused', data: { code: 'TOKEN_INVALID' } });
  });

  it('disconnects the sockets of a session that ends, and only those', async () => {
    const { signIn, session, sessions } = setup();
    const { ns, sockets, handshakeOf } = fakeNamespace();
    signIn.guard(ns, officersOnly);
    const ending = session(officer);
    const staying = session(officer);
    await handshakeOf('ending-1', handshake({ cookie: `corridor_session=${ending.id}`, origin: OWN }));
    await handshakeOf('ending-2', handshake({ cookie: `corridor_session=${ending.id}`, origin: OWN }));
    await handshakeOf('staying', handshake({ cookie: `corridor_session=${staying.id}`, origin: OWN }));
    await handshakeOf('token', handshake({ token: 'officer-token' }));
    sessions.end(ending.id, 'backchannel-logout');
    expect(sockets.get('ending-1')?.disconnect).toHaveBeenCalledWith(true);
    expect(sockets.get('ending-2')?.disconnect).toHaveBeenCalledWith(true);
    expect(sockets.get('staying')?.disconnect).not.toHaveBeenCalled();
    expect(sockets.get('token')?.disconnect).not.toHaveBeenCalled();
  });
});

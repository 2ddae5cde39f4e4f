// Who may open a socket.io namespace of this gateway (/desk, /deliveries), in one place: a bearer token as auth.token,
// or the browser's session cookie, which counts only from this gateway's own pages; and a session that ends closes
// its sockets at once.
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { IdentityError, type Principal } from '@corridor/identity';
import {
  AUTHENTICATOR,
  BROWSER_AUTH,
  type BrowserAuthOptions,
  loggerFor,
  ROOT_LOGGER,
  sessionIdOf,
  SessionStore,
} from '@corridor/platform';

/** What a signed-in socket carries in socket.data. */
export interface SignedInSocketData {
  principal: Principal;
  /** the session this socket signed in with; absent for a bearer token */
  sessionId?: string;
}

/** The part of a socket.io handshake sign-in reads. */
export interface SocketHandshake {
  headers: IncomingHttpHeaders;
  auth: Record<string, unknown>;
}

export interface NamespaceAdmission {
  /** the namespace, for the log */
  namespace: string;
  /** Throws IdentityError (code TOKEN_CLAIMS) when the signed-in person may not use the namespace. */
  admit(principal: Principal): void;
}

/** A handshake refused: the reason and code the client gets in connect_error. */
export class HandshakeRefusal extends Error {
  constructor(
    readonly code: 'SESSION_FOREIGN_ORIGIN',
    message: string,
  ) {
    super(message);
    this.name = 'HandshakeRefusal';
  }
}

type BearerAuthenticator = { authenticate(token: string): Promise<Principal> };

@Injectable()
export class SocketSignIn {
  private readonly ownOrigin: string;
  private readonly logger: Logger;

  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: BearerAuthenticator,
    private readonly sessions: SessionStore,
    @Inject(BROWSER_AUTH) private readonly browserAuth: Pick<BrowserAuthOptions, 'baseUrl' | 'cookies'>,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.ownOrigin = new URL(browserAuth.baseUrl).origin;
    this.logger = loggerFor(root, SocketSignIn);
  }

  /**
   * The person behind a handshake. A bearer token, sent on purpose, comes first. A cookie travels with any handshake to
   * this host and a WebSocket handshake is not held back by CORS, so the session counts only when the Origin header
   * (which a browser always sends on a WebSocket handshake) names this gateway.
   */
  async signIn(handshake: SocketHandshake): Promise<SignedInSocketData> {
    const token = handshake.auth?.token;
    if (typeof token === 'string' && token) {
      return { principal: await this.authenticator.authenticate(token) };
    }
    const sessionId = sessionIdOf(handshake, this.browserAuth.cookies);
    const session = this.sessions.get(sessionId);
    if (!session) {
      throw new IdentityError(
        'TOKEN_MISSING',
        sessionId
          ? 'your sign-in has ended: sign in again'
          : 'not signed in: sign in at /auth/login (or send a token as auth.token in the handshake)',
      );
    }
    const origin = handshake.headers.origin;
    if (origin !== this.ownOrigin) {
      throw new HandshakeRefusal(
        'SESSION_FOREIGN_ORIGIN',
        origin
          ? 'a session is accepted only from this gateway’s own pages, not from another origin'
          : 'a session is accepted only from this gateway’s own pages: the handshake carries no Origin',
      );
    }
    return { principal: session.principal, sessionId: session.id };
  }

  /**
   * Signs every handshake of the namespace in (a refused socket never connects and gets the reason in connect_error)
   * and disconnects its sockets whose session ends (logout, back-channel logout, a disabled account).
   */
  guard(server: Namespace, admission: NamespaceAdmission): void {
    server.use((socket, next) => {
      void this.signIn(socket.handshake as SocketHandshake)
        .then((signedIn) => {
          admission.admit(signedIn.principal);
          Object.assign((socket as Socket<never, never, never, SignedInSocketData>).data, signedIn);
        })
        .then(
          () => next(),
          (err: unknown) => {
            if (!isRefusal(err)) {
              this.logger.warn(
                { namespace: admission.namespace, err: (err as Error)?.message },
                'sign-in failed',
              );
            }
            next(refusalOf(err));
          },
        );
    });
    this.sessions.on('ended', (session, reason) => {
      for (const socket of server.sockets.values()) {
        if ((socket.data as Partial<SignedInSocketData> | undefined)?.sessionId === session.id) {
          this.logger.info(
            { namespace: admission.namespace, person: session.principal.sub, reason },
            'socket closed: session ended',
          );
          socket.disconnect(true);
        }
      }
    });
  }
}

/** The error a refused handshake answers with: the reason and its code, never an internal error's text. */
export function refusalOf(err: unknown): Error & { data: { code: string } } {
  const known = isRefusal(err);
  const refusal = new Error(known ? err.message : 'sign-in refused') as Error & { data: { code: string } };
  refusal.data = { code: known ? err.code : 'TOKEN_INVALID' };
  return refusal;
}

function isRefusal(err: unknown): err is IdentityError | HandshakeRefusal {
  return err instanceof IdentityError || err instanceof HandshakeRefusal;
}

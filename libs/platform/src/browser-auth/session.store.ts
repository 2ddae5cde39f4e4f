// Server-side sessions of people signed in through the identity provider. The browser holds only an opaque,
// random session id in an httpOnly cookie; tokens stay here. In memory, per service instance (see
// docs/security.md: a second instance sends its people through sign-in again).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Principal } from '@corridor/identity';
import type { SignedIn } from '../oidc';

export interface Session extends SignedIn {
  id: string;
  createdAtMs: number;
}

export interface PendingLogin {
  state: string;
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  createdAtMs: number;
}

export type SessionEndReason = 'logout' | 'backchannel-logout' | 'provider-revoked' | 'expired';

interface SessionEvents {
  ended: [session: Session, reason: SessionEndReason];
}

const PENDING_TTL_MS = 10 * 60_000;
const PENDING_MAX = 10_000;

export class SessionStore extends EventEmitter<SessionEvents> {
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Map<string, PendingLogin>();
  /**
   * Provider sessions and subjects ended here (back-channel logout, a disabled user), until their access tokens
   * would have expired: a bearer token of theirs is refused at once, not when it expires.
   */
  private readonly revoked = new Map<string, number>();

  create(signedIn: SignedIn): Session {
    const session: Session = {
      ...signedIn,
      id: randomBytes(32).toString('base64url'),
      createdAtMs: Date.now(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    return id ? this.sessions.get(id) : undefined;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  update(id: string, signedIn: SignedIn): void {
    const s = this.sessions.get(id);
    if (s) {
      Object.assign(s, signedIn);
    }
  }

  end(id: string, reason: SessionEndReason): Session | undefined {
    const s = this.sessions.get(id);
    if (!s) {
      return undefined;
    }
    this.sessions.delete(id);
    if (reason !== 'logout') {
      this.revoke({ sessionId: s.sessionId, subject: reason === 'provider-revoked' ? s.subject : undefined });
    } else if (s.sessionId) {
      this.revoke({ sessionId: s.sessionId });
    }
    this.emit('ended', s, reason);
    return s;
  }

  /** Ends every session of a provider session id or subject; returns how many. */
  endWhere(opts: { sessionId?: string; subject?: string }, reason: SessionEndReason): number {
    this.revoke(opts);
    let n = 0;
    for (const s of this.all()) {
      if (
        (opts.sessionId && s.sessionId === opts.sessionId) ||
        (opts.subject && s.subject === opts.subject)
      ) {
        this.end(s.id, reason);
        n++;
      }
    }
    return n;
  }

  private revoke(opts: { sessionId?: string; subject?: string }): void {
    // Access tokens live 5 minutes at the provider; twice that is enough.
    const until = Date.now() + 10 * 60_000;
    for (const key of [opts.sessionId && `sid:${opts.sessionId}`, opts.subject && `sub:${opts.subject}`]) {
      if (key) {
        this.revoked.set(key, until);
      }
    }
  }

  isRevoked(opts: { sessionId?: string; subject: string }): boolean {
    const now = Date.now();
    for (const [k, until] of this.revoked) {
      if (until < now) {
        this.revoked.delete(k);
      }
    }
    return (
      (opts.sessionId !== undefined && this.revoked.has(`sid:${opts.sessionId}`)) ||
      this.revoked.has(`sub:${opts.subject}`)
    );
  }

  addPending(p: PendingLogin): void {
    const now = Date.now();
    for (const [k, v] of this.pending) {
      if (now - v.createdAtMs > PENDING_TTL_MS || this.pending.size >= PENDING_MAX) {
        this.pending.delete(k);
      }
    }
    this.pending.set(p.state, p);
  }

  takePending(state: string | undefined): PendingLogin | undefined {
    if (!state) {
      return undefined;
    }
    const p = this.pending.get(state);
    this.pending.delete(state);
    return p && Date.now() - p.createdAtMs <= PENDING_TTL_MS ? p : undefined;
  }

  principalOf(id: string | undefined): Principal | undefined {
    return this.get(id)?.principal;
  }
}

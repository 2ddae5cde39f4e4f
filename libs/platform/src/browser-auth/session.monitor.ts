// Keeps server-side sessions honest: every few seconds each session's access token is checked at the provider
// (introspection; a disabled user or an ended provider session is inactive) and refreshed before it expires. An
// inactive session ends here, which closes its desk sockets. A provider that cannot be reached ends nothing.
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { loggerFor, ROOT_LOGGER } from '../logging';
import { OidcRelyingParty } from '../oidc';
import { BROWSER_AUTH, BrowserAuthOptions, OIDC_RP } from './options';
import { Session, SessionStore } from './session.store';

const REFRESH_BEFORE_MS = 60_000;

@Injectable()
export class SessionMonitor implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly logger: Logger;

  constructor(
    @Inject(BROWSER_AUTH) private readonly opts: BrowserAuthOptions,
    @Inject(OIDC_RP) private readonly rp: OidcRelyingParty | null,
    private readonly sessions: SessionStore,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = loggerFor(root, SessionMonitor);
  }

  onModuleInit(): void {
    if (!this.rp) {
      return;
    }
    this.timer = setInterval(() => void this.pass(), this.opts.sessionCheckMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One check of every session; passes never overlap. */
  async pass(): Promise<void> {
    if (this.running || !this.rp?.ready) {
      return;
    }
    this.running = true;
    try {
      await Promise.all(this.sessions.all().map((s) => this.check(s)));
    } finally {
      this.running = false;
    }
  }

  private async check(s: Session): Promise<void> {
    const rp = this.rp!;
    try {
      if (s.accessExpiresAtMs - Date.now() < REFRESH_BEFORE_MS) {
        if (!s.refreshToken) {
          this.sessions.end(s.id, 'expired');
          return;
        }
        this.sessions.update(s.id, await rp.refresh(s.refreshToken));
        return;
      }
      if (!(await rp.isActive(s.accessToken))) {
        this.logger.info({ person: s.principal.sub }, 'provider ended the session (disabled or logged out)');
        this.sessions.end(s.id, 'provider-revoked');
      }
    } catch (err) {
      const e = err as Error & { error?: string };
      if (e.error === 'invalid_grant') {
        this.logger.info({ person: s.principal.sub }, 'provider refused the refresh: session ended');
        this.sessions.end(s.id, 'provider-revoked');
      } else {
        this.logger.warn({ err: e.message }, 'session check failed; kept until the provider answers');
      }
    }
  }
}

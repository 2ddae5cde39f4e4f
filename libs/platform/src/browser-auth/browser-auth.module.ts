// Browser sign-in as one Nest module, the same in the gateway (desk) and the secretariat (audit page): the relying
// party at the service's OpenID Connect provider, server-side sessions, the /auth routes, the session monitor, the
// bearer authenticator (which refuses tokens of sessions ended here), and the session as REST credential where the
// service's page reads its API with it.
import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { IdentityError, type Principal } from '@corridor/identity';
import { AUTHENTICATOR, BearerAuthenticator } from '../auth.guard';
import { loggerFor, ROOT_LOGGER } from '../logging';
import { OidcRelyingParty } from '../oidc';
import { problem } from '../problem';
import type { SessionPrincipals } from '../auth.guard';
import { AuthController } from './auth.controller';
import { sessionIdOf } from './cookies';
import {
  BROWSER_AUTH,
  BrowserAuthOptions,
  OIDC_RP,
  SESSION_CREDENTIALS,
  SESSION_REQUEST_HEADER,
} from './options';
import { SessionMonitor } from './session.monitor';
import { SessionStore } from './session.store';
import { TokenLiveness } from '../token-liveness';

export interface BrowserAuthSetup {
  /** the provider and this service's client there; absent in development-token mode */
  oidc?: {
    issuer: string;
    clientId: string;
    clientSecret: string;
    /** how long the provider's answer on a person's bearer token is reused (TokenLiveness); 2000 when absent */
    livenessCacheMs?: number;
  };
  /** the development switch (AUTH_DEV_TOKEN_SECRET) */
  devTokenSecret?: string;
  /** the country tokens must name (secretariat: ZZ) and the audience they must carry */
  country: string;
  audience: string;
  browser: BrowserAuthOptions;
  logger: Logger;
}

/** The session cookie as a REST credential, where the service allows it (BrowserAuthOptions.restFromSession). */
@Injectable()
export class SessionCredentials implements SessionPrincipals {
  constructor(
    @Inject(BROWSER_AUTH) private readonly opts: BrowserAuthOptions,
    private readonly sessions: SessionStore,
  ) {}

  /** The signed-in person of the request's session; undefined when it carries no session cookie. */
  principalOf(req: Pick<Request, 'headers'>): Principal | undefined {
    if (!this.opts.restFromSession) {
      return undefined;
    }
    const id = sessionIdOf(req, this.opts.cookies);
    if (!id) {
      return undefined;
    }
    const session = this.sessions.get(id);
    if (!session) {
      throw new IdentityError('TOKEN_MISSING', 'your sign-in has ended: sign in again');
    }
    // A cookie travels with any request to this host; the custom header only with this service's own pages.
    if (req.headers[SESSION_REQUEST_HEADER] !== '1') {
      throw problem(
        403,
        'SESSION_HEADER_MISSING',
        `a request made with the session cookie needs the header ${SESSION_REQUEST_HEADER}: 1`,
        { field: SESSION_REQUEST_HEADER },
      );
    }
    const allowed = this.opts.sessionRoles;
    if (allowed && !allowed.some((r) => session.principal.roles.includes(r))) {
      throw problem(
        403,
        'SESSION_ROLE',
        `a signed-in session calls this API only for the roles ${allowed.join(', ')}; use a bearer token`,
      );
    }
    return session.principal;
  }
}

@Global()
@Module({})
export class BrowserAuthModule implements OnApplicationShutdown {
  static forRoot(setup: BrowserAuthSetup): DynamicModule {
    const sessions = new SessionStore();
    const rp = setup.oidc
      ? new OidcRelyingParty(
          { ...setup.oidc, audience: setup.audience, country: setup.country },
          loggerFor(setup.logger, OidcRelyingParty),
        )
      : undefined;
    // Discovery runs in the background: a provider that is down never holds up the service.
    rp?.start();
    const livenessLogger = loggerFor(setup.logger, TokenLiveness);
    const providers: Provider[] = [
      { provide: ROOT_LOGGER, useValue: setup.logger },
      { provide: BROWSER_AUTH, useValue: setup.browser },
      { provide: SessionStore, useValue: sessions },
      { provide: OIDC_RP, useValue: rp ?? null },
      {
        provide: AUTHENTICATOR,
        useValue: new BearerAuthenticator({
          oidc: rp,
          devTokenSecret: setup.devTokenSecret,
          country: setup.country,
          audience: setup.audience,
          isRevoked: (t) => sessions.isRevoked({ sessionId: t.sessionId, subject: t.subject }),
          liveness: rp
            ? new TokenLiveness({
                introspect: (token) => rp.isActive(token),
                cacheMs: setup.oidc?.livenessCacheMs ?? 2000,
                onUnreachable: (err) =>
                  livenessLogger.warn(
                    { err: err.message },
                    "the provider could not be asked whether a person's token is live; accepted on its signature",
                  ),
              })
            : undefined,
        }),
      },
      SessionCredentials,
      { provide: SESSION_CREDENTIALS, useExisting: SessionCredentials },
      SessionMonitor,
    ];
    return {
      module: BrowserAuthModule,
      controllers: [AuthController],
      providers,
      exports: [BROWSER_AUTH, SessionStore, OIDC_RP, AUTHENTICATOR, SessionCredentials, SESSION_CREDENTIALS],
    };
  }

  constructor(@Inject(OIDC_RP) private readonly rp: OidcRelyingParty | null) {}

  onApplicationShutdown(): void {
    this.rp?.stop();
  }
}

// A service as an OpenID Connect relying party (openid-client, certified): discovery retried while the provider is
// down (nothing else waits for it), authorization code with PKCE, refresh, introspection, RP-initiated and
// back-channel logout; bearer tokens verified against the provider's JWKS (jose, through @corridor/identity).
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import {
  AccessTokenVerifier,
  IdentityError,
  Principal,
  principalFromClaims,
  VerifiedAccessToken,
} from '@corridor/identity';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** the audience access tokens must name (gateway.<cc> or secretariat) */
  audience: string;
  /** the country tokens must name (secretariat: ZZ) */
  country: string;
}

export interface SignedIn {
  principal: Principal;
  subject: string;
  sessionId?: string;
  accessToken: string;
  accessExpiresAtMs: number;
  refreshToken?: string;
  idToken?: string;
}

export interface LoginStart {
  url: string;
  state: string;
  codeVerifier: string;
  nonce: string;
}

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const DISCOVERY_RETRY_MS = 5000;

export class OidcRelyingParty {
  private config?: oidc.Configuration;
  private verifier?: AccessTokenVerifier;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;
  private retry?: NodeJS.Timeout;
  private discovering?: Promise<boolean>;
  private lastError = 'not yet contacted';

  constructor(
    readonly settings: OidcSettings,
    private readonly logger: Logger,
  ) {}

  /** Starts discovery in the background, retried until the provider answers; never throws. */
  start(): void {
    void this.discover();
  }

  stop(): void {
    clearTimeout(this.retry);
  }

  get ready(): boolean {
    return this.config !== undefined;
  }

  private async discover(): Promise<boolean> {
    this.discovering ??= (async () => {
      try {
        const url = new URL(this.settings.issuer);
        this.config = await oidc.discovery(
          url,
          this.settings.clientId,
          this.settings.clientSecret,
          oidc.ClientSecretPost(this.settings.clientSecret),
          {
            // Plain HTTP only for a provider on loopback (the project's own Keycloak in development).
            execute: isLoopback(url) && url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
            timeout: 3,
          },
        );
        const meta = this.config.serverMetadata();
        this.verifier = new AccessTokenVerifier({
          issuer: meta.issuer,
          jwksUri: meta.jwks_uri!,
          audience: this.settings.audience,
          country: this.settings.country,
        });
        this.jwks = createRemoteJWKSet(new URL(meta.jwks_uri!), { timeoutDuration: 3000 });
        this.logger.info({ issuer: meta.issuer }, 'identity provider discovered');
        return true;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.logger.warn(
          { issuer: this.settings.issuer, err: this.lastError },
          'identity provider unreachable; sign-in unavailable, retrying',
        );
        clearTimeout(this.retry);
        this.retry = setTimeout(() => void this.discover(), DISCOVERY_RETRY_MS);
        this.retry.unref();
        return false;
      } finally {
        this.discovering = undefined;
      }
    })();
    return await this.discovering;
  }

  private configuration(): oidc.Configuration {
    if (!this.config) {
      throw new IdentityError(
        'PROVIDER_UNAVAILABLE',
        'the identity provider cannot be reached: sign-in is unavailable, try again in a minute',
      );
    }
    return this.config;
  }

  /** Whether the provider answers now (its discovery document, 2 s bound), for /health. */
  async probe(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    try {
      const r = await fetch(`${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(2000),
      });
      if (!r.ok) {
        return { status: 'down', detail: `discovery answered ${r.status}` };
      }
      if (!this.config) {
        void this.discover();
      }
      return { status: 'up' };
    } catch (err) {
      return { status: 'down', detail: (err as Error).message };
    }
  }

  async verifyAccessToken(token: string | undefined): Promise<VerifiedAccessToken> {
    if (!this.verifier) {
      await this.discover();
    }
    if (!this.verifier) {
      throw new IdentityError(
        'PROVIDER_UNAVAILABLE',
        'the identity provider cannot be reached to fetch its keys: try again shortly',
      );
    }
    return await this.verifier.verify(token);
  }

  async beginLogin(redirectUri: string): Promise<LoginStart> {
    const config = this.configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, codeVerifier, nonce };
  }

  /** Exchanges the authorization code (state, nonce and PKCE checked) and verifies the access token's claims. */
  async finishLogin(callbackUrl: URL, checks: Omit<LoginStart, 'url'>): Promise<SignedIn> {
    const tokens = await oidc.authorizationCodeGrant(this.configuration(), callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    return await this.signedIn(tokens);
  }

  async refresh(refreshToken: string): Promise<SignedIn> {
    return await this.signedIn(await oidc.refreshTokenGrant(this.configuration(), refreshToken));
  }

  private async signedIn(tokens: oidc.TokenEndpointResponse): Promise<SignedIn> {
    const verified = await this.verifyAccessToken(tokens.access_token);
    return {
      principal: verified.principal,
      subject: verified.subject,
      sessionId: verified.sessionId,
      accessToken: tokens.access_token,
      accessExpiresAtMs: verified.expiresAtMs,
      refreshToken: tokens.refresh_token,
      idToken: tokens.id_token,
    };
  }

  /** Whether the provider still considers the token (and its user and session) valid. */
  async isActive(accessToken: string): Promise<boolean> {
    const r = await oidc.tokenIntrospection(this.configuration(), accessToken);
    return r.active === true;
  }

  endSessionUrl(opts: { idTokenHint?: string; postLogoutRedirectUri: string }): string | undefined {
    if (!this.config?.serverMetadata().end_session_endpoint) {
      return undefined;
    }
    return oidc.buildEndSessionUrl(this.config, {
      post_logout_redirect_uri: opts.postLogoutRedirectUri,
      ...(opts.idTokenHint ? { id_token_hint: opts.idTokenHint } : { client_id: this.settings.clientId }),
    }).href;
  }

  /** OpenID Connect Back-Channel Logout 1.0, section 2.6: a signed logout token naming a session or a subject. */
  async verifyLogoutToken(token: string): Promise<{ sessionId?: string; subject?: string }> {
    const config = this.configuration();
    const { payload } = await jwtVerify(token, this.jwks!, {
      issuer: config.serverMetadata().issuer,
      audience: this.settings.clientId,
      maxTokenAge: '2 minutes',
      requiredClaims: ['iat', 'jti', 'events'],
    });
    const events = payload.events as Record<string, unknown> | undefined;
    if (!events || typeof events !== 'object' || !(BACKCHANNEL_LOGOUT_EVENT in events)) {
      throw new IdentityError('TOKEN_CLAIMS', 'logout token lacks the back-channel logout event');
    }
    if ('nonce' in payload) {
      throw new IdentityError('TOKEN_CLAIMS', 'a logout token must not carry a nonce');
    }
    const sessionId = typeof payload.sid === 'string' ? payload.sid : undefined;
    const subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    if (!sessionId && !subject) {
      throw new IdentityError('TOKEN_CLAIMS', 'a logout token names a session (sid) or a subject (sub)');
    }
    return { sessionId, subject };
  }

  /** Maps claims the same way bearer tokens are mapped (for callers holding claims already verified). */
  principalOf(claims: Record<string, unknown>): Principal {
    return principalFromClaims(claims, this.settings.country);
  }
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

// Every route needs a bearer token (or, where the service allows it, a browser session) unless marked @Public();
// roles are checked per route with @Roles().
import { CanActivate, ExecutionContext, Inject, Injectable, Optional, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import {
  hasRole,
  IdentityError,
  Principal,
  Role,
  verifyToken,
  type VerifiedAccessToken,
} from '@corridor/identity';
import { SESSION_CREDENTIALS } from './browser-auth/options';
import type { OidcRelyingParty } from './oidc';
import { problem } from './problem';
import type { TokenLiveness } from './token-liveness';

const PUBLIC = 'corridor:public';
const ROLES = 'corridor:roles';
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

export type AuthedRequest = Request & { principal: Principal };

/** Turns a bearer token into a principal, or throws IdentityError with the reason. */
export const AUTHENTICATOR = Symbol('AUTHENTICATOR');

export interface BearerAuthenticatorOptions {
  /** the service's OpenID Connect provider; absent only in development-token mode */
  oidc?: OidcRelyingParty;
  /**
   * Development switch (AUTH_DEV_TOKEN_SECRET): also accept HS256 tokens made with this secret. Only for e2e
   * tests that are not about sign-in; never in the demo or a deployment (docs/security.md).
   */
  devTokenSecret?: string;
  country: string;
  audience: string;
  /** a provider session or subject ended here (logout, disabled): its tokens are refused before they expire */
  isRevoked?: (token: VerifiedAccessToken) => boolean;
  /**
   * A person's token (one with a provider session) is asked about at the provider, the answer reused briefly: a
   * disabled or logged-out person's calls fail within that while even where this service holds no session of theirs.
   */
  liveness?: TokenLiveness;
}

export class BearerAuthenticator {
  constructor(private readonly opts: BearerAuthenticatorOptions) {}

  get devTokens(): boolean {
    return this.opts.devTokenSecret !== undefined;
  }

  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) {
      throw new IdentityError('TOKEN_MISSING', 'no bearer token: send Authorization: Bearer <token>');
    }
    if (this.opts.devTokenSecret !== undefined && isHs256(token)) {
      return verifyToken({
        token,
        secret: this.opts.devTokenSecret,
        country: this.opts.country,
        audience: this.opts.audience,
      });
    }
    if (!this.opts.oidc) {
      throw new IdentityError('TOKEN_INVALID', 'this service accepts only its development tokens');
    }
    const verified = await this.opts.oidc.verifyAccessToken(token);
    if (this.opts.isRevoked?.(verified)) {
      throw new IdentityError(
        'TOKEN_REVOKED',
        'this sign-in was ended (logout, or the account was disabled): sign in again',
      );
    }
    if (verified.sessionId !== undefined && this.opts.liveness && !(await this.opts.liveness.isLive(token))) {
      throw new IdentityError(
        'TOKEN_REVOKED',
        'the provider no longer accepts this sign-in (logout, or the account was disabled): sign in again',
      );
    }
    return verified.principal;
  }
}

function isHs256(token: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as {
      alg?: string;
    };
    return header.alg === 'HS256';
  } catch {
    return false;
  }
}

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

/** The signed-in person of a request's session cookie, where the service's REST API takes it. */
export interface SessionPrincipals {
  principalOf(req: Pick<Request, 'headers'>): Principal | undefined;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly authenticator: BearerAuthenticator,
    @Optional() @Inject(SESSION_CREDENTIALS) private readonly sessions?: SessionPrincipals,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) {
      return true;
    }
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const token = bearer(req.headers.authorization);
    // A bearer token wins; without one, the page's session cookie where the service allows it.
    const principal =
      (token ? undefined : this.sessions?.principalOf(req)) ?? (await this.authenticator.authenticate(token));
    req.principal = principal;
    // A route with no @Roles() is for operators only: least privilege by default.
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets) ?? ['admin'];
    if (!hasRole(principal, ...roles)) {
      throw problem(403, 'FORBIDDEN_ROLE', `this route needs one of the roles ${roles.join(', ')}`);
    }
    return true;
  }
}

// Development tokens: HS256 JWTs signed with a shared secret, accepted only behind the explicit development switch
// (AUTH_DEV_TOKEN_SECRET) for e2e tests that are not about sign-in; see docs/security.md. People and agencies
// authenticate through the OpenID Connect provider (oidc.ts).
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CATEGORY_NAMES, CLASSIFICATION_NAMES } from '@corridor/contracts';

export const ROLES = ['publisher', 'officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** officer id, agency id or operator id */
  sub: string;
  country: string;
  roles: Role[];
  /** officer desk, e.g. "maritime" */
  desk?: string;
  /** highest TLP level this officer may see, e.g. AMBER */
  clearance?: string;
  /** categories this officer's desk covers; empty = none */
  categories?: string[];
  agency?: string;
}

export type IdentityErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_WRONG_COUNTRY'
  | 'TOKEN_WRONG_ISSUER'
  | 'TOKEN_CLAIMS'
  | 'TOKEN_REVOKED'
  | 'PROVIDER_UNAVAILABLE';

export class IdentityError extends Error {
  readonly retriable: boolean;
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
    this.retriable = code === 'PROVIDER_UNAVAILABLE';
  }
}

const ISSUER = 'corridor';

/** The audience a gateway accepts: its own country. The secretariat accepts "secretariat". */
export function gatewayAudience(country: string): string {
  return `gateway.${country.toLowerCase()}`;
}

export const SECRETARIAT_AUDIENCE = 'secretariat';

export function issueToken(opts: {
  principal: Principal;
  secret: string;
  ttlSeconds: number;
  audience?: string;
}): string {
  validateClaims(opts.principal);
  return jwt.sign({ ...opts.principal }, opts.secret, {
    algorithm: 'HS256',
    expiresIn: opts.ttlSeconds,
    issuer: ISSUER,
    audience: opts.audience ?? gatewayAudience(opts.principal.country),
  });
}

// jsonwebtoken turns a string secret into a KeyObject on every call, first by trying to parse it as a PEM public
// key: about 0.3 ms per request. A gateway has one or two secrets, so their KeyObjects are kept.
const secretKeys = new Map<string, KeyObject>();

function secretKey(secret: string): KeyObject {
  let key = secretKeys.get(secret);
  if (!key) {
    if (secretKeys.size > 16) {
      secretKeys.clear();
    }
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    secretKeys.set(secret, key);
  }
  return key;
}

/**
 * Tokens that verified, by their exact text (with the secret and audience they verified against), until they
 * expire: an agency sends the same token with every request, and decoding plus HMAC plus claim checks cost more
 * than the rest of the guard. Equal text means an equal signature, so the answer cannot differ before expiry.
 * Bounded; the oldest entry goes first. A token without `exp` is never cached.
 */
const VERIFIED_MAX = 1024;
const verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

function principalCopy(p: Principal): Principal {
  return { ...p, roles: [...p.roles], categories: p.categories && [...p.categories] };
}

/** Verifies signature, expiry, audience (by default the gateway's own country) and the claim shapes. */
export function verifyToken(opts: {
  token: string | undefined;
  secret: string;
  country: string;
  audience?: string;
}): Principal {
  if (!opts.token) {
    throw new IdentityError('TOKEN_MISSING', 'no bearer token: send Authorization: Bearer <token>');
  }
  const audience = opts.audience ?? gatewayAudience(opts.country);
  const cacheKey = `${audience}\u0000${opts.secret}\u0000${opts.token}`;
  const hit = verified.get(cacheKey);
  if (hit) {
    if (Date.now() < hit.expiresAtMs) {
      return principalCopy(hit.principal);
    }
    verified.delete(cacheKey); // expired: the full check below says so
  }
  const { principal, exp } = verifyTokenFully({ token: opts.token, secret: opts.secret, audience });
  if (exp !== undefined) {
    if (verified.size >= VERIFIED_MAX) {
      verified.delete(verified.keys().next().value as string);
    }
    verified.set(cacheKey, { principal: principalCopy(principal), expiresAtMs: exp * 1000 });
  }
  return principal;
}

function verifyTokenFully(opts: { token: string; secret: string; audience: string }): {
  principal: Principal;
  exp: number | undefined;
} {
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(opts.token, secretKey(opts.secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: opts.audience,
    }) as jwt.JwtPayload;
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) {
      throw new IdentityError('TOKEN_EXPIRED', 'token expired: ask your gateway operator for a new one');
    }
    if (err instanceof jwt.JsonWebTokenError && /audience/.test(err.message)) {
      throw new IdentityError('TOKEN_WRONG_COUNTRY', `token was not issued for ${opts.audience}`);
    }
    throw new IdentityError('TOKEN_INVALID', 'token signature or format is invalid');
  }
  const principal: Principal = {
    sub: String(payload.sub ?? ''),
    country: String(payload.country ?? ''),
    roles: (payload.roles ?? []) as Role[],
    desk: payload.desk as string | undefined,
    clearance: payload.clearance as string | undefined,
    categories: payload.categories as string[] | undefined,
    agency: payload.agency as string | undefined,
  };
  validateClaims(principal);
  return { principal, exp: typeof payload.exp === 'number' ? payload.exp : undefined };
}

export function validateClaims(p: Principal): void {
  if (!p.sub || !/^[A-Z]{2}$/.test(p.country)) {
    throw new IdentityError('TOKEN_CLAIMS', 'token needs sub and an ISO alpha-2 country');
  }
  if (!Array.isArray(p.roles) || p.roles.length === 0 || p.roles.some((r) => !ROLES.includes(r))) {
    throw new IdentityError('TOKEN_CLAIMS', `token roles must be among ${ROLES.join(', ')}`);
  }
  if (p.clearance !== undefined && !CLASSIFICATION_NAMES.includes(p.clearance)) {
    throw new IdentityError('TOKEN_CLAIMS', `clearance must be one of ${CLASSIFICATION_NAMES.join(', ')}`);
  }
  if (p.categories?.some((c) => !CATEGORY_NAMES.includes(c))) {
    throw new IdentityError('TOKEN_CLAIMS', `categories must be among ${CATEGORY_NAMES.join(', ')}`);
  }
}

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return p.roles.includes('admin') || roles.some((r) => p.roles.includes(r));
}

/** An officer sees an alert only if its category is on their desk and its TLP level is within their clearance. */
export function officerCanSee(p: Principal, alert: { category: string; classification: string }): boolean {
  if (!p.clearance || !p.categories) {
    return false;
  }
  const level = CLASSIFICATION_NAMES.indexOf(alert.classification);
  const max = CLASSIFICATION_NAMES.indexOf(p.clearance);
  return level >= 0 && level <= max && p.categories.includes(alert.category);
}

// Access tokens from an OpenID Connect provider: JWTs verified against the provider's JWKS (issuer, audience, expiry,
// asymmetric algorithms only), then mapped to a Principal. The claims that scope a desk (country, desk, clearance,
// categories, roles) are read from the verified token only, never from anything the client sends beside it.
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { IdentityError, Principal, Role, ROLES, validateClaims } from './tokens';

/** Asymmetric signatures only: an HMAC "signed" with a public key must never pass. */
export const ACCESS_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

export interface AccessTokenVerifierOptions {
  /** the provider's issuer identifier, e.g. http://127.0.0.1:8180/realms/corridor-it */
  issuer: string;
  /** where the provider publishes its keys (discovery's jwks_uri) */
  jwksUri: string;
  /** the audience a token must name: gateway.<cc> or secretariat */
  audience: string;
  /** the country a token must name in its country claim (the secretariat: ZZ) */
  country: string;
  /** allowed clock skew, seconds */
  clockToleranceSeconds?: number;
}

/** A verified access token: the principal plus what revocation needs. */
export interface VerifiedAccessToken {
  principal: Principal;
  /** the provider's subject identifier (stable id, not the username) */
  subject: string;
  /** the provider's session id, when the token belongs to an interactive session */
  sessionId?: string;
  /** the OAuth client the token was issued to */
  clientId?: string;
  expiresAtMs: number;
}

function stringArray(v: unknown): string[] | undefined {
  if (v === undefined || v === null) {
    return undefined;
  }
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is string => typeof x === 'string');
}

/** Maps verified claims to Corridor's principal; unknown roles of the provider (its defaults) are ignored. */
export function principalFromClaims(claims: JWTPayload, expectedCountry: string): Principal {
  const country = typeof claims.country === 'string' ? claims.country : '';
  if (country !== expectedCountry) {
    throw new IdentityError(
      'TOKEN_WRONG_COUNTRY',
      `token names country ${country || '(none)'}, this service serves ${expectedCountry}`,
    );
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const principal: Principal = {
    // People are known by their (non-editable) username in logs and acknowledgements; machines by their client.
    sub: str(claims.preferred_username) ?? String(claims.sub ?? ''),
    country,
    roles: (stringArray(claims.roles) ?? []).filter((r): r is Role =>
      (ROLES as readonly string[]).includes(r),
    ),
    desk: str(claims.desk),
    clearance: str(claims.clearance),
    categories: stringArray(claims.categories),
    agency: str(claims.agency),
  };
  validateClaims(principal);
  return principal;
}

/**
 * Tokens that verified, by their exact text, until they expire: an agency sends the same token with every request,
 * and jose's WebCrypto signature check costs several times the rest of the request. Equal text means an equal
 * signature, so the answer cannot differ before expiry; revocation is checked by the caller on every request.
 */
const VERIFIED_MAX = 1024;

export class AccessTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified = new Map<string, VerifiedAccessToken>();

  constructor(private readonly opts: AccessTokenVerifierOptions) {
    this.jwks = createRemoteJWKSet(new URL(opts.jwksUri), {
      timeoutDuration: 3000,
      cooldownDuration: 10_000,
    });
  }

  get issuer(): string {
    return this.opts.issuer;
  }

  /** Verifies a bearer token; throws IdentityError with a code and a reason a person can act on. */
  async verify(token: string | undefined): Promise<VerifiedAccessToken> {
    if (!token) {
      throw new IdentityError('TOKEN_MISSING', 'no bearer token: send Authorization: Bearer <token>');
    }
    const hit = this.verified.get(token);
    if (hit) {
      if (Date.now() < hit.expiresAtMs) {
        return { ...hit, principal: { ...hit.principal, roles: [...hit.principal.roles] } };
      }
      this.verified.delete(token); // expired: the full check below says so
    }
    const result = await this.verifyFully(token);
    if (this.verified.size >= VERIFIED_MAX) {
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, result);
    return { ...result, principal: { ...result.principal, roles: [...result.principal.roles] } };
  }

  private async verifyFully(token: string): Promise<VerifiedAccessToken> {
    let unverified: JWTPayload;
    try {
      decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw new IdentityError('TOKEN_INVALID', 'the token is not a JWT');
    }
    // Said before the signature check: another realm's token is signed by keys this service does not know, and
    // "wrong issuer" is the reason a person can act on.
    if (unverified.iss !== this.opts.issuer) {
      throw new IdentityError(
        'TOKEN_WRONG_ISSUER',
        `token was issued by ${String(unverified.iss ?? '(no issuer)')}, this service trusts ${this.opts.issuer}`,
      );
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.jwks, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        clockTolerance: this.opts.clockToleranceSeconds ?? 5,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw identityErrorOf(err, this.opts.audience);
    }
    return {
      principal: principalFromClaims(claims, this.opts.country),
      subject: String(claims.sub),
      sessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
      clientId: typeof claims.azp === 'string' ? claims.azp : undefined,
      expiresAtMs: (claims.exp ?? 0) * 1000,
    };
  }
}

function identityErrorOf(err: unknown, audience: string): IdentityError {
  if (err instanceof errors.JWTExpired) {
    return new IdentityError(
      'TOKEN_EXPIRED',
      'token expired: sign in again or ask the provider for a new one',
    );
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') {
      return new IdentityError('TOKEN_WRONG_COUNTRY', `token was not issued for ${audience}`);
    }
    return new IdentityError('TOKEN_CLAIMS', `token claim ${err.claim} is not acceptable: ${err.reason}`);
  }
  if (
    err instanceof errors.JWKSTimeout ||
    (err instanceof Error && /fetch failed|ECONNREFUSED/.test(err.message))
  ) {
    return new IdentityError(
      'PROVIDER_UNAVAILABLE',
      'the identity provider cannot be reached to fetch its keys: try again shortly',
    );
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JOSEAlgNotAllowed
  ) {
    return new IdentityError('TOKEN_INVALID', "token signature does not verify against the provider's keys");
  }
  return new IdentityError('TOKEN_INVALID', 'token signature or format is invalid');
}

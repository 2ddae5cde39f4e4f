/**
 * Cost of authenticating one API request: the provider's RS256 access token verified by AccessTokenVerifier (jose,
 * keys from a JWKS endpoint fetched once and cached) against the development HS256 path (jsonwebtoken, which also
 * caches a verified token's text), both beside the raw node:crypto ceiling of one RS256 signature check.
 * The JWKS is served by a local HTTP server on 127.0.0.1 (same code path as Keycloak's). Run: npm run bench -- auth
 */
import http from 'node:http';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AccessTokenVerifier, issueToken, verifyToken } from '@corridor/identity';
import { TokenLiveness } from '@corridor/platform';

const ISSUER = 'http://127.0.0.1/realms/corridor-it';
const N = 2000;

async function timeEach(label: string, tokens: string[], fn: (t: string) => unknown): Promise<number> {
  for (const t of tokens.slice(0, 100)) {
    await fn(t); // warm-up
  }
  const start = process.hrtime.bigint();
  for (const t of tokens) {
    await fn(t);
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / tokens.length;
  console.log(`  ${label.padEnd(58)} ${us.toFixed(1).padStart(8)} µs/request`);
  return us;
}

export async function run(): Promise<void> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  // GET /certs is the JWKS; POST /introspect answers like a provider's token introspection (RFC 7662).
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ active: true })));
      return;
    }
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const verifier = new AccessTokenVerifier({
      issuer: ISSUER,
      jwksUri: `http://127.0.0.1:${port}/certs`,
      audience: 'gateway.it',
      country: 'IT',
    });
    const claims = {
      country: 'IT',
      roles: ['publisher'],
      agency: 'police',
      preferred_username: 'agency-it-police',
    };
    const rsTokens = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        new SignJWT({ ...claims, jti: String(i) })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience('gateway.it')
          .setSubject('5b0f1c3e-agency')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey),
      ),
    );
    const secret = 'b'.repeat(48);
    const hsTokens = Array.from({ length: N }, (_, i) =>
      issueToken({
        principal: { sub: `agency-${i}`, country: 'IT', roles: ['publisher'], agency: 'police' },
        secret,
        ttlSeconds: 300,
      }),
    );
    const pub = createPublicKey(await exportJWK(publicKey).then((k) => ({ key: k, format: 'jwk' as const })));
    console.log(`[bench auth] ${N} requests each; one core`);
    const ceiling = await timeEach('ceiling: node:crypto RS256 verify only', rsTokens, (t) => {
      const [h, p, s] = t.split('.');
      return cryptoVerify('RSA-SHA256', Buffer.from(`${h}.${p}`), pub, Buffer.from(s, 'base64url'));
    });
    const oidc = await timeEach('OIDC: AccessTokenVerifier.verify (jose, JWKS, claims)', rsTokens, (t) =>
      verifier.verify(t),
    );
    const oidcRepeat = await timeEach(
      'OIDC: the same token on every request',
      Array<string>(N).fill(rsTokens[0]),
      (t) => verifier.verify(t),
    );
    // A person's token (tied to a provider session) is also asked about at the provider: one introspection round
    // trip on loopback, reused for OIDC_LIVENESS_CACHE_MS.
    const introspect = async (token: string): Promise<boolean> => {
      const r = await fetch(`http://127.0.0.1:${port}/introspect`, {
        method: 'POST',
        body: new URLSearchParams({ token }),
      });
      return ((await r.json()) as { active?: boolean }).active === true;
    };
    const cached = new TokenLiveness({ introspect, cacheMs: 2000 });
    const personCached = await timeEach(
      'OIDC person: the same token, liveness reused (2 s)',
      Array<string>(N).fill(rsTokens[1]),
      async (t) => (await verifier.verify(t)) && (await cached.isLive(t)),
    );
    const uncached = new TokenLiveness({ introspect, cacheMs: 0 });
    const personAsked = await timeEach(
      'OIDC person: introspection on every request (cacheMs 0)',
      rsTokens.slice(0, 500),
      async (t) => (await verifier.verify(t)) && (await uncached.isLive(t)),
    );
    const hs = await timeEach('HS256 (dev switch): a new token each request', hsTokens, (t) =>
      verifyToken({ token: t, secret, country: 'IT' }),
    );
    const hsRepeat = await timeEach(
      'HS256 (dev switch): the same token (cached)',
      Array<string>(N).fill(hsTokens[0]),
      (t) => verifyToken({ token: t, secret, country: 'IT' }),
    );
    console.log(
      `  ratios: OIDC/ceiling ${(oidc / ceiling).toFixed(2)}, OIDC/HS256-new ${(oidc / hs).toFixed(2)}, ` +
        `OIDC-repeat/HS256-cached ${(oidcRepeat / hsRepeat).toFixed(1)}, ` +
        `person-reused/OIDC-repeat ${(personCached / oidcRepeat).toFixed(2)}, ` +
        `person-introspected/OIDC ${(personAsked / oidc).toFixed(1)}`,
    );
  } finally {
    server.close();
  }
}

if (require.main === module) {
  void run();
}

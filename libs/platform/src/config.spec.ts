// The environment every service with sign-in reads, parsed as the gateway and the secretariat parse it.
import { z } from 'zod';
import { ConfigError, parseEnvironment, signInEnvironment, signInSettings } from './config';

const schema = z.object(signInEnvironment('corridor-test'));
const parse = (env: NodeJS.ProcessEnv) => parseEnvironment({ schema, env, secrets: ['OIDC_CLIENT_SECRET'] });

describe('signInEnvironment and signInSettings', () => {
  it('gives the provider settings with the issuer trimmed of its slash and the defaults filled in', () => {
    const e = parse({
      OIDC_ISSUER_URL: 'https://idp.example/realms/corridor/',
      OIDC_CLIENT_SECRET: 's3cret',
    });
    expect(signInSettings(e)).toEqual({
      oidc: {
        issuer: 'https://idp.example/realms/corridor',
        clientId: 'corridor-test',
        clientSecret: 's3cret',
        sessionCheckMs: 5000,
      },
      devTokenSecret: undefined,
    });
    expect(e.LOG_LEVEL).toBe('info');
  });

  it('has no provider settings without an issuer, only the development switch', () => {
    const secret = 'x'.repeat(32);
    expect(signInSettings(parse({ AUTH_DEV_TOKEN_SECRET: secret }))).toEqual({
      oidc: undefined,
      devTokenSecret: secret,
    });
  });

  it.each([
    [{ AUTH_DEV_TOKEN_SECRET: 'short' }, 'AUTH_DEV_TOKEN_SECRET: at least 32 characters'],
    [{ OIDC_SESSION_CHECK_MS: '100' }, 'OIDC_SESSION_CHECK_MS'],
    [{ OIDC_ISSUER_URL: 'not a url' }, 'OIDC_ISSUER_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('refuses %j naming the variable', (env, named) => {
    expect(() => parse(env)).toThrow(ConfigError);
    expect(() => parse(env)).toThrow(named);
  });
});

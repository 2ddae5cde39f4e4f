// The gateway's database pool settings, as an operator sets them.
import { ConfigError, loadGatewayConfig } from './config';

const base = {
  GATEWAY_COUNTRY: 'IT',
  TRUST_DIR: '/var/lib/corridor/trust',
  KEY_PASSPHRASE: 'a-passphrase-for-the-test',
  AUTH_DEV_TOKEN_SECRET: 'a-development-secret-of-enough-length',
};

describe('gateway configuration: the database pool', () => {
  it('keeps five of at most ten connections open while idle by default', () => {
    expect(loadGatewayConfig(base).database.pool).toEqual({ max: 10, min: 5, idleTimeoutMillis: 30_000 });
  });

  it('reads the pool from DATABASE_POOL_MAX, _MIN and _IDLE_MS', () => {
    const pool = loadGatewayConfig({
      ...base,
      DATABASE_POOL_MAX: '20',
      DATABASE_POOL_MIN: '0',
      DATABASE_POOL_IDLE_MS: '5000',
    }).database.pool;
    expect(pool).toEqual({ max: 20, min: 0, idleTimeoutMillis: 5000 });
  });

  it('refuses more connections kept open than the maximum, naming the variable', () => {
    const load = () => loadGatewayConfig({ ...base, DATABASE_POOL_MAX: '4', DATABASE_POOL_MIN: '6' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^DATABASE_POOL_MIN: 6 connections kept open is more than DATABASE_POOL_MAX \(4\)/);
  });
});

import { IdentityError } from './tokens';
import { principalFromClaims } from './oidc';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof IdentityError ? err.code : 'OTHER';
  }
  return undefined;
};

describe('principalFromClaims', () => {
  const officer = {
    sub: 'f3b0c1d2-0000-4000-8000-000000000001',
    preferred_username: 'officer.lampedusa',
    country: 'IT',
    roles: ['officer', 'default-roles-corridor-it', 'offline_access'],
    desk: 'maritime',
    clearance: 'RED',
    categories: ['ROUTE', 'SUSPECT'],
  };

  it("maps a provider's claims, keeping only Corridor's roles and naming people by username", () => {
    expect(principalFromClaims(officer, 'IT')).toEqual({
      sub: 'officer.lampedusa',
      country: 'IT',
      roles: ['officer'],
      desk: 'maritime',
      clearance: 'RED',
      categories: ['ROUTE', 'SUSPECT'],
      agency: undefined,
    });
  });

  it('refuses a token that names another country, or none', () => {
    expect(codeOf(() => principalFromClaims(officer, 'LY'))).toBe('TOKEN_WRONG_COUNTRY');
    expect(codeOf(() => principalFromClaims({ ...officer, country: undefined }, 'IT'))).toBe(
      'TOKEN_WRONG_COUNTRY',
    );
  });

  it('refuses a token with no Corridor role, an unknown clearance or category', () => {
    expect(codeOf(() => principalFromClaims({ ...officer, roles: ['offline_access'] }, 'IT'))).toBe(
      'TOKEN_CLAIMS',
    );
    expect(codeOf(() => principalFromClaims({ ...officer, clearance: 'PURPLE' }, 'IT'))).toBe('TOKEN_CLAIMS');
    expect(codeOf(() => principalFromClaims({ ...officer, categories: ['GOSSIP'] }, 'IT'))).toBe(
      'TOKEN_CLAIMS',
    );
  });

  it('accepts a single category given as a string (a provider with a single-valued attribute)', () => {
    expect(principalFromClaims({ ...officer, categories: 'ROUTE' }, 'IT').categories).toEqual(['ROUTE']);
  });
});

import { IdentityError, issueToken, officerCanSee, Principal, verifyToken } from './tokens';

const secret = 'x'.repeat(40);
const officer: Principal = {
  sub: 'officer-7',
  country: 'IT',
  roles: ['officer'],
  desk: 'maritime',
  clearance: 'AMBER',
  categories: ['ROUTE', 'PROTECTION_REFERRAL'],
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as IdentityError).code;
  }
  return 'NO_ERROR';
}

describe('tokens', () => {
  it('round-trips a principal for its own gateway', () => {
    const token = issueToken({ principal: officer, secret, ttlSeconds: 60 });
    expect(verifyToken({ token, secret, country: 'IT' })).toMatchObject(officer);
  });

  it.each([
    ['missing', undefined, secret, 'IT', 'TOKEN_MISSING'],
    ['garbage', 'abc.def.ghi', secret, 'IT', 'TOKEN_INVALID'],
    [
      'wrong secret',
      issueToken({ principal: officer, secret, ttlSeconds: 60 }),
      'y'.repeat(40),
      'IT',
      'TOKEN_INVALID',
    ],
    [
      'other gateway',
      issueToken({ principal: officer, secret, ttlSeconds: 60 }),
      secret,
      'LY',
      'TOKEN_WRONG_COUNTRY',
    ],
    ['expired', issueToken({ principal: officer, secret, ttlSeconds: -10 }), secret, 'IT', 'TOKEN_EXPIRED'],
  ])('refuses a %s token', (_name, token, s, country, code) => {
    expect(codeOf(() => verifyToken({ token, secret: s, country }))).toBe(code);
  });

  describe('after a token verified once (remembered until it expires)', () => {
    afterEach(() => jest.useRealTimers());

    it('still refuses it with another secret or for another gateway', () => {
      const token = issueToken({ principal: officer, secret, ttlSeconds: 60 });
      expect(verifyToken({ token, secret, country: 'IT' }).sub).toBe('officer-7');
      expect(codeOf(() => verifyToken({ token, secret: 'y'.repeat(40), country: 'IT' }))).toBe(
        'TOKEN_INVALID',
      );
      expect(codeOf(() => verifyToken({ token, secret, country: 'LY' }))).toBe('TOKEN_WRONG_COUNTRY');
      expect(verifyToken({ token, secret, country: 'IT' }).sub).toBe('officer-7');
    });

    it('refuses it once it has expired', () => {
      jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
      const token = issueToken({ principal: officer, secret, ttlSeconds: 30 });
      expect(verifyToken({ token, secret, country: 'IT' }).sub).toBe('officer-7');
      jest.setSystemTime(Date.now() + 29_000);
      expect(verifyToken({ token, secret, country: 'IT' }).sub).toBe('officer-7');
      jest.setSystemTime(Date.now() + 2_000);
      expect(codeOf(() => verifyToken({ token, secret, country: 'IT' }))).toBe('TOKEN_EXPIRED');
    });

    it('hands out a principal of its own each time: changing one changes no later answer', () => {
      const token = issueToken({ principal: officer, secret, ttlSeconds: 60 });
      const first = verifyToken({ token, secret, country: 'IT' });
      first.roles.push('admin');
      first.categories?.push('SUSPECT');
      first.sub = 'someone-else';
      expect(verifyToken({ token, secret, country: 'IT' })).toEqual(officer);
    });
  });

  it('refuses to issue a token with an unknown role or clearance', () => {
    expect(
      codeOf(() =>
        issueToken({ principal: { ...officer, roles: ['root' as 'admin'] }, secret, ttlSeconds: 1 }),
      ),
    ).toBe('TOKEN_CLAIMS');
    expect(
      codeOf(() => issueToken({ principal: { ...officer, clearance: 'PURPLE' }, secret, ttlSeconds: 1 })),
    ).toBe('TOKEN_CLAIMS');
  });

  it.each([
    ['ROUTE', 'GREEN', true],
    ['ROUTE', 'AMBER', true],
    ['ROUTE', 'AMBER_STRICT', false],
    ['ROUTE', 'RED', false],
    ['SUSPECT', 'CLEAR', false],
    ['PROTECTION_REFERRAL', 'CLEAR', true],
  ])('scopes an officer: %s at %s visible = %s', (category, classification, visible) => {
    expect(officerCanSee(officer, { category, classification })).toBe(visible);
  });
});

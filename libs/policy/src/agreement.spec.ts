import { AgreementState } from '@corridor/contracts';
import {
  AGREEMENT_ACTIONS,
  AGREEMENT_ACTOR_ROLES,
  agreementFromTerms,
  nextAgreementState,
  type AgreementAction,
  type AgreementActorRole,
} from './agreement';
import { PolicyError } from './errors';
import { termsFixture, VALID_FROM, VALID_UNTIL } from './policy.fixtures';

const { UNSPECIFIED, PROPOSED, SIGNED, ACTIVE, SUSPENDED, TERMINATED } = AgreementState;
const NO = 'INVALID_TRANSITION' as const;
type Expected = AgreementState | typeof NO;

// Every (state, action, role) with both parties' signatures collected; the SIGN rows are refined below.
const table: [AgreementState, AgreementAction, AgreementActorRole, Expected][] = [
  [UNSPECIFIED, 'SIGN', 'PARTY', NO],
  [UNSPECIFIED, 'SIGN', 'SECRETARIAT', NO],
  [UNSPECIFIED, 'ACTIVATE', 'PARTY', NO],
  [UNSPECIFIED, 'ACTIVATE', 'SECRETARIAT', NO],
  [UNSPECIFIED, 'SUSPEND', 'PARTY', NO],
  [UNSPECIFIED, 'SUSPEND', 'SECRETARIAT', NO],
  [UNSPECIFIED, 'RESUME', 'PARTY', NO],
  [UNSPECIFIED, 'RESUME', 'SECRETARIAT', NO],
  [UNSPECIFIED, 'TERMINATE', 'PARTY', NO],
  [UNSPECIFIED, 'TERMINATE', 'SECRETARIAT', NO],

  [PROPOSED, 'SIGN', 'PARTY', SIGNED],
  [PROPOSED, 'SIGN', 'SECRETARIAT', NO],
  [PROPOSED, 'ACTIVATE', 'PARTY', NO],
  [PROPOSED, 'ACTIVATE', 'SECRETARIAT', NO],
  [PROPOSED, 'SUSPEND', 'PARTY', NO],
  [PROPOSED, 'SUSPEND', 'SECRETARIAT', NO],
  [PROPOSED, 'RESUME', 'PARTY', NO],
  [PROPOSED, 'RESUME', 'SECRETARIAT', NO],
  [PROPOSED, 'TERMINATE', 'PARTY', TERMINATED],
  [PROPOSED, 'TERMINATE', 'SECRETARIAT', TERMINATED],

  [SIGNED, 'SIGN', 'PARTY', NO],
  [SIGNED, 'SIGN', 'SECRETARIAT', NO],
  [SIGNED, 'ACTIVATE', 'PARTY', NO],
  [SIGNED, 'ACTIVATE', 'SECRETARIAT', ACTIVE],
  [SIGNED, 'SUSPEND', 'PARTY', NO],
  [SIGNED, 'SUSPEND', 'SECRETARIAT', NO],
  [SIGNED, 'RESUME', 'PARTY', NO],
  [SIGNED, 'RESUME', 'SECRETARIAT', NO],
  [SIGNED, 'TERMINATE', 'PARTY', TERMINATED],
  [SIGNED, 'TERMINATE', 'SECRETARIAT', TERMINATED],

  [ACTIVE, 'SIGN', 'PARTY', NO],
  [ACTIVE, 'SIGN', 'SECRETARIAT', NO],
  [ACTIVE, 'ACTIVATE', 'PARTY', NO],
  [ACTIVE, 'ACTIVATE', 'SECRETARIAT', NO],
  [ACTIVE, 'SUSPEND', 'PARTY', SUSPENDED],
  [ACTIVE, 'SUSPEND', 'SECRETARIAT', SUSPENDED],
  [ACTIVE, 'RESUME', 'PARTY', NO],
  [ACTIVE, 'RESUME', 'SECRETARIAT', NO],
  [ACTIVE, 'TERMINATE', 'PARTY', TERMINATED],
  [ACTIVE, 'TERMINATE', 'SECRETARIAT', TERMINATED],

  [SUSPENDED, 'SIGN', 'PARTY', NO],
  [SUSPENDED, 'SIGN', 'SECRETARIAT', NO],
  [SUSPENDED, 'ACTIVATE', 'PARTY', NO],
  [SUSPENDED, 'ACTIVATE', 'SECRETARIAT', NO],
  [SUSPENDED, 'SUSPEND', 'PARTY', NO],
  [SUSPENDED, 'SUSPEND', 'SECRETARIAT', NO],
  [SUSPENDED, 'RESUME', 'PARTY', NO],
  [SUSPENDED, 'RESUME', 'SECRETARIAT', ACTIVE],
  [SUSPENDED, 'TERMINATE', 'PARTY', TERMINATED],
  [SUSPENDED, 'TERMINATE', 'SECRETARIAT', TERMINATED],

  [TERMINATED, 'SIGN', 'PARTY', NO],
  [TERMINATED, 'SIGN', 'SECRETARIAT', NO],
  [TERMINATED, 'ACTIVATE', 'PARTY', NO],
  [TERMINATED, 'ACTIVATE', 'SECRETARIAT', NO],
  [TERMINATED, 'SUSPEND', 'PARTY', NO],
  [TERMINATED, 'SUSPEND', 'SECRETARIAT', NO],
  [TERMINATED, 'RESUME', 'PARTY', NO],
  [TERMINATED, 'RESUME', 'SECRETARIAT', NO],
  [TERMINATED, 'TERMINATE', 'PARTY', NO],
  [TERMINATED, 'TERMINATE', 'SECRETARIAT', NO],
];

function outcome(input: Parameters<typeof nextAgreementState>[0]): Expected {
  try {
    return nextAgreementState(input);
  } catch (error) {
    if (error instanceof PolicyError && error.code === 'INVALID_TRANSITION' && !error.retriable) {
      return NO;
    }
    throw error;
  }
}

describe('nextAgreementState', () => {
  it('the table covers every state × action × role', () => {
    const states = Object.values(AgreementState).filter((v): v is AgreementState => typeof v === 'number');
    const keys = new Set(table.map(([s, a, r]) => `${s}/${a}/${r}`));
    expect(keys.size).toBe(states.length * AGREEMENT_ACTIONS.length * AGREEMENT_ACTOR_ROLES.length);
    expect(table).toHaveLength(keys.size);
  });

  test.each(
    table.map(([current, action, role, expected]) => ({
      current,
      action,
      role,
      expected,
      from: AgreementState[current],
      to: typeof expected === 'number' ? AgreementState[expected] : expected,
    })),
  )('$from + $action by $role → $to', ({ current, action, role, expected }) => {
    expect(outcome({ current, action, actorRole: role, partySignatures: 2 })).toBe(expected);
  });

  test.each<[number, Expected]>([
    [1, PROPOSED],
    [2, SIGNED],
    [0, NO],
    [3, NO],
    [1.5, NO],
    [Number.NaN, NO],
  ])('SIGN of a proposed agreement with %d party signature(s) → %s', (partySignatures, expected) => {
    expect(outcome({ current: PROPOSED, action: 'SIGN', actorRole: 'PARTY', partySignatures })).toBe(
      expected,
    );
  });

  it('refuses to activate unless both parties signed', () => {
    expect(
      outcome({ current: SIGNED, action: 'ACTIVATE', actorRole: 'SECRETARIAT', partySignatures: 1 }),
    ).toBe(NO);
  });

  it('refuses states, actions and roles this build does not know', () => {
    expect(
      outcome({ current: 99 as AgreementState, action: 'TERMINATE', actorRole: 'PARTY', partySignatures: 2 }),
    ).toBe(NO);
    expect(
      outcome({ current: 99 as AgreementState, action: 'SUSPEND', actorRole: 'PARTY', partySignatures: 2 }),
    ).toBe(NO);
    expect(
      outcome({
        current: ACTIVE,
        action: 'DELETE' as AgreementAction,
        actorRole: 'PARTY',
        partySignatures: 2,
      }),
    ).toBe(NO);
    expect(
      outcome({
        current: ACTIVE,
        action: 'SUSPEND',
        actorRole: 'BROKER' as AgreementActorRole,
        partySignatures: 2,
      }),
    ).toBe(NO);
  });

  it('names the transition it refused', () => {
    expect(() =>
      nextAgreementState({
        current: TERMINATED,
        action: 'RESUME',
        actorRole: 'SECRETARIAT',
        partySignatures: 2,
      }),
    ).toThrow(
      'INVALID_TRANSITION: RESUME by SECRETARIAT from TERMINATED is not allowed: termination is final',
    );
  });
});

describe('agreementFromTerms', () => {
  it('turns signed terms into the policy view', () => {
    const terms = termsFixture();
    const view = agreementFromTerms(terms, ACTIVE);
    expect(view).toMatchObject({
      id: 'AG-1',
      version: 1,
      state: ACTIVE,
      validFromMs: VALID_FROM,
      validUntilMs: VALID_UNTIL,
      parties: ['IT', 'LY'],
    });
    expect(view.directions.map((d) => `${d.from}→${d.to}`)).toEqual(['LY→IT', 'IT→LY']);
    view.parties.push('MT');
    expect(terms.parties).toEqual(['IT', 'LY']);
  });
});

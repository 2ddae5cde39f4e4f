import { AgreementState, type AgreementTerms, type DirectionTerms, enumName } from '@corridor/contracts';
import { PolicyError } from './errors';

/** What policy needs to know about one agreement version: its terms and where it is in its lifecycle. */
export interface ActiveAgreement {
  id: string;
  version: number;
  state: AgreementState;
  /** Start of the validity window, inclusive (ms since epoch). */
  validFromMs: number;
  /** End of the validity window, exclusive (ms since epoch); 0 or ≤ validFromMs means never in force. */
  validUntilMs: number;
  parties: string[];
  directions: DirectionTerms[];
  /** Crypto suites allowed on the pair; empty: any suite both gateways open. */
  suites: number[];
}

/** The policy view of signed terms in a given lifecycle state. */
export function agreementFromTerms(terms: AgreementTerms, state: AgreementState): ActiveAgreement {
  return {
    id: terms.id,
    version: terms.version,
    state,
    validFromMs: Number(terms.validFromMs),
    validUntilMs: Number(terms.validUntilMs),
    parties: [...terms.parties],
    directions: [...terms.directions],
    suites: [...terms.suites],
  };
}

export type AgreementAction = 'SIGN' | 'ACTIVATE' | 'SUSPEND' | 'RESUME' | 'TERMINATE';
export type AgreementActorRole = 'PARTY' | 'SECRETARIAT';

export const AGREEMENT_ACTIONS: readonly AgreementAction[] = [
  'SIGN',
  'ACTIVATE',
  'SUSPEND',
  'RESUME',
  'TERMINATE',
];
export const AGREEMENT_ACTOR_ROLES: readonly AgreementActorRole[] = ['PARTY', 'SECRETARIAT'];

/** A bilateral agreement has exactly two parties. */
const PARTIES_PER_AGREEMENT = 2;

/**
 * The lifecycle as a pure state machine:
 * PROPOSED -(SIGN by a party; SIGNED once both have signed)-> SIGNED -(ACTIVATE by the secretariat)-> ACTIVE
 * -(SUSPEND by either)-> SUSPENDED -(RESUME by the secretariat)-> ACTIVE; TERMINATE by either from any state
 * but TERMINATED, which is final. `partySignatures` counts distinct party signatures including the one being
 * applied. Anything else throws PolicyError INVALID_TRANSITION.
 */
export function nextAgreementState(input: {
  current: AgreementState;
  action: AgreementAction;
  actorRole: AgreementActorRole;
  partySignatures: number;
}): AgreementState {
  const { current, action, actorRole, partySignatures } = input;
  const refuse = (why: string): PolicyError =>
    new PolicyError(
      'INVALID_TRANSITION',
      `${action} by ${actorRole} from ${enumName(AgreementState, current)} is not allowed: ${why}`,
    );
  if (!isActorRole(actorRole)) {
    throw refuse('unknown actor role');
  }
  if (action === 'TERMINATE') {
    return terminate(current, refuse);
  }
  switch (current) {
    case AgreementState.PROPOSED:
      if (action !== 'SIGN') {
        throw refuse('a proposed agreement can only be signed or terminated');
      }
      if (actorRole !== 'PARTY') {
        throw refuse('only the parties sign the terms');
      }
      if (
        !Number.isInteger(partySignatures) ||
        partySignatures < 1 ||
        partySignatures > PARTIES_PER_AGREEMENT
      ) {
        throw refuse(`party signature count must be 1 or ${PARTIES_PER_AGREEMENT}`);
      }
      return partySignatures === PARTIES_PER_AGREEMENT ? AgreementState.SIGNED : AgreementState.PROPOSED;
    case AgreementState.SIGNED:
      if (action !== 'ACTIVATE') {
        throw refuse('a signed agreement can only be activated or terminated');
      }
      if (actorRole !== 'SECRETARIAT') {
        throw refuse('only the secretariat activates');
      }
      // Defence in depth: the stored state says SIGNED, the signatures must say so too.
      if (partySignatures !== PARTIES_PER_AGREEMENT) {
        throw refuse('both parties must have signed');
      }
      return AgreementState.ACTIVE;
    case AgreementState.ACTIVE:
      if (action !== 'SUSPEND') {
        throw refuse('an active agreement can only be suspended or terminated');
      }
      return AgreementState.SUSPENDED;
    case AgreementState.SUSPENDED:
      if (action !== 'RESUME') {
        throw refuse('a suspended agreement can only be resumed or terminated');
      }
      if (actorRole !== 'SECRETARIAT') {
        throw refuse('only the secretariat resumes');
      }
      return AgreementState.ACTIVE;
    case AgreementState.TERMINATED:
      throw refuse('termination is final');
    case AgreementState.UNSPECIFIED:
      throw refuse('unknown current state');
  }
  // Enums off the wire are open: a value this build does not know is refused.
  throw refuse('unknown current state');
}

function terminate(current: AgreementState, refuse: (why: string) => PolicyError): AgreementState {
  switch (current) {
    case AgreementState.PROPOSED:
    case AgreementState.SIGNED:
    case AgreementState.ACTIVE:
    case AgreementState.SUSPENDED:
      return AgreementState.TERMINATED;
    case AgreementState.TERMINATED:
      throw refuse('termination is final');
    case AgreementState.UNSPECIFIED:
      throw refuse('unknown current state');
  }
  throw refuse('unknown current state');
}

function isActorRole(role: string): role is AgreementActorRole {
  return (AGREEMENT_ACTOR_ROLES as readonly string[]).includes(role);
}

// Signed agreement documents: party signatures and the secretariat countersignature over the exact terms
// bytes, and a signed transition for every change of state. Gateways trust an agreement only through this.
import { KeyObject } from 'node:crypto';
import {
  AgreementState,
  AgreementTerms,
  AgreementTermsSchema,
  AgreementTransition,
  enumName,
  fromBinary,
  SignedAgreement,
  SignerRole,
} from '@corridor/contracts';
import { signDocument, verifyDocument } from '@corridor/pki';

export const TERMS_DOMAIN = 'corridor-agreement-terms-v1';
export const TRANSITION_DOMAIN = 'corridor-agreement-transition-v1';
export const SECRETARIAT_SIGNER = 'SECRETARIAT';

export function transitionSigningBytes(t: {
  agreementId: string;
  version: number;
  state: AgreementState;
  actor: string;
  atMs: bigint | number;
  reason: string;
}): Uint8Array {
  // Reason last: it is the only free-text field, so the encoding stays unambiguous.
  return Buffer.from(
    [t.agreementId, t.version, enumName(AgreementState, t.state), t.actor, String(t.atMs), t.reason].join(
      '\n',
    ),
    'utf8',
  );
}

export function signTerms(opts: { terms: Uint8Array; privateKey: KeyObject }): Uint8Array {
  return signDocument({ domain: TERMS_DOMAIN, bytes: opts.terms, privateKey: opts.privateKey });
}

export function signTransition(opts: {
  agreementId: string;
  version: number;
  state: AgreementState;
  actor: string;
  atMs: number;
  reason: string;
  privateKey: KeyObject;
}): Uint8Array {
  return signDocument({
    domain: TRANSITION_DOMAIN,
    bytes: transitionSigningBytes(opts),
    privateKey: opts.privateKey,
  });
}

export interface VerifiedAgreement {
  terms: AgreementTerms;
  state: AgreementState;
  partiesSigned: string[];
  countersigned: boolean;
  history: { state: string; actor: string; atMs: number; reason: string }[];
}

export type AgreementDocumentProblem =
  | 'TERMS_MALFORMED'
  | 'PARTIES_INVALID'
  | 'PARTY_SIGNATURE_INVALID'
  | 'COUNTERSIGNATURE_INVALID'
  | 'TRANSITION_SIGNATURE_INVALID'
  | 'NOT_SIGNED_BY_BOTH';

export class AgreementDocumentError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: AgreementDocumentProblem,
    message: string,
  ) {
    super(message);
    this.name = 'AgreementDocumentError';
  }
}

/**
 * Verifies every signature on a signed agreement and derives its state from the signed transitions.
 * `partyCert(country)` returns the party's verified certificate PEM (chain and revocation checked by the caller).
 */
export function verifySignedAgreement(opts: {
  signed: SignedAgreement;
  partyCert: (country: string, fingerprint: string) => string | undefined;
  secretariatKey: KeyObject | string;
}): VerifiedAgreement {
  let terms: AgreementTerms;
  try {
    terms = fromBinary(AgreementTermsSchema, opts.signed.terms);
  } catch {
    throw new AgreementDocumentError('TERMS_MALFORMED', 'agreement terms do not decode');
  }
  if (terms.parties.length !== 2 || terms.parties[0] === terms.parties[1] || !terms.id) {
    throw new AgreementDocumentError(
      'PARTIES_INVALID',
      'an agreement has an id and exactly two different parties',
    );
  }
  const partiesSigned: string[] = [];
  let countersigned = false;
  for (const s of opts.signed.signatures) {
    if (s.role === SignerRole.PARTY) {
      const cert = terms.parties.includes(s.signer) ? opts.partyCert(s.signer, s.certFingerprint) : undefined;
      if (
        !cert ||
        !verifyDocument({
          domain: TERMS_DOMAIN,
          bytes: opts.signed.terms,
          signature: s.signature,
          publicKey: cert,
        })
      ) {
        throw new AgreementDocumentError(
          'PARTY_SIGNATURE_INVALID',
          `signature of ${s.signer} on ${terms.id} does not verify`,
        );
      }
      if (!partiesSigned.includes(s.signer)) {
        partiesSigned.push(s.signer);
      }
    } else if (s.role === SignerRole.SECRETARIAT) {
      if (
        !verifyDocument({
          domain: TERMS_DOMAIN,
          bytes: opts.signed.terms,
          signature: s.signature,
          publicKey: opts.secretariatKey,
        })
      ) {
        throw new AgreementDocumentError(
          'COUNTERSIGNATURE_INVALID',
          `secretariat countersignature on ${terms.id} does not verify`,
        );
      }
      countersigned = true;
    }
  }
  let state = AgreementState.PROPOSED;
  const history: VerifiedAgreement['history'] = [];
  for (const t of opts.signed.transitions) {
    verifyTransition({ terms, t, secretariatKey: opts.secretariatKey });
    state = t.state;
    history.push({
      state: enumName(AgreementState, t.state),
      actor: t.actor,
      atMs: Number(t.atMs),
      reason: t.reason,
    });
  }
  if (
    (state === AgreementState.ACTIVE || state === AgreementState.SUSPENDED) &&
    (partiesSigned.length < 2 || !countersigned)
  ) {
    throw new AgreementDocumentError(
      'NOT_SIGNED_BY_BOTH',
      `${terms.id} is ${enumName(AgreementState, state)} without both party signatures and the countersignature`,
    );
  }
  return { terms, state, partiesSigned, countersigned, history };
}

function verifyTransition(opts: {
  terms: AgreementTerms;
  t: AgreementTransition;
  secretariatKey: KeyObject | string;
}): void {
  const bytes = transitionSigningBytes({
    agreementId: opts.terms.id,
    version: opts.terms.version,
    state: opts.t.state,
    actor: opts.t.actor,
    atMs: opts.t.atMs,
    reason: opts.t.reason,
  });
  if (
    !verifyDocument({
      domain: TRANSITION_DOMAIN,
      bytes,
      signature: opts.t.signature,
      publicKey: opts.secretariatKey,
    })
  ) {
    throw new AgreementDocumentError(
      'TRANSITION_SIGNATURE_INVALID',
      `transition to ${enumName(AgreementState, opts.t.state)} of ${opts.terms.id} is not signed by the secretariat`,
    );
  }
}

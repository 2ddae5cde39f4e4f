// Typed failures of sealing and opening. Only UNKNOWN_SENDER_CERT is retriable: the certificate may still arrive.
export type EnvelopeErrorCode =
  | 'INVALID_ARGUMENT'
  | 'MALFORMED'
  | 'OVERSIZED'
  | 'UNSUPPORTED_VERSION'
  | 'SUITE_NOT_ALLOWED'
  | 'WRONG_RECIPIENT'
  | 'UNKNOWN_SENDER_CERT'
  | 'CERT_EXPIRED'
  | 'CERT_REVOKED'
  | 'CERT_UNTRUSTED'
  | 'SENDER_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'DECRYPT_FAILED'
  | 'STALE'
  | 'FUTURE'
  | 'DUPLICATE'
  | 'KIND_MISMATCH';

const RETRIABLE: ReadonlySet<EnvelopeErrorCode> = new Set(['UNKNOWN_SENDER_CERT']);

export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  readonly retriable: boolean;

  constructor(code: EnvelopeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvelopeError';
    this.code = code;
    this.retriable = RETRIABLE.has(code);
  }
}

export function isEnvelopeError(value: unknown): value is EnvelopeError {
  return value instanceof EnvelopeError;
}

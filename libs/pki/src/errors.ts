// Typed failures of the PKI library; none is retriable: the same input fails the same way.
export type PkiErrorCode =
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_REVOKED'
  | 'CERT_UNTRUSTED'
  | 'CERT_MALFORMED'
  | 'CERT_WRONG_USAGE'
  | 'CSR_INVALID'
  | 'INVALID_COUNTRY'
  | 'CRL_MALFORMED'
  | 'CRL_BAD_SIGNATURE'
  | 'KEY_MALFORMED'
  | 'KEY_MISMATCH'
  | 'KEY_BAD_PASSPHRASE'
  | 'INVALID_ARGUMENT';

export class PkiError extends Error {
  readonly code: PkiErrorCode;
  readonly retriable = false;

  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PkiError';
    this.code = code;
  }
}

export function isPkiError(value: unknown): value is PkiError {
  return value instanceof PkiError;
}

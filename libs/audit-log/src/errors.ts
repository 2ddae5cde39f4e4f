export type AuditLogErrorCode =
  | 'INCLUSION_FAILED'
  | 'CONSISTENCY_FAILED'
  | 'BAD_SIGNATURE'
  | 'BAD_KEY'
  | 'BAD_HASH'
  | 'OUT_OF_RANGE'
  | 'MALFORMED';

/** Every failure of this library: a stable code, and whether trying again could help. */
export class AuditLogError extends Error {
  readonly code: AuditLogErrorCode;
  readonly retriable: boolean;

  constructor({
    code,
    message,
    retriable = false,
    cause,
  }: {
    code: AuditLogErrorCode;
    message: string;
    retriable?: boolean;
    cause?: unknown;
  }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AuditLogError';
    this.code = code;
    this.retriable = retriable;
  }
}

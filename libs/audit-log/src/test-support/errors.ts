import { AuditLogError } from '../errors';

/** The AuditLogError an action throws; fails the test when it throws nothing or something else. */
export function auditLogErrorFrom(action: () => unknown): AuditLogError {
  try {
    action();
  } catch (error) {
    if (error instanceof AuditLogError) {
      return error;
    }
    throw new Error(`expected an AuditLogError, got ${String(error)}`);
  }
  throw new Error('expected an AuditLogError, nothing was thrown');
}

// The services' own request classes, checked here before anything is sent, with the same rules and options as the
// server's ValidationPipe (requestViolations from @corridor/gateway-api); the first violation is named as a JSON path.
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { requestViolations, type RequestViolation } from '@corridor/gateway-api';

export type Violation = Pick<RequestViolation, 'field' | 'message'>;

/** The validated instance, or every violation (first = the one to report). */
export function validateAs<T extends object>(
  cls: ClassConstructor<T>,
  plain: Record<string, unknown>,
): Promise<{ ok: true; value: T } | { ok: false; violations: Violation[] }> {
  const violations = requestViolations(cls, plain).map(({ field, message }) => ({ field, message }));
  return Promise.resolve(
    violations.length ? { ok: false, violations } : { ok: true, value: plainToInstance(cls, plain) },
  );
}

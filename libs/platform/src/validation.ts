// class-validator errors become one problem+json naming the first bad field (JSON path) and listing all.
import { ValidationError, ValidationPipe } from '@nestjs/common';
import { problem, ProblemException } from './problem';

/** class-validator errors as one list of { field (JSON path), message }, the first being the one to report. */
export function flattenValidationErrors(
  errors: ValidationError[],
  parent = '',
): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property)
      ? `${parent}[${e.property}]`
      : parent
        ? `${parent}.${e.property}`
        : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: e.constraints?.whitelistValidation
        ? `${field} is not a known field`
        : message.replace(/^[\w.[\]]+ /, `${field} `),
    }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

export function validationProblem(errors: ValidationError[]): ProblemException {
  const all = flattenValidationErrors(errors);
  const first = all[0] ?? { field: 'body', message: 'invalid request body' };
  return problem(422, 'VALIDATION_FAILED', first.message, { field: first.field, errors: all });
}

export function corridorValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationProblem,
  });
}

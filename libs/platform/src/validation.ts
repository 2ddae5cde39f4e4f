// class-validator errors become one problem+json naming the first bad field (JSON path) and listing all.
import { ValidationError, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { compiledRequest } from '@corridor/gateway-api';
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

/**
 * Nest's ValidationPipe with the project's options (whitelist, no unknown field, transform) and a fast path for bodies:
 * when the body's class compiles (compiledRequest, made for exactly these options) and its check accepts the body, the
 * instance plainToInstance would build is built directly and class-validator is not run. Any other value, parameter
 * or class goes through ValidationPipe unchanged, for the same instance or the same errors.
 */
export class CorridorValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationProblem,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const cls = metadata.type === 'body' ? metadata.metatype : undefined;
    const compiled = cls ? compiledRequest(cls as new () => object) : undefined;
    if (compiled?.accepts(value)) {
      return compiled.instantiate(value);
    }
    return super.transform(value, metadata);
  }
}

export function corridorValidationPipe(): ValidationPipe {
  return new CorridorValidationPipe();
}

// The publishing API's validation, runnable anywhere: the same request classes and options as the gateway's
// ValidationPipe (whitelist, no unknown field), plus the rule that the payload matches the category. The gateway, the
// CLI and the web compose page check an alert with these, so a form and the API cannot disagree.
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { compiledRequest } from './compiled-validation';
import { PAYLOAD_FIELD, PublishAlertDto } from './requests';

/** One broken rule: the field as a JSON path (route.transit[0].country), the rule's name, an English message. */
export interface RequestViolation {
  field: string;
  /** class-validator's constraint name (isIn, maxLength, matches...), required when absent, or PAYLOAD_* below */
  rule: string;
  message: string;
}

function flatten(errors: ValidationError[], parent = ''): RequestViolation[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property)
      ? `${parent}[${e.property}]`
      : parent
        ? `${parent}.${e.property}`
        : e.property;
    const constraints = Object.entries(e.constraints ?? {});
    if (e.value === undefined && constraints.length) {
      // Absent: one clear line rather than the first of several rules it also breaks.
      return [
        { field, rule: 'required', message: `${field} is required` },
        ...flatten(e.children ?? [], field),
      ];
    }
    const own = constraints.map(([rule, message]) => ({
      field,
      rule,
      message:
        rule === 'whitelistValidation'
          ? `${field} is not a known field`
          : message.replace(/^(nested property )?[\w.[\]]+ /, `${field} `),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Every rule a request body breaks (first = the one to report), as the gateway's ValidationPipe checks it. */
export function requestViolations<T extends object>(
  cls: ClassConstructor<T>,
  plain: Record<string, unknown>,
): RequestViolation[] {
  // A body the compiled rules accept has no violation; any other is explained by class-validator itself.
  if (compiledRequest(cls)?.accepts(plain)) {
    return [];
  }
  return flatten(validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true }));
}

/** The payload object of the category, and no other: PAYLOAD_MISMATCH or PAYLOAD_MISSING, else undefined. */
export function payloadViolation(dto: PublishAlertDto): RequestViolation | undefined {
  const expected = PAYLOAD_FIELD[dto.category];
  if (expected === undefined) {
    return undefined;
  }
  for (const [category, field] of Object.entries(PAYLOAD_FIELD)) {
    if (category !== dto.category && dto[field] !== undefined) {
      return {
        field,
        rule: 'PAYLOAD_MISMATCH',
        message: `${field} is not allowed for category ${dto.category}: send ${expected}`,
      };
    }
  }
  if (dto[expected] === undefined) {
    return {
      field: expected,
      rule: 'PAYLOAD_MISSING',
      message: `category ${dto.category} needs a ${expected} object`,
    };
  }
  return undefined;
}

/** An alert to publish, checked entirely: the request classes' rules, then the payload of its category. */
export function alertViolations(plain: Record<string, unknown>): RequestViolation[] {
  const violations = requestViolations(PublishAlertDto, plain);
  if (violations.length) {
    return violations;
  }
  const payload = payloadViolation(plainToInstance(PublishAlertDto, plain));
  return payload ? [payload] : [];
}

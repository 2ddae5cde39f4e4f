// The services' own request classes, checked here before anything is sent: class-transformer turns the
// plain object into the class, class-validator applies the same rules as the server's ValidationPipe
// (whitelist + forbidNonWhitelisted), and the first violation is named as a JSON path.
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';

export interface Violation {
  field: string;
  message: string;
}

function flatten(errors: ValidationError[], parent = ''): Violation[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property)
      ? `${parent}[${e.property}]`
      : parent
        ? `${parent}.${e.property}`
        : e.property;
    const constraints = Object.entries(e.constraints ?? {});
    if (e.value === undefined && constraints.length) {
      // Absent: one clear line rather than the first of several rules it also breaks.
      return [{ field, message: `${field} is required` }, ...flatten(e.children ?? [], field)];
    }
    const own = constraints.map(([rule, message]) => ({
      field,
      message:
        rule === 'whitelistValidation'
          ? `${field} is not a known field`
          : message.replace(/^(nested property )?[\w.[\]]+ /, `${field} `),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** The validated instance, or every violation (first = the one to report). */
export async function validateAs<T extends object>(
  cls: ClassConstructor<T>,
  plain: Record<string, unknown>,
): Promise<{ ok: true; value: T } | { ok: false; violations: Violation[] }> {
  const value = plainToInstance(cls, plain);
  const errors = await validate(value, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    return { ok: false, violations: flatten(errors) };
  }
  return { ok: true, value };
}

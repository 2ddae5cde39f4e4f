// The project's ValidationPipe: its fast path gives what Nest's pipe gives, and leaves every error to it.
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { IsInt, ValidateIf } from 'class-validator';
import { PublishAlertDto, ReplyDto } from '@corridor/gateway-api';
import { corridorValidationPipe, validationProblem } from './validation';
import type { ProblemException } from './problem';

const route = (): Record<string, unknown> => ({
  category: 'ROUTE',
  priority: 'FLASH',
  classification: 'AMBER',
  handling: 'H2',
  title: 'Convoy leaving Agadez',
  route: {
    originCountry: 'NE',
    origin: { place: 'Agadez', country: 'NE', point: { lat: 16.97, lon: 7.99 } },
    transit: [{ place: 'Sabha', country: 'LY' }],
    destinationCountry: 'IT',
    transportMode: 'LAND_THEN_SEA',
    risksToLife: ['OVERCROWDED_BOAT'],
  },
});

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

/** Nest's own pipe with the same options: what the project's pipe must give. */
const nest = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationProblem,
  });

async function problemOf(run: Promise<unknown>): Promise<unknown> {
  try {
    await run;
  } catch (err) {
    return (err as ProblemException).problem;
  }
  throw new Error('the pipe let the body through');
}

describe('corridorValidationPipe', () => {
  afterEach(() => jest.restoreAllMocks());

  it('builds a valid body without class-validator, into the instance Nest would build', async () => {
    const expected = await nest().transform(route(), body(PublishAlertDto));
    const slow = jest.spyOn(ValidationPipe.prototype, 'transform');
    const dto = await corridorValidationPipe().transform(route(), body(PublishAlertDto));
    expect(slow).not.toHaveBeenCalled();
    expect(dto).toBeInstanceOf(PublishAlertDto);
    expect(dto).toStrictEqual(expected);
    expect(JSON.stringify(dto)).toBe(JSON.stringify(expected));
  });

  it('leaves an invalid body to class-validator: the same problem, field and list', async () => {
    const bad = { ...route(), title: '', extra: 1 };
    const expected = await problemOf(nest().transform(bad, body(PublishAlertDto)));
    expect(expected).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await problemOf(corridorValidationPipe().transform(bad, body(PublishAlertDto)))).toEqual(expected);
    expect(await problemOf(corridorValidationPipe().transform('text', body(ReplyDto)))).toEqual(
      await problemOf(nest().transform('text', body(ReplyDto))),
    );
  });

  it('leaves a class it cannot compile, and other parameters, to ValidationPipe', async () => {
    class Conditional {
      @ValidateIf(() => true) @IsInt() n!: number;
    }
    const slow = jest.spyOn(ValidationPipe.prototype, 'transform');
    await expect(corridorValidationPipe().transform({ n: 1 }, body(Conditional))).resolves.toBeInstanceOf(
      Conditional,
    );
    await corridorValidationPipe().transform('5', { type: 'query', metatype: String, data: 'limit' });
    expect(slow).toHaveBeenCalledTimes(2);
  });
});

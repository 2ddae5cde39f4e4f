// The compiled check against class-validator itself: whatever it accepts, class-validator (same options, after
// plainToInstance) finds nothing wrong with, and what it builds is what plainToInstance builds.
import fc from 'fast-check';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidationError,
} from 'class-validator';
import { compiledRequest, type CompileOptions } from './compiled-validation';
import {
  FREE_TEXT_BEFORE_CODES,
  PublishAlertDto,
  ReplyDto,
  UpdateAlertDto,
  WithdrawDto,
  VOCABULARIES,
} from './requests';
import { CreateRegisterDto, WithdrawRecordsDto } from './registers';

type Plain = Record<string, unknown>;
type Cls = new () => object;

const header = { priority: 'FLASH', classification: 'AMBER', handling: 'H2', title: 'Convoy leaving Agadez' };
const at = (place: string, country: string, lat: number, lon: number): Plain => ({
  place,
  country,
  point: { lat, lon },
});

const ALERTS: Record<string, Plain> = {
  route: {
    ...header,
    category: 'ROUTE',
    recipients: ['LY', 'IT'],
    threadId: '0b6f1c1e-8a4e-4c1a-9f0e-2a1f3c4d5e6f',
    route: {
      originCountry: 'NE',
      origin: at('Agadez', 'NE', 16.97, 7.99),
      transit: [
        at('Dirkou', 'NE', 18.99, 12.89),
        at('Sabha', 'LY', 27.04, 14.43),
        at('Zuwara', 'LY', 32.93, 12.08),
      ],
      destinationCountry: 'IT',
      destination: at('Lampedusa', 'IT', 35.5, 12.6),
      transportMode: VOCABULARIES.transportMode[0],
      modusOperandi: VOCABULARIES.modusOperandi[0],
      pricePerPersonUsd: 2500,
      estimatedPeople: 120,
      risksToLife: VOCABULARIES.riskToLife.slice(0, 2),
      note: 'convoys of 5-10 vehicles, then rubber boats — قوارب مطاطية 🚤',
    },
  },
  document: {
    ...header,
    category: 'DOCUMENT',
    document: {
      documentType: 'PASSPORT',
      issuingState: 'UTO',
      number: 'L898902C3',
      mrz: ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'],
      fraudType: VOCABULARIES.fraudType[0],
      notes: 'photo substituted',
    },
  },
  suspect: {
    ...header,
    category: 'SUSPECT',
    suspect: {
      familyName: 'EXAMPLE',
      givenNames: ['Test'],
      aliases: ['The Captain'],
      birthDate: '1980-04',
      nationalities: ['LY'],
      role: VOCABULARIES.suspectRole[0],
      phones: ['+218 91 000 0000'],
      notes: 'line one\nline two\ttabbed',
    },
  },
  financialFlow: {
    ...header,
    category: 'FINANCIAL_FLOW',
    financialFlow: {
      method: 'HAWALA',
      fromCountry: 'IT',
      toCountry: 'LY',
      amountMinor: 250_000,
      currency: 'EUR',
      reference: 'ref 42',
    },
  },
  protectionReferral: {
    ...header,
    category: 'PROTECTION_REFERRAL',
    protectionReferral: {
      need: VOCABULARIES.referralNeed[0],
      peopleCount: 40,
      lastKnownPosition: { lat: 34.2, lon: -12.5 },
      lastKnownPlace: 'off Zuwara',
      observedAtMs: Date.now() - 60_000,
      contactChannel: 'VHF 16',
    },
  },
  bulletin: {
    ...header,
    category: 'BULLETIN',
    bulletin: {
      title: 'Trends',
      summary: 'Departures up',
      body: 'Text of the bulletin.',
      region: 'Central Med',
    },
  },
};

const CASES: { name: string; cls: Cls; valid: Plain[] }[] = [
  { name: 'PublishAlertDto', cls: PublishAlertDto, valid: Object.values(ALERTS) },
  {
    name: 'UpdateAlertDto',
    cls: UpdateAlertDto,
    valid: Object.values(ALERTS).map((a) => ({ ...a, reason: 'corrected the count' })),
  },
  { name: 'WithdrawDto', cls: WithdrawDto, valid: [{ reason: 'sent in error' }] },
  { name: 'ReplyDto', cls: ReplyDto, valid: [{ body: 'Seen at Zuwara at 04:00.\nTwo boats.' }] },
  {
    name: 'CreateRegisterDto',
    cls: CreateRegisterDto,
    valid: [{ name: 'Stolen blanks' }, { name: 'x', classification: 'RED' }],
  },
  { name: 'WithdrawRecordsDto', cls: WithdrawRecordsDto, valid: [{ recordIds: ['r-1', 'r-2'] }] },
];

const API: CompileOptions = {};
const INBOUND: CompileOptions = { skipMissingProperties: true, ignoreIsInAt: FREE_TEXT_BEFORE_CODES };

/** Errors class-validator reports with the options the compiled check was built for (the inbound check drops isIn). */
function errorsOf(cls: Cls, plain: unknown, options: CompileOptions): ValidationError[] {
  if (typeof plain !== 'object' || plain === null) {
    return [new ValidationError()]; // class-validator throws on null and reports an unknown value for the others
  }
  const errors = validateSync(plainToInstance<object, unknown>(cls, plain), {
    whitelist: true,
    forbidNonWhitelisted: true,
    skipMissingProperties: options.skipMissingProperties,
  });
  const drop = (list: ValidationError[], parent: string): ValidationError[] =>
    list.filter((e) => {
      const path = /^\d+$/.test(e.property) ? parent : parent ? `${parent}.${e.property}` : e.property;
      if (options.ignoreIsInAt?.includes(path) && e.constraints?.isIn) {
        delete e.constraints.isIn;
      }
      e.children = drop(e.children ?? [], path);
      return Object.keys(e.constraints ?? {}).length > 0 || e.children.length > 0;
    });
  return drop(errors, '');
}

/** Same classes, same own keys in the same order, same values, all the way down. */
function sameInstance(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b);
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return false;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && sameInstance((a as Plain)[k], (b as Plain)[k]))
  );
}

/** Every path into a value (object keys and array indexes), the value itself first. */
function pathsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const here = [path];
  if (Array.isArray(value)) {
    return here.concat(...value.map((v, i) => pathsOf(v, [...path, i])));
  }
  if (typeof value === 'object' && value !== null) {
    return here.concat(...Object.entries(value).map(([k, v]) => pathsOf(v, [...path, k])));
  }
  return here;
}

/** Values a client or a partner could put anywhere: wrong types, limits, control and combining characters, NaN. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    1.5,
    -1,
    1_000_001,
    Number.MAX_SAFE_INTEGER + 2,
  ),
  fc.constantFrom(
    '',
    'LY',
    'ly',
    'LBY',
    'XX',
    'ROUTE',
    'PASSPORT',
    'HAWALA',
    'EUR',
    '1980',
    '1980-13-45',
    '+218 91',
  ),
  fc.constantFrom(
    'a\u0000b',
    'a\u0085b',
    'tab\tok',
    'bidi \u202e ok',
    'x\uFE0F',
    '😀',
    '0b6f1c1e-8a4e-4c1a-9f0e-2a1f3c4d5e6f',
  ),
  fc.constantFrom(...Object.values(VOCABULARIES).flat()),
  fc.tuple(fc.constantFrom('a', '😀', 'é\u0301', 'x\uFE0F', '<'), fc.nat(260)).map(([s, n]) => s.repeat(n)),
  fc.integer({ min: -200_000, max: 2_000_000 }),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.array(fc.constantFrom('LY', 'IT', 'OVERCROWDED_BOAT', 'Test', 1, null, 'r-1'), { maxLength: 60 }),
  fc.array(fc.record({ lat: fc.double(), lon: fc.double() }), { maxLength: 3 }),
  fc.record({ lat: fc.integer({ min: -200, max: 200 }), lon: fc.integer({ min: -200, max: 200 }) }),
  fc.jsonValue({ maxDepth: 2 }),
);

const unknownKey = fc.constantFrom('extra', 'Title', 'id', 'originatorCountry', 'lat ', '0', 'note2');

type Mutation =
  | { op: 'set'; pick: number; value: unknown }
  | { op: 'delete'; pick: number }
  | { op: 'add'; pick: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), pick: fc.nat(), value: oddValue }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), pick: fc.nat(), key: unknownKey, value: oddValue }),
);

/** The valid body with a few values replaced, removed or added, anywhere in it. */
function mutate(valid: Plain, mutations: Mutation[]): unknown {
  // A JSON copy: structuredClone builds its objects in another realm under Jest, with another Object.prototype.
  const body: unknown = JSON.parse(JSON.stringify(valid));
  for (const m of mutations) {
    const paths = pathsOf(body);
    const path = paths[m.pick % paths.length];
    if (path.length === 0) {
      continue; // the body itself stays an object: what is not one is the arbitrary-JSON property's business
    }
    const parent = path.slice(0, -1).reduce((v: unknown, k) => (v as Plain)[k], body) as Plain;
    const key = path[path.length - 1];
    const target = parent[key];
    if (m.op === 'set') {
      parent[key] = m.value;
    } else if (m.op === 'delete') {
      if (Array.isArray(parent)) {
        parent.splice(key as number, 1);
      } else {
        delete parent[key];
      }
    } else if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
      (target as Plain)[m.key] = m.value;
    }
  }
  return body;
}

describe.each(CASES)('compiledRequest($name)', ({ cls, valid }) => {
  const api = compiledRequest(cls, API)!;
  const inbound = compiledRequest(cls, INBOUND)!;

  it('compiles, and accepts every valid body (which class-validator accepts too)', () => {
    expect(api).toBeDefined();
    expect(inbound).toBeDefined();
    for (const body of valid) {
      expect(errorsOf(cls, body, API)).toEqual([]);
      expect(api.accepts(body)).toBe(true);
      expect(inbound.accepts(body)).toBe(true);
    }
  });

  it('accepts a mutated body only when class-validator finds nothing wrong, and for JSON agrees both ways', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (body, ms) => {
          const x = mutate(body, ms);
          const ok = errorsOf(cls, x, API).length === 0;
          const fast = api.accepts(x);
          accepted += fast ? 1 : 0;
          refused += fast ? 0 : 1;
          // The generator makes JSON with no key class-transformer skips: here the check is exact, not just safe.
          expect(fast).toBe(ok);
          if (inbound.accepts(x)) {
            expect(errorsOf(cls, x, INBOUND)).toEqual([]);
          }
        },
      ),
      { numRuns: 1500 },
    );
    // Both answers were seen: the property above was not vacuous.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('builds what plainToInstance builds, for every body it accepts', () => {
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(mutation, { maxLength: 2 }), (body, ms) => {
        const x = mutate(body, ms);
        if (api.accepts(x)) {
          expect(sameInstance(api.instantiate(x), plainToInstance(cls, x))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts what class-validator refuses, for arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.string(), oddValue)), (x) => {
        if (api.accepts(x)) {
          expect(errorsOf(cls, x, API)).toEqual([]);
        }
        if (inbound.accepts(x)) {
          expect(errorsOf(cls, x, INBOUND)).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('compiledRequest: what it leaves to class-validator', () => {
  const route = ALERTS.route;

  it('refuses what is not plain JSON, and keys class-transformer would skip', () => {
    const api = compiledRequest(PublishAlertDto)!;
    expect(api.accepts(Object.assign(Object.create(null), route))).toBe(false);
    expect(api.accepts({ ...route, title: new String('Convoy') })).toBe(false);
    expect(api.accepts(JSON.parse(`{"__proto__": {}, ${JSON.stringify(route).slice(1)}`))).toBe(false);
    expect(api.accepts({ ...route, route: { ...(route.route as Plain), transit: [undefined] } })).toBe(false);
    expect(api.accepts([route])).toBe(false);
  });

  it('takes earlier free text in a coded field on receive, and only there', () => {
    const freeText = { ...route, route: { ...(route.route as Plain), transportMode: 'pick-up trucks' } };
    expect(compiledRequest(PublishAlertDto)!.accepts(freeText)).toBe(false);
    expect(compiledRequest(PublishAlertDto, INBOUND)!.accepts(freeText)).toBe(true);
    expect(compiledRequest(PublishAlertDto, INBOUND)!.accepts({ ...route, priority: 'SOON' })).toBe(false);
  });

  it('counts length as class-validator does: a surrogate pair is one character', () => {
    const title = '😀'.repeat(200); // 400 UTF-16 units, 200 characters: within MaxLength(200)
    expect(errorsOf(PublishAlertDto, { ...route, title }, API)).toEqual([]);
    expect(compiledRequest(PublishAlertDto)!.accepts({ ...route, title })).toBe(true);
    expect(compiledRequest(PublishAlertDto)!.accepts({ ...route, title: title + '😀' })).toBe(false);
  });

  it('does not compile a class with a rule or feature it does not follow', () => {
    const unknownRule = ValidateBy({ name: 'isEven', validator: { validate: (v: unknown) => v === 2 } });
    class Unknown {
      @unknownRule n!: number;
    }
    class Conditional {
      @ValidateIf((o: { a?: string }) => o.a !== 'x') @IsString() b!: string;
    }
    class Grouped {
      @IsString({ groups: ['admin'] }) a!: string;
    }
    class Transformed {
      @Transform(({ value }: { value: unknown }) => String(value).trim()) @IsString() a!: string;
    }
    class Untyped {
      @IsOptional() @ValidateNested() inner?: WithdrawDto;
    }
    class Defaulted {
      @IsInt() n = 1;
    }
    class Converted {
      @Type(() => Number) @IsInt() n!: number;
    }
    const classes: Cls[] = [Unknown, Conditional, Grouped, Transformed, Untyped, Defaulted, Converted];
    for (const cls of classes) {
      expect(compiledRequest(cls)).toBeUndefined();
    }
    class Fine {
      @IsString() @MaxLength(3) a!: string;
    }
    expect(compiledRequest(Fine)?.accepts({ a: 'abc' })).toBe(true);
  });
});

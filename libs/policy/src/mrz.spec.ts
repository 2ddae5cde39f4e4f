import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { MrzError, PolicyError } from './errors';
import { mrzCheckDigit, parseMrz, requireMrz, type MrzFormat } from './mrz';

// ICAO Doc 9303 public specimens (not real people). TD3 is also kept in the shared demo data.
const SHARED_DATA = '/work/shared/data/corridors.json';
const TD3_SPECIMEN = [
  'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
  'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
];
const TD1_SPECIMEN = [
  'I<UTOD231458907<<<<<<<<<<<<<<<',
  '7408122F1204159UTO<<<<<<<<<<<6',
  'ERIKSSON<<ANNA<MARIA<<<<<<<<<<',
];
const TD2_SPECIMEN = ['I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<', 'D231458907UTO7408122F1204159<<<<<<<6'];

function sharedTd3Specimen(): string[] {
  if (!existsSync(SHARED_DATA)) {
    return TD3_SPECIMEN;
  }
  const data = JSON.parse(readFileSync(SHARED_DATA, 'utf8')) as {
    documents: { icao_specimen_td3: string[] };
  };
  return data.documents.icao_specimen_td3;
}

function replaceAt(line: string, index: number, char: string): string {
  return line.slice(0, index) + char + line.slice(index + 1);
}

function failure(lines: readonly string[]): { code: string; field: string } | 'OK' {
  const result = parseMrz(lines);
  return result.ok ? 'OK' : { code: result.error.code, field: result.error.field };
}

const OTHER_CHECK_CHARS = (current: string): string[] => [...'0123456789<'].filter((c) => c !== current);

describe('mrzCheckDigit', () => {
  test.each([
    ['L898902C3', 6],
    ['740812', 2],
    ['120415', 9],
    ['ZE184226B<<<<<', 1],
    ['520727', 3],
    ['', 0],
  ])('%s → %d', (value, digit) => {
    expect(mrzCheckDigit(value)).toBe(digit);
  });

  it('throws MRZ_CHARSET for characters outside the MRZ set', () => {
    expect(() => mrzCheckDigit('ab1')).toThrow(MrzError);
  });
});

describe('parseMrz on the ICAO specimens', () => {
  it('accepts the TD3 specimen of the shared data', () => {
    expect(parseMrz(sharedTd3Specimen())).toEqual({
      ok: true,
      mrz: {
        format: 'TD3',
        documentType: 'P',
        issuingState: 'UTO',
        documentNumber: 'L898902C3',
        birthDate: '740812',
        sex: 'F',
        expiryDate: '120415',
        nationality: 'UTO',
        names: { primary: 'ERIKSSON', secondary: 'ANNA MARIA' },
      },
    });
  });

  (existsSync(SHARED_DATA) ? it : it.skip)('embeds the same TD3 specimen as the shared data', () => {
    expect(sharedTd3Specimen()).toEqual(TD3_SPECIMEN);
  });

  test.each<[string, string[], MrzFormat, string]>([
    ['TD1', TD1_SPECIMEN, 'TD1', 'D23145890'],
    ['TD2', TD2_SPECIMEN, 'TD2', 'D23145890'],
  ])('accepts the %s specimen', (_name, lines, format, documentNumber) => {
    const result = parseMrz(lines);
    expect(result.ok && result.mrz).toEqual({
      format,
      documentType: 'I',
      issuingState: 'UTO',
      documentNumber,
      birthDate: '740812',
      sex: 'F',
      expiryDate: '120415',
      nationality: 'UTO',
      names: { primary: 'ERIKSSON', secondary: 'ANNA MARIA' },
    });
  });

  // [format, lines, line index, position, field named in the error]
  const checkDigits: [string, string[], number, number, string][] = [
    ['TD3', TD3_SPECIMEN, 1, 9, 'document number check digit'],
    ['TD3', TD3_SPECIMEN, 1, 19, 'birth date check digit'],
    ['TD3', TD3_SPECIMEN, 1, 27, 'expiry date check digit'],
    ['TD3', TD3_SPECIMEN, 1, 42, 'personal number check digit'],
    ['TD3', TD3_SPECIMEN, 1, 43, 'composite check digit'],
    ['TD1', TD1_SPECIMEN, 0, 14, 'document number check digit'],
    ['TD1', TD1_SPECIMEN, 1, 6, 'birth date check digit'],
    ['TD1', TD1_SPECIMEN, 1, 14, 'expiry date check digit'],
    ['TD1', TD1_SPECIMEN, 1, 29, 'composite check digit'],
    ['TD2', TD2_SPECIMEN, 1, 9, 'document number check digit'],
    ['TD2', TD2_SPECIMEN, 1, 19, 'birth date check digit'],
    ['TD2', TD2_SPECIMEN, 1, 27, 'expiry date check digit'],
    ['TD2', TD2_SPECIMEN, 1, 35, 'composite check digit'],
  ];
  test.each(
    checkDigits.map(([format, lines, line, position, field]) => ({ format, lines, line, position, field })),
  )(
    '$format: each other character at line $line position $position fails naming the $field',
    ({ lines, line, position, field }) => {
      for (const char of OTHER_CHECK_CHARS(lines[line][position])) {
        const altered = lines.map((l, i) => (i === line ? replaceAt(l, position, char) : l));
        expect(failure(altered)).toEqual({ code: 'MRZ_CHECK_DIGIT', field });
      }
    },
  );
});

describe('parseMrz refuses malformed input', () => {
  const expectedFormats = 'expected TD1 3×30, TD2 2×36 or TD3 2×44';
  const malformed: [string, string[], string, string][] = [
    ['no lines', [], 'MRZ_FORMAT', `0 line(s) of  characters; ${expectedFormats}`],
    ['one line', [TD3_SPECIMEN[0]], 'MRZ_FORMAT', `1 line(s) of 44 characters; ${expectedFormats}`],
    [
      'short line',
      [TD3_SPECIMEN[0], TD3_SPECIMEN[1].slice(1)],
      'MRZ_FORMAT',
      `2 line(s) of 44/43 characters; ${expectedFormats}`,
    ],
    [
      'trailing space',
      [TD3_SPECIMEN[0], `${TD3_SPECIMEN[1]} `],
      'MRZ_FORMAT',
      `2 line(s) of 44/45 characters; ${expectedFormats}`,
    ],
    [
      'lower case',
      [TD3_SPECIMEN[0].toLowerCase(), TD3_SPECIMEN[1]],
      'MRZ_CHARSET',
      'line 1 has characters outside A-Z, 0-9 and <',
    ],
    [
      'space inside',
      [TD3_SPECIMEN[0], replaceAt(TD3_SPECIMEN[1], 30, ' ')],
      'MRZ_CHARSET',
      'line 2 has characters outside A-Z, 0-9 and <',
    ],
    ['sex Q', [TD3_SPECIMEN[0], replaceAt(TD3_SPECIMEN[1], 20, 'Q')], 'MRZ_FIELD', 'sex'],
    [
      'digit in issuing state',
      [replaceAt(TD3_SPECIMEN[0], 2, '1'), TD3_SPECIMEN[1]],
      'MRZ_FIELD',
      'issuing state',
    ],
    ['no primary name', [`P<UTO<<ANNA${'<'.repeat(33)}`, TD3_SPECIMEN[1]], 'MRZ_FIELD', 'names'],
  ];
  test.each(malformed.map(([name, lines, code, field]) => ({ name, lines, code, field })))(
    '$name → $code ($field)',
    ({ lines, code, field }) => {
      expect(failure(lines)).toEqual({ code, field });
    },
  );

  it('refuses a date that passes its check digit but is not a date', () => {
    const line2 = td3Line2({
      documentNumber: 'L898902C3',
      nationality: 'UTO',
      birthDate: '741312',
      sex: 'F',
      expiryDate: '120415',
      personalNumber: '',
    });
    expect(failure([TD3_SPECIMEN[0], line2])).toEqual({ code: 'MRZ_FIELD', field: 'birth date' });
    const expiry = td3Line2({
      documentNumber: 'L898902C3',
      nationality: 'UTO',
      birthDate: '7408<<',
      sex: 'F',
      expiryDate: '12<<15',
      personalNumber: '',
    });
    expect(failure([TD3_SPECIMEN[0], expiry])).toEqual({ code: 'MRZ_FIELD', field: 'expiry date' });
  });

  it('accepts an unknown birth day and an unused personal number with a filler check digit', () => {
    const line2 = td3Line2({
      documentNumber: 'X1234',
      nationality: 'D<<',
      birthDate: '7408<<',
      sex: '<',
      expiryDate: '300101',
      personalNumber: '',
      fillerCheck: true,
    });
    const result = parseMrz([TD3_SPECIMEN[0], line2]);
    expect(
      result.ok && [result.mrz.documentNumber, result.mrz.birthDate, result.mrz.nationality, result.mrz.sex],
    ).toEqual(['X1234', '7408<<', 'D', '<']);
  });

  it('requireMrz throws an MrzError, which is a PolicyError that is not retriable', () => {
    expect.assertions(4);
    try {
      requireMrz([TD3_SPECIMEN[0], replaceAt(TD3_SPECIMEN[1], 9, '7')]);
    } catch (error) {
      expect(error).toBeInstanceOf(MrzError);
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as MrzError).retriable).toBe(false);
      expect((error as MrzError).message).toBe('MRZ_CHECK_DIGIT: document number check digit');
    }
  });

  it('requireMrz returns the parsed zone', () => {
    expect(requireMrz(TD3_SPECIMEN).documentNumber).toBe('L898902C3');
  });
});

describe('parseMrz long document numbers and visas', () => {
  it('reads a TD1 document number longer than 9 characters from the optional data', () => {
    const number = 'D23145890734';
    const line1 = `I<UTO${number.slice(0, 9)}<${number.slice(9)}${mrzCheckDigit(number)}`.padEnd(30, '<');
    const line2Body = '7408122F1204159UTO<<<<<<<<<<<';
    const composite = mrzCheckDigit(
      line1.slice(5, 30) + line2Body.slice(0, 7) + line2Body.slice(8, 15) + line2Body.slice(18, 29),
    );
    const result = parseMrz([line1, `${line2Body}${composite}`, TD1_SPECIMEN[2]]);
    expect(result.ok && result.mrz.documentNumber).toBe(number);
    const wrong = replaceAt(line1, 18, String((mrzCheckDigit(number) + 1) % 10));
    expect(failure([wrong, `${line2Body}${composite}`, TD1_SPECIMEN[2]])).toEqual({
      code: 'MRZ_CHECK_DIGIT',
      field: 'document number check digit',
    });
  });

  test.each<[MrzFormat, number]>([
    ['MRV_A', 44],
    ['MRV_B', 36],
  ])('accepts a %s visa, which has no composite check digit', (format, length) => {
    const line1 = 'V<UTOERIKSSON<<ANNA<MARIA'.padEnd(length, '<');
    const line2 = `L8988901C4XXX4009078F9612109${'<'.repeat(length - 28)}`;
    const result = parseMrz([line1, line2]);
    expect(result.ok && [result.mrz.format, result.mrz.documentType, result.mrz.nationality]).toEqual([
      format,
      'V',
      'XXX',
    ]);
  });
});

// Builds line 2 of a TD3 with correct check digits.
function td3Line2(data: {
  documentNumber: string;
  nationality: string;
  birthDate: string;
  sex: string;
  expiryDate: string;
  personalNumber: string;
  fillerCheck?: boolean;
}): string {
  const number = data.documentNumber.padEnd(9, '<');
  const personal = data.personalNumber.padEnd(14, '<');
  const personalCheck =
    data.personalNumber === '' && data.fillerCheck === true ? '<' : String(mrzCheckDigit(personal));
  const body =
    number +
    mrzCheckDigit(number) +
    data.nationality +
    data.birthDate +
    mrzCheckDigit(data.birthDate) +
    data.sex +
    data.expiryDate +
    mrzCheckDigit(data.expiryDate) +
    personal +
    personalCheck;
  return body + mrzCheckDigit(body.slice(0, 10) + body.slice(13, 20) + body.slice(21, 43));
}

describe('parseMrz properties (TD3)', () => {
  const LETTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
  const ALNUM = [...LETTERS, ...'0123456789'];
  const letter = fc.constantFrom(...LETTERS);
  const alnum = fc.constantFrom(...ALNUM);
  const twoDigits = (min: number, max: number): fc.Arbitrary<string> =>
    fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
  const date = fc.tuple(twoDigits(0, 99), twoDigits(1, 12), twoDigits(1, 28)).map((parts) => parts.join(''));

  const td3 = fc
    .record({
      issuingState: fc.stringOf(letter, { minLength: 3, maxLength: 3 }),
      primary: fc.stringOf(letter, { minLength: 1, maxLength: 15 }),
      secondary: fc.array(fc.stringOf(letter, { minLength: 1, maxLength: 8 }), { maxLength: 2 }),
      documentNumber: fc.stringOf(alnum, { minLength: 1, maxLength: 9 }),
      nationality: fc.stringOf(letter, { minLength: 3, maxLength: 3 }),
      birthDate: date,
      sex: fc.constantFrom('M', 'F', 'X', '<'),
      expiryDate: date,
      personalNumber: fc.stringOf(alnum, { maxLength: 14 }),
      fillerCheck: fc.boolean(),
    })
    .map((data) => ({
      data,
      lines: [
        `P<${data.issuingState}${data.primary}<<${data.secondary.join('<')}`.padEnd(44, '<'),
        td3Line2(data),
      ],
    }));

  it('parses every well-formed TD3 back to its data', () => {
    fc.assert(
      fc.property(td3, ({ data, lines }) => {
        const result = parseMrz(lines);
        expect(result.ok && result.mrz).toEqual({
          format: 'TD3',
          documentType: 'P',
          issuingState: data.issuingState,
          documentNumber: data.documentNumber,
          birthDate: data.birthDate,
          sex: data.sex,
          expiryDate: data.expiryDate,
          nationality: data.nationality,
          names: { primary: data.primary, secondary: data.secondary.join(' ') },
        });
      }),
      { numRuns: 200 },
    );
  });

  // Line 2 positions of numeric data and the check digit that guards each.
  function guardOf(position: number): string | undefined {
    if (position <= 9) {
      return 'document number check digit';
    }
    if (position >= 13 && position <= 19) {
      return 'birth date check digit';
    }
    if (position >= 21 && position <= 27) {
      return 'expiry date check digit';
    }
    if (position >= 28 && position <= 41) {
      return 'personal number check digit';
    }
    return position === 43 ? 'composite check digit' : undefined;
  }

  it('refuses any single digit changed in a numeric field, naming the check digit that caught it', () => {
    fc.assert(
      fc.property(td3, fc.nat(), fc.integer({ min: 1, max: 9 }), ({ lines }, pick, shift) => {
        const line2 = lines[1];
        const digitPositions = [...line2].flatMap((char, position) =>
          /\d/.test(char) && guardOf(position) !== undefined ? [position] : [],
        );
        const position = digitPositions[pick % digitPositions.length];
        const changed = String((Number(line2[position]) + shift) % 10);
        expect(failure([lines[0], replaceAt(line2, position, changed)])).toEqual({
          code: 'MRZ_CHECK_DIGIT',
          field: guardOf(position),
        });
      }),
      { numRuns: 200 },
    );
  });
});

// ICAO Doc 9303 machine readable zones: format, character set and every check digit, validated at the API edge.
import { MrzError } from './errors';

export type MrzFormat = 'TD1' | 'TD2' | 'TD3' | 'MRV_A' | 'MRV_B';
/** As printed: '<' (and 'X' since the 8th edition) mean unspecified. */
export type MrzSex = 'M' | 'F' | 'X' | '<';

export interface Mrz {
  format: MrzFormat;
  /** Document code without fillers, e.g. "P", "ID", "V". */
  documentType: string;
  /** Issuing state or organisation without fillers, e.g. "UTO", "D". */
  issuingState: string;
  documentNumber: string;
  /** YYMMDD as printed; '<<' marks an unknown part. */
  birthDate: string;
  sex: MrzSex;
  /** YYMMDD as printed. */
  expiryDate: string;
  nationality: string;
  names: { primary: string; secondary: string };
}

export type MrzParseResult = { ok: true; mrz: Mrz } | { ok: false; error: MrzError };

const LINE_CHARSET = /^[A-Z0-9<]*$/;
const CHECK_DIGIT_WEIGHTS = [7, 3, 1] as const;
const CHAR_CODE_0 = 48;
const CHAR_CODE_A = 65;

function characterValue(value: string, index: number): number {
  const char = value[index];
  const code = value.charCodeAt(index);
  if (char === '<') {
    return 0;
  }
  if (char >= '0' && char <= '9') {
    return code - CHAR_CODE_0;
  }
  if (char >= 'A' && char <= 'Z') {
    return code - CHAR_CODE_A + 10;
  }
  throw new MrzError('MRZ_CHARSET', `character ${index + 1} of a check-digit field`);
}

/** ICAO 9303 check digit: weights 7, 3, 1 repeating; '<' = 0, 0-9 as is, A = 10 … Z = 35; sum mod 10. */
export function mrzCheckDigit(value: string): number {
  let sum = 0;
  for (let index = 0; index < value.length; index += 1) {
    sum += characterValue(value, index) * CHECK_DIGIT_WEIGHTS[index % CHECK_DIGIT_WEIGHTS.length];
  }
  return sum % 10;
}

function verifyCheckDigit(input: {
  field: string;
  value: string;
  digit: string;
  fillerWhenEmpty?: boolean;
}): void {
  // An unused optional-data field may carry '<' as its check digit (Doc 9303 part 4).
  if (
    input.fillerWhenEmpty === true &&
    /^<*$/.test(input.value) &&
    (input.digit === '<' || input.digit === '0')
  ) {
    return;
  }
  if (input.digit !== String(mrzCheckDigit(input.value))) {
    throw new MrzError('MRZ_CHECK_DIGIT', `${input.field} check digit`);
  }
}

function withoutTrailingFillers(value: string): string {
  return value.replace(/<+$/, '');
}

function withoutFillers(value: string): string {
  return value.replace(/</g, '');
}

function formatOf(lines: readonly string[]): MrzFormat {
  const lengths = lines.map((line) => line.length);
  const all = (length: number): boolean => lengths.every((l) => l === length);
  const isVisa = lines[0]?.startsWith('V') === true;
  if (lines.length === 3 && all(30)) {
    return 'TD1';
  }
  if (lines.length === 2 && all(36)) {
    return isVisa ? 'MRV_B' : 'TD2';
  }
  if (lines.length === 2 && all(44)) {
    return isVisa ? 'MRV_A' : 'TD3';
  }
  throw new MrzError(
    'MRZ_FORMAT',
    `${lines.length} line(s) of ${lengths.join('/')} characters; expected TD1 3×30, TD2 2×36 or TD3 2×44`,
  );
}

/**
 * TD1 and TD2 numbers longer than 9 characters: '<' where the check digit would be, the rest of the number
 * and then its check digit at the start of the optional data (Doc 9303 parts 5 and 6).
 */
function documentNumberOf(input: {
  principal: string;
  digit: string;
  optional: string;
  extensible: boolean;
}): {
  value: string;
  digit: string;
} {
  if (!input.extensible || input.digit !== '<') {
    return { value: input.principal, digit: input.digit };
  }
  const extension = input.optional.split('<')[0];
  if (extension.length === 0) {
    return { value: input.principal, digit: input.digit };
  }
  return { value: input.principal + extension.slice(0, -1), digit: extension.slice(-1) };
}

function namesOf(field: string): { primary: string; secondary: string } {
  const separator = field.indexOf('<<');
  const words = (part: string): string =>
    part
      .split('<')
      .filter((word) => word !== '')
      .join(' ');
  return separator < 0
    ? { primary: words(field), secondary: '' }
    : { primary: words(field.slice(0, separator)), secondary: words(field.slice(separator + 2)) };
}

function isDatePart(part: string, min: number, max: number, unknownAllowed: boolean): boolean {
  if (unknownAllowed && part === '<<') {
    return true;
  }
  if (!/^\d\d$/.test(part)) {
    return false;
  }
  const n = Number(part);
  return n >= min && n <= max;
}

function verifyDate(input: { field: string; value: string; unknownAllowed: boolean }): void {
  const { value, unknownAllowed } = input;
  const ok =
    isDatePart(value.slice(0, 2), 0, 99, unknownAllowed) &&
    isDatePart(value.slice(2, 4), 1, 12, unknownAllowed) &&
    isDatePart(value.slice(4, 6), 1, 31, unknownAllowed);
  if (!ok) {
    throw new MrzError('MRZ_FIELD', input.field);
  }
}

interface RawFields {
  format: MrzFormat;
  documentCode: string;
  issuingState: string;
  documentNumber: string;
  birthDate: string;
  sex: string;
  expiryDate: string;
  nationality: string;
  nameField: string;
}

function fieldsOfTd1(lines: readonly string[]): RawFields {
  const [line1, line2, line3] = lines;
  const documentNumber = documentNumberOf({
    principal: line1.slice(5, 14),
    digit: line1[14],
    optional: line1.slice(15, 30),
    extensible: true,
  });
  verifyCheckDigit({ field: 'document number', ...documentNumber });
  verifyCheckDigit({ field: 'birth date', value: line2.slice(0, 6), digit: line2[6] });
  verifyCheckDigit({ field: 'expiry date', value: line2.slice(8, 14), digit: line2[14] });
  verifyCheckDigit({
    field: 'composite',
    value: line1.slice(5, 30) + line2.slice(0, 7) + line2.slice(8, 15) + line2.slice(18, 29),
    digit: line2[29],
  });
  return {
    format: 'TD1',
    documentCode: line1.slice(0, 2),
    issuingState: line1.slice(2, 5),
    documentNumber: documentNumber.value,
    birthDate: line2.slice(0, 6),
    sex: line2[7],
    expiryDate: line2.slice(8, 14),
    nationality: line2.slice(15, 18),
    nameField: line3,
  };
}

/** TD2, TD3 and both visa formats share the layout of line 2 up to the expiry date check digit. */
function fieldsOfTwoLines(lines: readonly string[], format: Exclude<MrzFormat, 'TD1'>): RawFields {
  const [line1, line2] = lines;
  const documentNumber = documentNumberOf({
    principal: line2.slice(0, 9),
    digit: line2[9],
    optional: line2.slice(28, 35),
    extensible: format === 'TD2',
  });
  verifyCheckDigit({ field: 'document number', ...documentNumber });
  verifyCheckDigit({ field: 'birth date', value: line2.slice(13, 19), digit: line2[19] });
  verifyCheckDigit({ field: 'expiry date', value: line2.slice(21, 27), digit: line2[27] });
  switch (format) {
    case 'TD3':
      verifyCheckDigit({
        field: 'personal number',
        value: line2.slice(28, 42),
        digit: line2[42],
        fillerWhenEmpty: true,
      });
      verifyCheckDigit({
        field: 'composite',
        value: line2.slice(0, 10) + line2.slice(13, 20) + line2.slice(21, 43),
        digit: line2[43],
      });
      break;
    case 'TD2':
      verifyCheckDigit({
        field: 'composite',
        value: line2.slice(0, 10) + line2.slice(13, 20) + line2.slice(21, 35),
        digit: line2[35],
      });
      break;
    case 'MRV_A':
    case 'MRV_B':
      // Visas carry optional data without check digits and no composite check digit.
      break;
  }
  return {
    format,
    documentCode: line1.slice(0, 2),
    issuingState: line1.slice(2, 5),
    documentNumber: documentNumber.value,
    birthDate: line2.slice(13, 19),
    sex: line2[20],
    expiryDate: line2.slice(21, 27),
    nationality: line2.slice(10, 13),
    nameField: line1.slice(5),
  };
}

function isSex(value: string): value is MrzSex {
  return value === 'M' || value === 'F' || value === 'X' || value === '<';
}

function isLineArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((line) => typeof line === 'string');
}

function parseOrThrow(lines: readonly string[]): Mrz {
  // Callers at the API edge may hand over anything parsed from JSON.
  if (!isLineArray(lines)) {
    throw new MrzError('MRZ_FORMAT', 'lines must be an array of strings');
  }
  const format = formatOf(lines);
  lines.forEach((line, index) => {
    if (!LINE_CHARSET.test(line)) {
      throw new MrzError('MRZ_CHARSET', `line ${index + 1} has characters outside A-Z, 0-9 and <`);
    }
  });
  const raw = format === 'TD1' ? fieldsOfTd1(lines) : fieldsOfTwoLines(lines, format);
  // Check digits first, so a mistyped digit is always reported as the check digit that caught it.
  if (!/^[A-Z][A-Z<]$/.test(raw.documentCode)) {
    throw new MrzError('MRZ_FIELD', 'document type');
  }
  if (!/^[A-Z][A-Z<]{2}$/.test(raw.issuingState)) {
    throw new MrzError('MRZ_FIELD', 'issuing state');
  }
  if (!/^[A-Z][A-Z<]{2}$/.test(raw.nationality)) {
    throw new MrzError('MRZ_FIELD', 'nationality');
  }
  const documentNumber = withoutTrailingFillers(raw.documentNumber);
  if (documentNumber === '') {
    throw new MrzError('MRZ_FIELD', 'document number');
  }
  verifyDate({ field: 'birth date', value: raw.birthDate, unknownAllowed: true });
  verifyDate({ field: 'expiry date', value: raw.expiryDate, unknownAllowed: false });
  if (!isSex(raw.sex)) {
    throw new MrzError('MRZ_FIELD', 'sex');
  }
  const names = namesOf(raw.nameField);
  if (names.primary === '') {
    throw new MrzError('MRZ_FIELD', 'names');
  }
  return {
    format: raw.format,
    documentType: withoutFillers(raw.documentCode),
    issuingState: withoutFillers(raw.issuingState),
    documentNumber,
    birthDate: raw.birthDate,
    sex: raw.sex,
    expiryDate: raw.expiryDate,
    nationality: withoutFillers(raw.nationality),
    names,
  };
}

/**
 * Parses and validates an MRZ (TD1 3×30, TD2 2×36, TD3 2×44, and visas MRV-A/MRV-B): charset, line lengths
 * and every check digit, composite included. Input is taken as printed: no trimming or case folding.
 * On failure the error names what failed (e.g. MRZ_CHECK_DIGIT "document number check digit"), never content.
 */
export function parseMrz(lines: readonly string[]): MrzParseResult {
  try {
    return { ok: true, mrz: parseOrThrow(lines) };
  } catch (error) {
    if (error instanceof MrzError) {
      return { ok: false, error };
    }
    throw error;
  }
}

/** parseMrz that throws MrzError (a PolicyError, not retriable) when the MRZ is invalid. */
export function requireMrz(lines: readonly string[]): Mrz {
  return parseOrThrow(lines);
}

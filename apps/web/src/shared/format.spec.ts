import { describe, expect, it } from 'vitest';
import { isolatedPlain } from './bidi';
import { formatAmount, formatDateTime, formatNumber, formatPosition, toDate } from './format';

describe('formats in the reader language', () => {
  const at = '2026-12-01T10:05:00Z';
  it('formats dates and numbers with Intl for each language', () => {
    for (const lang of ['en', 'fr', 'ar', 'it']) {
      expect(formatDateTime(at, lang)).toBe(
        new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(at)),
      );
    }
    expect(formatNumber(12345, 'fr')).toBe(new Intl.NumberFormat('fr').format(12345));
    expect(formatNumber(12345, 'en')).toBe('12,345');
    expect(formatNumber(120, 'ar')).toBe(new Intl.NumberFormat('ar').format(120));
  });

  it('reads protobuf epoch-millisecond strings as dates, and blank or junk as none', () => {
    expect(toDate('1764583500000')?.toISOString()).toBe('2025-12-01T10:05:00.000Z');
    expect(toDate('')).toBeNull();
    expect(toDate('not a date')).toBeNull();
  });

  it('formats minor units of a currency, and says when the currency is unknown', () => {
    expect(formatAmount(123456, 'USD', 'en')).toBe('$1,234.56');
    expect(formatAmount(1000, 'XXXX', 'en')).toBeNull();
  });

  it('formats a position with hemispheres', () => {
    expect(formatPosition(32.9, -13.2, 'en')).toBe('32.9000° N, 13.2000° W');
  });
});

describe('isolatedPlain', () => {
  it('drops embeddings and overrides of partner text and isolates the rest', () => {
    expect(isolatedPlain('invoice\u202Egnp.exe')).toBe('\u2068invoicegnp.exe\u2069');
    expect(isolatedPlain(null)).toBe('\u2068\u2069');
  });
});

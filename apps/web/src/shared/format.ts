// Dates, numbers and amounts in the reader's language (Intl), and the small text helpers of the views.
// Intl formatters are costly to build (tens of microseconds each, a long task for a feed of thousands): one per
// language and options, kept.

const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();
const NUMBER_FORMATS = new Map<string, Intl.NumberFormat>();

function dateFormat(lang: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${JSON.stringify(options)}`;
  let format = DATE_FORMATS.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(lang, options);
    DATE_FORMATS.set(key, format);
  }
  return format;
}

function numberFormat(lang: string, options?: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${lang}|${JSON.stringify(options ?? {})}`;
  let format = NUMBER_FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat(lang, options);
    NUMBER_FORMATS.set(key, format);
  }
  return format;
}

/** ISO string, epoch ms number or epoch ms string (protobuf int64) to a Date; null when blank or invalid. */
export function toDate(value: unknown): Date | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  const d =
    typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))
      ? new Date(Number(value))
      : new Date(asText(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(value: unknown, lang: string): string {
  const d = toDate(value);
  return d ? dateFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(d) : '';
}

export function formatDate(value: unknown, lang: string): string {
  const d = toDate(value);
  return d ? dateFormat(lang, { dateStyle: 'medium' }).format(d) : '';
}

/** Time only when today, date and time otherwise. */
export function formatShortTime(value: unknown, lang: string, now: Date = new Date()): string {
  const d = toDate(value);
  if (!d) {
    return '';
  }
  const sameDay =
    d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return dateFormat(
    lang,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'short', timeStyle: 'short' },
  ).format(d);
}

export function formatNumber(value: unknown, lang: string): string {
  const n = Number(value);
  return Number.isFinite(n) ? numberFormat(lang).format(n) : String(value);
}

/** An amount in minor units of its currency; null when the currency code is not one Intl knows. */
export function formatAmount(minor: unknown, currency: unknown, lang: string): string | null {
  if (isBlank(minor)) {
    return '';
  }
  try {
    const format = numberFormat(lang, { style: 'currency', currency: String(currency) });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 0;
    return format.format(Number(minor) / Math.pow(10, digits));
  } catch {
    return null;
  }
}

export function formatPosition(lat: unknown, lon: unknown, lang: string): string {
  const la = Number(lat ?? 0);
  const lo = Number(lon ?? 0);
  const n = numberFormat(lang, { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  return `${n.format(Math.abs(la))}° ${la >= 0 ? 'N' : 'S'}, ${n.format(Math.abs(lo))}° ${lo >= 0 ? 'E' : 'W'}`;
}

export function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'number' && Number.isNaN(value))
  );
}

/** A code as words ("PICK_UP_TRUCK" -> "PICK UP TRUCK"), for codes the catalogue does not name. */
export function words(code: unknown): string {
  return typeof code === 'string' ? code.replace(/_/g, ' ') : String(code);
}

export function tlpLabel(classification: string): string {
  return `TLP:${classification === 'AMBER_STRICT' ? 'AMBER+STRICT' : classification || '?'}`;
}

/** Any value of a partner's JSON as text: strings as they are, numbers and booleans printed, objects as JSON. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value);
}

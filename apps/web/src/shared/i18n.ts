// The four languages of the front end: one i18next catalogue per language (src/locales/<lang>.json), the
// officer's choice kept in this browser, Arabic laid out right to left. Dates and numbers go through Intl in the
// reader's language (format.ts).
import i18next, { type TOptions } from 'i18next';
import ar from '../locales/ar.json';
import en from '../locales/en.json';
import fr from '../locales/fr.json';
import it from '../locales/it.json';

export const LANGUAGES = ['en', 'fr', 'ar', 'it'] as const;
export type Language = (typeof LANGUAGES)[number];
export const CATALOGUES: Record<Language, Record<string, unknown>> = { en, fr, ar, it };
const RTL: ReadonlySet<Language> = new Set<Language>(['ar']);
const STORAGE_KEY = 'corridor.lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export function directionOf(lang: Language): 'rtl' | 'ltr' {
  return RTL.has(lang) ? 'rtl' : 'ltr';
}

/** The language saved in this browser, else the first of the browser's languages we have, else English. */
export function initialLanguage(saved: string | null, preferred: readonly string[]): Language {
  if (isLanguage(saved)) {
    return saved;
  }
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) {
      return base;
    }
  }
  return 'en';
}

function savedLanguage(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export async function initI18n(lang?: Language): Promise<Language> {
  const chosen = lang ?? initialLanguage(savedLanguage(), navigator.languages ?? [navigator.language]);
  await i18next.init({
    lng: chosen,
    fallbackLng: false,
    supportedLngs: [...LANGUAGES],
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: CATALOGUES[l] }])),
    // Values are inserted by Preact as text, never as HTML.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyDocumentLanguage(chosen);
  return chosen;
}

export function applyDocumentLanguage(lang: Language): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = directionOf(lang);
}

export async function setLanguage(lang: Language): Promise<void> {
  await i18next.changeLanguage(lang);
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage disabled: the choice lasts until reload
  }
  applyDocumentLanguage(lang);
}

export function currentLanguage(): Language {
  const lang = i18next.language;
  return isLanguage(lang) ? lang : 'en';
}

export function t(key: string, options?: TOptions): string {
  return i18next.t(key, options);
}

/** Keys of a nested catalogue, dotted ("feed.count"); plural forms keep their suffix ("feed.items_one"). */
export function catalogueKeys(catalogue: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([k, v]) =>
    v !== null && typeof v === 'object'
      ? catalogueKeys(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}

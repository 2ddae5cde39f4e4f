// The four languages of the front end: one i18next catalogue per language (src/locales/<lang>.json), the
// officer's choice kept in this browser, Arabic laid out right to left. Dates and numbers go through Intl in the
// reader's language (format.ts). Only the chosen language's catalogue is in the first load: each is a chunk of its
// own, fetched when the officer picks it.
import i18next, { type TOptions } from 'i18next';

export const LANGUAGES = ['en', 'fr', 'ar', 'it'] as const;
export type Language = (typeof LANGUAGES)[number];
type Catalogue = Record<string, unknown>;
const CATALOGUE_FILES = import.meta.glob<Catalogue>('../locales/*.json', { import: 'default' });

/** One language's catalogue, loaded once (a separate chunk per language). */
export function loadCatalogue(lang: Language): Promise<Catalogue> {
  const load = CATALOGUE_FILES[`../locales/${lang}.json`];
  if (!load) {
    return Promise.reject(new Error(`no catalogue for ${lang}`));
  }
  return load();
}

async function ensureCatalogue(lang: Language): Promise<void> {
  if (!i18next.hasResourceBundle(lang, 'translation')) {
    i18next.addResourceBundle(lang, 'translation', await loadCatalogue(lang));
    plainTexts.clear();
  }
}
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
  const catalogue = await loadCatalogue(chosen);
  plainTexts.clear();
  await i18next.init({
    lng: chosen,
    fallbackLng: false,
    supportedLngs: [...LANGUAGES],
    resources: { [chosen]: { translation: catalogue } },
    // Resources are given: init completes synchronously, with nothing to fetch.
    initAsync: false,
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
  await ensureCatalogue(lang);
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

// Labels without values (categories, priorities, separators...) are asked for many times a render: kept per
// language, forgotten when the language or its catalogue changes.
const plainTexts = new Map<string, string>();

export function t(key: string, options?: TOptions): string {
  const keys = options ? Object.keys(options) : [];
  const fallback = options?.defaultValue;
  if (keys.length === 0 || (keys.length === 1 && typeof fallback === 'string')) {
    const id = `${i18next.language}|${key}|${typeof fallback === 'string' ? fallback : ''}`;
    let text = plainTexts.get(id);
    if (text === undefined) {
      text = i18next.t(key, options);
      plainTexts.set(id, text);
    }
    return text;
  }
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

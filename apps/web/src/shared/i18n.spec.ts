// Every key in every language: CI fails when a catalogue lacks a key another has, when a translation drops a
// {{placeholder}} of the English text, or when the code asks for a key no catalogue defines.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ar from '../locales/ar.json';
import en from '../locales/en.json';
import fr from '../locales/fr.json';
import it_ from '../locales/it.json';
import { catalogueKeys, directionOf, initialLanguage, LANGUAGES, loadCatalogue } from './i18n';

const CATALOGUES: Record<string, Record<string, unknown>> = { en, fr, ar, it: it_ };

const flat = (catalogue: Record<string, unknown>, key: string): unknown =>
  key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], catalogue);
const placeholders = (text: string): string[] => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) && !/\.spec\./.test(e.name) ? [p] : [];
  });
}

describe('message catalogues', () => {
  const english = catalogueKeys(CATALOGUES.en).sort();

  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s has exactly the keys of English', (lang) => {
    expect(catalogueKeys(CATALOGUES[lang]).sort()).toEqual(english);
  });

  it.each(LANGUAGES)('%s keeps every placeholder of the English message and no message is empty', (lang) => {
    for (const key of english) {
      const text = flat(CATALOGUES[lang], key);
      expect(typeof text, `${lang}:${key}`).toBe('string');
      expect((text as string).trim().length, `${lang}:${key} is empty`).toBeGreaterThan(0);
      expect(placeholders(text as string), `${lang}:${key}`).toEqual(
        placeholders(flat(CATALOGUES.en, key) as string),
      );
    }
  });

  it.each(LANGUAGES)('%s loads on demand as the same catalogue', async (lang) => {
    expect(await loadCatalogue(lang)).toEqual(CATALOGUES[lang]);
  });

  it('defines every literal key the code asks for', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(path.join(__dirname, '..'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(
        /\b(?:t|tx)\('([a-zA-Z]+\.[a-zA-Z.]+)'|\bkey: '([a-zA-Z]+\.[a-zA-Z.]+)'/g,
      )) {
        used.add(m[1] ?? m[2]);
      }
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((k) => flat(CATALOGUES.en, k) === undefined);
    expect(missing).toEqual([]);
  });
});

describe('language choice', () => {
  it('takes the saved choice, else the first browser language it has, else English', () => {
    expect(initialLanguage('ar', ['fr-FR'])).toBe('ar');
    expect(initialLanguage(null, ['de-DE', 'it-IT', 'fr'])).toBe('it');
    expect(initialLanguage('xx', ['de'])).toBe('en');
  });

  it('lays Arabic out right to left, the others left to right', () => {
    expect(LANGUAGES.map((l) => [l, directionOf(l)])).toEqual([
      ['en', 'ltr'],
      ['fr', 'ltr'],
      ['ar', 'rtl'],
      ['it', 'ltr'],
    ]);
  });
});

describe('coded vocabularies', () => {
  it('names every code the API accepts in every language', async () => {
    // Values from the shared library (the API's own lists), loaded in the spec only: the bundle imports types alone.
    const api = await import('@corridor/gateway-api');
    // The coded vocabularies of proto/corridor/v1/vocabulary.proto, all of them, plus the API's own code lists.
    const vocabularies: Record<string, readonly string[]> = {
      ...api.VOCABULARIES,
      documentType: api.DOCUMENT_TYPES,
      paymentMethod: api.FLOW_METHODS,
    };
    expect(Object.keys(vocabularies)).toEqual(
      expect.arrayContaining([
        'transportMode',
        'modusOperandi',
        'riskToLife',
        'fraudType',
        'suspectRole',
        'referralNeed',
      ]),
    );
    for (const lang of LANGUAGES) {
      for (const [vocabulary, codes] of Object.entries(vocabularies)) {
        for (const code of codes) {
          expect(
            typeof flat(CATALOGUES[lang], `code.${vocabulary}.${code}`),
            `${lang}: code.${vocabulary}.${code}`,
          ).toBe('string');
        }
      }
    }
  });
});

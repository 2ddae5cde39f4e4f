// Partner-supplied text (titles, places, reply bodies, officer ids...) is shown only through these: each value in
// its own isolating <bdi dir="auto">, so an override inside it (U+202E...) cannot reorder the labels around it and
// its direction follows its own first strong character, in a left-to-right or a right-to-left page alike.
import type { ComponentChild } from 'preact';
import type { TOptions } from 'i18next';
import { asText } from './format';
import { t } from './i18n';

export function PartnerText({ text }: { text: unknown }) {
  return (
    <bdi class="partner" dir="auto">
      {asText(text)}
    </bdi>
  );
}

/** Several partner values joined by a separator of the page's own, each isolated. */
export function PartnerJoin({ values, separator }: { values: unknown[]; separator: string }) {
  return (
    <span>
      {values.map((v, i) => (
        <>
          {i > 0 ? separator : null}
          <PartnerText text={v} />
        </>
      ))}
    </span>
  );
}

const BIDI_EMBEDDINGS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * Partner text for plain-text places no element can isolate (notifications, announcements, tooltips, SVG
 * labels): its embeddings, overrides and isolates are dropped, the rest wrapped in FSI ... PDI.
 */
export function isolatedPlain(text: unknown): string {
  const value = asText(text);
  return `\u2068${value.replace(BIDI_EMBEDDINGS, '')}\u2069`;
}

const MARK = '\u0001';

/**
 * A translated message with elements in it: `{{name}}` placeholders of the catalogue entry are replaced by the
 * given children (partner text, emphasis...), in the order the language puts them.
 */
export function tx(key: string, parts: Record<string, ComponentChild>, options?: TOptions): ComponentChild[] {
  const marked = Object.fromEntries(Object.keys(parts).map((name) => [name, `${MARK}${name}${MARK}`]));
  const text = t(key, { ...options, ...marked });
  return text
    .split(new RegExp(`${MARK}(\\w+)${MARK}`))
    .map((piece, i) => (i % 2 === 1 ? (parts[piece] ?? null) : piece))
    .filter((piece) => piece !== '');
}

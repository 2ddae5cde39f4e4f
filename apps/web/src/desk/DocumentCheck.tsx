// Hit/no-hit of a document number or an MRZ against the DOCUMENT alerts this gateway received and the document
// registers partners shared with it (source, status and date of each match).
import type { DocumentCheckResult } from '@corridor/gateway-api';
import { useState } from 'preact/hooks';
import { formatDateTime, formatNumber } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { say, type Message } from '../shared/message';
import { useSession } from './hooks';
import { codeGroup, joinParts, partnerGroup } from './summary';

type Result =
  | { state: 'IDLE' }
  | { state: 'PENDING' }
  | { state: 'ERROR'; message: Message }
  | { state: 'DONE'; result: DocumentCheckResult };

/** The request the form makes, or the message saying what to fix. */
export function documentQuery(
  numberInput: string,
  mrzInput: string,
): { number?: string; mrz?: string[] } | Message {
  const number = numberInput.replace(/\s+/g, '').toUpperCase();
  const mrz = mrzInput
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+/g, '').toUpperCase())
    .filter(Boolean);
  if (!number && !mrz.length) {
    return { key: 'doc.enterSomething' };
  }
  if (mrz.length && (mrz.length < 2 || mrz.length > 3)) {
    return { key: 'doc.mrzLines' };
  }
  return { ...(number ? { number } : {}), ...(mrz.length ? { mrz } : {}) };
}

export function DocumentCheck({ onOpen }: { onOpen: (key: string) => void }) {
  const session = useSession();
  const [number, setNumber] = useState('');
  const [mrz, setMrz] = useState('');
  const [result, setResult] = useState<Result>({ state: 'IDLE' });
  const lang = currentLanguage();
  const check = async (e: Event): Promise<void> => {
    e.preventDefault();
    const query = documentQuery(number, mrz);
    if ('key' in query) {
      setResult({ state: 'ERROR', message: query });
      return;
    }
    setResult({ state: 'PENDING' });
    const r = await session.request('documentCheck', query);
    if (!r.ok) {
      setResult({ state: 'ERROR', message: { key: 'doc.failed', values: { reason: r.error } } });
      return;
    }
    setResult({ state: 'DONE', result: r.value });
    const n = Array.isArray(r.value.matches) ? r.value.matches.length : 0;
    session.onAnnounce(r.value.hit ? t('doc.announceHit', { n }) : t('doc.announceNoHit'), r.value.hit);
  };
  const dataResult =
    result.state === 'DONE'
      ? result.result.hit
        ? 'HIT'
        : 'NO_HIT'
      : result.state === 'IDLE'
        ? undefined
        : result.state;
  return (
    <form
      id="doc-check-form"
      class="doc-check"
      aria-labelledby="doc-check-heading"
      noValidate
      onSubmit={(e) => void check(e)}
    >
      <h2 id="doc-check-heading">{t('doc.heading')}</h2>
      <div class="doc-check-fields">
        <div class="field">
          <label for="doc-number">{t('doc.number')}</label>
          <input
            id="doc-number"
            data-testid="doc-number"
            type="text"
            autocomplete="off"
            spellcheck={false}
            maxLength={40}
            dir="ltr"
            value={number}
            onInput={(e) => setNumber(e.currentTarget.value)}
          />
        </div>
        <div class="field field-wide">
          <label for="doc-mrz">{t('doc.mrz')}</label>
          <textarea
            id="doc-mrz"
            data-testid="doc-mrz"
            class="mono"
            rows={3}
            autocomplete="off"
            spellcheck={false}
            wrap="off"
            dir="ltr"
            value={mrz}
            onInput={(e) => setMrz(e.currentTarget.value)}
          />
        </div>
        <div class="doc-check-actions">
          <button type="submit" id="doc-check" data-testid="doc-check" disabled={result.state === 'PENDING'}>
            {t('doc.check')}
          </button>
        </div>
      </div>
      <div
        id="doc-result"
        data-testid="doc-result"
        class="doc-result"
        aria-live="polite"
        data-result={dataResult}
      >
        {result.state === 'PENDING' ? t('doc.checking') : null}
        {result.state === 'ERROR' ? say(result.message) : null}
        {result.state === 'DONE' && !result.result.hit ? (
          <>
            <span class="verdict">{t('doc.noHit')}</span>
            {t('doc.noMatch')}
          </>
        ) : null}
        {result.state === 'DONE' && result.result.hit ? (
          <>
            <span class="verdict">{t('doc.hit')}</span>
            {t('doc.matches', { n: formatNumber(result.result.matches.length, lang) })}
            <ul>
              {result.result.matches.map((m, i) => {
                const labels = joinParts(
                  [
                    codeGroup('documentType', m.documentType),
                    partnerGroup(m.issuingState),
                    codeGroup('fraudType', m.status || m.fraudType),
                  ],
                  ' · ',
                );
                const date = formatDateTime(m.date, lang);
                if (m.source === 'REGISTER') {
                  return (
                    <li data-source="REGISTER" data-record={m.recordId} key={`r${i}`}>
                      {labels}
                      {t('doc.fromRegister', { name: m.registerName ?? '', sender: m.sender, date })}
                      {m.series ? t('doc.series', { first: m.series.first, last: m.series.last }) : null}
                    </li>
                  );
                }
                const text = [
                  ...labels,
                  t('doc.fromSender', { sender: m.sender }),
                  t('doc.onDate', { date }),
                ];
                const key = session.feed.keyOfSeq(Number(m.seq));
                return (
                  <li data-source="ALERT" data-seq={String(m.seq)} key={`a${m.seq ?? i}`}>
                    {key ? (
                      <button type="button" class="link" onClick={() => onOpen(key)}>
                        {text}
                      </button>
                    ) : (
                      <>
                        {text}
                        {t('doc.feedSeq', { seq: m.seq })}
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
          </>
        ) : null}
      </div>
    </form>
  );
}

// The versions of an alert (published, updated, withdrawn, expired), with time and who, fetched from the gateway.
import type { AlertVersion } from '@corridor/gateway-api';
import { useEffect, useState } from 'preact/hooks';
import { PartnerText, tx } from '../shared/bidi';
import { formatDateTime, formatNumber } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { say, type Message } from '../shared/message';
import { useSession } from './hooks';
import { orderHistory } from './sent';

type Loaded =
  { state: 'loading' } | { state: 'error'; error: Message } | { state: 'ok'; versions: AlertVersion[] };

/** `stamp` changes when the alert changes (a new seq or version), which fetches the history again. */
export function History({ origin, alertId, stamp }: { origin: string; alertId: string; stamp: string }) {
  const session = useSession();
  const lang = currentLanguage();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    void session.request('history', { origin, alertId }).then((r) => {
      if (current) {
        setLoaded(
          r.ok
            ? { state: 'ok', versions: orderHistory(r.value.versions) }
            : { state: 'error', error: r.error },
        );
      }
    });
    return () => {
      current = false;
    };
  }, [origin, alertId, stamp]);
  const headingId = `history-${origin}-${alertId}`;
  return (
    <section class="section history" aria-labelledby={headingId} data-testid="history">
      <h3 id={headingId}>{t('history.heading')}</h3>
      {loaded.state === 'loading' ? (
        <p class="hint">{t('history.loading')}</p>
      ) : loaded.state === 'error' ? (
        <p class="notice notice-withdrawn">{t('history.unavailable', { reason: say(loaded.error) })}</p>
      ) : (
        <ol class="history-list">
          {loaded.versions.map((v, i) => (
            <li key={i} data-testid="history-entry" data-event={v.event} data-version={String(v.version)}>
              <span class={`flag history-${v.event}`}>{t(`history.event.${v.event}`)}</span>{' '}
              <span>{t('history.version', { n: formatNumber(v.version, lang) })}</span>
              {' · '}
              <time dateTime={v.at}>{formatDateTime(v.at, lang)}</time>
              {' · '}
              <span data-testid="history-by">{tx('history.by', { who: <PartnerText text={v.by} /> })}</span>
              {v.reason ? (
                <div class="history-reason">
                  {tx('history.reason', { reason: <PartnerText text={v.reason} /> })}
                </div>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

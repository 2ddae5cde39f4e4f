// The alerts this country sent: each with the state of every partner's copy (queued, sent, delivered,
// acknowledged by whom and when, refused, failed) and, on demand, its versions. Refreshed while the page is open.
import type { SentAlert } from '@corridor/gateway-api';
import { useEffect, useRef, useState } from 'preact/hooks';
import { PartnerText, tx } from '../shared/bidi';
import { formatDateTime, formatNumber, tlpLabel } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { categoryLabel, priorityLabel } from '../shared/labels';
import { say, type Message } from '../shared/message';
import { History } from './History';
import { useSession } from './hooks';
import { partnerStates } from './sent';

const REFRESH_MS = 5000;
const PAGE = 50;
/** the most the gateway answers at once */
const MAX_LIMIT = 200;

export function deliveryLabel(status: string): string {
  return t(`delivery.${status}`, { defaultValue: status });
}

export function SentView() {
  const session = useSession();
  const lang = currentLanguage();
  const [alerts, setAlerts] = useState<SentAlert[] | null>(null);
  const [error, setError] = useState<Message | null>(null);
  const [more, setMore] = useState(false);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRef(PAGE);

  const load = async (limit: number): Promise<void> => {
    const r = await session.request('sent', { limit });
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setError(null);
    setAlerts(r.value.alerts);
    setMore(r.value.alerts.length === limit && limit + PAGE <= MAX_LIMIT);
  };
  useEffect(() => {
    heading.current?.focus();
    void load(shown.current);
    const timer = window.setInterval(() => void load(shown.current), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [session.socket]);

  const toggle = (id: string): void => {
    const next = new Set(open);
    if (next.has(id)) {
      next.delete(id);
    } else {
      next.add(id);
    }
    setOpen(next);
  };

  return (
    <main id="sent-view" class="page-view" aria-labelledby="sent-heading">
      <div class="page-head">
        <h2 id="sent-heading" tabIndex={-1} ref={heading}>
          {t('sent.heading')}
        </h2>
        <span class="hint" data-testid="sent-count" aria-live="polite">
          {alerts ? t('sent.count', { n: formatNumber(alerts.length, lang) }) : t('sent.loading')}
        </span>
        <button
          type="button"
          class="secondary"
          data-testid="sent-refresh"
          onClick={() => void load(shown.current)}
        >
          {t('sent.refresh')}
        </button>
      </div>
      <p class="hint">{t('sent.intro')}</p>
      {error ? (
        <p class="error-box" role="alert">
          {t('sent.unavailable', { reason: say(error) })}
        </p>
      ) : null}
      {alerts && alerts.length === 0 ? <p class="hint">{t('sent.empty')}</p> : null}
      <ul class="sent-list" data-testid="sent-list">
        {(alerts ?? []).map((a) => {
          const partners = partnerStates(a.deliveries);
          const titleId = `sent-title-${a.id}`;
          return (
            <li
              key={a.id}
              class={`sent-alert${a.state === 'WITHDRAWN' ? ' is-withdrawn' : ''}`}
              data-testid="sent-alert"
              data-alert-id={a.id}
              data-state={a.state}
            >
              <div class="row-top">
                <span class={`badge priority-${a.priority}`}>{priorityLabel(a.priority)}</span>
                <span class="badge">{categoryLabel(a.category)}</span>
                <span class={`badge tlp tlp-${a.classification}`}>{tlpLabel(a.classification)}</span>
                {a.state === 'WITHDRAWN' ? (
                  <span class="flag flag-withdrawn">{t('sent.withdrawn')}</span>
                ) : null}
                {a.version > 1 ? (
                  <span class="flag flag-updated">
                    {t('history.version', { n: formatNumber(a.version, lang) })}
                  </span>
                ) : null}
              </div>
              <h3 class="sent-title" id={titleId}>
                <PartnerText text={a.title} />
              </h3>
              <p class="detail-meta">
                {tx(
                  'sent.published',
                  { who: <PartnerText text={a.publishedBy} /> },
                  {
                    at: formatDateTime(a.publishedAt, lang),
                  },
                )}
              </p>
              <table class="partners" data-testid="sent-partners">
                <caption class="visually-hidden">{t('sent.partnersCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('sent.partner')}</th>
                    <th scope="col">{t('sent.state')}</th>
                    <th scope="col">{t('sent.delivered')}</th>
                    <th scope="col">{t('sent.acknowledged')}</th>
                  </tr>
                </thead>
                <tbody>
                  {partners.map((p) => (
                    <tr
                      key={p.recipient}
                      data-testid="sent-partner"
                      data-recipient={p.recipient}
                      data-status={p.status}
                    >
                      <th scope="row">{p.recipient}</th>
                      <td>
                        <span class={`delivery delivery-${p.status}`}>
                          {t('sent.stateOf', {
                            kind: t(`sent.kind.${p.kind}`),
                            state: deliveryLabel(p.status),
                          })}
                        </span>
                        {p.reason ? (
                          <div class="hint">
                            {tx('sent.reason', { reason: <PartnerText text={p.reason} /> })}
                          </div>
                        ) : null}
                      </td>
                      <td>{p.deliveredAt ? formatDateTime(p.deliveredAt, lang) : '—'}</td>
                      <td data-testid="sent-ack" data-acknowledged={p.acknowledgedAt ? 'true' : 'false'}>
                        {p.acknowledgedAt
                          ? tx(
                              'sent.ackBy',
                              { who: <PartnerText text={p.acknowledgedBy ?? '?'} /> },
                              {
                                at: formatDateTime(p.acknowledgedAt, lang),
                              },
                            )
                          : t('sent.notAcknowledged')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <button
                type="button"
                class="link"
                data-testid="sent-history-toggle"
                aria-expanded={open.has(a.id) ? 'true' : 'false'}
                onClick={() => toggle(a.id)}
              >
                {open.has(a.id) ? t('sent.hideHistory') : t('sent.showHistory')}
              </button>
              {open.has(a.id) && session.hello ? (
                <History origin={session.hello.country} alertId={a.id} stamp={`${a.version}/${a.state}`} />
              ) : null}
            </li>
          );
        })}
      </ul>
      {more ? (
        <button
          type="button"
          class="secondary"
          data-testid="sent-more"
          onClick={() => {
            shown.current += PAGE;
            void load(shown.current);
          }}
        >
          {t('sent.more')}
        </button>
      ) : null}
    </main>
  );
}

// The situational picture: route, document and referral alerts of a chosen period on an offline map, a timeline
// (a histogram with a window chosen by two sliders), filters for partner, category and priority, and layers. The
// list under the map holds the same items for the keyboard; focusing one highlights it on the map, and a received
// alert selected there or on the map can be acknowledged in place.
import type { PictureItem } from '@corridor/gateway-api';
import { useEffect, useRef, useState } from 'preact/hooks';
import { PartnerText } from '../shared/bidi';
import { formatDateTime, formatNumber } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { categoryLabel, priorityLabel, PRIORITIES } from '../shared/labels';
import { say, type Message } from '../shared/message';
import { useSession } from './hooks';
import {
  bucketize,
  filterPicture,
  LAYERS,
  layerOf,
  NO_PICTURE_FILTERS,
  PERIOD_DAYS,
  partnersOf,
  periodEnding,
  pictureAsFeedRow,
  pictureKey,
  type PeriodDays,
  type PictureFilters,
  withAcknowledgement,
} from './picture';
import { PictureMap } from './LazyMaps';
import { PictureAck } from './PictureAck';
import { summaryParts } from './summary';

const PICTURE_CATEGORIES = ['ROUTE', 'DOCUMENT', 'PROTECTION_REFERRAL'];
/** The list shows this many items; the map shows them all. */
const LIST_MAX = 300;

type Loaded =
  | { state: 'loading' }
  | { state: 'error'; error: Message }
  | { state: 'ok'; items: PictureItem[]; truncated: boolean; from: Date; to: Date };

export function PictureView() {
  const session = useSession();
  const lang = currentLanguage();
  const [days, setDays] = useState<PeriodDays>(7);
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [filters, setFilters] = useState<PictureFilters>(NO_PICTURE_FILTERS);
  const [range, setRange] = useState<[number, number] | null>(null);
  const [active, setActive] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const lastSeq = session.feed.lastSeq;
  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    let current = true;
    // New feed items refresh the picture, at most once a second.
    const timer = window.setTimeout(
      () => {
        const { from, to } = periodEnding(days, new Date());
        void session.request('picture', { from: from.toISOString(), to: to.toISOString() }).then((r) => {
          if (current) {
            setLoaded(
              r.ok
                ? { state: 'ok', items: r.value.items, truncated: r.value.truncated, from, to }
                : { state: 'error', error: r.error },
            );
          }
        });
      },
      loaded.state === 'loading' ? 0 : 1000,
    );
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [days, lastSeq, session.socket]);

  const items = loaded.state === 'ok' ? loaded.items : [];
  const from = loaded.state === 'ok' ? loaded.from : periodEnding(days, new Date()).from;
  const to = loaded.state === 'ok' ? loaded.to : periodEnding(days, new Date()).to;
  // The timeline counts what the filters keep over the whole period; its window narrows the map and the list.
  const everywhere = filterPicture(items, filters, { from: from.getTime(), to: to.getTime() });
  const buckets = bucketize(everywhere, from, to);
  const last = Math.max(buckets.length - 1, 0);
  const [lo, hi] = range ? [Math.min(range[0], last), Math.min(range[1], last)] : [0, last];
  const span = { from: buckets[lo]?.start ?? from.getTime(), to: buckets[hi]?.end ?? to.getTime() };
  const shown = filterPicture(items, filters, span);
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const set = (patch: Partial<PictureFilters>): void => setFilters({ ...filters, ...patch });
  const open = (item: PictureItem): void => {
    if (item.origin === session.hello?.country) {
      session.go('sent');
    } else {
      session.openInFeed(`alert:${pictureKey(item)}`);
    }
  };
  const description = t('picture.mapDescription', {
    routes: formatNumber(shown.filter((i) => layerOf(i) === 'routes').length, lang),
    documents: formatNumber(shown.filter((i) => layerOf(i) === 'documents').length, lang),
    referrals: formatNumber(shown.filter((i) => layerOf(i) === 'referrals').length, lang),
  });

  return (
    <main id="picture-view" class="page-view picture" aria-labelledby="picture-heading">
      <div class="page-head">
        <h2 id="picture-heading" tabIndex={-1} ref={heading}>
          {t('picture.heading')}
        </h2>
        <span class="hint" data-testid="picture-count" aria-live="polite">
          {loaded.state === 'loading'
            ? t('picture.loading')
            : t('picture.count', {
                shown: formatNumber(shown.length, lang),
                n: formatNumber(items.length, lang),
              })}
        </span>
      </div>
      {loaded.state === 'error' ? (
        <p class="error-box" role="alert">
          {t('picture.unavailable', { reason: say(loaded.error) })}
        </p>
      ) : null}
      {loaded.state === 'ok' && loaded.truncated ? <p class="notice">{t('picture.truncated')}</p> : null}
      <form
        class="filters picture-filters"
        aria-label={t('picture.filters')}
        onSubmit={(e) => e.preventDefault()}
      >
        <div class="field">
          <label for="picture-period">{t('picture.period')}</label>
          <select
            id="picture-period"
            data-testid="picture-period"
            value={String(days)}
            onChange={(e) => {
              setDays(Number(e.currentTarget.value) as PeriodDays);
              setRange(null);
            }}
          >
            {PERIOD_DAYS.map((d) => (
              <option key={d} value={String(d)}>
                {t(`picture.periods.${d}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="picture-partner">{t('filters.partner')}</label>
          <select
            id="picture-partner"
            data-testid="picture-partner"
            value={filters.partner}
            onChange={(e) => set({ partner: e.currentTarget.value })}
          >
            <option value="">{t('filters.allPartners')}</option>
            {partnersOf(items).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="picture-category">{t('filters.category')}</label>
          <select
            id="picture-category"
            data-testid="picture-category"
            value={filters.category}
            onChange={(e) => set({ category: e.currentTarget.value })}
          >
            <option value="">{t('filters.allCategories')}</option>
            {PICTURE_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {categoryLabel(c)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="picture-priority">{t('filters.priority')}</label>
          <select
            id="picture-priority"
            data-testid="picture-priority"
            value={filters.priority}
            onChange={(e) => set({ priority: e.currentTarget.value })}
          >
            <option value="">{t('filters.allPriorities')}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {priorityLabel(p)}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="layers">
          <legend>{t('picture.layers')}</legend>
          {LAYERS.map((layer) => (
            <label key={layer} class={`layer layer-${layer}`}>
              <input
                type="checkbox"
                data-testid={`picture-layer-${layer}`}
                checked={filters.layers[layer]}
                onChange={(e) => set({ layers: { ...filters.layers, [layer]: e.currentTarget.checked } })}
              />
              {t(`picture.layer.${layer}`)}
            </label>
          ))}
        </fieldset>
      </form>
      <section class="timeline" aria-labelledby="timeline-heading" data-testid="timeline">
        <h3 id="timeline-heading">{t('picture.timeline')}</h3>
        <svg
          class="histogram"
          viewBox={`0 0 ${Math.max(buckets.length, 1) * 10} 40`}
          preserveAspectRatio="none"
          aria-hidden="true"
        >
          {buckets.map((b, i) => (
            <g key={i} class={i >= lo && i <= hi ? 'in-window' : 'out-window'}>
              <rect x={i * 10 + 1} y={40 - (b.count / max) * 38} width={8} height={(b.count / max) * 38} />
              <rect
                class="flash"
                x={i * 10 + 1}
                y={40 - (b.flash / max) * 38}
                width={8}
                height={(b.flash / max) * 38}
              />
            </g>
          ))}
        </svg>
        <div class="window-sliders">
          <label for="window-start">{t('picture.windowStart')}</label>
          <input
            id="window-start"
            data-testid="window-start"
            type="range"
            min={0}
            max={last}
            value={lo}
            aria-valuetext={formatDateTime(span.from, lang)}
            onInput={(e) => {
              const v = Number(e.currentTarget.value);
              setRange([Math.min(v, hi), hi]);
            }}
          />
          <label for="window-end">{t('picture.windowEnd')}</label>
          <input
            id="window-end"
            data-testid="window-end"
            type="range"
            min={0}
            max={last}
            value={hi}
            aria-valuetext={formatDateTime(span.to, lang)}
            onInput={(e) => {
              const v = Number(e.currentTarget.value);
              setRange([lo, Math.max(v, lo)]);
            }}
          />
        </div>
        <p class="hint" data-testid="window-text">
          {t('picture.window', { from: formatDateTime(span.from, lang), to: formatDateTime(span.to, lang) })}
        </p>
      </section>
      <div class="picture-layout">
        <PictureMap items={shown} active={active} onPick={setActive} description={description} />
        <ul class="picture-list" aria-label={t('picture.listLabel')} data-testid="picture-list">
          {shown.slice(0, LIST_MAX).map((item) => {
            const key = pictureKey(item);
            const summary =
              item.category === 'ROUTE' || item.category === 'DOCUMENT'
                ? summaryParts(pictureAsFeedRow(item))
                : [];
            return (
              <li
                key={key}
                class={`picture-item${key === active ? ' is-active' : ''}`}
                data-testid="picture-item"
                data-key={key}
                data-sender={item.sender}
                data-category={item.category}
                data-priority={item.priority}
              >
                <button
                  type="button"
                  class="picture-open"
                  onFocus={() => setActive(key)}
                  onMouseEnter={() => setActive(key)}
                  onClick={() => open(item)}
                >
                  <span class="row-top">
                    <span class={`badge priority-${item.priority}`}>{priorityLabel(item.priority)}</span>
                    <span class="badge">{categoryLabel(item.category)}</span>
                    <span class="row-sender">{t('feed.from', { sender: item.sender })}</span>
                    <time dateTime={item.at}>{formatDateTime(item.at, lang)}</time>
                  </span>
                  <span class="row-title">
                    {item.title ? <PartnerText text={item.title} /> : t('feed.untitled')}
                  </span>
                  {summary.length ? <span class="row-summary">{summary}</span> : null}
                  {item.referral ? (
                    <span class="row-summary">
                      {t(`code.referralNeed.${item.referral.need}`, { defaultValue: item.referral.need })}
                      {item.referral.place ? (
                        <>
                          {t('sep.list')}
                          <PartnerText text={item.referral.place} />
                        </>
                      ) : null}
                    </span>
                  ) : null}
                </button>
                {key === active ? (
                  <PictureAck
                    item={item}
                    onAcknowledged={(ack) =>
                      setLoaded((now) =>
                        now.state === 'ok'
                          ? { ...now, items: withAcknowledgement(now.items, key, ack) }
                          : now,
                      )
                    }
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
      </div>
      {shown.length > LIST_MAX ? (
        <p class="hint">{t('picture.listTruncated', { n: formatNumber(LIST_MAX, lang) })}</p>
      ) : null}
      {loaded.state === 'ok' && shown.length === 0 ? <p class="hint">{t('picture.empty')}</p> : null}
    </main>
  );
}

// The signed-in desk: the live feed with its filters, the detail of the selected item, the document check.
import type { DeskItem } from '@corridor/gateway-api';
import { Component } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { PartnerText, tx } from '../shared/bidi';
import { formatDateTime, formatNumber, formatShortTime, tlpLabel } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { CATEGORIES, categoryLabel, priorityLabel, PRIORITIES } from '../shared/labels';
import { say } from '../shared/message';
import { AcknowledgementParts } from './AckRow';
import { Detail, AssertedOfficer } from './Detail';
import { DocumentCheck } from './DocumentCheck';
import { alertKeyOf, isGone, NO_FILTERS, originOf, type FeedFilters } from './feed';
import { useSession } from './hooks';
import { summaryParts } from './summary';
import { scrollToShow, windowOf } from './virtual';

/** Every feed row has this height in CSS pixels (desk.css: .feed-item and its margin). */
export const ROW_HEIGHT = 104;
/** Rows drawn beyond the view on each side: enough for the keyboard and small scrolls, few to build on a jump. */
const OVERSCAN = 4;

export function DeskView() {
  const session = useSession();
  const feed = session.feed;
  const [filters, setFilters] = useState<FeedFilters>(NO_FILTERS);
  const heading = useRef<HTMLHeadingElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const [scroll, setScroll] = useState({ top: 0, viewport: 800 });
  const scrolled = useRef(scroll);
  scrolled.current = scroll;
  const scrollFrame = useRef<number | null>(null);
  useEffect(
    () => () => {
      if (scrollFrame.current !== null) {
        window.cancelAnimationFrame(scrollFrame.current);
      }
    },
    [],
  );
  const pendingFocus = useRef<string | null>(null);
  useLayoutEffect(() => {
    const ul = list.current;
    if (!ul) {
      return;
    }
    const measure = (): void => setScroll({ top: ul.scrollTop, viewport: ul.clientHeight || 800 });
    measure();
    if (typeof ResizeObserver !== 'function') {
      return;
    }
    const observer = new ResizeObserver(measure);
    observer.observe(ul);
    return () => observer.disconnect();
  }, []);
  useLayoutEffect(() => {
    const key = pendingFocus.current;
    if (key) {
      const row = list.current?.querySelector<HTMLElement>(`li[data-key="${CSS.escape(key)}"]`);
      if (row) {
        pendingFocus.current = null;
        row.focus();
      }
    }
  });
  useEffect(() => {
    if (session.focusFeedRequests > 0) {
      heading.current?.focus();
    }
  }, [session.focusFeedRequests]);
  useEffect(() => {
    session.onOpenRow = (key) => open(key);
    feed.newRowKeys.clear();
  });
  const open = (key: string): void => {
    if (feed.rows.has(key)) {
      feed.selectedKey = key;
      feed.version++;
      session.changed();
    }
  };
  const rows = feed.visible(filters);
  const total = feed.rows.size;
  const lang = currentLanguage();
  const set = (patch: Partial<FeedFilters>): void => setFilters({ ...filters, ...patch });

  const onKeyDown = (event: KeyboardEvent): void => {
    const row = event.target instanceof HTMLElement ? event.target.closest('li.feed-item') : null;
    if (!(row instanceof HTMLLIElement) || !row.dataset.key) {
      return;
    }
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(row.dataset.key);
      return;
    }
    // Rows out of view are not in the DOM: move by index in the filtered feed, scroll it into view, then focus.
    const index = rows.findIndex(([key]) => key === row.dataset.key);
    const target =
      event.key === 'ArrowDown'
        ? index + 1
        : event.key === 'ArrowUp'
          ? index - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? rows.length - 1
              : -1;
    if (index < 0 || target < 0 || target >= rows.length || target === index) {
      return;
    }
    event.preventDefault();
    const ul = list.current;
    if (ul) {
      ul.scrollTop = scrollToShow({
        index: target,
        scrollTop: ul.scrollTop,
        viewport: ul.clientHeight,
        rowHeight: ROW_HEIGHT,
      });
      setScroll({ top: ul.scrollTop, viewport: ul.clientHeight || scroll.viewport });
    }
    pendingFocus.current = rows[target][0];
    session.changed();
  };
  const shown = windowOf({
    scrollTop: scroll.top,
    viewport: scroll.viewport,
    rowHeight: ROW_HEIGHT,
    count: rows.length,
    overscan: OVERSCAN,
  });
  // At most one read of the scroll position a frame, however many scroll events come; the render follows it.
  const onScroll = (): void => {
    if (scrollFrame.current !== null) {
      return;
    }
    scrollFrame.current = window.requestAnimationFrame(() => {
      scrollFrame.current = null;
      const ul = list.current;
      if (ul && Math.abs(ul.scrollTop - scrolled.current.top) >= ROW_HEIGHT / 2) {
        setScroll({ top: ul.scrollTop, viewport: ul.clientHeight || scrolled.current.viewport });
      }
    });
  };

  return (
    <main id="desk-view" class="desk-view">
      <section class="feed-column" aria-labelledby="feed-heading">
        <div class="feed-head">
          <h2 id="feed-heading" tabIndex={-1} ref={heading}>
            {t('feed.heading')}
          </h2>
          <span id="feed-count" class="hint" data-testid="feed-count" aria-live="polite">
            {rows.length === total
              ? t('feed.count', { n: formatNumber(total, lang) })
              : t('feed.countFiltered', {
                  shown: formatNumber(rows.length, lang),
                  n: formatNumber(total, lang),
                })}
          </span>
        </div>
        <div
          id="desk-banner"
          class="error-box"
          data-testid="desk-banner"
          role="alert"
          hidden={!session.banner}
        >
          {session.banner ? say(session.banner) : ''}
          {session.banner?.reconnect ? (
            <>
              {' '}
              <button type="button" class="secondary" onClick={() => session.reconnect()}>
                {t('desk.reconnect')}
              </button>
            </>
          ) : null}
        </div>
        <form
          id="filters"
          class="filters"
          aria-label={t('filters.label')}
          onSubmit={(e) => e.preventDefault()}
        >
          <div class="field">
            <label for="filter-category">{t('filters.category')}</label>
            <select
              id="filter-category"
              data-testid="filter-category"
              value={filters.category}
              onChange={(e) => set({ category: e.currentTarget.value })}
            >
              <option value="">{t('filters.allCategories')}</option>
              {CATEGORIES.map((c) => (
                <option value={c} key={c}>
                  {categoryLabel(c)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-priority">{t('filters.priority')}</label>
            <select
              id="filter-priority"
              data-testid="filter-priority"
              value={filters.priority}
              onChange={(e) => set({ priority: e.currentTarget.value })}
            >
              <option value="">{t('filters.allPriorities')}</option>
              {PRIORITIES.map((p) => (
                <option value={p} key={p}>
                  {priorityLabel(p)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-partner">{t('filters.partner')}</label>
            <select
              id="filter-partner"
              data-testid="filter-partner"
              value={filters.partner}
              onChange={(e) => set({ partner: e.currentTarget.value })}
            >
              <option value="">{t('filters.allPartners')}</option>
              {feed.partners().map((p) => (
                <option value={p} key={p}>
                  {p}
                </option>
              ))}
            </select>
          </div>
          <div class="field field-wide">
            <label for="filter-text">{t('filters.text')}</label>
            <input
              id="filter-text"
              data-testid="filter-text"
              type="search"
              autocomplete="off"
              spellcheck={false}
              value={filters.text}
              onInput={(e) => set({ text: e.currentTarget.value })}
            />
          </div>
        </form>
        <ul
          id="feed"
          class="feed"
          data-testid="feed"
          aria-label={t('feed.label')}
          ref={list}
          onKeyDown={onKeyDown}
          onScroll={onScroll}
          onClick={(e) => {
            const row = e.target instanceof HTMLElement ? e.target.closest('li.feed-item') : null;
            if (row instanceof HTMLLIElement && row.dataset.key) {
              open(row.dataset.key);
            }
          }}
        >
          {shown.before > 0 ? (
            <li class="feed-spacer" aria-hidden="true" style={{ height: `${shown.before}px` }} />
          ) : null}
          {rows.slice(shown.first, shown.last).map(([key, item], i) => (
            <KeptRow
              key={key}
              lang={lang}
              rowKey={key}
              position={shown.first + i + 1}
              setSize={rows.length}
              item={item}
              selected={key === feed.selectedKey}
              isNew={feed.newRowKeys.has(key)}
              me={session.hello?.officer ?? null}
            />
          ))}
          {shown.after > 0 ? (
            <li class="feed-spacer" aria-hidden="true" style={{ height: `${shown.after}px` }} />
          ) : null}
        </ul>
        <p id="feed-empty" class="feed-empty hint" hidden={rows.length > 0}>
          {total === 0 ? t('feed.empty') : t('feed.noMatch')}
        </p>
      </section>

      <section class="detail-column" aria-label={t('detail.column')}>
        <Detail onOpen={open} />
        <DocumentCheck onOpen={open} />
      </section>
    </main>
  );
}

type FeedRowProps = Parameters<typeof FeedRow>[0];

/** A row re-renders only when what it shows changed: scrolling adds and removes rows, the others stay as they are. */
class KeptRow extends Component<FeedRowProps & { lang: string }> {
  override shouldComponentUpdate(next: FeedRowProps & { lang: string }): boolean {
    const props = this.props as Record<string, unknown>;
    return Object.entries(next).some(([name, value]) => props[name] !== value);
  }

  override render() {
    return <FeedRow {...this.props} />;
  }
}

export function ItemBadges({ item }: { item: DeskItem }) {
  return (
    <>
      <span class={`badge priority-${item.priority}`}>{priorityLabel(item.priority)}</span>
      <span class="badge">{item.event === 'REPLY' ? t('feed.reply') : categoryLabel(item.category)}</span>
      {item.classification ? (
        <span class={`badge tlp tlp-${item.classification}`}>{tlpLabel(item.classification)}</span>
      ) : null}
    </>
  );
}

export function FeedRow({
  rowKey,
  position,
  setSize,
  item,
  selected,
  isNew,
  me,
}: {
  rowKey: string;
  /** 1-based place in the filtered feed, and its length: only the rows in view are in the DOM */
  position?: number;
  setSize?: number;
  item: DeskItem;
  selected: boolean;
  isNew: boolean;
  me: string | null;
}) {
  const lang = currentLanguage();
  const gone = isGone(item);
  const alertKey = alertKeyOf(item);
  const title =
    item.event === 'REPLY'
      ? item.reply?.officerId
        ? tx('feed.replyBy', {
            officer: <AssertedOfficer item={item} />,
            body: <PartnerText text={item.reply?.body ?? ''} />,
          })
        : tx('feed.replyAnon', { body: <PartnerText text={item.reply?.body ?? ''} /> })
      : gone
        ? [t('feed.categoryAlert', { category: categoryLabel(item.category) })]
        : item.title
          ? [<PartnerText text={item.title} />]
          : [t('feed.untitled')];
  const summary = gone || item.event === 'REPLY' ? [] : summaryParts(item);
  const flags = [];
  if (item.state === 'PURGED') {
    flags.push(<span class="flag flag-withdrawn">{t('feed.expired')}</span>);
  } else if (gone) {
    flags.push(<span class="flag flag-withdrawn">{t('feed.withdrawn')}</span>);
  } else {
    if (item.event === 'UPDATED') {
      flags.push(<span class="flag flag-updated">{t('feed.updated')}</span>);
    }
    if (item.acknowledgedAt) {
      flags.push(
        <span class="flag flag-ack">
          <AcknowledgementParts item={item} me={me} />
        </span>,
      );
    }
    if (item.redactedFields.length) {
      flags.push(
        <span class="flag">{t('feed.withheld', { n: formatNumber(item.redactedFields.length, lang) })}</span>,
      );
    }
  }
  return (
    <li
      class={`feed-item${gone ? ' is-withdrawn' : ''}${isNew ? ' is-new' : ''}`}
      tabIndex={0}
      data-testid="feed-item"
      data-key={rowKey}
      data-seq={String(item.seq)}
      data-alert-id={alertKey ?? undefined}
      data-origin={alertKey ? (originOf(item) ?? '') : undefined}
      data-priority={item.priority || ''}
      data-category={item.category || ''}
      data-event={item.event}
      data-state={item.state || 'ACTIVE'}
      data-sender={item.sender || ''}
      aria-current={selected ? 'true' : 'false'}
      aria-posinset={position}
      aria-setsize={setSize}
    >
      <div class="row-top">
        <ItemBadges item={item} />
        <span class="row-sender">{t('feed.from', { sender: item.sender || '?' })}</span>
        <time class="row-time" dateTime={item.receivedAt || ''} title={formatDateTime(item.receivedAt, lang)}>
          {formatShortTime(item.receivedAt, lang)}
        </time>
      </div>
      <div class="row-title">{title}</div>
      {summary.length ? <div class="row-summary">{summary}</div> : null}
      {flags.length ? <div class="row-flags">{flags}</div> : null}
    </li>
  );
}

// The selected item: header, decoded alert (fetched with `detail`, whose viewing the gateway logs for personal data),
// acknowledgement, reply form and the thread of replies.
import type { DeskItem } from '@corridor/gateway-api';
import { useEffect, useRef, useState } from 'preact/hooks';
import { PartnerJoin, PartnerText, isolatedPlain, tx } from '../shared/bidi';
import { formatDateTime } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { categoryLabel } from '../shared/labels';
import { say, type Message } from '../shared/message';
import { AckRow, useAcknowledge } from './AckRow';
import { AlertBody, FactList } from './AlertBody';
import { ItemBadges } from './DeskView';
import { alertKeyOf, canAct, isGone, originOf, replyScopeOf } from './feed';
import { History } from './History';
import { useSession } from './hooks';
import { joinParts } from './summary';

// Viewing these is logged by the gateway (personal data).
const LOGGED_VIEW_CATEGORIES = new Set(['SUSPECT', 'DOCUMENT', 'PROTECTION_REFERRAL']);

/**
 * The officer a reply names, shown as its sending gateway asserts it ("LY: officer officer.tripoli"), so that an
 * officer id sent by LY cannot pass for one of this country's officers.
 */
export function AssertedOfficer({ item }: { item: DeskItem }) {
  return (
    <span class="asserted-officer" data-testid="reply-officer">
      {tx('reply.asserted', {
        sender: item.sender || '?',
        officer: <PartnerText text={item.reply?.officerId ?? ''} />,
      })}
    </span>
  );
}

type Loaded =
  { state: 'loading' } | { state: 'error'; error: Message } | { state: 'ok'; alert: Record<string, unknown> };

export function Detail({ onOpen }: { onOpen: (key: string) => void }) {
  const session = useSession();
  const feed = session.feed;
  const key = feed.selectedKey;
  const item = key ? feed.rows.get(key) : undefined;
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const lang = currentLanguage();
  const wantsDetail = Boolean(item && !isGone(item) && item.event !== 'REPLY');
  useEffect(() => {
    if (!item || !key || !wantsDetail) {
      return;
    }
    let current = true;
    setLoaded({ state: 'loading' });
    void session.request('detail', { seq: item.seq }).then((r) => {
      if (!current) {
        return;
      }
      if (!r.ok) {
        setLoaded({ state: 'error', error: r.error });
        return;
      }
      // The server's copy carries the current acknowledgement state.
      if (r.value.item?.seq === item.seq) {
        feed.patch(key, {
          acknowledgedBy: r.value.item.acknowledgedBy,
          acknowledgedAt: r.value.item.acknowledgedAt,
          redactedFields: Array.isArray(r.value.item.redactedFields)
            ? r.value.item.redactedFields
            : item.redactedFields,
        });
        session.changed();
      }
      setLoaded({ state: 'ok', alert: r.value.alert ?? {} });
      session.onAnnounce(
        t('detail.loaded', { what: item.title ? isolatedPlain(item.title) : categoryLabel(item.category) }),
        false,
      );
    });
    return () => {
      current = false;
    };
    // a new row, or a new item (update) in the same row, fetches again
  }, [key, item?.seq, wantsDetail]);

  if (!item || !key) {
    return (
      <article id="detail" class="detail" data-testid="detail" tabIndex={-1} aria-label={t('detail.label')}>
        <p class="hint">{t('detail.placeholder')}</p>
      </article>
    );
  }
  const gone = isGone(item);
  const alertKey = alertKeyOf(item);
  const me = session.hello?.officer ?? null;
  let content;
  if (item.state === 'PURGED') {
    content = <p class="notice notice-withdrawn">{t('detail.expired')}</p>;
  } else if (gone) {
    content = <p class="notice notice-withdrawn">{t('feed.withdrawn')}</p>;
  } else if (item.event === 'REPLY') {
    const original = alertKey ? feed.rows.get(`alert:${alertKey}`) : undefined;
    content = (
      <>
        <FactList
          pairs={[
            [t('detail.officer'), item.reply?.officerId ? <AssertedOfficer item={item} /> : ''],
            [t('detail.category'), item.category ? categoryLabel(item.category) : ''],
          ]}
        />
        <p class="body-text">
          {item.reply?.body ? <PartnerText text={item.reply.body} /> : t('reply.empty')}
        </p>
        {original ? (
          <button type="button" class="link" onClick={() => onOpen(`alert:${alertKey}`)}>
            {t('reply.openAlert')}
          </button>
        ) : null}
      </>
    );
  } else {
    content = (
      <>
        {LOGGED_VIEW_CATEGORIES.has(item.category) ? (
          <p class="notice notice-logged" data-testid="view-logged">
            {t('detail.viewLogged')}
          </p>
        ) : null}
        <div class={`detail-body${loaded.state === 'loading' ? ' hint' : ''}`}>
          {loaded.state === 'loading' ? (
            t('detail.loading')
          ) : loaded.state === 'error' ? (
            <p class="notice notice-withdrawn">{t('detail.unavailable', { reason: say(loaded.error) })}</p>
          ) : (
            <AlertBody item={item} alert={loaded.alert} />
          )}
        </div>
      </>
    );
  }
  const meta = joinParts(
    [
      [t('feed.from', { sender: item.sender || '?' })],
      [t('detail.received', { at: formatDateTime(item.receivedAt, lang) })],
      tx('detail.alert', { id: <PartnerText text={alertKey ?? item.alertId} /> }),
      item.threadId && item.threadId !== item.alertId
        ? tx('detail.thread', { id: <PartnerText text={item.threadId} /> })
        : [],
      [t('detail.seq', { seq: item.seq })],
    ],
    ' · ',
  );
  return (
    <article
      id="detail"
      class={`detail${gone ? ' is-withdrawn' : ''}`}
      data-testid="detail"
      tabIndex={-1}
      aria-label={t('detail.label')}
      data-seq={String(item.seq)}
      data-key={key}
      data-alert-id={alertKey ?? undefined}
      data-origin={alertKey ? (originOf(item) ?? '') : undefined}
      data-category={item.category || ''}
      data-state={gone ? 'WITHDRAWN' : 'ACTIVE'}
    >
      <header>
        <div class="detail-head">
          <ItemBadges item={item} />
          {item.event === 'UPDATED' && !gone ? (
            <span class="flag flag-updated">{t('feed.updated')}</span>
          ) : null}
        </div>
        <h2 class="detail-title">
          {item.event === 'REPLY' ? (
            t('detail.replyFrom', { sender: item.sender })
          ) : gone ? (
            t('feed.categoryAlert', { category: categoryLabel(item.category) })
          ) : item.title ? (
            <PartnerText text={item.title} />
          ) : (
            t('feed.untitled')
          )}
        </h2>
        <p class="detail-meta">{meta}</p>
        {!gone && item.redactedFields.length ? (
          <p class="notice notice-redacted">
            {tx('detail.withheld', {
              fields: <PartnerJoin values={item.redactedFields} separator={t('sep.list')} />,
            })}
          </p>
        ) : null}
      </header>
      <div class="detail-content" data-testid="detail-content">
        {content}
      </div>
      {gone ? null : <Actions item={item} itemKey={key} me={me} />}
      {gone ? null : <Thread item={item} />}
      {item.event !== 'REPLY' && alertKey ? (
        <History origin={originOf(item) ?? item.sender} alertId={item.alertId} stamp={String(item.seq)} />
      ) : null}
    </article>
  );
}

function Actions({ item, itemKey, me }: { item: DeskItem; itemKey: string; me: string | null }) {
  const session = useSession();
  const feed = session.feed;
  const ack = useAcknowledge(session);
  const [sending, setSending] = useState(false);
  const [replyStatus, setReplyStatus] = useState<{ ok: boolean; message: Message } | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const status = useRef<HTMLSpanElement>(null);
  const scope = replyScopeOf(item);
  const [draft, setDraft] = useState(feed.replyDrafts.get(scope) ?? '');
  useEffect(() => {
    setDraft(feed.replyDrafts.get(scope) ?? '');
    setReplyStatus(null);
    ack.setError(null);
  }, [scope]);

  const acknowledge = () =>
    ack.acknowledge(item.seq, (done) => {
      feed.patch(itemKey, done);
      session.schedulePersist();
      session.changed();
      window.setTimeout(() => status.current?.focus(), 0);
    });

  const send = async (): Promise<void> => {
    const body = draft.trim();
    if (!body) {
      setReplyStatus({ ok: false, message: { key: 'reply.writeFirst' } });
      input.current?.focus();
      return;
    }
    if (sending) {
      return;
    }
    setSending(true);
    setReplyStatus({ ok: true, message: { key: 'reply.sending' } });
    const r = await session.request('reply', { seq: item.seq, body });
    setSending(false);
    if (!r.ok) {
      setReplyStatus({ ok: false, message: { key: 'reply.notSent', values: { reason: r.error } } });
      return;
    }
    feed.addSentReply(item, { body, at: new Date().toISOString(), replyId: String(r.value.replyId ?? '') });
    setDraft('');
    setReplyStatus({ ok: true, message: { key: 'reply.sent', values: { id: r.value.replyId ?? '' } } });
    session.schedulePersist();
    session.changed();
  };

  return (
    <div class="actions" id="detail-actions">
      {canAct(item) ? (
        <AckRow
          place="detail"
          item={item}
          me={me}
          acking={ack.acking}
          error={ack.error}
          onAcknowledge={() => void acknowledge()}
          statusRef={status}
        />
      ) : null}
      <form
        class="reply-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label for="reply-input">{item.event === 'REPLY' ? t('reply.answer') : t('reply.label')}</label>
        <div class="reply-row">
          <textarea
            id="reply-input"
            data-testid="reply-input"
            rows={2}
            maxLength={5000}
            spellcheck
            dir="auto"
            ref={input}
            value={draft}
            onInput={(e) => {
              const value = e.currentTarget.value;
              setDraft(value);
              feed.replyDrafts.set(scope, value);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void send();
              }
            }}
          />
          <button type="submit" data-testid="reply-send" id="reply-send" disabled={sending}>
            {t('reply.send')}
          </button>
        </div>
        <div
          class={`status-line${replyStatus ? (replyStatus.ok ? ' is-ok' : ' is-error') : ''}`}
          data-testid="reply-status"
          aria-live="polite"
        >
          {replyStatus ? say(replyStatus.message) : ''}
        </div>
      </form>
    </div>
  );
}

function Thread({ item }: { item: DeskItem }) {
  const session = useSession();
  const lang = currentLanguage();
  const entries = session.feed.thread(item);
  if (!entries.length) {
    return <section class="section" id="detail-thread" aria-label={t('thread.heading')} />;
  }
  return (
    <section class="section" id="detail-thread" aria-label={t('thread.heading')}>
      <h3>{t('thread.heading')}</h3>
      <ul class="thread" data-testid="thread">
        {entries.map((entry, i) => (
          <li key={i} class={entry.sent ? 'is-mine' : 'is-theirs'}>
            <div class="who">
              {entry.sent
                ? t('thread.sentByYou')
                : entry.item?.reply?.officerId
                  ? tx('thread.from', { who: <AssertedOfficer item={entry.item} /> })
                  : t('feed.from', { sender: entry.item?.sender ?? '?' })}
              {' · '}
              {formatDateTime(entry.at, lang)}
            </div>
            <div class="body-text">
              <PartnerText text={entry.sent ? entry.sent.body : (entry.item?.reply?.body ?? '')} />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

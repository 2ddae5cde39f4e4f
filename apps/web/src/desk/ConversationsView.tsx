// Reply threads as conversations: the threads on the left, newest activity first; the chosen one on the right as
// messages in order (theirs and ours), with a reply box that answers the newest message received.
import { useEffect, useRef, useState } from 'preact/hooks';
import { PartnerText, tx } from '../shared/bidi';
import { formatDateTime, formatNumber } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { categoryLabel } from '../shared/labels';
import { say, type Message } from '../shared/message';
import { AssertedOfficer } from './Detail';
import { useSession } from './hooks';
import { conversations, type Conversation } from './threads';

/** Titles of this country's own alerts (a reply about one of them has no alert row in the feed). */
type OwnTitles = Map<string, string>;

function subjectText(c: Conversation, own: string | undefined, titles: OwnTitles) {
  if (c.subject?.title) {
    return <PartnerText text={c.subject.title} />;
  }
  if (c.subject) {
    return t('feed.categoryAlert', { category: categoryLabel(c.subject.category) });
  }
  const [origin, alertId] = c.key.split('/');
  const title = own && origin === own ? titles.get(alertId) : undefined;
  if (title) {
    return tx('conversations.ownAlertTitled', { title: <PartnerText text={title} /> });
  }
  if (own && origin === own) {
    return t('conversations.ownAlert', { id: alertId });
  }
  return t('conversations.unknownAlert', { key: c.key });
}

export function ConversationsView() {
  const session = useSession();
  const feed = session.feed;
  const lang = currentLanguage();
  const list = conversations(feed.rows.values(), feed.sentReplies);
  const [chosen, setChosen] = useState<string | null>(null);
  const current = list.find((c) => c.key === chosen) ?? list[0];
  const heading = useRef<HTMLHeadingElement>(null);
  const [titles, setTitles] = useState<OwnTitles>(new Map());
  useEffect(() => heading.current?.focus(), []);
  const ownThreads = list.filter((c) => !c.subject).length;
  useEffect(() => {
    let current = true;
    if (ownThreads > 0) {
      void session.request('sent', { limit: 200 }).then((r) => {
        if (current && r.ok) {
          setTitles(new Map(r.value.alerts.map((a) => [a.id, a.title])));
        }
      });
    }
    return () => {
      current = false;
    };
  }, [ownThreads, session.socket]);

  return (
    <main id="conversations-view" class="page-view conversations" aria-labelledby="conversations-heading">
      <div class="page-head">
        <h2 id="conversations-heading" tabIndex={-1} ref={heading}>
          {t('conversations.heading')}
        </h2>
        <span class="hint" data-testid="conversation-count">
          {t('conversations.count', { n: formatNumber(list.length, lang) })}
        </span>
      </div>
      {list.length === 0 ? <p class="hint">{t('conversations.empty')}</p> : null}
      <div class="conversations-layout">
        <ul
          class="conversation-list"
          aria-label={t('conversations.listLabel')}
          data-testid="conversation-list"
        >
          {list.map((c) => (
            <li key={c.key}>
              <button
                type="button"
                class="conversation-item"
                data-testid="conversation"
                data-key={c.key}
                aria-current={c === current ? 'true' : 'false'}
                onClick={() => setChosen(c.key)}
              >
                <span class="conversation-subject">{subjectText(c, session.hello?.country, titles)}</span>
                <span class="hint">
                  {t('conversations.summary', {
                    n: formatNumber(c.messages.length, lang),
                    partners: c.partners.join(t('sep.list')) || '—',
                    at: formatDateTime(c.lastAt, lang),
                  })}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {current ? <ConversationPane key={current.key} conversation={current} titles={titles} /> : null}
      </div>
    </main>
  );
}

function ConversationPane({ conversation: c, titles }: { conversation: Conversation; titles: OwnTitles }) {
  const session = useSession();
  const lang = currentLanguage();
  const [draft, setDraft] = useState(session.feed.replyDrafts.get(c.key) ?? '');
  const [status, setStatus] = useState<{ ok: boolean; message: Message } | null>(null);
  const [sending, setSending] = useState(false);
  const send = async (): Promise<void> => {
    const body = draft.trim();
    const target = c.replyTo;
    if (!body || !target) {
      setStatus({ ok: false, message: { key: 'reply.writeFirst' } });
      return;
    }
    setSending(true);
    const r = await session.request('reply', { seq: target.seq, body });
    setSending(false);
    if (!r.ok) {
      setStatus({ ok: false, message: { key: 'reply.notSent', values: { reason: r.error } } });
      return;
    }
    session.feed.addSentReply(target, {
      body,
      at: new Date().toISOString(),
      replyId: String(r.value.replyId ?? ''),
    });
    setDraft('');
    setStatus({ ok: true, message: { key: 'reply.sent', values: { id: r.value.replyId ?? '' } } });
    session.schedulePersist();
    session.changed();
  };
  const alertKey = c.subject ? `alert:${c.key}` : null;
  return (
    <section
      class="conversation"
      aria-labelledby="conversation-title"
      data-testid="conversation-pane"
      data-key={c.key}
    >
      <h3 id="conversation-title">
        {tx('conversations.about', { subject: subjectText(c, session.hello?.country, titles) })}
      </h3>
      {alertKey ? (
        <button type="button" class="link" onClick={() => session.openInFeed(alertKey)}>
          {t('conversations.openAlert')}
        </button>
      ) : null}
      <ol class="chat" aria-label={t('conversations.messages')}>
        {c.messages.map((m, i) => (
          <li
            key={i}
            class={m.mine ? 'is-mine' : 'is-theirs'}
            data-testid="chat-message"
            data-mine={String(m.mine)}
          >
            <div class="who">
              {m.mine
                ? t('thread.sentByYou')
                : m.item?.reply?.officerId
                  ? tx('thread.from', { who: <AssertedOfficer item={m.item} /> })
                  : t('feed.from', { sender: m.item?.sender ?? '?' })}
              {' · '}
              <time dateTime={m.at}>{formatDateTime(m.at, lang)}</time>
            </div>
            <div class="body-text">
              <PartnerText text={m.body} />
            </div>
          </li>
        ))}
      </ol>
      {c.replyTo ? (
        <form
          class="reply-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <label for="conversation-input">{t('conversations.replyLabel')}</label>
          <div class="reply-row">
            <textarea
              id="conversation-input"
              data-testid="conversation-input"
              rows={2}
              maxLength={5000}
              dir="auto"
              value={draft}
              onInput={(e) => {
                setDraft(e.currentTarget.value);
                session.feed.replyDrafts.set(c.key, e.currentTarget.value);
              }}
            />
            <button type="submit" data-testid="conversation-send" disabled={sending}>
              {t('reply.send')}
            </button>
          </div>
          <div
            class={`status-line${status ? (status.ok ? ' is-ok' : ' is-error') : ''}`}
            data-testid="conversation-status"
            aria-live="polite"
          >
            {status ? say(status.message) : ''}
          </div>
        </form>
      ) : null}
    </section>
  );
}

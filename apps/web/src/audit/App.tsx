// The forum audit page: header (who is signed in, language, last refresh, sign out), the sign-in screen or the
// audit (gateways and their signed tree heads, exchanges per corridor, findings, agreements, certificates), and
// the live region screen readers hear. Metadata only: no alert content ever reaches this page.
import { createContext } from 'preact';
import { useContext, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatDate, formatDateTime, formatNumber, tlpLabel, toDate, words } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { LanguagePicker } from '../shared/LanguagePicker';
import { SignInForm } from '../shared/SignInForm';
import { say } from '../shared/message';
import type { Agreement, Certificate, Finding, FindingState, StatRow } from './api';
import {
  AuditStore,
  certificateStatus,
  corridorBars,
  headRows,
  REFRESH_EVERY_MS,
  type Reaudit,
} from './store';

export const StoreContext = createContext<AuditStore | null>(null);

/** The page's store, re-rendering the caller on every change of it. */
export function useStore(): AuditStore {
  const store = useContext(StoreContext);
  if (!store) {
    throw new Error('useStore outside <StoreContext.Provider>');
  }
  const [, setVersion] = useState(0);
  // Subscribed as soon as the view is in the page, and caught up with any change made before that.
  useLayoutEffect(() => {
    const unsubscribe = store.subscribe(() => setVersion((n) => n + 1));
    setVersion((n) => n + 1);
    return unsubscribe;
  }, [store]);
  return store;
}

const HASH_SHOWN = 16;

function ShortCode({ value, shown }: { value: string; shown: number }) {
  const full = String(value || '');
  return (
    <code title={full || undefined} aria-label={full || undefined} dir="ltr">
      {full.length > shown ? `${full.slice(0, shown)}…` : full || '—'}
    </code>
  );
}

/** A time: in the reader's language, the exact UTC instant in the tooltip. */
function Time({ value, dateOnly }: { value: unknown; dateOnly?: boolean }) {
  const d = toDate(value);
  const lang = currentLanguage();
  return (
    <time dateTime={d?.toISOString()} title={d?.toISOString()}>
      {d ? (dateOnly ? formatDate(d.getTime(), lang) : formatDateTime(d.getTime(), lang)) : '—'}
    </time>
  );
}

function Principal() {
  const store = useStore();
  const p = store.principal;
  return (
    <div class="principal" id="principal" data-testid="principal" aria-live="polite">
      {p ? (
        <>
          <strong>
            <bdi dir="auto">{p.who}</bdi>
          </strong>
          {p.roles.length ? ` · ${p.roles.join(t('sep.list'))}` : ''}
        </>
      ) : (
        t('header.notSignedIn')
      )}
    </div>
  );
}

function LastRefresh() {
  const store = useStore();
  const at = store.lastRefresh;
  const time = at ? new Intl.DateTimeFormat(currentLanguage(), { timeStyle: 'medium' }).format(at) : '';
  const seconds = REFRESH_EVERY_MS / 1000;
  const text =
    store.refreshState === 'ok'
      ? t('audit.refresh.ok', { time, seconds })
      : store.refreshState === 'stale'
        ? t('audit.refresh.stale', { time })
        : store.refreshState === 'error'
          ? t('audit.refresh.error')
          : t('audit.refresh.idle');
  return (
    <span
      id="last-refresh"
      class="last-refresh"
      data-testid="last-refresh"
      data-state={store.refreshState}
      data-at={at?.toISOString()}
      title={at?.toISOString()}
      role="status"
      aria-live="off"
    >
      {text}
    </span>
  );
}

function Header({ onLanguage }: { onLanguage: () => void }) {
  const store = useStore();
  const signedIn = store.view === 'audit';
  return (
    <header class="app-header">
      <div class="brand">
        <span class="brand-name">Corridor</span>
        <span class="brand-sub">{t('audit.brand')}</span>
      </div>
      <Principal />
      <div class="header-actions">
        <LanguagePicker onChange={onLanguage} />
        <LastRefresh />
        <button
          type="button"
          id="refresh-now"
          data-testid="refresh-now"
          class="secondary"
          hidden={!signedIn}
          onClick={() => store.refresh()}
        >
          {t('audit.refreshNow')}
        </button>
        <button
          type="button"
          id="sign-out"
          data-testid="sign-out"
          class="secondary"
          hidden={!signedIn && !store.auth.signedIn}
          onClick={() => store.signOut()}
        >
          {t('header.signOut')}
        </button>
      </div>
    </header>
  );
}

const SIGN_IN_WORDING = {
  provider: 'audit.signin.provider',
  tokenHint: 'audit.signin.tokenHint',
  token: 'audit.signin.token',
  pasteFirst: 'audit.signin.pasteFirst',
};

export function SignIn() {
  const store = useStore();
  return (
    <SignInForm
      auth={store.auth}
      wording={SIGN_IN_WORDING}
      intro={<p class="hint">{t('audit.signin.metadataOnly')}</p>}
      progress={store.signinProgress}
      error={store.signinError}
      onToken={(token) => store.signInWithToken(token)}
    />
  );
}

function ReauditResultView({ gateway, entry }: { gateway: string; entry: Reaudit | undefined }) {
  let text = '';
  let ok: string | undefined;
  let detail = '';
  if (entry?.pending) {
    text = t('audit.heads.reauditing');
  } else if (entry?.error) {
    ok = 'error';
    text = t('audit.heads.reauditFailed', { reason: say(entry.error) });
  } else if (entry?.result) {
    const r = entry.result;
    ok = String(Boolean(r.ok));
    text = r.ok
      ? t('audit.heads.reauditOk')
      : r.firstBadIndex !== undefined
        ? t('audit.heads.mismatchAt', { index: r.firstBadIndex })
        : t('audit.heads.mismatch');
    detail = r.detail || '';
  }
  return (
    <span
      class="reaudit-result"
      data-testid="reaudit-result"
      data-gateway={gateway}
      data-ok={ok}
      title={detail || undefined}
      aria-live="polite"
    >
      {text}
      {detail ? (
        <span class="hint">
          {' — '}
          <bdi dir="auto">{detail}</bdi>
        </span>
      ) : null}
    </span>
  );
}

export function HeadsPanel() {
  const store = useStore();
  const rows = headRows(store.data);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (store.focusRequests > 0) {
      heading.current?.focus();
    }
  }, [store.focusRequests]);
  const lang = currentLanguage();
  return (
    <section class="panel panel-heads" aria-labelledby="heads-heading">
      <div class="panel-head">
        <h2 id="heads-heading" tabIndex={-1} ref={heading}>
          {t('audit.heads.title')}
        </h2>
        <span class="hint">{t('audit.heads.hint')}</span>
      </div>
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="heads-heading">
        <table class="grid" data-testid="heads">
          <thead>
            <tr>
              <th scope="col">{t('audit.heads.gateway')}</th>
              <th scope="col" class="num">
                {t('audit.heads.treeSize')}
              </th>
              <th scope="col">{t('audit.heads.rootHash')}</th>
              <th scope="col">{t('audit.heads.signedAt')}</th>
              <th scope="col">{t('audit.heads.received')}</th>
              <th scope="col">{t('audit.heads.reaudit')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ gateway, head }) => {
              const entry = store.reaudits.get(gateway);
              return (
                <tr
                  key={gateway}
                  data-testid="head-row"
                  data-gateway={gateway}
                  data-tree-size={head ? String(Number(head.treeSize)) : ''}
                >
                  <th scope="row">{gateway}</th>
                  {head ? (
                    <>
                      <td class="num">{formatNumber(head.treeSize, lang)}</td>
                      <td>
                        <ShortCode value={head.rootHash} shown={HASH_SHOWN} />
                      </td>
                      <td class="time">
                        <Time value={head.timestampMs} />
                      </td>
                      <td class="time">
                        <Time value={head.receivedAt} />
                      </td>
                    </>
                  ) : (
                    <td class="hint" colSpan={4}>
                      {t('audit.heads.noHead')}
                    </td>
                  )}
                  <td class="reaudit-cell">
                    <button
                      type="button"
                      class="small secondary"
                      data-testid="reaudit"
                      data-gateway={gateway}
                      aria-label={t('audit.heads.reauditLabel', { gateway })}
                      disabled={entry?.pending === true}
                      onClick={() => void store.reaudit(gateway)}
                    >
                      {t('audit.heads.reaudit')}
                    </button>
                    <ReauditResultView gateway={gateway} entry={entry} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="hint empty" hidden={rows.length > 0}>
        {t('audit.heads.empty')}
      </p>
    </section>
  );
}

function categoryName(code: string): string {
  return t(`category.${code}`, { defaultValue: words(code) });
}

export function StatsPanel() {
  const store = useStore();
  const rows: StatRow[] = store.data.statistics;
  const { bars, categories, max } = corridorBars(rows);
  const lang = currentLanguage();
  return (
    <section class="panel panel-stats" aria-labelledby="stats-heading">
      <div class="panel-head">
        <h2 id="stats-heading">{t('audit.stats.title')}</h2>
        <span class="hint">{t('audit.stats.hint')}</span>
      </div>
      <ul class="bars" data-testid="stat-bars" aria-label={t('audit.stats.barsLabel')}>
        {bars.map((c) => (
          <li
            key={`${c.from}-${c.to}`}
            class="bar-row"
            data-testid="stat-bar"
            data-corridor={`${c.from}-${c.to}`}
            data-total={String(c.total)}
          >
            <span class="bar-label" dir="ltr">{`${c.from} → ${c.to}`}</span>
            <div class="bar-track" aria-hidden="true">
              {categories
                .filter((category) => c.byCategory.get(category))
                .map((category) => (
                  <span
                    key={category}
                    class={`bar-seg seg-${category}`}
                    title={`${categoryName(category)}: ${c.byCategory.get(category)}`}
                    style={{
                      width: `${(max ? ((c.byCategory.get(category) ?? 0) / max) * 100 : 0).toFixed(2)}%`,
                    }}
                  />
                ))}
            </div>
            <span class="bar-value">{formatNumber(c.total, lang)}</span>
            <span class="visually-hidden">
              {t('audit.stats.breakdown', {
                breakdown: categories
                  .filter((category) => c.byCategory.has(category))
                  .map((category) => `${categoryName(category)} ${c.byCategory.get(category)}`)
                  .join(t('sep.list')),
              })}
            </span>
          </li>
        ))}
        {categories.length ? (
          <li class="legend" aria-hidden="true">
            {categories.map((category) => (
              <span class="legend-item" key={category}>
                <span class={`swatch seg-${category}`} />
                {categoryName(category)}
              </span>
            ))}
          </li>
        ) : null}
      </ul>
      <div class="table-wrap table-wrap-short" tabIndex={0} role="region" aria-labelledby="stats-heading">
        <table class="grid" data-testid="statistics">
          <thead>
            <tr>
              <th scope="col">{t('audit.stats.from')}</th>
              <th scope="col">{t('audit.stats.to')}</th>
              <th scope="col">{t('audit.stats.category')}</th>
              <th scope="col">{t('audit.stats.month')}</th>
              <th scope="col" class="num">
                {t('audit.stats.exchanges')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={[r.from, r.to, r.category, r.month].join('|')}
                data-testid="stat-row"
                data-from={r.from}
                data-to={r.to}
                data-category={r.category}
                data-month={r.month}
                data-exchanges={String(r.exchanges)}
              >
                <td>{r.from}</td>
                <td>{r.to}</td>
                <td>{categoryName(r.category)}</td>
                <td class="time">{r.month}</td>
                <td class="num">{formatNumber(r.exchanges, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="hint empty" hidden={rows.length > 0}>
        {t('audit.stats.empty')}
      </p>
    </section>
  );
}

function ExplainForm({ f }: { f: Finding }) {
  const store = useStore();
  const id = String(f.id);
  const inputId = `explain-${id}`;
  const closeId = `explain-close-${id}`;
  const status = store.explainStatus.get(id);
  const [draft, setDraft] = useState(store.drafts.get(id) ?? '');
  useEffect(() => {
    // Saved: the store forgot the draft, so the field empties.
    if (!store.drafts.has(id) && draft && !store.explaining.has(id)) {
      setDraft('');
    }
  });
  return (
    <form
      class="explain-form"
      data-testid="explain-form"
      data-finding-id={id}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void store.explain(f);
      }}
    >
      <label class="visually-hidden" for={inputId}>
        {t('audit.findings.explainLabel', { id, kind: words(f.kind) })}
      </label>
      <div class="explain-row">
        <input
          id={inputId}
          type="text"
          maxLength={2000}
          autocomplete="off"
          placeholder={
            f.state === 'EXPLAINED' ? t('audit.findings.newExplanation') : t('audit.findings.explanation')
          }
          data-testid="explain-input"
          dir="auto"
          value={draft}
          onInput={(e) => {
            setDraft(e.currentTarget.value);
            store.setDraft(id, e.currentTarget.value);
          }}
        />
        <span class="check">
          <input
            id={closeId}
            type="checkbox"
            data-testid="explain-close"
            checked={store.closeTicks.get(id) === true}
            onChange={(e) => store.setCloseTick(id, e.currentTarget.checked)}
          />
          <label for={closeId}>{t('audit.findings.close')}</label>
        </span>
        <button type="submit" class="small" data-testid="explain-submit" disabled={store.explaining.has(id)}>
          {f.state === 'EXPLAINED' ? t('audit.findings.update') : t('audit.findings.explain')}
        </button>
      </div>
      <div
        class={`status-line${status ? (status.ok ? ' is-ok' : ' is-error') : ''}`}
        data-testid="explain-status"
        aria-live="polite"
      >
        {status ? say(status.message) : ''}
      </div>
    </form>
  );
}

export function FindingsPanel() {
  const store = useStore();
  const findings = store.data.findings;
  const heading = useRef<HTMLHeadingElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    if (store.focusFinding !== null) {
      const id = store.focusFinding;
      store.focusFinding = null;
      const row = body.current?.querySelector<HTMLElement>(`[data-finding-id="${CSS.escape(id)}"]`);
      (row ?? heading.current)?.focus();
    }
  });
  const open = findings.filter((f) => f.state === 'OPEN').length;
  const count =
    t('audit.findings.shown', { count: findings.length }) +
    (store.filter === '' || store.filter === 'OPEN'
      ? ` · ${t('audit.findings.open', { count: open })}`
      : '') +
    (findings.length >= 1000 ? ` ${t('audit.findings.newest')}` : '');
  return (
    <section class="panel panel-findings" aria-labelledby="findings-heading">
      <div class="panel-head">
        <h2 id="findings-heading" tabIndex={-1} ref={heading}>
          {t('audit.findings.title')}
        </h2>
        <span class="hint" data-testid="findings-count" aria-live="polite">
          {count}
        </span>
        <div class="panel-tools">
          <label for="findings-filter" class="inline-label">
            {t('audit.findings.stateFilter')}
          </label>
          <select
            id="findings-filter"
            data-testid="findings-filter"
            value={store.filter}
            onChange={(e) => store.setFilter(e.currentTarget.value as '' | FindingState)}
          >
            <option value="">{t('audit.findings.allStates')}</option>
            {(['OPEN', 'EXPLAINED', 'CLOSED'] as const).map((s) => (
              <option value={s} key={s}>
                {t(`audit.state.${s}`)}
              </option>
            ))}
          </select>
          <button
            type="button"
            data-testid="reconcile"
            disabled={store.reconciling}
            onClick={() => void store.reconcile()}
          >
            {t('audit.findings.reconcile')}
          </button>
          <span
            class={`status-line${store.reconcileStatus ? (store.reconcileStatus.ok ? ' is-ok' : ' is-error') : ''}`}
            data-testid="reconcile-status"
            aria-live="polite"
          >
            {store.reconcileStatus ? say(store.reconcileStatus.message) : ''}
          </span>
        </div>
      </div>
      <div
        class="table-wrap table-wrap-findings"
        tabIndex={0}
        role="region"
        aria-labelledby="findings-heading"
      >
        <table class="grid findings" data-testid="findings">
          <thead>
            <tr>
              <th scope="col" class="num">
                #
              </th>
              <th scope="col">{t('audit.findings.kind')}</th>
              <th scope="col">{t('audit.findings.pair')}</th>
              <th scope="col">{t('audit.findings.messageId')}</th>
              <th scope="col">{t('audit.findings.detail')}</th>
              <th scope="col">{t('audit.findings.state')}</th>
              <th scope="col">{t('audit.findings.openedClosed')}</th>
              <th scope="col">{t('audit.findings.explanationCol')}</th>
            </tr>
          </thead>
          <tbody ref={body}>
            {findings.map((f) => (
              <tr
                key={String(f.id)}
                class={`finding state-${f.state}`}
                data-testid="finding-row"
                data-finding-id={String(f.id)}
                data-kind={f.kind}
                data-state={f.state}
                data-gateway={f.gateway}
                data-message-id={f.messageId ?? ''}
                tabIndex={-1}
              >
                <td class="num">{String(f.id)}</td>
                <td>
                  <span class="badge kind">{t(`audit.kind.${f.kind}`, { defaultValue: words(f.kind) })}</span>
                </td>
                <td class="nowrap" dir="ltr">
                  {f.gateway + (f.peer ? ` → ${f.peer}` : '')}
                </td>
                <td class="msgid">{f.messageId ? <code dir="ltr">{f.messageId}</code> : null}</td>
                <td class="detail">
                  <bdi dir="auto">{f.detail}</bdi>
                </td>
                <td>
                  <span
                    class={`badge state state-${f.state}`}
                    data-testid="finding-state"
                    data-state={f.state}
                  >
                    {t(`audit.state.${f.state}`)}
                  </span>
                </td>
                <td class="time">
                  <div>
                    {t('audit.findings.opened')} <Time value={f.openedAt} />
                  </div>
                  {f.closedAt ? (
                    <div>
                      {t('audit.findings.closed')} <Time value={f.closedAt} />
                    </div>
                  ) : null}
                </td>
                <td class="explain-cell">
                  {f.explanation ? (
                    <p class="explanation">
                      <bdi dir="auto">{f.explanation}</bdi>
                    </p>
                  ) : null}
                  {f.state !== 'CLOSED' ? <ExplainForm f={f} /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="hint empty" hidden={findings.length > 0}>
        {store.findingsLoading
          ? t('audit.findings.loading')
          : store.filter
            ? t('audit.findings.noneInState', { state: t(`audit.state.${store.filter}`) })
            : t('audit.findings.none')}
      </p>
    </section>
  );
}

function AgreementRow({ a }: { a: Agreement }) {
  return (
    <tr
      data-testid="agreement-row"
      data-agreement-id={a.id}
      data-state={a.state}
      data-parties={(a.parties ?? []).join('-')}
    >
      <th scope="row">
        <code dir="ltr">{a.id}</code>
        <div class="hint small-text">
          {t('audit.agreements.version', { version: a.version })}
          {a.purpose ? (
            <>
              {' · '}
              <bdi dir="auto">{a.purpose}</bdi>
            </>
          ) : null}
        </div>
      </th>
      <td class="nowrap" dir="ltr">
        {(a.parties ?? []).join(' – ')}
      </td>
      <td>
        <span class={`badge state agreement-${a.state}`}>
          {t(`audit.agreementState.${a.state}`, { defaultValue: a.state })}
        </span>
      </td>
      <td>{a.signedBy?.length ? a.signedBy.join(t('sep.list')) : '—'}</td>
      <td class={a.countersigned ? 'yes' : 'no'}>{a.countersigned ? t('audit.yes') : t('audit.no')}</td>
      <td class="time">
        <div>
          {t('audit.agreements.from')} <Time value={a.validFrom} dateOnly />
        </div>
        <div>
          {t('audit.agreements.until')} <Time value={a.validUntil} dateOnly />
        </div>
      </td>
      <td class="directions">
        <ul class="plain-list">
          {(a.directions ?? []).map((d) => (
            <li
              key={`${d.from}-${d.to}`}
              data-testid="agreement-direction"
              data-direction={`${d.from}-${d.to}`}
            >
              <strong dir="ltr">{`${d.from} → ${d.to}`}</strong>
              {': '}
              <span data-testid="direction-categories" data-categories={(d.categories ?? []).join(',')}>
                {(d.categories ?? []).map(categoryName).join(t('sep.list')) ||
                  t('audit.agreements.noCategory')}
              </span>{' '}
              <span class={`badge tlp tlp-${d.maxClassification}`} dir="ltr">
                {tlpLabel(d.maxClassification)}
              </span>
              <div class="hint small-text">
                {t('audit.agreements.terms', {
                  excluded: d.excludedFields?.length ? d.excludedFields.join(', ') : t('header.none'),
                  count: d.retentionDays,
                })}
                {d.maxHandling ? ` · ${t('audit.agreements.handling', { handling: d.maxHandling })}` : ''}
                {d.onwardSharing
                  ? ` · ${t('audit.agreements.onward', {
                      onward: t(`audit.onward.${d.onwardSharing}`, { defaultValue: words(d.onwardSharing) }),
                    })}`
                  : ''}
              </div>
            </li>
          ))}
        </ul>
      </td>
    </tr>
  );
}

export function AgreementsPanel() {
  const store = useStore();
  const agreements = store.data.agreements;
  return (
    <section class="panel panel-agreements" aria-labelledby="agreements-heading">
      <div class="panel-head">
        <h2 id="agreements-heading">{t('audit.agreements.title')}</h2>
      </div>
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="agreements-heading">
        <table class="grid" data-testid="agreements">
          <thead>
            <tr>
              <th scope="col">{t('audit.agreements.agreement')}</th>
              <th scope="col">{t('audit.agreements.parties')}</th>
              <th scope="col">{t('audit.findings.state')}</th>
              <th scope="col">{t('audit.agreements.signedBy')}</th>
              <th scope="col">{t('audit.agreements.countersigned')}</th>
              <th scope="col">{t('audit.agreements.validity')}</th>
              <th scope="col">{t('audit.agreements.directions')}</th>
            </tr>
          </thead>
          <tbody>
            {agreements.map((a) => (
              <AgreementRow a={a} key={a.id} />
            ))}
          </tbody>
        </table>
      </div>
      <p class="hint empty" hidden={agreements.length > 0}>
        {t('audit.agreements.empty')}
      </p>
    </section>
  );
}

function CertificateRow({ c }: { c: Certificate }) {
  const status = certificateStatus(c);
  return (
    <tr data-testid="certificate-row" data-country={c.country} data-status={status}>
      <th scope="row">{c.country}</th>
      <td>
        <ShortCode value={c.fingerprint} shown={16} />
      </td>
      <td>
        <ShortCode value={c.serial} shown={10} />
      </td>
      <td class="time">
        <Time value={c.notAfter} dateOnly />
      </td>
      <td>
        <span class={`badge cert-${status}`}>{t(`audit.certStatus.${status}`)}</span>
        {c.revokedAt ? (
          <div class="hint small-text">
            <Time value={c.revokedAt} />
          </div>
        ) : null}
      </td>
    </tr>
  );
}

export function CertificatesPanel() {
  const store = useStore();
  const certificates = store.data.certificates;
  return (
    <section class="panel panel-certificates" aria-labelledby="certificates-heading">
      <div class="panel-head">
        <h2 id="certificates-heading">{t('audit.certificates.title')}</h2>
      </div>
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="certificates-heading">
        <table class="grid" data-testid="certificates">
          <thead>
            <tr>
              <th scope="col">{t('header.country')}</th>
              <th scope="col">{t('audit.certificates.fingerprint')}</th>
              <th scope="col">{t('audit.certificates.serial')}</th>
              <th scope="col">{t('audit.certificates.validUntil')}</th>
              <th scope="col">{t('audit.certificates.status')}</th>
            </tr>
          </thead>
          <tbody>
            {certificates.map((c) => (
              <CertificateRow c={c} key={c.fingerprint} />
            ))}
          </tbody>
        </table>
      </div>
      <p class="hint empty" hidden={certificates.length > 0}>
        {t('audit.certificates.empty')}
      </p>
    </section>
  );
}

export function AuditView() {
  const store = useStore();
  return (
    <main id="audit-view" class="audit-view">
      <div class="error-box banner" data-testid="page-banner" role="alert" hidden={!store.banner}>
        {store.banner ? say(store.banner) : ''}
      </div>
      <HeadsPanel />
      <StatsPanel />
      <FindingsPanel />
      <AgreementsPanel />
      <CertificatesPanel />
    </main>
  );
}

export function App() {
  const store = useStore();
  const [, setLang] = useState(currentLanguage());
  const announcer = useRef<HTMLDivElement>(null);
  useEffect(() => {
    store.onAnnounce = (message) => {
      const target = announcer.current;
      if (!target) {
        return;
      }
      target.textContent = '';
      // A fresh text node in a later frame is what screen readers announce.
      window.setTimeout(() => {
        target.textContent = say(message);
      }, 50);
    };
    document.title = t('audit.pageTitle');
  });
  return (
    <>
      <a class="skip-link" href="#findings-heading">
        {t('audit.skipToFindings')}
      </a>
      <Header onLanguage={() => setLang(currentLanguage())} />
      {store.view === 'audit' ? (
        <AuditView />
      ) : store.view === 'signin' ? (
        <SignIn />
      ) : (
        <main class="signin-view" />
      )}
      <div class="visually-hidden" role="status" aria-live="polite" ref={announcer} />
    </>
  );
}

// Compose, preview, publish, follow: the agency fills in the form of a category (checked by the API's own rules as it
// types), chooses recipients, sees what each partner will receive after its agreement's redaction or why it is
// refused, publishes only what it previewed, then follows delivery per partner until acknowledged.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PreviewResult, PublishResult, RecipientPreview, RequestViolation } from '@corridor/gateway-api';
import { PartnerJoin, PartnerText } from '../shared/bidi';
import { formatDateTime, formatNumber, formatPosition, isBlank } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { categoryLabel, codeLabel, priorityLabel } from '../shared/labels';
import { ApiProblem, type ComposeApi, type Partner } from './api';
import { ruleText } from './rule';
import { recipientDeliveries, settled, type RecipientDelivery } from './deliveries';
import { Field, fieldId, violationText } from './Fields';
import {
  CATEGORIES,
  CLASSIFICATIONS,
  FORMS,
  HANDLINGS,
  initialState,
  PAYLOAD,
  PRIORITIES,
  setField,
  toRequest,
  validate,
  violationOf,
  type Category,
  type ComposeState,
  type FieldSpec,
} from './form';

/** How often delivery is asked for while it is being followed. */
export const FOLLOW_EVERY_MS = 1000;

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function problemText(err: unknown): string {
  if (err instanceof ApiProblem) {
    return err.status === 0
      ? t('compose.unreachable')
      : t('compose.problem', { code: err.code, detail: err.detail, status: err.status });
  }
  return String(err);
}

/** A value of the alert as a partner will receive it, in the reader's language where it is a code. */
function shownValue(spec: FieldSpec, value: unknown, lang: string) {
  const place = (w: unknown): string => {
    const p = (w ?? {}) as { place?: string; country?: string };
    return [p.place, p.country ? `(${p.country})` : ''].filter(Boolean).join(' ');
  };
  switch (spec.kind) {
    case 'code':
      return <PartnerText text={codeLabel(spec.vocabulary ?? '', value)} />;
    case 'codes':
      return (
        <PartnerJoin
          values={(value as unknown[]).map((v) => codeLabel(spec.vocabulary ?? '', v))}
          separator={t('sep.list')}
        />
      );
    case 'waypoint':
      return <PartnerText text={place(value)} />;
    case 'waypoints':
      return <PartnerJoin values={(value as unknown[]).map(place)} separator={t('sep.arrow')} />;
    case 'point': {
      const p = value as { lat?: number; lon?: number };
      return formatPosition(p.lat, p.lon, lang);
    }
    case 'number':
      return formatNumber(value, lang);
    case 'datetime':
      return formatDateTime(value, lang);
    case 'list':
    case 'lines':
      return <PartnerJoin values={value as unknown[]} separator={t('sep.list')} />;
    case 'text':
    case 'textarea':
    case 'country':
      return <PartnerText text={value} />;
  }
}

function PreviewCard({ category, preview }: { category: Category; preview: RecipientPreview }) {
  const lang = currentLanguage();
  if (preview.status === 'REFUSED') {
    return (
      <li
        class="preview-card refused"
        data-testid="preview-recipient"
        data-country={preview.country}
        data-status="REFUSED"
      >
        <h3>{t('compose.previewRefused', { country: preview.country })}</h3>
        <p>
          {t(`compose.refusal.${preview.reason}`, {
            defaultValue: t('compose.refusal.other', { reason: preview.reason }),
          })}
        </p>
        {preview.ruleKey || preview.rule ? (
          <p class="hint" data-testid="preview-rule">
            {t('compose.ruleNamed', {
              rule: preview.ruleKey ? ruleText(preview.ruleKey, preview.ruleValues ?? {}) : preview.rule,
            })}
          </p>
        ) : null}
      </li>
    );
  }
  const payload = (preview.alert[PAYLOAD[category]] ?? {}) as Record<string, unknown>;
  const redacted = new Set(preview.redactedFields);
  const prefix = snake(PAYLOAD[category]);
  return (
    <li
      class="preview-card allowed"
      data-testid="preview-recipient"
      data-country={preview.country}
      data-status="ALLOWED"
    >
      <h3>{t('compose.previewAllowed', { country: preview.country })}</h3>
      <p data-testid="preview-redacted">
        {preview.redactedFields.length
          ? t('compose.redactedCount', { count: preview.redactedFields.length })
          : t('compose.nothingRedacted')}
      </p>
      <dl class="facts">
        <dt>{t('compose.title')}</dt>
        <dd>
          {redacted.has('title') ? (
            <em class="withheld">{t('compose.withheld')}</em>
          ) : (
            <PartnerText text={preview.alert.title} />
          )}
        </dd>
        {FORMS[category].map((spec) => {
          const gone = redacted.has(`${prefix}.${snake(spec.name)}`);
          const value = payload[spec.name];
          if (!gone && (isBlank(value) || (Array.isArray(value) && value.length === 0))) {
            return null;
          }
          return (
            <>
              <dt>{t(spec.key)}</dt>
              <dd data-field={spec.name} data-withheld={gone ? 'true' : undefined}>
                {gone ? <em class="withheld">{t('compose.withheld')}</em> : shownValue(spec, value, lang)}
              </dd>
            </>
          );
        })}
      </dl>
    </li>
  );
}

function DeliveryTable({ rows, done, live }: { rows: RecipientDelivery[]; done: boolean; live: boolean }) {
  const lang = currentLanguage();
  return (
    <section class="panel" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">{t('compose.deliveryHeading')}</h2>
      <p class="hint" role="status" aria-live="polite" data-testid="follow-state" data-live={String(live)}>
        {done ? t('compose.followDone') : t('compose.following')}
      </p>
      <table class="deliveries" data-testid="deliveries">
        <thead>
          <tr>
            <th scope="col">{t('compose.partner')}</th>
            <th scope="col">{t('compose.state')}</th>
            <th scope="col">{t('compose.when')}</th>
            <th scope="col">{t('compose.detail')}</th>
          </tr>
        </thead>
        <tbody aria-live="polite">
          {rows.map((r) => (
            <tr key={r.country} data-testid="delivery" data-country={r.country} data-state={r.state}>
              <th scope="row">{r.country}</th>
              <td>
                <span class={`badge state-${r.state.toLowerCase()}`}>{t(`compose.status.${r.state}`)}</span>
              </td>
              <td>{formatDateTime(r.at, lang)}</td>
              <td>
                {r.state === 'ACKNOWLEDGED' && r.acknowledgedBy ? (
                  <span data-testid="acknowledged-by">
                    {t('compose.acknowledgedBy')} <PartnerText text={r.acknowledgedBy} />
                  </span>
                ) : r.state === 'REFUSED' && r.reason ? (
                  t(`compose.refusal.${r.reason}`, {
                    defaultValue: t('compose.refusal.other', { reason: r.reason }),
                  })
                ) : r.reason ? (
                  <PartnerText text={r.reason} />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Follows one published alert's deliveries until every recipient settled (or the page goes): pushed over the
 * gateway's /deliveries socket; polled every FOLLOW_EVERY_MS only while that socket is not live.
 */
function useDeliveries(
  api: ComposeApi,
  alertId: string | null,
): { rows: RecipientDelivery[]; done: boolean; error: string; live: boolean } {
  const [rows, setRows] = useState<RecipientDelivery[]>([]);
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  const done = settled(rows);
  useEffect(() => {
    if (!alertId) {
      return undefined;
    }
    let stopped = false;
    let pushed = false;
    let timer = 0;
    const show = (next: RecipientDelivery[]): void => {
      setRows(next);
      setError('');
      if (settled(next)) {
        stop();
      }
    };
    const closeSocket = api.followDeliveries(alertId, {
      onDeliveries: (deliveries) => {
        if (!stopped) {
          show(recipientDeliveries(deliveries));
        }
      },
      onLive: (now) => {
        pushed = now;
        if (!stopped) {
          setLive(now);
        }
      },
    });
    const tick = async (): Promise<void> => {
      if (!pushed) {
        try {
          const next = recipientDeliveries(await api.deliveries(alertId));
          if (stopped) {
            return;
          }
          show(next);
          if (stopped) {
            return;
          }
        } catch (err) {
          if (stopped) {
            return;
          }
          setError(problemText(err));
        }
      }
      timer = window.setTimeout(() => void tick(), FOLLOW_EVERY_MS);
    };
    function stop(): void {
      stopped = true;
      window.clearTimeout(timer);
      closeSocket?.();
    }
    void tick();
    return stop;
  }, [api, alertId]);
  return { rows, done, error, live };
}

export function ComposeView({ api }: { api: ComposeApi }) {
  const [state, setState] = useState<ComposeState>(() => initialState());
  const [checked, setChecked] = useState(false);
  const [partners, setPartners] = useState<Partner[]>([]);
  const [preview, setPreview] = useState<{
    request: string;
    category: Category;
    result: PreviewResult;
  } | null>(null);
  const [published, setPublished] = useState<PublishResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const summary = useRef<HTMLDivElement>(null);
  const previewHeading = useRef<HTMLHeadingElement>(null);
  const request = useMemo(() => toRequest(state), [state]);
  const requestText = JSON.stringify(request);
  const violations = useMemo(() => validate(state), [state]);
  const shown = checked ? violations : new Map<string, RequestViolation>();
  const current = preview !== null && preview.request === requestText;
  const following = useDeliveries(api, published?.id ?? null);

  useEffect(() => {
    api.partners().then(setPartners, (err: unknown) => setError(problemText(err)));
  }, [api]);

  // Functional updates: two events before the next render must not overwrite each other.
  const update = (change: (s: ComposeState) => ComposeState): void => setState(change);

  const doPreview = async (): Promise<void> => {
    setChecked(true);
    setError('');
    if (violations.size) {
      window.setTimeout(() => summary.current?.focus(), 0);
      return;
    }
    setBusy(true);
    try {
      const result = await api.preview(request);
      setPreview({ request: requestText, category: state.category, result });
      window.setTimeout(() => previewHeading.current?.focus(), 0);
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  };

  const doPublish = async (): Promise<void> => {
    if (!current) {
      return;
    }
    setBusy(true);
    setError('');
    try {
      setPublished(await api.publish(request));
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  };

  const startOver = (): void => {
    setState(initialState(state.category));
    setChecked(false);
    setPreview(null);
    setPublished(null);
    setError('');
  };

  if (published) {
    return (
      <main id="main" class="compose-view" tabIndex={-1}>
        <h1>{t('compose.publishedHeading')}</h1>
        <p data-testid="published" data-alert-id={published.id}>
          {t('compose.publishedLine', { category: categoryLabel(state.category), title: state.title })}
        </p>
        {following.error ? (
          <p class="error-box" role="alert">
            {following.error}
          </p>
        ) : null}
        <DeliveryTable rows={following.rows} done={following.done} live={following.live} />
        <button type="button" data-testid="start-over" onClick={startOver}>
          {t('compose.startOver')}
        </button>
      </main>
    );
  }

  const payloadPath = PAYLOAD[state.category];
  const values = state.payloads[state.category];
  const allViolations = [...shown.values()];
  const recipientsViolation = violationOf(shown, 'recipients');
  return (
    <main id="main" class="compose-view" tabIndex={-1}>
      <h1>{t('compose.heading')}</h1>
      {checked && allViolations.length ? (
        <div class="error-box" ref={summary} tabIndex={-1} role="alert" data-testid="error-summary">
          <h2>{t('compose.fixFirst', { count: allViolations.length })}</h2>
          <ul>
            {allViolations.map((v) => (
              <li key={v.field}>
                <a href={`#${fieldId(v.field)}`}>
                  <bdi dir="ltr">{v.field}</bdi>
                  {t('sep.colon')}
                  {violationText(v)}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form
        class="compose-form"
        data-testid="compose-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void doPreview();
        }}
      >
        <fieldset class="panel">
          <legend>{t('compose.about')}</legend>
          <div class="field">
            <label for="f-category">{t('compose.category')}</label>
            <select
              id="f-category"
              data-testid="input-category"
              value={state.category}
              onChange={(e) => {
                const category = e.currentTarget.value as Category;
                update((s) => ({ ...s, category }));
              }}
            >
              {CATEGORIES.map((c) => (
                <option value={c} key={c}>
                  {categoryLabel(c)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-priority">{t('compose.priority')}</label>
            <select
              id="f-priority"
              data-testid="input-priority"
              value={state.priority}
              onChange={(e) => {
                const value = e.currentTarget.value;
                update((s) => ({ ...s, priority: value }));
              }}
            >
              {PRIORITIES.map((p) => (
                <option value={p} key={p}>
                  {priorityLabel(p)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-classification">{t('compose.classification')}</label>
            <select
              id="f-classification"
              data-testid="input-classification"
              value={state.classification}
              onChange={(e) => {
                const value = e.currentTarget.value;
                update((s) => ({ ...s, classification: value }));
              }}
            >
              {CLASSIFICATIONS.map((c) => (
                <option value={c} key={c}>
                  {c === 'AMBER_STRICT' ? 'TLP:AMBER+STRICT' : `TLP:${c}`}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-handling">{t('alert.handling')}</label>
            <select
              id="f-handling"
              data-testid="input-handling"
              value={state.handling}
              onChange={(e) => {
                const value = e.currentTarget.value;
                update((s) => ({ ...s, handling: value }));
              }}
            >
              {HANDLINGS.map((h) => (
                <option value={h} key={h}>
                  {codeLabel('handling', h)}
                </option>
              ))}
            </select>
          </div>
          <Field
            spec={{ name: 'title', kind: 'text', key: 'compose.title', required: true }}
            path="title"
            value={state.title}
            onChange={(v) => update((s) => ({ ...s, title: typeof v === 'string' ? v : '' }))}
            violations={shown}
          />
        </fieldset>

        <fieldset class="panel" data-testid="payload-fields">
          <legend>{t('compose.payload', { category: categoryLabel(state.category) })}</legend>
          {FORMS[state.category].map((spec) => (
            <Field
              key={`${state.category}.${spec.name}`}
              spec={spec}
              path={`${payloadPath}.${spec.name}`}
              value={values[spec.name]}
              onChange={(v) => update((s) => setField(s, spec.name, v))}
              violations={shown}
            />
          ))}
        </fieldset>

        <fieldset class="panel" data-testid="recipients">
          <legend>{t('compose.recipients')}</legend>
          <p class="hint">{t('compose.recipientsHint')}</p>
          {partners.length === 0 ? <p>{t('compose.noPartners')}</p> : null}
          {partners.map((p) => (
            <label class="check" key={p.country}>
              <input
                type="checkbox"
                data-testid={`recipient-${p.country}`}
                checked={state.recipients.includes(p.country)}
                disabled={p.state !== 'ACTIVE'}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  update((s) => ({
                    ...s,
                    recipients: on
                      ? [...s.recipients.filter((r) => r !== p.country), p.country]
                      : s.recipients.filter((r) => r !== p.country),
                  }));
                }}
              />
              {p.country}
              {p.state !== 'ACTIVE' ? ` (${t('compose.agreementState', { state: p.state })})` : ''}
            </label>
          ))}
          {recipientsViolation ? <p class="field-error">{violationText(recipientsViolation)}</p> : null}
        </fieldset>

        {error ? (
          <p class="error-box" role="alert" data-testid="compose-error">
            {error}
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" data-testid="preview-button" disabled={busy}>
            {t('compose.previewButton')}
          </button>
          <button
            type="button"
            data-testid="publish-button"
            disabled={busy || !current}
            aria-describedby="publish-hint"
            onClick={() => void doPublish()}
          >
            {t('compose.publishButton')}
          </button>
          <span id="publish-hint" class="hint">
            {current ? t('compose.publishReady') : t('compose.previewFirst')}
          </span>
        </div>
      </form>

      {preview ? (
        <section
          class="panel"
          aria-labelledby="preview-heading"
          data-testid="preview"
          data-current={current ? 'true' : 'false'}
        >
          <h2 id="preview-heading" ref={previewHeading} tabIndex={-1}>
            {t('compose.previewHeading')}
          </h2>
          {!current ? <p class="notice">{t('compose.previewStale')}</p> : null}
          <ul class="preview-list">
            {preview.result.recipients.map((r) => (
              <PreviewCard key={r.country} category={preview.category} preview={r} />
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  );
}

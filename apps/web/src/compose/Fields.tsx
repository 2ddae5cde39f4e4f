// The inputs of one category's form, from its declarative spec (form.ts): every input labelled, its error tied to
// it (aria-invalid, aria-describedby), codes chosen from lists in the reader's language.
import type { RequestViolation } from '@corridor/gateway-api';
import { t } from '../shared/i18n';
import { codeLabel } from '../shared/labels';
import { emptyWaypoint, violationOf, type FieldSpec, type FieldValue, type WaypointInput } from './form';

/** A broken rule in the reader's language (the API's English message is for logs and the CLI). */
export function violationText(v: RequestViolation): string {
  return t(`compose.rule.${v.rule}`, { defaultValue: t('compose.rule.invalid') });
}

export const fieldId = (path: string): string => `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

function ErrorLine({ id, violation }: { id: string; violation?: RequestViolation }) {
  return violation ? (
    <p class="field-error" id={id} data-testid="field-error">
      {violationText(violation)}
    </p>
  ) : null;
}

function WaypointInputs({
  path,
  value,
  onChange,
  violations,
  withPlace = true,
}: {
  path: string;
  value: WaypointInput;
  onChange: (w: WaypointInput) => void;
  violations: Map<string, RequestViolation>;
  withPlace?: boolean;
}) {
  const part = (name: keyof WaypointInput, key: string, sub: string, extra: Record<string, string> = {}) => {
    const id = fieldId(`${path}.${name}`);
    const violation = violationOf(violations, `${path}${sub}`);
    const errorId = `${id}-error`;
    return (
      <div class="field" key={name}>
        <label for={id}>{t(key)}</label>
        <input
          id={id}
          data-testid={`input-${path}.${name}`}
          value={value[name]}
          aria-invalid={violation ? 'true' : undefined}
          aria-describedby={violation ? errorId : undefined}
          onInput={(e) => onChange({ ...value, [name]: e.currentTarget.value })}
          {...extra}
        />
        <ErrorLine id={errorId} violation={violation} />
      </div>
    );
  };
  return (
    <div class="waypoint">
      {withPlace ? part('place', 'compose.place', '.place') : null}
      {withPlace
        ? part('country', 'compose.countryCode', '.country', { maxLength: '2', autocomplete: 'off' })
        : null}
      {part('lat', 'compose.latitude', withPlace ? '.point.lat' : '.lat', { inputMode: 'decimal' })}
      {part('lon', 'compose.longitude', withPlace ? '.point.lon' : '.lon', { inputMode: 'decimal' })}
    </div>
  );
}

export function Field({
  spec,
  path,
  value,
  onChange,
  violations,
}: {
  spec: FieldSpec;
  /** the JSON path of the field in the request (route.transportMode) */
  path: string;
  value: FieldValue;
  onChange: (value: FieldValue) => void;
  violations: Map<string, RequestViolation>;
}) {
  const id = fieldId(path);
  const errorId = `${id}-error`;
  const violation = violationOf(violations, path);
  const label = (
    <>
      {t(spec.key)}
      {spec.required ? (
        <span class="required" aria-hidden="true">
          {' *'}
        </span>
      ) : null}
    </>
  );
  const common = {
    id,
    'data-testid': `input-${path}`,
    'aria-invalid': violation ? ('true' as const) : undefined,
    'aria-describedby': violation ? errorId : undefined,
    'aria-required': spec.required ? ('true' as const) : undefined,
  };
  const text = typeof value === 'string' ? value : '';
  switch (spec.kind) {
    case 'code':
      return (
        <div class="field">
          <label for={id}>{label}</label>
          <select {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)}>
            <option value="">{t('compose.choose')}</option>
            {(spec.codes ?? []).map((c) => (
              <option value={c} key={c}>
                {codeLabel(spec.vocabulary ?? '', c)}
              </option>
            ))}
          </select>
          <ErrorLine id={errorId} violation={violation} />
        </div>
      );
    case 'codes': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <fieldset
          class="field codes"
          data-testid={`input-${path}`}
          aria-invalid={violation ? 'true' : undefined}
          aria-describedby={violation ? errorId : undefined}
        >
          <legend>{label}</legend>
          {(spec.codes ?? []).map((c) => (
            <label class="check" key={c}>
              <input
                type="checkbox"
                value={c}
                checked={chosen.includes(c)}
                onChange={(e) =>
                  onChange(e.currentTarget.checked ? [...chosen, c] : chosen.filter((x) => x !== c))
                }
              />
              {codeLabel(spec.vocabulary ?? '', c)}
            </label>
          ))}
          <ErrorLine id={errorId} violation={violation} />
        </fieldset>
      );
    }
    case 'waypoint':
    case 'point':
      return (
        <fieldset class="field group" id={id}>
          <legend>{label}</legend>
          <WaypointInputs
            path={path}
            value={(value as WaypointInput | undefined) ?? emptyWaypoint()}
            onChange={onChange}
            violations={violations}
            withPlace={spec.kind === 'waypoint'}
          />
        </fieldset>
      );
    case 'waypoints': {
      const list = Array.isArray(value) ? (value as WaypointInput[]) : [];
      return (
        <fieldset class="field group" id={id} data-testid={`input-${path}`}>
          <legend>{label}</legend>
          {list.map((w, i) => (
            <div class="waypoint-row" key={i}>
              <WaypointInputs
                path={`${path}[${i}]`}
                value={w}
                onChange={(next) => onChange(list.map((x, j) => (j === i ? next : x)))}
                violations={violations}
              />
              <button
                type="button"
                class="secondary"
                aria-label={t('compose.removeStop', { n: i + 1 })}
                onClick={() => onChange(list.filter((_, j) => j !== i))}
              >
                {t('compose.remove')}
              </button>
            </div>
          ))}
          <button
            type="button"
            class="secondary"
            data-testid={`add-${path}`}
            onClick={() => onChange([...list, emptyWaypoint()])}
          >
            {t('compose.addStop')}
          </button>
        </fieldset>
      );
    }
    case 'textarea':
    case 'lines':
      return (
        <div class="field">
          <label for={id}>{label}</label>
          <textarea
            {...common}
            rows={spec.kind === 'lines' ? 3 : 3}
            value={text}
            onInput={(e) => onChange(e.currentTarget.value)}
          />
          {spec.kind === 'lines' ? <p class="hint">{t('compose.oneLineEach')}</p> : null}
          <ErrorLine id={errorId} violation={violation} />
        </div>
      );
    case 'list':
    case 'text':
    case 'number':
    case 'country':
    case 'datetime':
      return (
        <div class="field">
          <label for={id}>{label}</label>
          {spec.kind === 'datetime' ? (
            <input
              {...common}
              type="datetime-local"
              value={text}
              onInput={(e) => onChange(e.currentTarget.value)}
            />
          ) : (
            <input
              {...common}
              type="text"
              inputMode={spec.kind === 'number' ? 'numeric' : undefined}
              maxLength={spec.kind === 'country' ? 2 : undefined}
              autocomplete="off"
              value={text}
              onInput={(e) => onChange(e.currentTarget.value)}
            />
          )}
          {spec.kind === 'list' ? <p class="hint">{t('compose.commaSeparated')}</p> : null}
          {spec.kind === 'country' ? <p class="hint">{t('compose.countryHint')}</p> : null}
          <ErrorLine id={errorId} violation={violation} />
        </div>
      );
  }
}

// The compose form's state, pure: one declarative form per category, turned into the body POST /v1/alerts takes and
// checked by the API's own rules (alertViolations from @corridor/gateway-api: the request classes the gateway's
// ValidationPipe applies). Codes come from the shared vocabularies, never typed in.
import {
  alertViolations,
  DOCUMENT_TYPES,
  FLOW_METHODS,
  VOCABULARIES,
  type RequestViolation,
} from '@corridor/gateway-api';

export const CATEGORIES = [
  'ROUTE',
  'DOCUMENT',
  'SUSPECT',
  'FINANCIAL_FLOW',
  'PROTECTION_REFERRAL',
  'BULLETIN',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const PRIORITIES = ['ROUTINE', 'URGENT', 'FLASH'] as const;
export const CLASSIFICATIONS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const;
export const HANDLINGS = ['H0', 'H1', 'H2', 'H3'] as const;

/** The request field of each category's payload. */
export const PAYLOAD: Record<Category, string> = {
  ROUTE: 'route',
  DOCUMENT: 'document',
  SUSPECT: 'suspect',
  FINANCIAL_FLOW: 'financialFlow',
  PROTECTION_REFERRAL: 'protectionReferral',
  BULLETIN: 'bulletin',
};

export interface WaypointInput {
  place: string;
  country: string;
  lat: string;
  lon: string;
}

export const emptyWaypoint = (): WaypointInput => ({ place: '', country: '', lat: '', lon: '' });

/**
 * How one payload field is entered: text, a number, a country code, a code of a vocabulary (one: a list box; many:
 * check boxes), a comma-separated list, lines, a place, places, a position, a date and time.
 */
export type FieldKind =
  | 'text'
  | 'textarea'
  | 'number'
  | 'country'
  | 'code'
  | 'codes'
  | 'list'
  | 'lines'
  | 'waypoint'
  | 'waypoints'
  | 'point'
  | 'datetime';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** the catalogue key of the field's label */
  key: string;
  /** for code and codes: the catalogue group of the codes (code.<vocabulary>.<CODE>) and the codes */
  vocabulary?: string;
  codes?: readonly string[];
  required?: boolean;
}

const f = (name: string, kind: FieldKind, key: string, more: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  kind,
  key,
  ...more,
});

/** One form per category: the fields of its payload, in the order an officer fills them in. */
export const FORMS: Record<Category, FieldSpec[]> = {
  ROUTE: [
    f('originCountry', 'country', 'alert.originCountry', { required: true }),
    f('origin', 'waypoint', 'compose.origin'),
    f('transit', 'waypoints', 'compose.transit'),
    f('destinationCountry', 'country', 'alert.destinationCountry', { required: true }),
    f('destination', 'waypoint', 'compose.destination'),
    f('transportMode', 'code', 'alert.transport', {
      vocabulary: 'transportMode',
      codes: VOCABULARIES.transportMode,
      required: true,
    }),
    f('modusOperandi', 'code', 'alert.modusOperandi', {
      vocabulary: 'modusOperandi',
      codes: VOCABULARIES.modusOperandi,
    }),
    f('risksToLife', 'codes', 'alert.risksToLife', {
      vocabulary: 'riskToLife',
      codes: VOCABULARIES.riskToLife,
    }),
    f('estimatedPeople', 'number', 'alert.estimatedPeople'),
    f('pricePerPersonUsd', 'number', 'compose.pricePerPersonUsd'),
    f('note', 'textarea', 'alert.note'),
  ],
  DOCUMENT: [
    f('documentType', 'code', 'alert.documentType', {
      vocabulary: 'documentType',
      codes: DOCUMENT_TYPES,
      required: true,
    }),
    f('issuingState', 'text', 'alert.issuingState', { required: true }),
    f('number', 'text', 'alert.number', { required: true }),
    f('fraudType', 'code', 'alert.fraudType', {
      vocabulary: 'fraudType',
      codes: VOCABULARIES.fraudType,
      required: true,
    }),
    f('mrz', 'lines', 'alert.mrz'),
    f('notes', 'textarea', 'alert.notes'),
  ],
  SUSPECT: [
    f('familyName', 'text', 'alert.familyName', { required: true }),
    f('givenNames', 'list', 'alert.givenNames'),
    f('aliases', 'list', 'alert.aliases'),
    f('birthDate', 'text', 'alert.birthDate'),
    f('nationalities', 'list', 'alert.nationalities'),
    f('role', 'code', 'alert.role', {
      vocabulary: 'suspectRole',
      codes: VOCABULARIES.suspectRole,
      required: true,
    }),
    f('phones', 'list', 'alert.phones'),
    f('notes', 'textarea', 'alert.notes'),
  ],
  FINANCIAL_FLOW: [
    f('method', 'code', 'alert.method', { vocabulary: 'paymentMethod', codes: FLOW_METHODS, required: true }),
    f('fromCountry', 'country', 'alert.from', { required: true }),
    f('toCountry', 'country', 'alert.to', { required: true }),
    f('amountMinor', 'number', 'compose.amountMinor', { required: true }),
    f('currency', 'text', 'compose.currency', { required: true }),
    f('reference', 'text', 'alert.reference'),
    f('notes', 'textarea', 'alert.notes'),
  ],
  PROTECTION_REFERRAL: [
    f('need', 'code', 'alert.need', {
      vocabulary: 'referralNeed',
      codes: VOCABULARIES.referralNeed,
      required: true,
    }),
    f('peopleCount', 'number', 'alert.people', { required: true }),
    f('lastKnownPlace', 'text', 'alert.lastKnownPlace'),
    f('lastKnownPosition', 'point', 'alert.lastKnownPosition'),
    f('observedAtMs', 'datetime', 'alert.observedAt'),
    f('contactChannel', 'text', 'alert.contactChannel'),
    f('notes', 'textarea', 'alert.notes'),
  ],
  BULLETIN: [
    f('title', 'text', 'compose.bulletinTitle', { required: true }),
    f('summary', 'textarea', 'compose.summary', { required: true }),
    f('body', 'textarea', 'compose.body', { required: true }),
    f('region', 'text', 'alert.region'),
  ],
};

export type FieldValue = string | string[] | WaypointInput | WaypointInput[];

export interface ComposeState {
  category: Category;
  priority: string;
  classification: string;
  handling: string;
  title: string;
  recipients: string[];
  /** every category's fields, kept when the officer switches category and back */
  payloads: Record<Category, Record<string, FieldValue>>;
}

function emptyValue(kind: FieldKind): FieldValue {
  switch (kind) {
    case 'codes':
      return [];
    case 'waypoint':
    case 'point':
      return emptyWaypoint();
    case 'waypoints':
      return [];
    case 'text':
    case 'textarea':
    case 'number':
    case 'country':
    case 'code':
    case 'list':
    case 'lines':
    case 'datetime':
      return '';
  }
}

export function initialState(category: Category = 'ROUTE'): ComposeState {
  const payloads = Object.fromEntries(
    CATEGORIES.map((c) => [c, Object.fromEntries(FORMS[c].map((s) => [s.name, emptyValue(s.kind)]))]),
  ) as ComposeState['payloads'];
  return {
    category,
    priority: 'ROUTINE',
    classification: 'AMBER',
    handling: 'H2',
    title: '',
    recipients: [],
    payloads,
  };
}

/** A new state with one payload field of the current category set. */
export function setField(state: ComposeState, name: string, value: FieldValue): ComposeState {
  return {
    ...state,
    payloads: {
      ...state.payloads,
      [state.category]: { ...state.payloads[state.category], [name]: value },
    },
  };
}

const str = (v: FieldValue | undefined): string => (typeof v === 'string' ? v.trim() : '');

/** A number where the text is one; otherwise the text itself, so the API's rule names the field. */
function numberOrText(text: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function point(w: WaypointInput): { lat: number | string; lon: number | string } | undefined {
  const lat = w.lat.trim();
  const lon = w.lon.trim();
  return lat || lon ? { lat: numberOrText(lat), lon: numberOrText(lon) } : undefined;
}

function waypoint(w: WaypointInput): Record<string, unknown> | undefined {
  const place = w.place.trim();
  const country = w.country.trim().toUpperCase();
  const at = point(w);
  if (!place && !country && !at) {
    return undefined;
  }
  return { place, country, ...(at ? { point: at } : {}) };
}

function requestValue(spec: FieldSpec, value: FieldValue | undefined): unknown {
  switch (spec.kind) {
    case 'text':
    case 'textarea':
    case 'code':
      return str(value) || undefined;
    case 'country':
      return str(value).toUpperCase() || undefined;
    case 'number':
      return str(value) ? numberOrText(str(value)) : undefined;
    case 'codes':
      return Array.isArray(value) && value.length ? value : undefined;
    case 'list': {
      const items = str(value)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return items.length ? items : undefined;
    }
    case 'lines': {
      const lines = str(value)
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean);
      return lines.length ? lines : undefined;
    }
    case 'waypoint':
      return value && !Array.isArray(value) && typeof value === 'object' ? waypoint(value) : undefined;
    case 'point':
      return value && !Array.isArray(value) && typeof value === 'object' ? point(value) : undefined;
    case 'waypoints':
      // The API takes the transit list always, empty when the route has no stop.
      return Array.isArray(value)
        ? (value as WaypointInput[]).map((w) => waypoint(w) ?? { place: '', country: '' })
        : [];
    case 'datetime': {
      const text = str(value);
      if (!text) {
        return undefined;
      }
      const ms = Date.parse(text);
      return Number.isNaN(ms) ? text : ms;
    }
  }
}

/** The body of POST /v1/alerts (and /v1/alerts/preview) for this state: blanks left out, numbers as numbers. */
export function toRequest(state: ComposeState): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  const values = state.payloads[state.category];
  for (const spec of FORMS[state.category]) {
    const v = requestValue(spec, values[spec.name]);
    if (v !== undefined) {
      payload[spec.name] = v;
    }
  }
  return {
    category: state.category,
    priority: state.priority,
    classification: state.classification,
    handling: state.handling,
    ...(state.title.trim() ? { title: state.title.trim() } : {}),
    ...(state.recipients.length ? { recipients: state.recipients } : {}),
    [PAYLOAD[state.category]]: payload,
  };
}

/** Rules that say what a value should be, shown before its bounds ("a whole number" before "too large"). */
const FIRST_RULES = ['required', 'isInt', 'isNumber', 'isString', 'isArray', 'isIn', 'matches'];
const rank = (rule: string): number => {
  const i = FIRST_RULES.indexOf(rule);
  return i === -1 ? FIRST_RULES.length : i;
};

/** Every rule the alert breaks, by the API's own classes: the one to show for each field, keyed by its JSON path. */
export function validate(state: ComposeState): Map<string, RequestViolation> {
  const byField = new Map<string, RequestViolation>();
  for (const v of alertViolations(toRequest(state))) {
    const seen = byField.get(v.field);
    if (!seen || rank(v.rule) < rank(seen.rule)) {
      byField.set(v.field, v);
    }
  }
  return byField;
}

/** The violation of a form field, or of anything inside it (route.transit[1].country belongs to route.transit). */
export function violationOf(
  violations: Map<string, RequestViolation>,
  path: string,
): RequestViolation | undefined {
  const exact = violations.get(path);
  if (exact) {
    return exact;
  }
  for (const [field, v] of violations) {
    if (field.startsWith(`${path}.`) || field.startsWith(`${path}[`)) {
      return v;
    }
  }
  return undefined;
}

import { clearField, isFieldSet, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { AlertSchema, fromBinary, toBinary, type Alert } from '@corridor/contracts';

// Identity, routing and labels drive processing and are bound into the envelope signature: never removable.
const REDACTABLE_TOP_LEVEL_FIELDS: ReadonlySet<string> = new Set(['originator_agency', 'title']);

const PAYLOAD_ONEOF = AlertSchema.oneofs.find((oneof) => oneof.name === 'payload');
if (PAYLOAD_ONEOF === undefined) {
  // Generated code and this library disagree: fail at load, not on the first alert.
  throw new TypeError('corridor.v1.Alert has no payload oneof');
}
const PAYLOAD_MEMBERS: readonly DescField[] = PAYLOAD_ONEOF.fields;

/** An excluded-field path resolved against the Alert descriptors. */
interface ResolvedPath {
  /** Proto (snake_case) spelling, e.g. "financial_flow.reference": the form reported in redactedFields. */
  canonical: string;
  /** Oneof member (e.g. "financialFlow") the field lives in; undefined for a top-level field. */
  payloadCase: string | undefined;
  field: DescField;
}

function fieldNamed(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((field) => field.name === name || field.localName === name);
}

/** Resolves "title", "suspect.phones", "financialFlow.reference" or "financial_flow.reference". */
function resolvePath(path: string): ResolvedPath | undefined {
  const segments = path.split('.');
  if (segments.length === 1) {
    const field = fieldNamed(AlertSchema, segments[0]);
    if (field === undefined || field.oneof !== undefined || !REDACTABLE_TOP_LEVEL_FIELDS.has(field.name)) {
      return undefined;
    }
    return { canonical: field.name, payloadCase: undefined, field };
  }
  if (segments.length === 2) {
    const member = PAYLOAD_MEMBERS.find((m) => m.name === segments[0] || m.localName === segments[0]);
    if (member?.fieldKind !== 'message') {
      return undefined;
    }
    const field = fieldNamed(member.message, segments[1]);
    if (field === undefined) {
      return undefined;
    }
    return { canonical: `${member.name}.${field.name}`, payloadCase: member.localName, field };
  }
  return undefined;
}

/** The message holding the path's field in this alert, or undefined when the path does not apply to it. */
function holderOf(alert: Alert, path: ResolvedPath): Message | undefined {
  if (path.payloadCase === undefined) {
    return alert;
  }
  return alert.payload.case === path.payloadCase ? alert.payload.value : undefined;
}

/** Paths an agreement lists that name no redactable Alert field (typos, fields of another version, core fields). */
export function validateExcludedFields(paths: readonly string[]): string[] {
  return paths.filter((path) => resolvePath(path) === undefined);
}

/** Canonical (proto snake_case) spelling of an excluded-field path, or undefined if it is unknown. */
export function canonicalFieldPath(path: string): string | undefined {
  return resolvePath(path)?.canonical;
}

/**
 * A deep copy that shares nothing with the input and drops unknown fields: what this build cannot see,
 * it cannot redact, so it does not forward it.
 */
export function copyAlert(alert: Alert): Alert {
  return fromBinary(AlertSchema, toBinary(AlertSchema, alert), { readUnknownFields: false });
}

/** Excluded paths (canonical, deduplicated) that hold a value in this alert. */
export function filledExcludedFields(input: { alert: Alert; excludedFields: readonly string[] }): string[] {
  const filled = new Set<string>();
  for (const path of input.excludedFields) {
    const resolved = resolvePath(path);
    if (resolved === undefined) {
      continue;
    }
    const holder = holderOf(input.alert, resolved);
    if (holder !== undefined && isFieldSet(holder, resolved.field)) {
      filled.add(resolved.canonical);
    }
  }
  return [...filled];
}

/**
 * Removes excluded fields (set to their proto default) from a copy of the alert; the input is untouched.
 * Returns the canonical paths that held a value and were removed; unknown or inapplicable paths are skipped.
 */
export function redactAlert(input: { alert: Alert; excludedFields: readonly string[] }): {
  alert: Alert;
  redactedFields: string[];
} {
  return redactOwnCopy({ alert: copyAlert(input.alert), excludedFields: input.excludedFields });
}

/**
 * `redactAlert` on a copy the caller already owns (from `copyAlert` or `minimiseProtectionReferral`): clears the
 * excluded fields in place instead of copying the alert once more.
 */
export function redactOwnCopy(input: { alert: Alert; excludedFields: readonly string[] }): {
  alert: Alert;
  redactedFields: string[];
} {
  const alert = input.alert;
  const redactedFields = filledExcludedFields({ alert, excludedFields: input.excludedFields });
  for (const path of redactedFields) {
    const resolved = resolvePath(path);
    const holder = resolved === undefined ? undefined : holderOf(alert, resolved);
    if (resolved !== undefined && holder !== undefined) {
      clearField(holder, resolved.field);
    }
  }
  return { alert, redactedFields };
}

// What the publishing API answers: per-recipient decisions, deliveries and the states of an outbox row.
import type { PolicyRuleKey } from '@corridor/contracts';

export type { PolicyRuleKey };

/** Every state of an outbox row, in the order a delivery goes through them. */
export const OUTBOX_STATUSES = [
  'QUEUED',
  'SENT',
  'DELIVERED',
  'UNCONFIRMED',
  'REJECTED',
  'FAILED',
  'REFUSED',
];

/** The decision for one recipient of a publish, update or withdrawal. */
export interface RecipientStatus {
  country: string;
  status: 'QUEUED' | 'REFUSED';
  reason?: string;
  /** the rule in English, as logs and the CLI show it */
  rule?: string;
  /** the same rule as a key and the codes, ids and dates it names */
  ruleKey?: PolicyRuleKey;
  ruleValues?: Record<string, string | number>;
  redactedFields?: string[];
}

/** What one recipient would receive (POST /v1/alerts/preview): nothing is queued, logged or sent. */
export type RecipientPreview =
  | {
      country: string;
      status: 'ALLOWED';
      /** fields the agreement excludes, removed from what this partner receives (proto spelling, e.g. route.note) */
      redactedFields: string[];
      /** the alert as this partner would receive it, after its agreement's redaction (API JSON, codes as codes) */
      alert: Record<string, unknown>;
    }
  | {
      country: string;
      status: 'REFUSED';
      /** the policy's reason code (CATEGORY_NOT_ALLOWED, CLASSIFICATION_ABOVE_GRANT...) and the rule it names */
      reason: string;
      rule?: string;
      /** the rule as a key and its values, rendered in the reader's language */
      ruleKey?: PolicyRuleKey;
      ruleValues?: Record<string, string | number>;
    };

/** The answer to POST /v1/alerts/preview (200): the same policy and redaction as a publish, per recipient. */
export interface PreviewResult {
  recipients: RecipientPreview[];
}

/** The answer to POST /v1/alerts (202), PUT /v1/alerts/:id and POST /v1/alerts/:id/withdraw. */
export interface PublishResult {
  id: string;
  threadId: string;
  recipients: RecipientStatus[];
}

/** One outbox row as GET /v1/outbox and GET /v1/alerts/:id show it. */
export interface Delivery {
  cursor: number;
  alertId: string;
  recipient: string;
  kind: string;
  messageId: string;
  status: string;
  reason: string | null;
  queuedAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  redactedFields: string[];
}

/** The media type of a batch given as newline-delimited JSON (one alert per line). */
export const NDJSON = 'application/x-ndjson';

/** One alert of a batch, in the order given (index counts from 0, lines or array items alike). */
export type BatchItemResult =
  | ({ index: number; status: 'ACCEPTED' } & PublishResult)
  | {
      index: number;
      /** every recipient refused by its agreement: nothing was queued for this alert */
      status: 'REFUSED';
      recipients: RecipientStatus[];
    }
  | {
      index: number;
      /** the alert failed the API's rules: nothing was written for it; its neighbours are not affected */
      status: 'INVALID';
      code: string;
      /** the field at fault as a JSON path within the alert, e.g. document.mrz */
      field: string;
      detail: string;
      errors?: { field: string; message: string }[];
    };

/** The answer to POST /v1/alerts/batch (202): one result per alert, accepted ones committed together. */
export interface BatchPublishResult {
  accepted: number;
  refused: number;
  invalid: number;
  results: BatchItemResult[];
}

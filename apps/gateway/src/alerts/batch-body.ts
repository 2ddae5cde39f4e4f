// A batch of alerts as POST /v1/alerts/batch takes it: a JSON array or NDJSON (one alert per line). Each alert is
// parsed and validated on its own, so a malformed one fails only itself, named by its index and field; only a body
// that is not a batch at all (or holds more alerts than the limit) fails as a whole.
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { compiledRequest, NDJSON, PublishAlertDto } from '@corridor/gateway-api';
import { flattenValidationErrors, problem } from '@corridor/platform';

/** An alert of the batch that failed the API's rules: nothing is written for it. */
export interface InvalidItem {
  index: number;
  code: string;
  field: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

export type BatchItem = { index: number; dto: PublishAlertDto } | { index: number; invalid: InvalidItem };

const VALIDATION = { whitelist: true, forbidNonWhitelisted: true } as const;

/** One alert's plain value against the same rules as POST /v1/alerts (ValidationPipe: whitelist, no unknown fields). */
export function validateItem(index: number, value: unknown): BatchItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      index,
      invalid: { index, code: 'NOT_AN_OBJECT', field: '', detail: `alert ${index} must be a JSON object` },
    };
  }
  // Most alerts keep every rule: the compiled check and instantiation (compiledRequest) build the same dto faster.
  const compiled = compiledRequest(PublishAlertDto);
  if (compiled?.accepts(value)) {
    return { index, dto: compiled.instantiate(value) };
  }
  const dto = plainToInstance(PublishAlertDto, value);
  const errors = validateSync(dto, VALIDATION);
  if (errors.length > 0) {
    const all = flattenValidationErrors(errors);
    const first = all[0];
    return {
      index,
      invalid: { index, code: 'VALIDATION_FAILED', field: first.field, detail: first.message, errors: all },
    };
  }
  return { index, dto };
}

export interface BatchWords {
  /** plural noun: "alerts" */
  items: string;
  /** the variable that sets the limit */
  variable: string;
  /** what to do instead of sending a lone object */
  single: string;
}

const ALERT_WORDS: BatchWords = {
  items: 'alerts',
  variable: 'MAX_BATCH_ALERTS',
  single: 'send a single alert to POST /v1/alerts',
};

/** Splits a batch body into its alerts (parsed, not yet validated). A line or item that is not JSON fails alone. */
export function splitBatch(
  text: string,
  contentType: string | undefined,
  maxItems: number,
  // What the items are, for the messages (document registers split their records the same way).
  what: BatchWords = ALERT_WORDS,
): { index: number; value?: unknown; malformed?: string }[] {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let items: { index: number; value?: unknown; malformed?: string }[];
  if (type === NDJSON) {
    const lines = text.split('\n');
    // A trailing newline ends the last line; it does not start an empty one. Blank lines are not alerts.
    items = [];
    let index = 0;
    for (const line of lines) {
      if (line.trim() === '') {
        continue;
      }
      try {
        items.push({ index, value: JSON.parse(line) as unknown });
      } catch (err) {
        items.push({ index, malformed: (err as Error).message });
      }
      index += 1;
      if (index > maxItems) {
        break;
      }
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw problem(
        400,
        'MALFORMED_JSON',
        `request body is not a JSON array: check quotes, commas and brackets, or send one item per line as ${NDJSON}`,
        { field: 'body' },
      );
    }
    if (!Array.isArray(parsed)) {
      throw problem(
        422,
        'NOT_A_BATCH',
        `a batch is a JSON array of ${what.items} (or ${NDJSON}); ${what.single}`,
        { field: 'body' },
      );
    }
    items = parsed.map((value: unknown, index) => ({ index, value }));
  }
  if (items.length > maxItems) {
    throw problem(
      413,
      'BATCH_TOO_LARGE',
      `a batch holds at most ${maxItems} ${what.items} (${what.variable}): split it into batches of ${maxItems}`,
      { field: 'body', limit: maxItems },
    );
  }
  if (items.length === 0) {
    throw problem(422, 'EMPTY_BATCH', `the batch holds no ${what.items}: send at least one`, {
      field: 'body',
    });
  }
  return items;
}

/** The batch's alerts, each validated on its own. */
export function parseBatch(text: string, contentType: string | undefined, maxItems: number): BatchItem[] {
  return splitBatch(text, contentType, maxItems).map((item) =>
    item.malformed !== undefined
      ? {
          index: item.index,
          invalid: {
            index: item.index,
            code: 'MALFORMED_JSON',
            field: '',
            detail: `line ${item.index + 1} is not valid JSON (${item.malformed})`,
          },
        }
      : validateItem(item.index, item.value),
  );
}

// corridor alert publish --file many.ndjson (or a .json/.yaml array): the alerts go in batches to
// POST /v1/alerts/batch with a progress bar; each batch is repeated safely under its own Idempotency-Key when the
// gateway asks to wait (429/503 with Retry-After) or the connection drops, and every alert not accepted is listed by
// its index in the file, with its field.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { BatchItemResult, BatchPublishResult } from '@corridor/gateway-api';
import { CliError, EXIT_FAILURE, oneLine, QuietExit, usageError } from '../errors';
import { readStructuredFile } from '../input-files';
import type { Output } from '../output';
import type { Remote } from '../remote';
import { readTextFile } from '../settings';

/** How often one batch is tried when the gateway asks to wait or cannot be reached. */
const MAX_TRIES = 12;
const MAX_WAIT_S = 30;

/** An alert of the file, or why its line could not be read (it is not sent; its index stays its own). */
export type FileAlert = { index: number; value: unknown } | { index: number; malformed: string };

/** True when the file holds many alerts: NDJSON by extension, or a JSON/YAML array. */
export function isBatchFile(file: string): boolean {
  const ext = path.extname(file).toLowerCase();
  return ext === '.ndjson' || ext === '.jsonl';
}

/** The alerts of a file: one per non-blank line of .ndjson/.jsonl, or the items of a JSON/YAML array. */
export function readAlerts(file: string, flag: string): FileAlert[] | undefined {
  if (isBatchFile(file)) {
    const out: FileAlert[] = [];
    for (const line of readTextFile(file, flag).split('\n')) {
      if (line.trim() === '') {
        continue;
      }
      const index = out.length;
      try {
        out.push({ index, value: JSON.parse(line) as unknown });
      } catch (err) {
        out.push({ index, malformed: `line ${index + 1} is not valid JSON (${(err as Error).message})` });
      }
    }
    return out;
  }
  const doc = readStructuredFile(file, flag);
  return Array.isArray(doc) ? doc.map((value: unknown, index) => ({ index, value })) : undefined;
}

function progress(
  done: number,
  total: number,
  counts: { accepted: number; refused: number; invalid: number },
): void {
  // For a human watching; kept off stderr when it is not a terminal so scripts see errors only.
  if (!process.stderr.isTTY) {
    return;
  }
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(
    `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} alerts  ` +
      `accepted ${counts.accepted}  refused ${counts.refused}  invalid ${counts.invalid}${done === total ? '\n' : ''}`,
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One request, tried again while the gateway asks to wait (429 or 503, honouring Retry-After) or cannot be reached;
 * the caller makes it safe to repeat. Resolves to the parsed answer; after MAX_TRIES, `giveUp(why)` is thrown.
 */
export async function sendPatiently<T>(
  gw: Remote,
  req: Parameters<Remote['send']>[0],
  giveUp: (why: string) => CliError,
): Promise<T> {
  let lastWhy = '';
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    let res: Response;
    try {
      res = await gw.send(req);
    } catch (err) {
      lastWhy = err instanceof Error ? err.message : String(err);
      await sleep(Math.min(1000 * attempt, MAX_WAIT_S * 1000));
      continue;
    }
    const text = await res.text();
    if (res.ok) {
      return JSON.parse(text) as T;
    }
    if (res.status === 429 || res.status === 503) {
      const after = Number(res.headers.get('retry-after'));
      lastWhy = `the gateway answered ${res.status}`;
      await sleep(Math.min(Number.isFinite(after) && after > 0 ? after : attempt, MAX_WAIT_S) * 1000);
      continue;
    }
    throw gw.failure(res.status, text);
  }
  throw giveUp(`${MAX_TRIES} tries (${oneLine(lastWhy)})`);
}

/** One batch, tried again (same Idempotency-Key: nothing is queued twice) while the gateway asks to wait. */
function postBatch(gw: Remote, values: unknown[], key: string): Promise<BatchPublishResult> {
  return sendPatiently<BatchPublishResult>(
    gw,
    {
      method: 'POST',
      path: '/v1/alerts/batch',
      body: JSON.stringify(values),
      headers: { 'idempotency-key': key },
    },
    (why) =>
      new CliError(
        `a batch was not accepted after ${why} — run the same command again with the same --idempotency-key: alerts already accepted are not queued twice`,
        EXIT_FAILURE,
      ),
  );
}

function describe(r: BatchItemResult): string {
  switch (r.status) {
    case 'ACCEPTED':
      return `#${r.index}  ACCEPTED  ${r.id}`;
    case 'REFUSED':
      return `#${r.index}  REFUSED   ${r.recipients.map((x) => `${x.country}: ${x.rule ?? x.reason ?? ''}`).join('; ')}`;
    case 'INVALID':
      return `#${r.index}  INVALID   ${r.field ? `${r.field}: ` : ''}${r.detail} [${r.code}]`;
  }
}

/** Publishes every alert of the file in batches; lists those not accepted; exit 1 if any. */
export async function publishMany(
  out: Output,
  gw: Remote,
  alerts: FileAlert[],
  opts: { batchSize: number; idempotencyKey?: string },
): Promise<void> {
  if (alerts.length === 0) {
    throw usageError('the file holds no alert', 'put one alert per line (.ndjson) or a JSON array of alerts');
  }
  // A key for this run when none is given: each batch is then safe to repeat within the run.
  const runKey = opts.idempotencyKey ?? randomUUID();
  const results: BatchItemResult[] = [];
  const counts = { accepted: 0, refused: 0, invalid: 0 };
  const keep = (r: BatchItemResult): void => {
    results.push(r);
    counts[r.status === 'ACCEPTED' ? 'accepted' : r.status === 'REFUSED' ? 'refused' : 'invalid'] += 1;
  };
  progress(0, alerts.length, counts);
  for (let start = 0; start < alerts.length; start += opts.batchSize) {
    const chunk = alerts.slice(start, start + opts.batchSize);
    const sendable = chunk.filter((a): a is { index: number; value: unknown } => 'value' in a);
    for (const a of chunk) {
      if ('malformed' in a) {
        keep({ index: a.index, status: 'INVALID', code: 'MALFORMED_JSON', field: '', detail: a.malformed });
      }
    }
    if (sendable.length > 0) {
      const answer = await postBatch(
        gw,
        sendable.map((a) => a.value),
        `${runKey}:${start / opts.batchSize}`,
      );
      // The gateway counts from 0 within the batch; the operator counts in the file.
      for (const r of answer.results) {
        keep({ ...r, index: sendable[r.index].index });
      }
    }
    progress(Math.min(start + opts.batchSize, alerts.length), alerts.length, counts);
  }
  results.sort((a, b) => a.index - b.index);
  const failed = results.filter((r) => r.status !== 'ACCEPTED');
  out.result(
    [
      `published ${counts.accepted} of ${alerts.length} alerts (refused ${counts.refused}, invalid ${counts.invalid})`,
      ...failed.map((r) => `  ${describe(r)}`),
      ...(failed.length
        ? ['fix the alerts listed (#index counts from 0 in the file) and publish only those again']
        : []),
    ],
    { ...counts, results },
  );
  if (failed.length > 0) {
    throw new QuietExit(EXIT_FAILURE);
  }
}

// corridor alert: publish from a file or flags (validated here with the gateway's own request classes and
// the MRZ check before anything is sent), show one alert with its deliveries, withdraw it; corridor outbox.
import type { Command } from 'commander';
import {
  OUTBOX_STATUSES,
  PAYLOAD_FIELD,
  PublishAlertDto,
  VOCABULARIES,
  type Delivery,
  type PublishResult,
  type RecipientStatus,
} from '@corridor/gateway-api';
import { act, actWithArg, gatewayOptions, parseCountryList, parsePositiveInt } from '../command-kit';
import { operationalError, usageError } from '../errors';
import { readStructuredFile, requireObject } from '../input-files';
import { Output, table } from '../output';
import { Remote, RemoteError } from '../remote';
import { publishMany, readAlerts } from './alert-batch';
import { gatewayToken, gatewayUrl } from '../settings';

interface GatewayOptions {
  gateway?: string;
  token?: string;
}

interface PublishOptions extends GatewayOptions {
  file?: string;
  category?: string;
  priority?: string;
  classification?: string;
  handling?: string;
  title?: string;
  to?: string[];
  payload?: string;
  thread?: string;
  idempotencyKey?: string;
  batchSize: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OUTBOX_KINDS = ['ALERT', 'UPDATE', 'WITHDRAWAL', 'REPLY', 'ACKNOWLEDGEMENT', 'RECEIPT'];

function gateway(opts: GatewayOptions): Remote {
  return new Remote('gateway', gatewayUrl(opts), gatewayToken(opts));
}

function checkUuid(id: string, flag: string): string {
  if (!UUID.test(id)) {
    throw usageError(
      `${flag} ${JSON.stringify(id)} is not an alert id (a UUID)`,
      'copy it from corridor alert publish or corridor outbox',
    );
  }
  return id.toLowerCase();
}

/** The request body from --file and the flags (flags win), before validation. */
function buildBody(opts: PublishOptions): Record<string, unknown> {
  const body: Record<string, unknown> = opts.file
    ? { ...requireObject(readStructuredFile(opts.file, '--file'), `the alert file ${opts.file}`) }
    : {};
  const flags: [keyof PublishOptions, string][] = [
    ['category', 'category'],
    ['priority', 'priority'],
    ['classification', 'classification'],
    ['handling', 'handling'],
    ['title', 'title'],
    ['thread', 'threadId'],
  ];
  for (const [flag, field] of flags) {
    if (opts[flag] !== undefined) {
      body[field] = opts[flag];
    }
  }
  if (opts.to) {
    body.recipients = opts.to;
  }
  if (opts.payload !== undefined) {
    let payload: unknown;
    try {
      payload = JSON.parse(opts.payload);
    } catch {
      throw usageError(
        '--payload is not valid JSON',
        `quote it, e.g. --payload '{"title":"…","summary":"…","body":"…"}'`,
      );
    }
    const field = typeof body.category === 'string' ? PAYLOAD_FIELD[body.category] : undefined;
    if (!field) {
      throw usageError(
        '--payload needs a valid --category to know which payload it is',
        `pass --category (${Object.keys(PAYLOAD_FIELD).join(', ')})`,
      );
    }
    body[field] = requireObject(payload, '--payload');
  }
  if (Object.keys(body).length === 0) {
    throw usageError(
      'nothing to publish',
      'pass --file alert.json, or --category, --priority, … flags (see --help)',
    );
  }
  return body;
}

/** Same rules as the gateway: DTO validation, then exactly the category's payload, then the MRZ check digits. */
async function validateAlert(body: Record<string, unknown>): Promise<void> {
  const [{ validateAs }, { parseMrz }] = await Promise.all([
    import('../dto-validation'),
    import('@corridor/policy'),
  ]);
  const fix = 'fix the alert and publish again (nothing was sent)';
  const checked = await validateAs(PublishAlertDto, body);
  if (!checked.ok) {
    const v = checked.violations[0];
    throw usageError(v.message.startsWith(v.field) ? v.message : `${v.field}: ${v.message}`, fix);
  }
  const dto = checked.value;
  const expected = PAYLOAD_FIELD[dto.category];
  for (const [category, field] of Object.entries(PAYLOAD_FIELD)) {
    if (category !== dto.category && dto[field] !== undefined) {
      throw usageError(
        `${field} is not allowed for category ${dto.category}`,
        `send a ${expected} object instead`,
      );
    }
  }
  if (dto[expected] === undefined) {
    throw usageError(`${expected}: category ${dto.category} needs a ${expected} object`, fix);
  }
  if (dto.recipients && dto.recipients.length === 0) {
    throw usageError('recipients is empty', 'name partner countries with --to, or omit it for every partner');
  }
  if (dto.document?.mrz?.length) {
    const r = parseMrz(dto.document.mrz);
    if (!r.ok) {
      throw usageError(`document.mrz: ${r.error.rule} [${r.error.code}]`, fix);
    }
    if (r.mrz.documentNumber !== dto.document.number.replace(/</g, '')) {
      throw usageError(
        `document.number: the MRZ carries number ${r.mrz.documentNumber}, not ${dto.document.number}`,
        fix,
      );
    }
  }
}

function recipientLines(recipients: RecipientStatus[]): string[] {
  return recipients.map((r) =>
    r.status === 'QUEUED'
      ? `  ${r.country}  QUEUED${r.redactedFields?.length ? `  (redacted: ${r.redactedFields.join(', ')})` : ''}`
      : `  ${r.country}  REFUSED  ${r.rule ?? ''} [${r.reason ?? 'POLICY'}]`,
  );
}

async function outbox(
  out: Output,
  opts: GatewayOptions & {
    status?: string;
    recipient?: string;
    kind?: string;
    limit: number;
    cursor?: number;
  },
): Promise<void> {
  if (opts.status && !OUTBOX_STATUSES.includes(opts.status)) {
    throw usageError(`--status must be one of ${OUTBOX_STATUSES.join(', ')}`, 'see corridor outbox --help');
  }
  if (opts.kind && !OUTBOX_KINDS.includes(opts.kind)) {
    throw usageError(`--kind must be one of ${OUTBOX_KINDS.join(', ')}`, 'see corridor outbox --help');
  }
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({
    status: opts.status,
    recipient: opts.recipient,
    kind: opts.kind,
    cursor: opts.cursor,
    limit: opts.limit,
  })) {
    if (v !== undefined) {
      q.set(k, String(v));
    }
  }
  const page = await gateway(opts).get<{ items: Delivery[]; nextCursor: number | null }>(
    `/v1/outbox?${q.toString()}`,
  );
  out.result(
    page.items.length
      ? [
          ...table(
            ['ALERT', 'TO', 'KIND', 'STATUS', 'QUEUED', 'REASON'],
            page.items.map((d) => [d.alertId, d.recipient, d.kind, d.status, d.queuedAt, d.reason ?? '']),
          ),
          ...(page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : []),
        ]
      : ['outbox is empty for this filter'],
    page,
  );
}

function registerOutbox(parent: Command, name: string): void {
  gatewayOptions(
    parent
      .command(name)
      .description('deliveries to partners, newest first, with their status')
      .option('--status <status>', `only this status (${OUTBOX_STATUSES.join(', ')})`)
      .option('--recipient <CC>', 'only this partner country')
      .option('--kind <kind>', `message kind (default ALERT; ${OUTBOX_KINDS.join(', ')})`)
      .option('--limit <n>', 'rows per page (1-500)', parsePositiveInt, 50)
      .option('--cursor <n>', 'page after this cursor', parsePositiveInt),
  ).action(act(outbox));
}

export function registerAlert(program: Command): void {
  const alert = program.command('alert').description('publish alerts to partner countries, show, withdraw');

  gatewayOptions(
    alert
      .command('publish')
      .description('publish an alert from a file (.json/.yaml) or flags; validated here before it is sent')
      .option(
        '--file <file>',
        'the alert as the gateway API takes it (POST /v1/alerts); many alerts: .ndjson (one per line) or a JSON/YAML array',
      )
      .option(
        '--batch-size <n>',
        'alerts per request when the file holds many (at most the gateway MAX_BATCH_ALERTS)',
        parsePositiveInt,
        200,
      )
      .option(
        '--category <name>',
        'ROUTE, DOCUMENT, SUSPECT, FINANCIAL_FLOW, PROTECTION_REFERRAL or BULLETIN',
      )
      .option('--priority <name>', 'ROUTINE, URGENT or FLASH')
      .option('--classification <tlp>', 'TLP 2.0: CLEAR, GREEN, AMBER, AMBER_STRICT or RED')
      .option('--handling <code>', 'handling code H0-H3')
      .option('--title <text>', 'short title shown on partner desks')
      .option(
        '--to <CC,CC>',
        'partner countries (default: every partner the agreements allow)',
        parseCountryList,
      )
      .option('--payload <json>', "the category's payload object, e.g. the bulletin or the route")
      .option('--thread <uuid>', 'thread this alert under an earlier one')
      .option('--idempotency-key <key>', 'repeat safely: same key + same alert = same answer'),
  )
    .addHelpText(
      'after',
      `
Example file (alert.json):
  { "category": "BULLETIN", "priority": "ROUTINE", "classification": "GREEN", "handling": "H3",
    "title": "New forgery pattern", "recipients": ["IT"],
    "bulletin": { "title": "…", "summary": "…", "body": "…" } }
Coded fields (route.transportMode, route.modusOperandi, route.risksToLife, document.fraudType, suspect.role,
protectionReferral.need) take codes: \`corridor alert codes\` lists them; free text goes in route.note or notes.
Many alerts (alerts.ndjson, one per line, or a JSON/YAML array): sent in batches to POST /v1/alerts/batch with a
progress bar; each alert is checked on its own, and those not accepted are listed by index (from 0) and field.
Exit codes: 0 accepted (REFUSED recipients are listed), 1 refused by every agreement, some alerts of a file not
accepted, or remote failure, 2 invalid alert (nothing sent).`,
    )
    .action(
      act<PublishOptions>(async (out, opts) => {
        if (opts.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(opts.idempotencyKey)) {
          throw usageError('--idempotency-key must be 1-200 visible ASCII characters', 'choose another key');
        }
        const many = opts.file ? readAlerts(opts.file, '--file') : undefined;
        if (many) {
          if (opts.idempotencyKey !== undefined && opts.idempotencyKey.length > 180) {
            // each batch is sent under <key>:<batch number>, within the gateway's 200 characters
            throw usageError(
              '--idempotency-key for a file of alerts is at most 180 characters',
              'choose a shorter key',
            );
          }
          if (opts.batchSize > 10_000) {
            throw usageError(
              '--batch-size is at most 10000',
              'use the gateway MAX_BATCH_ALERTS (500 by default)',
            );
          }
          await publishMany(out, gateway(opts), many, {
            batchSize: opts.batchSize,
            idempotencyKey: opts.idempotencyKey,
          });
          return;
        }
        const body = buildBody(opts);
        await validateAlert(body);
        const gw = gateway(opts);
        let result: PublishResult;
        try {
          result = await gw.post<PublishResult>(
            '/v1/alerts',
            body,
            opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {},
          );
        } catch (err) {
          if (err instanceof RemoteError && err.status === 403 && err.problem.code !== 'FORBIDDEN_ROLE') {
            const each = err.problem.errors?.length
              ? err.problem.errors
                  .map((e) => `${e.field.replace(/^recipient /, '')}: ${e.message}`)
                  .join('; ')
              : (err.problem.rule ?? err.problem.detail ?? 'refused');
            throw operationalError(
              `refused by policy [${err.problem.code ?? 'POLICY_DENIED'}]: ${each}`,
              'nothing was sent; change the category, classification or recipients, or have the agreement amended',
            );
          }
          throw err;
        }
        out.result(
          [
            `published ${result.id}${result.threadId !== result.id ? ` (thread ${result.threadId})` : ''}`,
            ...recipientLines(result.recipients),
          ],
          result,
        );
      }),
    );

  gatewayOptions(
    alert
      .command('show')
      .description(
        'one alert this gateway published, with each recipient delivery, receipt and acknowledgement',
      )
      .requiredOption('--id <uuid>', 'alert id'),
  ).action(
    act<GatewayOptions & { id: string }>(async (out, opts) => {
      const res = await gateway(opts).get<{
        alert: Record<string, unknown>;
        state: string;
        deliveries: Delivery[];
      }>(`/v1/alerts/${checkUuid(opts.id, '--id')}`);
      const a = res.alert;
      const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
      out.result(
        [
          `${str(a.id)}  ${res.state}`,
          `  ${str(a.category)} ${str(a.priority)} ${str(a.classification)} ${str(a.handling)}  ${str(a.title)}`,
          ...table(
            ['TO', 'KIND', 'STATUS', 'QUEUED', 'DELIVERED', 'ACKNOWLEDGED BY', 'REASON'],
            res.deliveries.map((d) => [
              d.recipient,
              d.kind,
              d.status,
              d.queuedAt,
              d.deliveredAt ?? '',
              d.acknowledgedBy ?? '',
              d.reason ?? '',
            ]),
          ).map((l) => `  ${l}`),
        ],
        res,
      );
    }),
  );

  gatewayOptions(
    alert
      .command('withdraw')
      .description('withdraw an alert: every recipient deletes its content and keeps the notice')
      .requiredOption('--id <uuid>', 'alert id')
      .requiredOption('--reason <text>', 'why (sent to the recipients)'),
  ).action(
    act<GatewayOptions & { id: string; reason: string }>(async (out, opts) => {
      const id = checkUuid(opts.id, '--id');
      if (!opts.reason.trim() || opts.reason.length > 500) {
        throw usageError('--reason must be 1-500 characters', 'say briefly why the alert is withdrawn');
      }
      const res = await gateway(opts).post<PublishResult>(`/v1/alerts/${id}/withdraw`, {
        reason: opts.reason,
      });
      out.result([`withdrawn ${id}`, ...recipientLines(res.recipients)], res);
    }),
  );

  alert
    .command('codes')
    .description('the codes alert fields take (transport modes, modus operandi, risks to life, ...): offline')
    .argument('[vocabulary]', `one of ${Object.keys(VOCABULARIES).join(', ')}; all when omitted`)
    .action(
      actWithArg<object>(async (out, name) => {
        const all = VOCABULARIES as Record<string, readonly string[]>;
        if (name !== undefined && !(name in all)) {
          throw usageError(`unknown vocabulary ${name}`, `name one of ${Object.keys(all).join(', ')}`);
        }
        const chosen = name === undefined ? all : { [name]: all[name] };
        out.result(
          Object.entries(chosen).map(([vocabulary, codes]) => `${vocabulary}: ${codes.join(' ')}`),
          chosen,
        );
        return Promise.resolve();
      }),
    );

  registerOutbox(alert, 'outbox');
  registerOutbox(program, 'outbox');
}

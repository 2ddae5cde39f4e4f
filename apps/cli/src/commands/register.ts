// corridor register: document registers shared with partners whose agreement grants DOCUMENT (create, publish a file
// of records with a progress bar, show each chunk's delivery, withdraw records or the whole register), and
// corridor document check: hit/no-hit against received alerts and partners' registers.
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import {
  documentRecordViolation,
  type DocumentCheckResult,
  type RegisterChunkDelivery,
  type RegisterPublishResult,
  type RegisterRecordResult,
  type RegisterSummary,
} from '@corridor/gateway-api';
import { act, gatewayOptions, parseList, parsePositiveInt, type Action } from '../command-kit';
import { CliError, EXIT_FAILURE, QuietExit, usageError } from '../errors';
import { Output, table } from '../output';
import { Remote } from '../remote';
import { gatewayToken, gatewayUrl } from '../settings';
import { readAlerts, sendPatiently, type FileAlert } from './alert-batch';

type GatewayOptions = { gateway?: string; token?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function gateway(opts: GatewayOptions): Remote {
  return new Remote('gateway', gatewayUrl(opts), gatewayToken(opts));
}

function checkRegisterId(id: string): string {
  if (!UUID.test(id)) {
    throw usageError(
      `--id ${JSON.stringify(id)} is not a register id (a UUID)`,
      'copy it from corridor register create',
    );
  }
  return id.toLowerCase();
}

function progress(done: number, total: number, counts: { accepted: number; invalid: number }): void {
  if (!process.stderr.isTTY) {
    return;
  }
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(
    `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} records  ` +
      `accepted ${counts.accepted}  invalid ${counts.invalid}${done === total ? '\n' : ''}`,
  );
}

/**
 * One request of records, tried again while the gateway asks to wait or cannot be reached. Safe to repeat: every
 * record carries its id (given here when the file has none), and a record sent again replaces itself.
 */
function postRecords(gw: Remote, id: string, values: unknown[]): Promise<RegisterPublishResult> {
  return sendPatiently<RegisterPublishResult>(
    gw,
    { method: 'POST', path: `/v1/registers/${id}/records`, body: JSON.stringify(values) },
    (why) =>
      new CliError(
        `records were not accepted after ${why} — run the same command again with --id: records sent again replace themselves`,
        EXIT_FAILURE,
      ),
  );
}

function describe(r: RegisterRecordResult): string {
  return r.status === 'ACCEPTED'
    ? `#${r.index}  ACCEPTED  ${r.id}`
    : `#${r.index}  INVALID   ${r.field ? `${r.field}: ` : ''}${r.detail} [${r.code}]`;
}

/** Publishes the records of a file in requests of `batchSize`; lists the records not accepted; exit 1 if any. */
export async function publishRecords(
  out: Output,
  gw: Remote,
  registerId: string,
  records: FileAlert[],
  opts: { batchSize: number },
): Promise<void> {
  if (records.length === 0) {
    throw usageError(
      'the file holds no record',
      'put one record per line (.ndjson) or a JSON array of records',
    );
  }
  const run = randomUUID();
  const results: RegisterRecordResult[] = [];
  const counts = { accepted: 0, invalid: 0 };
  const keep = (r: RegisterRecordResult): void => {
    results.push(r);
    counts[r.status === 'ACCEPTED' ? 'accepted' : 'invalid'] += 1;
  };
  let chunks = 0;
  let recipients: RegisterSummary['recipients'] = [];
  progress(0, records.length, counts);
  for (let start = 0; start < records.length; start += opts.batchSize) {
    const part = records.slice(start, start + opts.batchSize);
    const sendable: { index: number; value: unknown }[] = [];
    for (const a of part) {
      if ('malformed' in a) {
        keep({ index: a.index, status: 'INVALID', code: 'MALFORMED_JSON', field: '', detail: a.malformed });
        continue;
      }
      // Checked here too, so a file's mistakes are listed without a round trip; the gateway checks again.
      const bad = documentRecordViolation(a.value);
      if (bad) {
        keep({
          index: a.index,
          status: 'INVALID',
          code: 'VALIDATION_FAILED',
          field: bad.field,
          detail: bad.message,
        });
        continue;
      }
      const value = a.value as Record<string, unknown>;
      sendable.push({
        index: a.index,
        value: value.id === undefined ? { ...value, id: `${run}:${a.index}` } : value,
      });
    }
    if (sendable.length > 0) {
      const answer = await postRecords(
        gw,
        registerId,
        sendable.map((a) => a.value),
      );
      chunks += answer.chunks;
      recipients = answer.recipients;
      for (const r of answer.results) {
        keep({ ...r, index: sendable[r.index].index });
      }
    }
    progress(Math.min(start + opts.batchSize, records.length), records.length, counts);
  }
  results.sort((a, b) => a.index - b.index);
  const failed = results.filter((r) => r.status !== 'ACCEPTED');
  out.result(
    [
      `register ${registerId}: published ${counts.accepted} of ${records.length} records in ${chunks} chunk(s) (invalid ${counts.invalid})`,
      ...recipients.map((r) => `  ${r.country}  ${r.status}${r.reason ? `  ${r.reason}` : ''}`),
      ...failed.map((r) => `  ${describe(r)}`),
      ...(failed.length
        ? ['fix the records listed (#index counts from 0 in the file) and publish them again']
        : []),
    ],
    { registerId, ...counts, chunks, recipients, results },
  );
  if (failed.length > 0) {
    throw new QuietExit(EXIT_FAILURE);
  }
}

type PublishOptions = GatewayOptions & {
  file: string;
  id?: string;
  name?: string;
  classification?: string;
  batchSize: number;
};

const publish: Action<PublishOptions> = async (out, opts) => {
  if ((opts.id === undefined) === (opts.name === undefined)) {
    throw usageError(
      'give either --id (add to a register) or --name (create one)',
      'corridor register publish --file records.ndjson --name "Stolen blanks 2026"',
    );
  }
  if (opts.batchSize > 100_000) {
    throw usageError(
      '--batch-size is at most 100000',
      'use the gateway MAX_REGISTER_RECORDS (10000 by default)',
    );
  }
  const records = readAlerts(opts.file, '--file');
  if (!records) {
    throw usageError(
      `${opts.file} is not a list of records`,
      'put one record per line (.ndjson) or a JSON/YAML array of records',
    );
  }
  const gw = gateway(opts);
  const id =
    opts.id !== undefined
      ? checkRegisterId(opts.id)
      : (
          await gw.post<RegisterSummary>('/v1/registers', {
            name: opts.name,
            ...(opts.classification ? { classification: opts.classification } : {}),
          })
        ).id;
  await publishRecords(out, gw, id, records, { batchSize: opts.batchSize });
};

function chunkLines(chunks: RegisterChunkDelivery[]): string[] {
  return table(
    ['TO', 'OPERATION', 'CHUNK', 'RECORDS', 'STATUS', 'REASON'],
    chunks.map((c) => [
      c.recipient,
      c.operation,
      `${c.chunkIndex + 1}/${c.chunkCount} from #${c.firstRecordIndex}`,
      String(c.records),
      c.status,
      c.reason ?? '',
    ]),
  ).map((l) => `  ${l}`);
}

export function registerRegister(program: Command): void {
  const register = program
    .command('register')
    .description('document registers shared with partners whose agreement grants DOCUMENT');

  gatewayOptions(
    register
      .command('publish')
      .description(
        'publish the document records of a file (.ndjson, or a JSON/YAML array) with a progress bar',
      )
      .requiredOption(
        '--file <file>',
        'records: { id?, documentType, issuingState, number, seriesLast?, mrz?, status }',
      )
      .option('--id <uuid>', 'add to (or replace records of) this register')
      .option('--name <text>', 'create a register of this name first')
      .option('--classification <tlp>', 'TLP of a new register (default AMBER)')
      .option(
        '--batch-size <n>',
        'records per request (at most the gateway MAX_REGISTER_RECORDS)',
        parsePositiveInt,
        5000,
      ),
  )
    .addHelpText(
      'after',
      `
Example line (records.ndjson):
  {"documentType":"PASSPORT","issuingState":"UTO","number":"P0001000","seriesLast":"P0001999","status":"STOLEN_BLANK"}
status: COUNTERFEIT, FORGED, STOLEN_BLANK, LOST or FRAUDULENTLY_OBTAINED. A record without id gets one; a record with
the id of an earlier one replaces it at every partner.
Exit codes: 0 every record accepted, 1 some records not accepted (listed by index and field) or remote failure,
2 usage.`,
    )
    .action(act(publish));

  gatewayOptions(
    register
      .command('show')
      .description('a register with each chunk sent to each partner and its delivery state')
      .requiredOption('--id <uuid>', 'register id'),
  ).action(
    act<GatewayOptions & { id: string }>(async (out, opts) => {
      const res = await gateway(opts).get<RegisterSummary & { chunks: RegisterChunkDelivery[] }>(
        `/v1/registers/${checkRegisterId(opts.id)}`,
      );
      out.result(
        [
          `${res.id}  ${res.name}  TLP:${res.classification}${res.withdrawnAt ? `  withdrawn ${res.withdrawnAt}` : ''}`,
          ...chunkLines(res.chunks),
        ],
        res,
      );
    }),
  );

  gatewayOptions(
    register
      .command('withdraw')
      .description('withdraw records of a register (--records), or the whole register')
      .requiredOption('--id <uuid>', 'register id')
      .option('--records <id,id>', 'only these record ids', parseList),
  ).action(
    act<GatewayOptions & { id: string; records?: string[] }>(async (out, opts) => {
      const id = checkRegisterId(opts.id);
      const res = opts.records
        ? await gateway(opts).post<RegisterPublishResult>(`/v1/registers/${id}/withdrawals`, {
            recordIds: opts.records,
          })
        : await gateway(opts).post<RegisterPublishResult>(`/v1/registers/${id}/withdraw`);
      out.result(
        [
          opts.records ? `withdrew ${opts.records.length} record(s) of ${id}` : `withdrew register ${id}`,
          ...res.recipients.map((r) => `  ${r.country}  ${r.status}${r.reason ? `  ${r.reason}` : ''}`),
        ],
        res,
      );
    }),
  );

  const document = program.command('document').description('document hit/no-hit check');
  gatewayOptions(
    document
      .command('check')
      .description("hit/no-hit of a document number (or MRZ) against received alerts and partners' registers")
      .option('--number <number>', 'document number')
      .option('--mrz <line,line>', 'the MRZ lines, comma-separated', parseList),
  ).action(
    act<GatewayOptions & { number?: string; mrz?: string[] }>(async (out, opts) => {
      if (!opts.number && !opts.mrz) {
        throw usageError('give --number or --mrz', 'corridor document check --number L898902C3');
      }
      const res = await gateway(opts).post<DocumentCheckResult>('/v1/documents/check', {
        ...(opts.number ? { number: opts.number } : {}),
        ...(opts.mrz ? { mrz: opts.mrz } : {}),
      });
      out.result(
        [
          res.hit ? `HIT  ${res.matches.length} match(es)` : 'NO HIT',
          ...table(
            ['SOURCE', 'FROM', 'STATUS', 'TYPE', 'STATE', 'DATE', 'WHERE'],
            res.matches.map((m) => [
              m.source,
              m.sender,
              m.status,
              m.documentType,
              m.issuingState,
              m.date,
              m.source === 'REGISTER'
                ? `${m.registerName ?? ''}${m.series ? ` series ${m.series.first}-${m.series.last}` : ''}`
                : `feed seq ${m.seq ?? ''}`,
            ]),
          ).map((l) => `  ${l}`),
        ],
        res,
      );
    }),
  );
}

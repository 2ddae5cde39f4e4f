// The records partners shared with this gateway (register_records): every statement on that table. One document is
// found by its number (btree); a series by its prefix, count of digits and range (GiST on int8range).
import { queryPrepared } from '@corridor/platform';
import type { Db } from '../exchange/exchange.repository';

/** A record as stored, ready for the upsert. */
export interface StoredRecord {
  recordId: string;
  documentType: string;
  issuingState: string;
  number: string;
  seriesLast: string | null;
  seriesPrefix: string | null;
  seriesWidth: number | null;
  seriesStart: number | null;
  seriesEnd: number | null;
  mrz: string[];
  status: string;
  updatedAtMs: number;
}

export interface RecordMatchRow {
  source: string;
  register_id: string;
  register_name: string;
  record_id: string;
  classification: string;
  document_type: string;
  issuing_state: string;
  number: string;
  series_last: string | null;
  status: string;
  updated_at: Date;
}

/** The columns of a RecordMatchRow, in order. */
export const RECORD_MATCH_COLUMNS = `source, register_id, register_name, record_id, classification, document_type,
  issuing_state, number, series_last, status, updated_at`;

/**
 * The register look-up of a document check, newest first (at most 100), with its parameters at the positions given:
 * the number (text), the classifications in scope (text[], null: all) and, with `serial`, the serial (bigint), prefix
 * (text) and count of digits (int) that a series holding the number has. Also folded into the one-statement check of
 * InboxRepository.documentCheck, so this is the one definition of what a register answers.
 */
export function registerMatchSql(at: { number: number; classifications: number; serial?: number }): string {
  const scope = `and ($${at.classifications}::text[] is null or classification = any($${at.classifications}::text[]))`;
  const series =
    at.serial === undefined
      ? ''
      : `union all
         select ${RECORD_MATCH_COLUMNS} from register_records
         where series_end is not null and int8range(series_start, series_end, '[]') @> $${at.serial}::bigint
           and series_prefix = $${at.serial + 1}::text and series_width = $${at.serial + 2}::int ${scope}`;
  return `select ${RECORD_MATCH_COLUMNS} from register_records
          where number = $${at.number}::text and series_end is null ${scope}
          ${series}
          order by updated_at desc limit 100`;
}

export class RegisterRecordsRepository {
  /**
   * Adds or replaces records of one register of `source`, in one statement; a record already held in a later version
   * (updated_at) is kept. Returns how many rows were written.
   */
  async upsert(
    db: Db,
    r: {
      source: string;
      registerId: string;
      registerName: string;
      classification: string;
      records: StoredRecord[];
      /** the agreement's retention deadline (ms) */
      retainUntilMs: number;
    },
  ): Promise<number> {
    const col = <K extends keyof StoredRecord>(k: K): StoredRecord[K][] => r.records.map((x) => x[k]);
    const rows = await db.query<{ n: string }[]>(
      `with v as (
         select * from unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[],
                              $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::bigint[])
           as v(record_id, document_type, issuing_state, number, series_last, series_prefix, series_width,
                series_start, series_end, mrz, status, updated_ms)),
       w as (
         insert into register_records as r (source, register_id, record_id, register_name, classification, document_type,
                                             issuing_state, number, series_last, series_prefix, series_width,
                                             series_start, series_end, mrz, status, updated_at, retain_until)
         select $1, $2, v.record_id, $3, $4, v.document_type, v.issuing_state, v.number, v.series_last, v.series_prefix,
                v.series_width, v.series_start, v.series_end, coalesce(string_to_array(nullif(v.mrz, ''), '|'), '{}'), v.status,
                to_timestamp(v.updated_ms / 1000.0), to_timestamp($17 / 1000.0)
         from v
         on conflict (source, register_id, record_id) do update set
           register_name = excluded.register_name, classification = excluded.classification,
           document_type = excluded.document_type, issuing_state = excluded.issuing_state, number = excluded.number,
           series_last = excluded.series_last, series_prefix = excluded.series_prefix,
           series_width = excluded.series_width, series_start = excluded.series_start,
           series_end = excluded.series_end, mrz = excluded.mrz, status = excluded.status,
           updated_at = excluded.updated_at, received_at = now(), retain_until = excluded.retain_until
         where r.updated_at <= excluded.updated_at
         returning 1)
       select count(*) as n from w`,
      [
        r.source,
        r.registerId,
        r.registerName,
        r.classification,
        col('recordId'),
        col('documentType'),
        col('issuingState'),
        col('number'),
        col('seriesLast'),
        col('seriesPrefix'),
        col('seriesWidth'),
        col('seriesStart'),
        col('seriesEnd'),
        r.records.map((x) => x.mrz.join('|')),
        col('status'),
        col('updatedAtMs'),
        r.retainUntilMs,
      ],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Removes the records named; how many were held. */
  async withdrawRecords(
    db: Db,
    r: { source: string; registerId: string; recordIds: string[] },
  ): Promise<number> {
    const rows = await db.query<{ n: string }[]>(
      `with d as (delete from register_records where source = $1 and register_id = $2 and record_id = any($3::text[])
                  returning 1)
       select count(*) as n from d`,
      [r.source, r.registerId, r.recordIds],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Removes a whole register of `source`; how many records it held. */
  async withdrawRegister(db: Db, r: { source: string; registerId: string }): Promise<number> {
    const rows = await db.query<{ n: string }[]>(
      `with d as (delete from register_records where source = $1 and register_id = $2 returning 1)
       select count(*) as n from d`,
      [r.source, r.registerId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Records whose number is `number`, or whose series holds it: an exact look-up on the btree, and a range look-up on
   * the GiST index (same prefix and count of digits), within the classifications given (undefined: all).
   */
  async matches(
    db: Db,
    q: {
      number: string;
      serial?: { prefix: string; width: number; serial: number };
      classifications?: string[];
    },
  ): Promise<RecordMatchRow[]> {
    const args: unknown[] = [q.number, q.classifications ?? null];
    if (q.serial) {
      args.push(q.serial.serial, q.serial.prefix, q.serial.width);
    }
    // prepared once per connection (one name with the series branch, one without): every document check runs it
    return queryPrepared<RecordMatchRow>(
      db,
      q.serial ? 'register_match_series' : 'register_match',
      registerMatchSql({ number: 1, classifications: 2, serial: q.serial ? 3 : undefined }),
      args,
    );
  }

  /** Deletes records past their retention deadline; how many per register. */
  async purgeExpired(db: Db): Promise<{ source: string; register_id: string; n: number }[]> {
    return db.query<{ source: string; register_id: string; n: number }[]>(
      `with d as (delete from register_records where retain_until <= now() returning source, register_id)
       select source, register_id, count(*)::int as n from d group by source, register_id`,
    );
  }

  /** How many records of `source` are held (all registers, or one). */
  async count(db: Db, r: { source?: string; registerId?: string }): Promise<number> {
    const [{ n }] = await db.query<{ n: string }[]>(
      `select count(*) as n from register_records where ($1::text is null or source = $1)
         and ($2::uuid is null or register_id = $2)`,
      [r.source ?? null, r.registerId ?? null],
    );
    return Number(n);
  }
}

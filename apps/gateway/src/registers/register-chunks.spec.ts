import fs from 'node:fs';
import path from 'node:path';
import { RegisterOperation } from '@corridor/contracts';
import { serialOf } from '@corridor/gateway-api';
import {
  CHUNK_RECORDS,
  chunkViolation,
  recordFromWire,
  recordToWire,
  recordViolation,
  registerChunks,
  storedRecord,
} from './register-chunks';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SPECIMEN = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../../shared/data/corridors.json'), 'utf8')) as {
    documents: { icao_specimen_td3: string[] };
  }
).documents.icao_specimen_td3;

const base = {
  registerId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  name: 'Stolen blanks',
  agency: 'LY-PASSPORTS',
  requestId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c',
  nowMs: 1_760_000_000_000,
};
const passport = (over: Record<string, unknown> = {}) => ({
  documentType: 'PASSPORT',
  issuingState: 'UTO',
  number: 'P0001000',
  status: 'STOLEN_BLANK',
  ...over,
});

describe('document register records', () => {
  it('accepts the ICAO 9303 specimen with its MRZ, and refuses an MRZ naming another number', () => {
    expect(recordViolation(passport({ number: 'L898902C3', mrz: SPECIMEN, status: 'LOST' }))).toBeUndefined();
    expect(recordViolation(passport({ number: 'L898902C4', mrz: SPECIMEN }))).toMatchObject({
      code: 'MRZ_NUMBER_MISMATCH',
      field: 'number',
    });
    const broken = [SPECIMEN[0], SPECIMEN[1].replace('L898902C36', 'L898902C37')];
    expect(recordViolation(passport({ number: 'L898902C3', mrz: broken }))).toMatchObject({ field: 'mrz' });
  });

  it('names the field of a malformed record', () => {
    expect(recordViolation(passport({ status: 'MISPLACED' }))).toMatchObject({ field: 'status' });
    expect(recordViolation(passport({ number: 'p-1' }))).toMatchObject({ field: 'number' });
    expect(recordViolation(passport({ colour: 'red' }))).toMatchObject({ field: 'colour' });
    expect(recordViolation('P0001000')).toMatchObject({ field: '' });
  });

  it('takes a series only with the same prefix and count of digits, in order', () => {
    expect(recordViolation(passport({ seriesLast: 'P0001999' }))).toBeUndefined();
    expect(recordViolation(passport({ seriesLast: 'Q0001999' }))).toMatchObject({ field: 'seriesLast' });
    expect(recordViolation(passport({ seriesLast: 'P001999' }))).toMatchObject({ field: 'seriesLast' });
    expect(recordViolation(passport({ seriesLast: 'P0000999' }))).toMatchObject({ field: 'seriesLast' });
    expect(recordViolation(passport({ seriesLast: 'P0001999', mrz: SPECIMEN }))).toMatchObject({
      field: 'mrz',
    });
  });

  it('stores a series as its prefix, width and numeric range, and a number as itself', () => {
    const series = storedRecord(recordToWire(passport({ seriesLast: 'P0001999' }), 'r1', base.nowMs));
    expect(series).toMatchObject({
      number: 'P0001000',
      seriesPrefix: 'P',
      seriesWidth: 7,
      seriesStart: 1000,
      seriesEnd: 1999,
      status: 'STOLEN_BLANK',
      updatedAtMs: base.nowMs,
    });
    expect(serialOf('P0001500')).toEqual({ prefix: 'P', width: 7, serial: 1500 });
    const one = storedRecord(recordToWire(passport({ number: 'L898902C3<' }), 'r2', base.nowMs));
    expect(one).toMatchObject({ number: 'L898902C3', seriesEnd: null, seriesPrefix: null });
  });

  it('cuts records into chunks of CHUNK_RECORDS, each naming its first record index', () => {
    const records = Array.from({ length: CHUNK_RECORDS * 2 + 1 }, (_, i) => ({
      index: i + 3,
      record: recordToWire(passport({ number: `P${String(i).padStart(7, '0')}` }), `r${i}`, base.nowMs),
    }));
    const chunks = registerChunks(base, { operation: 'UPSERT', records });
    expect(chunks.map((c) => [c.chunkIndex, c.chunkCount, c.records.length, c.firstRecordIndex])).toEqual([
      [0, 3, CHUNK_RECORDS, 3],
      [1, 3, CHUNK_RECORDS, 3 + CHUNK_RECORDS],
      [2, 3, 1, 3 + CHUNK_RECORDS * 2],
    ]);
    expect(chunks.every((c) => chunkViolation(c, UUID) === undefined)).toBe(true);
    const whole = registerChunks(base, { operation: 'WITHDRAW_REGISTER' });
    expect(whole).toHaveLength(1);
    expect(whole[0].operation).toBe(RegisterOperation.WITHDRAW_REGISTER);
  });

  it('refuses on receive a chunk whose record breaks the rules, naming the record', () => {
    const good = recordToWire(passport(), 'r1', base.nowMs);
    const bad = { ...recordToWire(passport(), 'r2', base.nowMs), number: 'not a number' };
    const [chunk] = registerChunks(base, {
      operation: 'UPSERT',
      records: [
        { index: 0, record: good },
        { index: 1, record: bad },
      ],
    });
    expect(chunkViolation(chunk, UUID)).toMatchObject({ field: 'registerChunk.records[1].number' });
    expect(recordFromWire(good)).toMatchObject({ id: 'r1', number: 'P0001000', status: 'STOLEN_BLANK' });
  });
});

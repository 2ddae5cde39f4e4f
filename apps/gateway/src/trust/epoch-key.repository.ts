// This gateway's epoch KEM keys and its partners' signed gateway records. Every statement on epoch_keys and
// trust_gateway_records is here.
import { updatedRows } from '@corridor/platform';
import type { Db } from '../exchange/exchange.repository';

export interface EpochKeyRow {
  keyId: string;
  notBeforeMs: number;
  notAfterMs: number;
  publicKey: Buffer;
  signature: Buffer;
  certFingerprint: string;
  /** encryptEpochKey output; null once destroyed */
  sealedPrivate: string | null;
}

interface RawRow {
  key_id: string;
  not_before_ms: string;
  not_after_ms: string;
  public_key: Buffer;
  signature: Buffer;
  cert_fingerprint: string;
  sealed_private: string | null;
}

const row = (r: RawRow): EpochKeyRow => ({
  keyId: r.key_id,
  notBeforeMs: Number(r.not_before_ms),
  notAfterMs: Number(r.not_after_ms),
  publicKey: r.public_key,
  signature: r.signature,
  certFingerprint: r.cert_fingerprint,
  sealedPrivate: r.sealed_private,
});

export class EpochKeyRepository {
  /** Keys whose private half is still held, oldest first. */
  async held(db: Db): Promise<EpochKeyRow[]> {
    const rows = await db.query<RawRow[]>(
      'select * from epoch_keys where sealed_private is not null order by not_before_ms',
    );
    return rows.map(row);
  }

  /** Stores a new key unless another instance already made the key of this epoch; true when this one was kept. */
  async insert(db: Db, k: EpochKeyRow): Promise<boolean> {
    const rows = await db.query<{ key_id: string }[]>(
      `insert into epoch_keys (key_id, not_before_ms, not_after_ms, public_key, signature, cert_fingerprint, sealed_private)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (not_before_ms) do nothing returning key_id`,
      [k.keyId, k.notBeforeMs, k.notAfterMs, k.publicKey, k.signature, k.certFingerprint, k.sealedPrivate],
    );
    return rows.length > 0;
  }

  /** Records a held key's new signature by another identity certificate (after a rotation of the P-256 key). */
  async resign(db: Db, k: { keyId: string; signature: Buffer; certFingerprint: string }): Promise<void> {
    await db.query('update epoch_keys set signature = $2, cert_fingerprint = $3 where key_id = $1', [
      k.keyId,
      k.signature,
      k.certFingerprint,
    ]);
  }

  async epochStarts(db: Db, starts: number[]): Promise<number[]> {
    const rows = await db.query<{ not_before_ms: string }[]>(
      'select not_before_ms from epoch_keys where not_before_ms = any($1::bigint[])',
      [starts],
    );
    return rows.map((r) => Number(r.not_before_ms));
  }

  /** Erases the private half of every key whose validity ended before `cutoffMs`; returns their ids. */
  async destroyEndedBefore(db: Db, cutoffMs: number): Promise<string[]> {
    const rows = updatedRows<{ key_id: string }>(
      await db.query(
        `update epoch_keys set sealed_private = null, destroyed_at = now()
          where sealed_private is not null and not_after_ms < $1 returning key_id`,
        [cutoffMs],
      ),
    );
    return rows.map((r) => r.key_id);
  }

  async gatewayRecords(db: Db): Promise<{ country: string; signed: Buffer }[]> {
    return db.query<{ country: string; signed: Buffer }[]>(
      'select country, signed from trust_gateway_records',
    );
  }

  /** Keeps the newest record of a country (an older one arriving late never replaces it). */
  async saveGatewayRecord(
    db: Db,
    r: { country: string; publishedAtMs: number; signed: Buffer },
  ): Promise<void> {
    await db.query(
      `insert into trust_gateway_records (country, published_at_ms, signed) values ($1, $2, $3)
       on conflict (country) do update set published_at_ms = $2, signed = $3, updated_at = now()
       where trust_gateway_records.published_at_ms < $2`,
      [r.country, r.publishedAtMs, r.signed],
    );
  }
}

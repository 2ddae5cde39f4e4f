// What the gateway learned from the control topic: certificates, the revocation list and signed agreements (with
// the state last verified). Every statement on trust_certs, trust_crl and agreements is here.
import { updatedRows } from '@corridor/platform';
import type { Db } from '../exchange/exchange.repository';

export class TrustRepository {
  async certificates(db: Db): Promise<string[]> {
    const rows = await db.query<{ cert_pem: string }[]>('select cert_pem from trust_certs');
    return rows.map((r) => r.cert_pem);
  }

  async revocationList(db: Db): Promise<string | undefined> {
    const [row] = await db.query<{ crl_pem: string }[]>('select crl_pem from trust_crl');
    return row?.crl_pem;
  }

  async signedAgreements(db: Db): Promise<{ id: string; signed: Buffer }[]> {
    return db.query<{ id: string; signed: Buffer }[]>('select id, signed from agreements');
  }

  async saveCertificate(
    db: Db,
    c: { fingerprint: string; country: string; serial: string; pem: string; notAfter: Date },
  ): Promise<void> {
    await db.query(
      `insert into trust_certs (fingerprint, country, serial, cert_pem, not_after) values ($1, $2, $3, $4, $5)
       on conflict (fingerprint) do nothing`,
      [c.fingerprint, c.country, c.serial, c.pem, c.notAfter],
    );
  }

  async saveRevocationList(db: Db, crlPem: string): Promise<void> {
    await db.query(
      `insert into trust_crl (issuer, crl_pem) values ('root', $1) on conflict (issuer) do update set crl_pem = $1, updated_at = now()`,
      [crlPem],
    );
  }

  /** A signed agreement as received, not yet verified. */
  async saveAgreement(
    db: Db,
    a: { id: string; version: number; parties: string[]; signed: Buffer },
  ): Promise<void> {
    await db.query(
      `insert into agreements (id, version, state, parties, signed) values ($1, $2, 'UNVERIFIED', $3, $4)
       on conflict (id) do update set version = $2, signed = $4, updated_at = now()`,
      [a.id, a.version, a.parties, a.signed],
    );
  }

  /** Stores a verified state; true when it changed (only the instance that changed it reports the transition). */
  async setAgreementState(db: Db, id: string, state: string): Promise<boolean> {
    const rows = updatedRows(
      await db.query('update agreements set state = $2 where id = $1 and state <> $2 returning id', [
        id,
        state,
      ]),
    );
    return rows.length > 0;
  }
}

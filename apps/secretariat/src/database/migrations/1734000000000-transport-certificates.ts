import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CA register holds two kinds of certificate per gateway: the envelope-signing certificate (published on the
 * control topic, resolved by fingerprint) and the TLS client certificate for Kafka (never published: only the
 * broker sees it). Existing rows are signing certificates.
 */
export class TransportCertificates1734000000000 implements MigrationInterface {
  name = 'TransportCertificates1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `alter table certificates add column purpose text not null default 'signing' check (purpose in ('signing', 'kafka-client'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table certificates drop column purpose`);
  }
}

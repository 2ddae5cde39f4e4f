import { MigrationInterface, QueryRunner } from 'typeorm';

// The history of an alert this gateway published (#16): who updated or withdrew it, when and why. Version 1 is the
// alerts row itself (created_at, publisher); every later change is a row here, written in the change's transaction.
export class AlertHistory1735400000000 implements MigrationInterface {
  name = 'AlertHistory1735400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table alert_history (
        id bigserial primary key,
        alert_id uuid not null references alerts (id),
        version int not null,
        event text not null,
        changed_by text not null,
        reason text,
        at timestamptz not null default now()
      )`);
    await q.query(`create index alert_history_alert on alert_history (alert_id, id)`);
    // The sent view pages this gateway's alerts newest first; the picture reads them by period.
    await q.query(`create index alerts_created on alerts (created_at)`);
    await q.query(`create index inbox_alert_received on inbox (received_at) where kind = 'ALERT'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists inbox_alert_received`);
    await q.query(`drop index if exists alerts_created`);
    await q.query(`drop table if exists alert_history`);
  }
}

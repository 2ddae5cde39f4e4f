import { MigrationInterface, QueryRunner } from 'typeorm';

// Delivery pushed live (#16): a change of an outbox row's delivery state (queued, sent, delivered, acknowledged,
// refused, failed) announces its alert id on channel corridor_deliveries. pg_notify is transactional (heard only
// after commit) and folds equal payloads of one transaction into one: a publish to ten partners is one notification.
export class DeliveryNotify1736000000000 implements MigrationInterface {
  name = 'DeliveryNotify1736000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function outbox_delivery_notify() returns trigger language plpgsql as $$
      begin
        perform pg_notify('corridor_deliveries', new.alert_id::text);
        return null;
      end $$`);
    await q.query(`
      create trigger outbox_delivery_inserted after insert on outbox
        for each row when (new.alert_id is not null)
        execute function outbox_delivery_notify()`);
    await q.query(`
      create trigger outbox_delivery_changed
        after update of status, sent_at, delivered_at, receipt_status, acknowledged_at on outbox
        for each row when (
          new.alert_id is not null and (
            old.status is distinct from new.status or
            old.sent_at is distinct from new.sent_at or
            old.delivered_at is distinct from new.delivered_at or
            old.receipt_status is distinct from new.receipt_status or
            old.acknowledged_at is distinct from new.acknowledged_at))
        execute function outbox_delivery_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop trigger outbox_delivery_changed on outbox');
    await q.query('drop trigger outbox_delivery_inserted on outbox');
    await q.query('drop function outbox_delivery_notify()');
  }
}

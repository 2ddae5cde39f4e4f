import { MigrationInterface, QueryRunner } from 'typeorm';

// corridor_receive_alert: the receiver's whole transaction for one new alert or update in one statement (one round
// trip and its implicit commit, instead of begin, three statements and commit): dedupe, inbox upsert, RECEIVED
// leaf (corridor_append_leaves, which takes the log lock first, so log indexes and desk sequences follow commit
// order), desk feed entry with its notification, and the receipt owed. Anything else — a duplicate, an update of
// an alert withdrawn meanwhile — raises CORRIDOR_NOT_FRESH, which undoes the statement; the caller then takes the
// general path (a batch transaction), which handles those cases.
export class ReceiveAlert1732400000000 implements MigrationInterface {
  name = 'ReceiveAlert1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function corridor_receive_alert(
        p_message_id uuid, p_sender text, p_alert_id uuid, p_thread_id uuid, p_category text, p_classification text,
        p_priority text, p_title text, p_body bytea, p_redacted_fields text[], p_agreement_id text, p_sha bytea,
        p_retain_until timestamptz, p_doc_number text, p_kind text,
        p_leaves bytea[], p_hashes bytea[], p_events text[], p_message_ids text[],
        p_feed_event text, p_channel text, p_received_at_ms bigint)
      returns bigint language plpgsql as $$
      declare
        v_seq bigint;
        v_feed bigint;
      begin
        insert into seen_messages (sender, message_id, kind) values (p_sender, p_message_id, p_kind)
          on conflict do nothing;
        if not found then
          raise exception 'CORRIDOR_NOT_FRESH: duplicate';
        end if;
        insert into inbox (message_id, sender, alert_id, thread_id, kind, category, classification, priority, title,
                           body, redacted_fields, agreement_id, envelope_sha256, retain_until, doc_number)
          values (p_message_id, p_sender, p_alert_id, p_thread_id, 'ALERT', p_category, p_classification, p_priority,
                  p_title, p_body, p_redacted_fields, p_agreement_id, p_sha, p_retain_until, p_doc_number)
          on conflict (sender, alert_id) where kind = 'ALERT'
          do update set body = excluded.body, title = excluded.title, priority = excluded.priority,
                        category = excluded.category, classification = excluded.classification,
                        redacted_fields = excluded.redacted_fields, retain_until = excluded.retain_until,
                        doc_number = excluded.doc_number, version = inbox.version + 1, state = 'ACTIVE'
          where inbox.state <> 'WITHDRAWN'
          returning seq into v_seq;
        if v_seq is null then
          raise exception 'CORRIDOR_NOT_FRESH: withdrawn';
        end if;
        perform corridor_append_leaves(p_leaves, p_hashes, p_events, p_message_ids);
        insert into desk_feed (inbox_seq, event) values (v_seq, p_feed_event) returning seq into v_feed;
        perform pg_notify(p_channel, v_feed::text);
        insert into receipts_due (sender, agreement_id, message_id, envelope_sha256, status, reason_code, received_at_ms)
          values (p_sender, p_agreement_id, p_message_id, p_sha, 'ACCEPTED', '', p_received_at_ms);
        return v_feed;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function if exists corridor_receive_alert`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

// A partner gateway may be hostile (docs/security.md, "A compromised partner gateway"):
// - message ids are chosen by senders, so they are unique per sender, not across senders (one partner reusing
//   another's message id must not make an insert fail);
// - an alert is identified by (origin, alert id): `origin` is the country that originated the alert an inbox row is
//   about — the sender for ALERT rows, the sender or this gateway's own country (null) for a REPLY;
// - corridor_accept_alert is the one definition of how a received alert or update enters the inbox (dedupe, then
//   insert or update), used by the single-statement fast path (corridor_receive_alert) and the batch path alike. It
//   answers a status instead of raising, so a batch transaction can go on: OK, DUPLICATE, UNKNOWN_ALERT (an update
//   of an alert this sender never sent here), ALERT_ID_REUSED (a new alert with an id this sender already used) or
//   ALERT_WITHDRAWN. A refused message leaves no dedupe row.
export class HostilePartner1733000000000 implements MigrationInterface {
  name = 'HostilePartner1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table inbox drop constraint inbox_message_id_key`);
    await q.query(`create unique index inbox_sender_message on inbox (sender, message_id)`);
    await q.query(`alter table inbox add column origin text`);
    await q.query(`update inbox set origin = sender where kind = 'ALERT'`);
    await q.query(
      `update inbox i set origin = sender where kind = 'REPLY' and not exists (select 1 from alerts a where a.id = i.alert_id)`,
    );
    await q.query(`
      create function corridor_accept_alert(
        p_message_id uuid, p_sender text, p_alert_id uuid, p_thread_id uuid, p_category text, p_classification text,
        p_priority text, p_title text, p_body bytea, p_redacted_fields text[], p_agreement_id text, p_sha bytea,
        p_retain_until timestamptz, p_doc_number text, p_kind text)
      returns table (r_status text, r_seq bigint) language plpgsql as $$
      declare
        v_seq bigint;
        v_state text;
      begin
        insert into seen_messages (sender, message_id, kind) values (p_sender, p_message_id, p_kind)
          on conflict do nothing;
        if not found then
          return query select 'DUPLICATE'::text, null::bigint;
          return;
        end if;
        if p_kind = 'UPDATE' then
          update inbox set body = p_body, title = p_title, priority = p_priority, category = p_category,
                           classification = p_classification, redacted_fields = p_redacted_fields,
                           retain_until = p_retain_until, doc_number = p_doc_number, version = version + 1,
                           state = 'ACTIVE'
            where sender = p_sender and alert_id = p_alert_id and kind = 'ALERT' and state <> 'WITHDRAWN'
            returning seq into v_seq;
          if v_seq is null then
            select state into v_state from inbox where sender = p_sender and alert_id = p_alert_id and kind = 'ALERT';
            delete from seen_messages where sender = p_sender and message_id = p_message_id;
            return query select case when v_state is null then 'UNKNOWN_ALERT' else 'ALERT_WITHDRAWN' end, null::bigint;
            return;
          end if;
        else
          insert into inbox (message_id, sender, origin, alert_id, thread_id, kind, category, classification, priority,
                             title, body, redacted_fields, agreement_id, envelope_sha256, retain_until, doc_number)
            values (p_message_id, p_sender, p_sender, p_alert_id, p_thread_id, 'ALERT', p_category, p_classification,
                    p_priority, p_title, p_body, p_redacted_fields, p_agreement_id, p_sha, p_retain_until, p_doc_number)
            on conflict (sender, alert_id) where kind = 'ALERT' do nothing
            returning seq into v_seq;
          if v_seq is null then
            delete from seen_messages where sender = p_sender and message_id = p_message_id;
            return query select 'ALERT_ID_REUSED'::text, null::bigint;
            return;
          end if;
        end if;
        return query select 'OK'::text, v_seq;
      end $$`);
    await q.query(`drop function corridor_receive_alert`);
    await q.query(`
      create function corridor_receive_alert(
        p_message_id uuid, p_sender text, p_alert_id uuid, p_thread_id uuid, p_category text, p_classification text,
        p_priority text, p_title text, p_body bytea, p_redacted_fields text[], p_agreement_id text, p_sha bytea,
        p_retain_until timestamptz, p_doc_number text, p_kind text,
        p_leaves bytea[], p_hashes bytea[], p_events text[], p_message_ids text[],
        p_feed_event text, p_channel text, p_received_at_ms bigint)
      returns bigint language plpgsql as $$
      declare
        v_status text;
        v_seq bigint;
        v_feed bigint;
      begin
        select r_status, r_seq into v_status, v_seq
          from corridor_accept_alert(p_message_id, p_sender, p_alert_id, p_thread_id, p_category, p_classification,
                                     p_priority, p_title, p_body, p_redacted_fields, p_agreement_id, p_sha,
                                     p_retain_until, p_doc_number, p_kind);
        if v_status <> 'OK' then
          raise exception 'CORRIDOR_NOT_FRESH: %', v_status;
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
    await q.query(`drop function if exists corridor_accept_alert`);
    await q.query(`alter table inbox drop column origin`);
    await q.query(`drop index inbox_sender_message`);
    await q.query(`alter table inbox add constraint inbox_message_id_key unique (message_id)`);
  }
}

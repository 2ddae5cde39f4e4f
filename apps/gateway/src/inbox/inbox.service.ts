// The officer's side of the exchange: the inbox and desk feed, detail (views of personal data are logged),
// acknowledgement and reply back to the originator, and the document hit/no-hit check.
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  AcknowledgementSchema,
  AlertSchema,
  AuditEvent,
  Category,
  CLASSIFICATION_NAMES,
  Classification,
  create,
  enumValue,
  ExchangeMessage,
  fromBinary,
  MessageKind,
  ReplySchema,
} from '@corridor/contracts';
import { officerCanSee, Principal } from '@corridor/identity';
import { ActiveAgreement, evaluateMessage, parseMrz } from '@corridor/policy';
import { problem, updatedRows } from '@corridor/platform';
import { alertSummary, alertToJson } from '../alerts/alert.mapper';
import { AuditLog } from '../audit/audit.log';
import type { DeskItem } from '@corridor/gateway-api';
import { normaliseDocNumber } from '../exchange/inbound';
import { newExchangeMessage, OutboxRelay, Pending } from '../exchange/outbox';
import { assertedOfficerId } from './officer-id';

interface InboxRow {
  seq: string;
  message_id: string;
  sender: string;
  /** the country that originated the alert the row is about; null for a reply about one of ours (older rows) */
  origin: string | null;
  alert_id: string;
  thread_id: string | null;
  kind: string;
  category: string;
  classification: string;
  priority: string;
  title: string | null;
  body: Buffer | null;
  redacted_fields: string[];
  agreement_id: string | null;
  received_at: Date;
  state: 'ACTIVE' | 'WITHDRAWN' | 'PURGED';
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
}

interface FeedRow extends InboxRow {
  feed_seq: string;
  event: DeskItem['event'];
}

const PERSONAL_CATEGORIES = ['SUSPECT', 'DOCUMENT', 'PROTECTION_REFERRAL'];

export interface InboxFilter {
  category?: string;
  priority?: string;
  sender?: string;
  q?: string;
  cursor?: number;
  limit: number;
}

/** SQL condition and args that restrict rows to what an officer may see (category on the desk, TLP within clearance). */
function scopeSql(p: Principal, args: unknown[]): string {
  if (p.roles.includes('admin')) {
    return 'true';
  }
  const max = CLASSIFICATION_NAMES.indexOf(p.clearance ?? '');
  args.push(p.categories ?? [], CLASSIFICATION_NAMES.slice(0, Math.max(0, max + 1)));
  return `i.category = any($${args.length - 1}) and i.classification = any($${args.length})`;
}

export class InboxService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditLog,
    private readonly relay: OutboxRelay,
    private readonly country: string,
    /** the agreement with a partner as the trust store knows it (replies and acknowledgements pass its rules) */
    private readonly agreementWith: (partner: string) => ActiveAgreement | undefined,
    private readonly logger: Logger,
  ) {}

  toItem(r: FeedRow): DeskItem {
    let summary: Record<string, unknown> = {};
    let reply: DeskItem['reply'] = null;
    if (r.body && r.kind === 'ALERT') {
      summary = alertSummary(fromBinary(AlertSchema, r.body));
    } else if (r.body && r.kind === 'REPLY') {
      const rep = fromBinary(ReplySchema, r.body);
      reply = { body: rep.body, officerId: assertedOfficerId(r.sender, rep.officerId) };
    }
    return {
      seq: Number(r.feed_seq),
      event: r.event,
      inboxSeq: Number(r.seq),
      sender: r.sender,
      origin: r.origin ?? this.country,
      alertId: r.alert_id,
      threadId: r.thread_id,
      category: r.category,
      priority: r.priority,
      classification: r.classification,
      title: r.title,
      state: r.state,
      receivedAt: r.received_at.toISOString(),
      acknowledgedBy: r.acknowledged_by,
      acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
      redactedFields: r.redacted_fields,
      summary,
      reply,
    };
  }

  /** Feed items after `afterSeq` that the officer may see, oldest first. */
  async feedSince(p: Principal, afterSeq: number, limit = 1000): Promise<DeskItem[]> {
    const args: unknown[] = [afterSeq];
    const scope = scopeSql(p, args);
    args.push(limit);
    const rows = await this.ds.query<FeedRow[]>(
      `select f.seq as feed_seq, f.event, i.* from desk_feed f join inbox i on i.seq = f.inbox_seq
       where f.seq > $1 and ${scope} order by f.seq limit $${args.length}`,
      args,
    );
    return rows.map((r) => this.toItem(r));
  }

  async feedItem(seq: number): Promise<{ item: DeskItem; row: FeedRow } | undefined> {
    const rows = await this.ds.query<FeedRow[]>(
      'select f.seq as feed_seq, f.event, i.* from desk_feed f join inbox i on i.seq = f.inbox_seq where f.seq = $1',
      [seq],
    );
    return rows[0] ? { item: this.toItem(rows[0]), row: rows[0] } : undefined;
  }

  canSee(p: Principal, item: { category: string; classification: string }): boolean {
    return p.roles.includes('admin') || officerCanSee(p, item);
  }

  async latestSeq(): Promise<number> {
    const [{ max }] = await this.ds.query<{ max: string | null }[]>('select max(seq) as max from desk_feed');
    return Number(max ?? 0);
  }

  /** Inbox listing for the REST API: newest first, cursor = inbox seq of the last row seen. */
  async list(p: Principal, f: InboxFilter): Promise<DeskItem[]> {
    const args: unknown[] = [];
    const where = [scopeSql(p, args)];
    const add = (sql: string, v: unknown): void => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.category) {
      add('i.category = ?', f.category);
    }
    if (f.priority) {
      add('i.priority = ?', f.priority);
    }
    if (f.sender) {
      add('i.sender = ?', f.sender);
    }
    if (f.q) {
      add(`i.title ilike ?`, `%${f.q.replace(/[%_\\]/g, '\\$&')}%`);
    }
    if (f.cursor) {
      add('i.seq < ?', f.cursor);
    }
    args.push(f.limit);
    const rows = await this.ds.query<FeedRow[]>(
      `select coalesce((select max(seq) from desk_feed where inbox_seq = i.seq), 0) as feed_seq, 'ALERT' as event, i.*
       from inbox i where ${where.join(' and ')} order by i.seq desc limit $${args.length}`,
      args,
    );
    return rows.map((r) => this.toItem(r));
  }

  private async row(p: Principal, inboxSeq: number): Promise<InboxRow> {
    const rows = await this.ds.query<InboxRow[]>('select * from inbox where seq = $1', [inboxSeq]);
    const r = rows[0];
    if (!r || !this.canSee(p, r)) {
      // Same answer for absent and out of scope: an officer cannot probe for alerts above their clearance.
      throw problem(404, 'NOT_FOUND', `no inbox entry ${inboxSeq} within your scope`, { field: 'seq' });
    }
    return r;
  }

  /** Full content; every view of personal data is a leaf of the exchange log (officer id and alert id). */
  async detail(p: Principal, inboxSeq: number): Promise<Record<string, unknown>> {
    const r = await this.row(p, inboxSeq);
    if (!r.body) {
      return { state: r.state, alertId: r.alert_id, sender: r.sender, content: null };
    }
    if (r.kind === 'REPLY') {
      const rep = fromBinary(ReplySchema, r.body);
      return {
        kind: 'REPLY',
        alertId: r.alert_id,
        sender: r.sender,
        officerId: assertedOfficerId(r.sender, rep.officerId),
        body: rep.body,
      };
    }
    const alert = fromBinary(AlertSchema, r.body);
    if (PERSONAL_CATEGORIES.includes(r.category)) {
      await this.audit.record([
        {
          event: AuditEvent.PERSONAL_DATA_VIEWED,
          peer: r.sender,
          officerId: p.sub,
          alertId: r.alert_id,
          category: enumValue(Category, r.category),
        },
      ]);
      this.logger.info({ officer: p.sub, alertId: r.alert_id, category: r.category }, 'personal data viewed');
    }
    return { ...alertToJson(alert), redactedFields: r.redacted_fields, state: r.state };
  }

  async acknowledge(
    p: Principal,
    inboxSeq: number,
  ): Promise<{ acknowledgedAt: string; acknowledgedBy: string }> {
    const r = await this.row(p, inboxSeq);
    if (r.kind !== 'ALERT') {
      throw problem(422, 'NOT_AN_ALERT', 'only alerts are acknowledged', { field: 'seq' });
    }
    if (r.acknowledged_at) {
      return { acknowledgedAt: r.acknowledged_at.toISOString(), acknowledgedBy: r.acknowledged_by ?? '' };
    }
    const now = new Date();
    const pending = await this.ds.transaction(async (em) => {
      await em.query('update inbox set acknowledged_by = $2, acknowledged_at = $3 where seq = $1', [
        inboxSeq,
        p.sub,
        now,
      ]);
      const queued = await this.answerOriginator(em, r, MessageKind.ACKNOWLEDGEMENT, {
        case: 'acknowledgement',
        value: create(AcknowledgementSchema, {
          alertId: r.alert_id,
          officerId: p.sub,
          acknowledgedAtMs: BigInt(now.getTime()),
        }),
      });
      await this.audit.append(em, [
        {
          event: AuditEvent.ACKNOWLEDGED,
          peer: r.sender,
          alertId: r.alert_id,
          officerId: p.sub,
          category: enumValue(Category, r.category),
        },
      ]);
      return queued;
    });
    this.relay.submit(pending);
    return { acknowledgedAt: now.toISOString(), acknowledgedBy: p.sub };
  }

  /** Queues a message back to the originator of an inbox row, under the same agreement, thread and labels. */
  private async answerOriginator(
    em: EntityManager,
    r: InboxRow,
    kind: MessageKind,
    body: ExchangeMessage['body'],
  ): Promise<Pending[]> {
    const category = enumValue(Category, r.category) ?? Category.UNSPECIFIED;
    const classification = enumValue(Classification, r.classification) ?? Classification.UNSPECIFIED;
    // The same rules the partner applies on receive: a message its agreement refuses is not sent at all.
    const agreement = this.agreementWith(r.sender);
    const decision = evaluateMessage({
      from: this.country,
      to: r.sender,
      agreement,
      now: Date.now(),
      labels: { category, classification },
    });
    if (!decision.allowed) {
      throw problem(403, decision.reason, decision.rule);
    }
    return this.relay.enqueue(em, [
      {
        messageId: uuidv7(),
        alertId: r.alert_id,
        kind,
        recipient: r.sender,
        // the pair's agreement now (the partner checks the header names exactly it), not the one the row came under
        agreementId: agreement?.id,
        category,
        classification,
        threadId: r.thread_id ?? undefined,
        message: newExchangeMessage({ body }),
      },
    ]);
  }

  async reply(p: Principal, inboxSeq: number, body: string): Promise<{ replyId: string }> {
    const r = await this.row(p, inboxSeq);
    const replyId = uuidv7();
    const pending = await this.ds.transaction(async (em) => {
      const queued = await this.answerOriginator(em, r, MessageKind.REPLY, {
        case: 'reply',
        value: create(ReplySchema, {
          replyId,
          alertId: r.alert_id,
          officerId: `${this.country}/${p.sub}`,
          body,
          createdAtMs: BigInt(Date.now()),
        }),
      });
      await this.audit.append(em, [
        {
          event: AuditEvent.REPLIED,
          peer: r.sender,
          alertId: r.alert_id,
          officerId: p.sub,
          category: enumValue(Category, r.category),
        },
      ]);
      return queued;
    });
    this.relay.submit(pending);
    return { replyId };
  }

  /** Hit/no-hit of a document number (or the number inside an MRZ) against received DOCUMENT alerts. */
  async documentCheck(p: Principal, q: { number?: string; mrz?: string[] }) {
    let number = q.number;
    if (q.mrz?.length) {
      const parsed = parseMrz(q.mrz);
      if (!parsed.ok) {
        throw problem(422, parsed.error.code, `mrz: ${parsed.error.rule}`, { field: 'mrz' });
      }
      number = parsed.mrz.documentNumber;
    }
    if (!number || !/^[A-Z0-9<]{1,20}$/i.test(number)) {
      throw problem(422, 'DOCUMENT_NUMBER_INVALID', 'give a document number (A-Z, 0-9) or an MRZ', {
        field: 'number',
      });
    }
    const args: unknown[] = [normaliseDocNumber(number)];
    const scope = scopeSql(p, args);
    const rows = await this.ds.query<(InboxRow & { body: Buffer })[]>(
      `select * from inbox i where i.doc_number = $1 and i.body is not null and ${scope} order by seq`,
      args,
    );
    await this.audit.record([
      {
        event: AuditEvent.PERSONAL_DATA_VIEWED,
        officerId: p.sub,
        reasonCode: rows.length ? 'DOCUMENT_CHECK_HIT' : 'DOCUMENT_CHECK_NO_HIT',
        category: Category.DOCUMENT,
      },
    ]);
    const matches = rows.map((r) => {
      const a = fromBinary(AlertSchema, r.body);
      const d = a.payload.case === 'document' ? a.payload.value : undefined;
      return {
        seq: Number(r.seq),
        sender: r.sender,
        alertId: r.alert_id,
        fraudType: d?.fraudType ?? '',
        documentType: d?.documentType ?? '',
        issuingState: d?.issuingState ?? '',
      };
    });
    return { hit: matches.length > 0, matches };
  }

  /**
   * Forgets message-id dedupe rows older than `olderThanMs`: pass the replay window plus the allowed clock skew,
   * past which a copy of the message is refused as STALE (and quarantined) by its signed creation time anyway.
   */
  async forgetSeen(olderThanMs: number): Promise<number> {
    const [{ n }] = await this.ds.query<{ n: number }[]>(
      `with gone as (delete from seen_messages where at < now() - $1 * interval '1 millisecond' returning 1)
       select count(*)::int as n from gone`,
      [olderThanMs],
    );
    if (n > 0) {
      this.logger.info({ forgotten: n }, 'message-id dedupe rows past the replay window forgotten');
    }
    return n;
  }

  /**
   * Quarantined envelopes keep their bytes for investigation for `days`, then only their hash, reason and routing
   * metadata: a refused envelope may hold personal data this gateway was not allowed to receive, sealed for its key.
   */
  async expireQuarantine(days: number): Promise<number> {
    const [{ n }] = await this.ds.query<{ n: number }[]>(
      `with cleared as (
         update quarantine set envelope = null
         where envelope is not null and received_at < now() - $1 * interval '1 day' returning 1)
       select count(*)::int as n from cleared`,
      [days],
    );
    if (n > 0) {
      this.logger.info({ cleared: n, days }, 'quarantined envelope bytes past their retention removed');
    }
    return n;
  }

  /** Retention: personal data whose agreement retention has passed is deleted; the log keeps only hashes. */
  async purgeExpired(): Promise<number> {
    return this.ds.transaction(async (em) => {
      const rows = updatedRows<{ seq: string; sender: string; alert_id: string; category: string }>(
        await em.query(
          `update inbox set body = null, title = null, doc_number = null, state = 'PURGED'
           where retain_until is not null and retain_until <= now() and body is not null returning seq, sender, alert_id, category`,
        ),
      );
      await this.audit.append(
        em,
        rows.map((r) => ({
          event: AuditEvent.PURGED,
          peer: r.sender,
          alertId: r.alert_id,
          category: enumValue(Category, r.category),
        })),
      );
      return rows.length;
    });
  }
}

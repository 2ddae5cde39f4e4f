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
import { problem } from '@corridor/platform';
import { alertSummary, alertToJson } from '../alerts/alert.mapper';
import { AuditLog, type LeafInput } from '../audit/audit.log';
import {
  serialOf,
  type DeskItem,
  type DocumentCheckMatch,
  type DocumentCheckResult,
} from '@corridor/gateway-api';
import type { RecordMatchRow, RegisterRecordsRepository } from '../registers/register-records.repository';
import { ExchangeRepository } from '../exchange/exchange.repository';
import { newExchangeMessage, OutboxPort, Pending } from '../exchange/outbox';
import { assertedOfficerId, normaliseDocNumber } from './identifiers';
import {
  DocumentAlertRow,
  FeedRow,
  InboxListFilter,
  InboxRepository,
  InboxRow,
  InboxScope,
} from './inbox.repository';

const PERSONAL_CATEGORIES = ['SUSPECT', 'DOCUMENT', 'PROTECTION_REFERRAL'];

/** What an officer may see: every row for an admin, else the desk's categories within the clearance. */
export function scopeOf(p: Principal): InboxScope {
  if (p.roles.includes('admin')) {
    return 'ALL';
  }
  const max = CLASSIFICATION_NAMES.indexOf(p.clearance ?? '');
  return {
    categories: p.categories ?? [],
    classifications: CLASSIFICATION_NAMES.slice(0, Math.max(0, max + 1)),
  };
}

export class InboxService {
  constructor(
    private readonly ds: DataSource,
    private readonly repos: {
      inbox: InboxRepository;
      exchange: ExchangeRepository;
      /** partners' document registers, answered by the document check beside alerts */
      registerRecords?: RegisterRecordsRepository;
    },
    private readonly audit: AuditLog,
    private readonly relay: OutboxPort,
    private readonly country: string,
    /** the agreement with a partner as the trust store knows it (replies and acknowledgements pass its rules) */
    private readonly agreementWith: (partner: string) => ActiveAgreement | undefined,
    private readonly logger: Logger,
  ) {}

  /** document checks between their look-up and their leaf's commit */
  private checksUnderWay = 0;

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
    const rows = await this.repos.inbox.feedSince(this.ds, scopeOf(p), afterSeq, limit);
    return rows.map((r) => this.toItem(r));
  }

  async feedItem(seq: number): Promise<{ item: DeskItem; row: FeedRow } | undefined> {
    const row = await this.repos.inbox.feedRow(this.ds, seq);
    return row ? { item: this.toItem(row), row } : undefined;
  }

  canSee(p: Principal, item: { category: string; classification: string }): boolean {
    return p.roles.includes('admin') || officerCanSee(p, item);
  }

  async latestSeq(): Promise<number> {
    return this.repos.inbox.latestFeedSeq(this.ds);
  }

  /** Inbox listing for the REST API: newest first, cursor = inbox seq of the last row seen. */
  async list(p: Principal, f: InboxListFilter): Promise<DeskItem[]> {
    const rows = await this.repos.inbox.list(this.ds, scopeOf(p), f);
    return rows.map((r) => this.toItem(r));
  }

  private async row(p: Principal, inboxSeq: number): Promise<InboxRow> {
    const r = await this.repos.inbox.row(this.ds, inboxSeq);
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
      await this.repos.inbox.markAcknowledged(em, inboxSeq, p.sub, now);
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

  /**
   * Hit/no-hit of a document number (or the number inside an MRZ) against received DOCUMENT alerts and partners'
   * document registers (one number, or a series holding it), within the officer's scope. Every check is a leaf.
   */
  async documentCheck(p: Principal, q: { number?: string; mrz?: string[] }): Promise<DocumentCheckResult> {
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
    const normalised = normaliseDocNumber(number);
    const scope = scopeOf(p);
    const registers =
      (scope === 'ALL' || scope.categories.includes('DOCUMENT')) && this.repos.registerRecords
        ? { classifications: scope === 'ALL' ? undefined : scope.classifications }
        : undefined;
    const serial = serialOf(normalised);
    const leaf = (hit: boolean): LeafInput => ({
      event: AuditEvent.PERSONAL_DATA_VIEWED,
      officerId: p.sub,
      reasonCode: hit ? 'DOCUMENT_CHECK_HIT' : 'DOCUMENT_CHECK_NO_HIT',
      category: Category.DOCUMENT,
    });
    // A check alone (no other check under way, no commit in flight): look up and append the leaf that says what was
    // found in one statement, one round trip (#19). With company: look up first, and the leaf shares the next group
    // commit with the checks beside it, whose look-ups then do not wait behind this one's inside the commit.
    const alone =
      this.checksUnderWay === 0
        ? this.audit.commitAlone(1, () =>
            this.repos.inbox.documentCheck(this.ds, {
              scope,
              number: normalised,
              registers,
              serial,
              leaves: {
                hit: this.audit.leafParameters([leaf(true)]),
                noHit: this.audit.leafParameters([leaf(false)]),
              },
            }),
          )
        : undefined;
    let rows: DocumentAlertRow[];
    let records: RecordMatchRow[];
    let hit: boolean;
    this.checksUnderWay += 1;
    try {
      if (alone) {
        ({ alerts: rows, records, hit } = await alone);
      } else {
        [rows, records] = await Promise.all([
          this.repos.inbox.documentMatches(this.ds, scope, normalised),
          registers && this.repos.registerRecords
            ? this.repos.registerRecords.matches(this.ds, { number: normalised, serial, ...registers })
            : Promise.resolve([]),
        ]);
        hit = rows.length + records.length > 0;
        await this.audit.record([leaf(hit)]);
      }
    } finally {
      this.checksUnderWay -= 1;
    }
    const matches: DocumentCheckMatch[] = rows.map((r) => {
      const a = fromBinary(AlertSchema, r.body);
      const d = a.payload.case === 'document' ? a.payload.value : undefined;
      return {
        source: 'ALERT',
        seq: Number(r.seq),
        sender: r.sender,
        alertId: r.alert_id,
        status: d?.fraudType ?? '',
        fraudType: d?.fraudType ?? '',
        documentType: d?.documentType ?? '',
        issuingState: d?.issuingState ?? '',
        date: r.received_at.toISOString(),
      };
    });
    for (const r of records) {
      matches.push({
        source: 'REGISTER',
        sender: r.source,
        registerId: r.register_id,
        registerName: r.register_name,
        recordId: r.record_id,
        status: r.status,
        fraudType: r.status,
        documentType: r.document_type,
        issuingState: r.issuing_state,
        date: r.updated_at.toISOString(),
        ...(r.series_last ? { series: { first: r.number, last: r.series_last } } : {}),
      });
    }
    return { hit, matches };
  }

  /**
   * Forgets message-id dedupe rows older than `olderThanMs`: pass the replay window plus the allowed clock skew,
   * past which a copy of the message is refused as STALE (and quarantined) by its signed creation time anyway.
   */
  async forgetSeen(olderThanMs: number): Promise<number> {
    const n = await this.repos.exchange.forgetSeenOlderThan(this.ds, olderThanMs);
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
    const n = await this.repos.inbox.expireQuarantine(this.ds, days);
    if (n > 0) {
      this.logger.info({ cleared: n, days }, 'quarantined envelope bytes past their retention removed');
    }
    return n;
  }

  /** Retention: personal data whose agreement retention has passed is deleted; the log keeps only hashes. */
  async purgeExpired(): Promise<number> {
    return this.ds.transaction(async (em) => {
      const rows = await this.repos.inbox.purgeExpired(em);
      // Partners' register records past the retention: one leaf per register.
      const records = (await this.repos.registerRecords?.purgeExpired(em)) ?? [];
      await this.audit.append(em, [
        ...rows.map((r) => ({
          event: AuditEvent.PURGED,
          peer: r.sender,
          alertId: r.alert_id,
          category: enumValue(Category, r.category),
        })),
        ...records.map((r) => ({
          event: AuditEvent.PURGED,
          peer: r.source,
          alertId: r.register_id,
          category: Category.DOCUMENT,
          reasonCode: `REGISTER_RECORDS:${r.n}`,
        })),
      ]);
      return rows.length + records.reduce((a, r) => a + r.n, 0);
    });
  }
}

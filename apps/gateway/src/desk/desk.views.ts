// What the desk shows beyond the live feed (#16): the alerts this country sent with every delivery to each partner,
// the versions of an alert (who published, updated or withdrew it, and when), and the situational picture: route,
// document and referral alerts of a period with their places. Always within the officer's categories and clearance.
import { DataSource } from 'typeorm';
import { Alert, AlertSchema, fromBinary, GeoPoint, Waypoint } from '@corridor/contracts';
import { Principal } from '@corridor/identity';
import { problem } from '@corridor/platform';
import type {
  AlertVersion,
  PictureItem,
  PictureWaypoint,
  SentAlert,
  SentDelivery,
} from '@corridor/gateway-api';
import { alertSummary } from '../alerts/alert.mapper';
import { AlertScope, AlertsRepository, SentRow } from '../alerts/alerts.repository';
import { OutboxRepository } from '../exchange/outbox.repository';
import { InboxRepository } from '../inbox/inbox.repository';
import { scopeOf } from '../inbox/inbox.service';

export const PICTURE_CATEGORIES = ['ROUTE', 'DOCUMENT', 'PROTECTION_REFERRAL'];
/** At most this many alerts of each side (received, sent) on one picture; the answer says when more matched. */
export const PICTURE_LIMIT = 2000;
/** The longest period one picture request covers. */
export const PICTURE_MAX_DAYS = 366;
export const SENT_PAGE_MAX = 200;

function alertScope(p: Principal): AlertScope {
  const scope = scopeOf(p);
  return scope === 'ALL' ? null : scope;
}

function invalid(field: string, detail: string): never {
  throw problem(422, 'VALIDATION_FAILED', detail, { field });
}

function parseTime(field: string, value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    invalid(field, `${field} must be an ISO 8601 date and time, e.g. 2026-01-31T00:00:00Z`);
  }
  return new Date(value);
}

function finite(n: number | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function waypoint(
  role: PictureWaypoint['role'],
  w: Waypoint | undefined,
  country: string,
): PictureWaypoint | null {
  if (!w && !country) {
    return null;
  }
  const point: GeoPoint | undefined = w?.point;
  return {
    role,
    place: w?.place ?? '',
    country: w?.country || country,
    lat: point ? finite(point.lat) : null,
    lon: point ? finite(point.lon) : null,
  };
}

/** The places of an alert, and nothing personal: no names, document numbers, phones or notes. */
export function pictureFields(
  alert: Alert,
): Pick<PictureItem, 'waypoints' | 'summary' | 'document' | 'referral'> {
  const p = alert.payload;
  const summary = alertSummary(alert);
  switch (p.case) {
    case 'route': {
      const r = p.value;
      const stops = [
        waypoint('origin', r.origin, r.originCountry),
        ...r.transit.map((w) => waypoint('transit', w, '')),
        waypoint('destination', r.destination, r.destinationCountry),
      ];
      return { waypoints: stops.filter((s): s is PictureWaypoint => s !== null), summary };
    }
    case 'document':
      return {
        waypoints: [],
        summary,
        document: {
          documentType: p.value.documentType,
          issuingState: p.value.issuingState,
          fraudType: p.value.fraudType,
        },
      };
    case 'protectionReferral': {
      const pos = p.value.lastKnownPosition;
      return {
        waypoints: [],
        summary,
        referral: {
          need: p.value.need,
          peopleCount: p.value.peopleCount,
          place: p.value.lastKnownPlace,
          lat: pos ? finite(pos.lat) : null,
          lon: pos ? finite(pos.lon) : null,
        },
      };
    }
    default:
      return { waypoints: [], summary };
  }
}

export class DeskViews {
  constructor(
    private readonly ds: DataSource,
    private readonly repos: { alerts: AlertsRepository; outbox: OutboxRepository; inbox: InboxRepository },
    /** this gateway's country */
    private readonly country: string,
  ) {}

  async sent(p: Principal, req: { before?: unknown; limit?: unknown }): Promise<SentAlert[]> {
    const before = req?.before === undefined ? null : parseTime('before', req.before);
    const limit = req?.limit === undefined ? 50 : req.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > SENT_PAGE_MAX) {
      invalid('limit', `limit must be an integer from 1 to ${SENT_PAGE_MAX}`);
    }
    const rows = await this.repos.alerts.sentPage(this.ds, alertScope(p), before, limit);
    const deliveries = await this.repos.outbox.deliveriesOfAlerts(
      this.ds,
      rows.map((r) => r.id),
    );
    const byAlert = new Map<string, SentDelivery[]>();
    for (const d of deliveries) {
      const list = byAlert.get(d.alert_id) ?? [];
      list.push({
        recipient: d.recipient,
        kind: d.kind as SentDelivery['kind'],
        status: d.status,
        reason: d.refusal_reason ?? d.receipt_reason ?? (d.status === 'FAILED' ? d.last_error : null),
        queuedAt: d.queued_at.toISOString(),
        sentAt: d.sent_at?.toISOString() ?? null,
        deliveredAt: d.delivered_at?.toISOString() ?? null,
        acknowledgedBy: d.acknowledged_by,
        acknowledgedAt: d.acknowledged_at?.toISOString() ?? null,
      });
      byAlert.set(d.alert_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      threadId: r.thread_id,
      category: r.category,
      priority: r.priority,
      classification: r.classification,
      title: r.title,
      state: r.state,
      version: Number(r.version),
      publishedAt: r.created_at.toISOString(),
      publishedBy: r.publisher,
      deliveries: byAlert.get(r.id) ?? [],
    }));
  }

  /** The same answer for an alert that does not exist and one outside the officer's scope. */
  async history(p: Principal, req: { origin?: unknown; alertId?: unknown }): Promise<AlertVersion[]> {
    const origin = req?.origin;
    const alertId = req?.alertId;
    if (typeof origin !== 'string' || !/^[A-Z]{2}$/.test(origin)) {
      invalid('origin', 'origin must be an ISO 3166-1 alpha-2 code in capitals, e.g. LY');
    }
    if (typeof alertId !== 'string' || !/^[0-9a-f-]{36}$/i.test(alertId)) {
      invalid('alertId', 'alertId must be a UUID');
    }
    const notFound = (): never => {
      throw problem(404, 'NOT_FOUND', `no alert ${origin}/${alertId} within your scope`, {
        field: 'alertId',
      });
    };
    if (origin === this.country) {
      const row = (await this.repos.alerts.sentOne(this.ds, alertScope(p), alertId)) ?? notFound();
      const later = await this.repos.alerts.history(this.ds, alertId);
      return [
        { version: 1, event: 'PUBLISHED', at: row.created_at.toISOString(), by: row.publisher, reason: null },
        ...later.map((h) => ({
          version: Number(h.version),
          event: h.event,
          at: h.at.toISOString(),
          by: h.changed_by,
          reason: h.reason,
        })),
      ];
    }
    const row = (await this.repos.inbox.receivedAlert(this.ds, scopeOf(p), origin, alertId)) ?? notFound();
    const events = await this.repos.inbox.feedEventsOf(this.ds, Number(row.seq));
    let version = 0;
    const versions: AlertVersion[] = events.map((e) => {
      if (e.event !== 'WITHDRAWN') {
        version++;
      }
      return {
        version: Math.max(version, 1),
        event: e.event === 'ALERT' ? 'PUBLISHED' : e.event === 'UPDATED' ? 'UPDATED' : 'WITHDRAWN',
        at: e.at.toISOString(),
        by: row.sender,
        reason: null,
      };
    });
    const purgedAt = (row as { retain_until?: Date | null }).retain_until;
    if (row.state === 'PURGED' && purgedAt) {
      // The retention of this gateway's agreement ended: the content was deleted here, not by the sender.
      versions.push({
        version: Math.max(version, 1),
        event: 'EXPIRED',
        at: purgedAt.toISOString(),
        by: this.country,
        reason: null,
      });
    }
    return versions;
  }

  async picture(
    p: Principal,
    req: { from?: unknown; to?: unknown },
  ): Promise<{ items: PictureItem[]; truncated: boolean }> {
    const from = parseTime('from', req?.from);
    const to = parseTime('to', req?.to);
    if (to <= from) {
      invalid('to', 'to must be after from');
    }
    if (to.getTime() - from.getTime() > PICTURE_MAX_DAYS * 86_400_000) {
      invalid('to', `a picture covers at most ${PICTURE_MAX_DAYS} days`);
    }
    const received = await this.repos.inbox.alertsInPeriod(
      this.ds,
      scopeOf(p),
      PICTURE_CATEGORIES,
      from,
      to,
      PICTURE_LIMIT,
    );
    const own = await this.repos.alerts.sentInPeriod(
      this.ds,
      alertScope(p),
      PICTURE_CATEGORIES,
      from,
      to,
      PICTURE_LIMIT,
    );
    const items: PictureItem[] = [];
    for (const r of received) {
      if (!r.body) {
        continue;
      }
      items.push({
        seq: Number(r.feed_seq) || null,
        origin: r.sender,
        sender: r.sender,
        alertId: r.alert_id,
        category: r.category as PictureItem['category'],
        priority: r.priority,
        classification: r.classification,
        title: r.title ?? '',
        at: r.received_at.toISOString(),
        ...pictureFields(fromBinary(AlertSchema, r.body)),
        acknowledgedBy: r.acknowledged_by,
        acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
      });
    }
    for (const r of own) {
      items.push(this.ownItem(r));
    }
    items.sort((a, b) => b.at.localeCompare(a.at));
    return { items, truncated: received.length === PICTURE_LIMIT || own.length === PICTURE_LIMIT };
  }

  private ownItem(r: SentRow): PictureItem {
    return {
      seq: null,
      origin: this.country,
      sender: this.country,
      alertId: r.id,
      category: r.category as PictureItem['category'],
      priority: r.priority,
      classification: r.classification,
      title: r.title,
      at: r.created_at.toISOString(),
      ...(r.alert ? pictureFields(fromBinary(AlertSchema, r.alert)) : { waypoints: [], summary: {} }),
      // Partners acknowledge this country's own alerts; the sent view shows theirs per delivery.
      acknowledgedBy: null,
      acknowledgedAt: null,
    };
  }
}

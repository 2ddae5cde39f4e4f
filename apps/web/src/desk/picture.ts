// The situational picture as plain state, no DOM: the period asked of the gateway, the timeline's buckets, the
// window chosen on it, the filters and layers, and the places of each item on the map.
import type { DeskItem, PictureItem } from '@corridor/gateway-api';

export const PERIOD_DAYS = [1, 7, 30, 90, 365] as const;
export type PeriodDays = (typeof PERIOD_DAYS)[number];
export const LAYERS = ['routes', 'documents', 'referrals'] as const;
export type Layer = (typeof LAYERS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface PictureFilters {
  partner: string;
  category: string;
  priority: string;
  layers: Record<Layer, boolean>;
}

export const ALL_LAYERS: Record<Layer, boolean> = { routes: true, documents: true, referrals: true };
export const NO_PICTURE_FILTERS: PictureFilters = {
  partner: '',
  category: '',
  priority: '',
  layers: ALL_LAYERS,
};

/** The period of the last `days` days up to the end of the current hour (so a fresh alert is inside it). */
export function periodEnding(days: number, now: Date): { from: Date; to: Date } {
  const to = new Date(Math.ceil((now.getTime() + 1) / HOUR) * HOUR);
  return { from: new Date(to.getTime() - days * DAY), to };
}

/** Hours for a period of up to two days, days up to 92 days, weeks beyond. */
export function bucketMs(from: Date, to: Date): number {
  const span = to.getTime() - from.getTime();
  return span <= 2 * DAY ? HOUR : span <= 92 * DAY ? DAY : 7 * DAY;
}

export interface Bucket {
  start: number;
  end: number;
  count: number;
  /** FLASH items in the bucket (drawn darker) */
  flash: number;
}

/** The period cut into equal buckets (the last one may be shorter), each with the items that fall in it. */
export function bucketize(items: { at: string; priority: string }[], from: Date, to: Date): Bucket[] {
  const size = bucketMs(from, to);
  const start = from.getTime();
  const end = to.getTime();
  const buckets: Bucket[] = [];
  for (let s = start; s < end; s += size) {
    buckets.push({ start: s, end: Math.min(s + size, end), count: 0, flash: 0 });
  }
  for (const item of items) {
    const at = Date.parse(item.at);
    if (!Number.isFinite(at) || at < start || at >= end) {
      continue;
    }
    const bucket = buckets[Math.floor((at - start) / size)];
    bucket.count++;
    if (item.priority === 'FLASH') {
      bucket.flash++;
    }
  }
  return buckets;
}

export function layerOf(item: PictureItem): Layer {
  return item.category === 'ROUTE' ? 'routes' : item.category === 'DOCUMENT' ? 'documents' : 'referrals';
}

/** The items the filters and layers keep within the window [from, to) of the timeline, newest first. */
export function filterPicture(
  items: PictureItem[],
  f: PictureFilters,
  window: { from: number; to: number },
): PictureItem[] {
  return items
    .filter((item) => {
      const at = Date.parse(item.at);
      return (
        f.layers[layerOf(item)] &&
        (!f.partner || item.sender === f.partner) &&
        (!f.category || item.category === f.category) &&
        (!f.priority || item.priority === f.priority) &&
        at >= window.from &&
        at < window.to
      );
    })
    .sort((a, b) => b.at.localeCompare(a.at));
}

export function partnersOf(items: PictureItem[]): string[] {
  return [...new Set(items.map((i) => i.sender))].sort();
}

export interface Place {
  lon: number;
  lat: number;
  label: string;
  kind: 'origin' | 'transit' | 'destination' | 'position' | 'document';
  /** placed at its country's centre: the partner gave no coordinates */
  approximate: boolean;
}

/**
 * Where an item goes on the map: a route's stops (its coordinates, else its country's centre), a referral's last
 * known position, a document's issuing state. `centreOf` gives a country's centre from its ISO code, or null.
 */
export function placesOf(item: PictureItem, centreOf: (code: string) => [number, number] | null): Place[] {
  const at = (
    lat: number | null,
    lon: number | null,
    country: string,
    label: string,
    kind: Place['kind'],
  ): Place | null => {
    if (lat !== null && lon !== null) {
      return { lon, lat, label, kind, approximate: false };
    }
    const centre = country ? centreOf(country) : null;
    return centre ? { lon: centre[0], lat: centre[1], label, kind, approximate: true } : null;
  };
  const places: (Place | null)[] =
    item.category === 'ROUTE'
      ? item.waypoints.map((w) => at(w.lat, w.lon, w.country, w.place || w.country, w.role))
      : item.category === 'PROTECTION_REFERRAL' && item.referral
        ? [at(item.referral.lat, item.referral.lon, '', item.referral.place, 'position')]
        : item.document
          ? [at(null, null, item.document.issuingState, item.document.issuingState, 'document')]
          : [];
  return places.filter((p): p is Place => p !== null);
}

/** The key of an item on the picture and in the feed: origin + '/' + alertId. */
export function pictureKey(item: PictureItem): string {
  return `${item.origin}/${item.alertId}`;
}

/** A picture item as a feed row (DeskItem), for what reads one: the summary line, the acknowledgement text. */
export function pictureAsFeedRow(item: PictureItem): DeskItem {
  return {
    seq: item.seq ?? 0,
    event: 'ALERT',
    inboxSeq: 0,
    sender: item.sender,
    origin: item.origin,
    alertId: item.alertId,
    threadId: null,
    category: item.category,
    priority: item.priority,
    classification: item.classification,
    title: item.title,
    state: 'ACTIVE',
    receivedAt: item.at,
    acknowledgedBy: item.acknowledgedBy,
    acknowledgedAt: item.acknowledgedAt,
    redactedFields: [],
    summary: item.summary,
    reply: null,
  };
}

/** Who acknowledged an alert and when, as one of the desk's sources knows it. */
export interface AckState {
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

/**
 * Whether a picture item is acknowledged: by the server's picture (whichever desk or tab of this country did it), this
 * tab's feed row, or the acknowledgement just made here; the first that knows of one. Null while none does.
 */
export function pictureAcknowledgement(
  item: PictureItem,
  ...others: (AckState | null | undefined)[]
): (AckState & { acknowledgedAt: string }) | null {
  for (const known of [...others, item]) {
    if (known?.acknowledgedAt) {
      return { acknowledgedBy: known.acknowledgedBy, acknowledgedAt: known.acknowledgedAt };
    }
  }
  return null;
}

/** The items with one acknowledged, as the server will answer after it (the picture refreshes only on new items). */
export function withAcknowledgement(items: PictureItem[], key: string, ack: AckState): PictureItem[] {
  return items.map((i) => (pictureKey(i) === key ? { ...i, ...ack } : i));
}

// The situational picture's state: the period, timeline buckets, filters and layers, and where items are placed.
import type { PictureItem } from '@corridor/gateway-api';
import { describe, expect, it } from 'vitest';
import {
  ALL_LAYERS,
  bucketize,
  bucketMs,
  filterPicture,
  NO_PICTURE_FILTERS,
  partnersOf,
  periodEnding,
  pictureAcknowledgement,
  pictureAsFeedRow,
  placesOf,
  withAcknowledgement,
} from './picture';

const item = (over: Partial<PictureItem> = {}): PictureItem => ({
  seq: 1,
  origin: 'LY',
  sender: 'LY',
  alertId: 'a1',
  category: 'ROUTE',
  priority: 'URGENT',
  classification: 'AMBER',
  title: 'Convoy',
  at: '2026-12-01T10:30:00.000Z',
  waypoints: [
    { role: 'origin', place: 'Agadez', country: 'NE', lat: 16.97, lon: 7.99 },
    { role: 'transit', place: 'Sabha', country: 'LY', lat: null, lon: null },
    { role: 'destination', place: '', country: 'ZZ', lat: null, lon: null },
  ],
  summary: {},
  acknowledgedBy: null,
  acknowledgedAt: null,
  ...over,
});

const ALL_TIME = { from: 0, to: Number.MAX_SAFE_INTEGER };

describe('period and timeline', () => {
  it('ends the period at the end of the current hour, so an alert of this minute is inside it', () => {
    const now = new Date('2026-12-02T13:41:10Z');
    const { from, to } = periodEnding(7, now);
    expect(to.toISOString()).toBe('2026-12-02T14:00:00.000Z');
    expect(from.toISOString()).toBe('2026-11-25T14:00:00.000Z');
    expect(periodEnding(1, new Date('2026-12-02T14:00:00Z')).to.toISOString()).toBe(
      '2026-12-02T15:00:00.000Z',
    );
  });

  it('buckets by hour up to two days, by day up to 92 days, by week beyond', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const after = (days: number) => new Date(from.getTime() + days * 86_400_000);
    expect(bucketMs(from, after(1))).toBe(3_600_000);
    expect(bucketMs(from, after(2))).toBe(3_600_000);
    expect(bucketMs(from, after(30))).toBe(86_400_000);
    expect(bucketMs(from, after(365))).toBe(7 * 86_400_000);
  });

  it('counts each item in the bucket of its time, FLASH apart, and leaves out what falls outside the period', () => {
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-03T00:00:00Z');
    const buckets = bucketize(
      [
        { at: '2026-12-01T00:00:00Z', priority: 'ROUTINE' },
        { at: '2026-12-01T00:59:59Z', priority: 'FLASH' },
        { at: '2026-12-01T01:00:00Z', priority: 'URGENT' },
        { at: '2026-12-02T23:59:59Z', priority: 'FLASH' },
        { at: '2026-12-03T00:00:00Z', priority: 'FLASH' },
        { at: '2026-11-30T23:59:59Z', priority: 'FLASH' },
        { at: 'not a date', priority: 'FLASH' },
      ],
      from,
      to,
    );
    expect(buckets).toHaveLength(48);
    expect(buckets.map((b) => b.count).reduce((a, b) => a + b)).toBe(4);
    expect(buckets[0]).toEqual({
      start: from.getTime(),
      end: from.getTime() + 3_600_000,
      count: 2,
      flash: 1,
    });
    expect(buckets[1].count).toBe(1);
    expect(buckets[47]).toMatchObject({ count: 1, flash: 1, end: to.getTime() });
  });

  it('cuts the last bucket short when the period is not a whole number of buckets', () => {
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-01T02:30:00Z');
    const buckets = bucketize([{ at: '2026-12-01T02:10:00Z', priority: 'URGENT' }], from, to);
    expect(buckets.map((b) => [b.end - b.start, b.count])).toEqual([
      [3_600_000, 0],
      [3_600_000, 0],
      [1_800_000, 1],
    ]);
  });
});

describe('filters and layers', () => {
  const items = [
    item({ alertId: 'r1', sender: 'LY', priority: 'FLASH', at: '2026-12-01T10:00:00Z' }),
    item({ alertId: 'r2', sender: 'NE', origin: 'NE', priority: 'URGENT', at: '2026-12-01T12:00:00Z' }),
    item({
      alertId: 'd1',
      sender: 'NE',
      origin: 'NE',
      category: 'DOCUMENT',
      waypoints: [],
      document: { documentType: 'PASSPORT', issuingState: 'NER', fraudType: 'FORGED' },
      at: '2026-12-01T11:00:00Z',
    }),
    item({
      alertId: 'p1',
      category: 'PROTECTION_REFERRAL',
      priority: 'FLASH',
      waypoints: [],
      referral: { need: 'DISTRESS_AT_SEA', peopleCount: 40, place: 'off Zuwara', lat: 33.2, lon: 12.1 },
      at: '2026-12-01T09:00:00Z',
    }),
  ];
  const ids = (list: PictureItem[]) => list.map((i) => i.alertId);

  it('keeps everything without filters, newest first', () => {
    expect(ids(filterPicture(items, NO_PICTURE_FILTERS, ALL_TIME))).toEqual(['r2', 'd1', 'r1', 'p1']);
  });

  it('filters by partner, category and priority together', () => {
    expect(ids(filterPicture(items, { ...NO_PICTURE_FILTERS, partner: 'NE' }, ALL_TIME))).toEqual([
      'r2',
      'd1',
    ]);
    expect(ids(filterPicture(items, { ...NO_PICTURE_FILTERS, category: 'ROUTE' }, ALL_TIME))).toEqual([
      'r2',
      'r1',
    ]);
    expect(ids(filterPicture(items, { ...NO_PICTURE_FILTERS, priority: 'FLASH' }, ALL_TIME))).toEqual([
      'r1',
      'p1',
    ]);
    expect(
      ids(filterPicture(items, { ...NO_PICTURE_FILTERS, priority: 'FLASH', category: 'ROUTE' }, ALL_TIME)),
    ).toEqual(['r1']);
    expect(filterPicture(items, { ...NO_PICTURE_FILTERS, partner: 'IT' }, ALL_TIME)).toEqual([]);
  });

  it('hides a layer that is switched off', () => {
    const noRoutes = { ...NO_PICTURE_FILTERS, layers: { ...ALL_LAYERS, routes: false } };
    expect(ids(filterPicture(items, noRoutes, ALL_TIME))).toEqual(['d1', 'p1']);
    const referralsOnly = {
      ...NO_PICTURE_FILTERS,
      layers: { routes: false, documents: false, referrals: true },
    };
    expect(ids(filterPicture(items, referralsOnly, ALL_TIME))).toEqual(['p1']);
  });

  it('keeps the window [from, to) of the timeline', () => {
    const from = Date.parse('2026-12-01T10:00:00Z');
    const to = Date.parse('2026-12-01T12:00:00Z');
    expect(ids(filterPicture(items, NO_PICTURE_FILTERS, { from, to }))).toEqual(['d1', 'r1']);
  });

  it('lists each partner once, in order', () => {
    expect(partnersOf(items)).toEqual(['LY', 'NE']);
  });
});

describe('places on the map', () => {
  const centres: Record<string, [number, number]> = { LY: [17, 27], NER: [9, 17] };
  const centreOf = (code: string) => centres[code] ?? null;

  it('uses a stop’s coordinates, else its country’s centre, and leaves out a stop it cannot place', () => {
    expect(placesOf(item(), centreOf)).toEqual([
      { lon: 7.99, lat: 16.97, label: 'Agadez', kind: 'origin', approximate: false },
      { lon: 17, lat: 27, label: 'Sabha', kind: 'transit', approximate: true },
    ]);
  });

  it('places a referral at its last known position and a document at its issuing state', () => {
    const referral = item({
      category: 'PROTECTION_REFERRAL',
      waypoints: [],
      referral: { need: 'MEDICAL', peopleCount: 3, place: 'Zuwara', lat: 32.9, lon: 12.1 },
    });
    expect(placesOf(referral, centreOf)).toEqual([
      { lon: 12.1, lat: 32.9, label: 'Zuwara', kind: 'position', approximate: false },
    ]);
    const doc = item({
      category: 'DOCUMENT',
      waypoints: [],
      document: { documentType: 'PASSPORT', issuingState: 'NER', fraudType: 'FORGED' },
    });
    expect(placesOf(doc, centreOf)).toEqual([
      { lon: 9, lat: 17, label: 'NER', kind: 'document', approximate: true },
    ]);
    const nowhere = item({
      category: 'PROTECTION_REFERRAL',
      waypoints: [],
      referral: { need: 'MEDICAL', peopleCount: 3, place: 'somewhere', lat: null, lon: null },
    });
    expect(placesOf(nowhere, centreOf)).toEqual([]);
  });
});

describe('acknowledgement on the picture', () => {
  const acked = { acknowledgedBy: 'officer.tripoli', acknowledgedAt: '2026-12-01T11:00:00.000Z' };
  const open = { acknowledgedBy: null, acknowledgedAt: null };

  it('takes an acknowledgement the server knows of although this tab never saw it (reload, another tab)', () => {
    expect(pictureAcknowledgement(item(acked), null, undefined)).toEqual(acked);
    expect(pictureAcknowledgement(item(acked), open)).toEqual(acked);
    expect(pictureAsFeedRow(item(acked))).toMatchObject(acked);
  });

  it('takes one made here or in this tab’s feed before the server’s picture has it; none while nobody knows', () => {
    expect(pictureAcknowledgement(item(), { ...acked, acknowledgedBy: 'me' }, open)).toEqual({
      ...acked,
      acknowledgedBy: 'me',
    });
    expect(pictureAcknowledgement(item(), null, acked)).toEqual(acked);
    expect(pictureAcknowledgement(item(), null, open)).toBeNull();
    expect(pictureAcknowledgement(item())).toBeNull();
  });

  it('keeps an acknowledgement on its item only', () => {
    const items = [item({ alertId: 'a1' }), item({ alertId: 'a2' }), item({ alertId: 'a1', origin: 'NE' })];
    const next = withAcknowledgement(items, 'LY/a1', acked);
    expect(next.map((i) => i.acknowledgedAt)).toEqual([acked.acknowledgedAt, null, null]);
    expect(items[0].acknowledgedAt).toBeNull();
  });
});

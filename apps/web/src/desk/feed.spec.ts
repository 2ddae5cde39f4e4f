import type { DeskItem } from '@corridor/gateway-api';
import { describe, expect, it } from 'vitest';
import { Feed, FEED_CACHE_VERSION, MAX_ROWS, matchesFilters, NO_FILTERS, rowKeyOf } from './feed';

const item = (over: Partial<DeskItem>): DeskItem => ({
  seq: 1,
  event: 'ALERT',
  inboxSeq: 1,
  sender: 'LY',
  origin: 'LY',
  alertId: 'a1',
  threadId: null,
  category: 'ROUTE',
  priority: 'ROUTINE',
  classification: 'AMBER',
  title: 'Boats at Zuwara',
  state: 'ACTIVE',
  receivedAt: '2026-12-01T10:00:00Z',
  acknowledgedBy: null,
  acknowledgedAt: null,
  redactedFields: [],
  summary: {},
  reply: null,
  ...over,
});

describe('Feed', () => {
  it('keys alerts by (origin, alert id): the same id from another origin is another row', () => {
    const feed = new Feed();
    feed.receive(item({ seq: 1 }), false);
    feed.receive(item({ seq: 2, sender: 'NE', origin: 'NE', title: 'NE alert' }), false);
    expect([...feed.rows.keys()].sort()).toEqual(['alert:LY/a1', 'alert:NE/a1']);
  });

  it('replaces an alert by its update and withdrawal, never by an older item, and ignores a replayed seq', () => {
    const feed = new Feed();
    feed.receive(item({ seq: 5, event: 'UPDATED', title: 'updated' }), false);
    expect(feed.receive(item({ seq: 3, title: 'old' }), false)).toBeNull();
    expect(feed.rows.get('alert:LY/a1')?.title).toBe('updated');
    feed.receive(item({ seq: 7, event: 'WITHDRAWN', state: 'WITHDRAWN', title: null }), false);
    expect(feed.rows.get('alert:LY/a1')?.state).toBe('WITHDRAWN');
    expect(feed.receive(item({ seq: 7, title: 'again' }), false)).toBeNull();
    expect(feed.lastSeq).toBe(7);
  });

  it('links a reply without origin (older server) to no alert, and one with origin to its alert', () => {
    const old = item({ seq: 9, event: 'REPLY', origin: undefined, sender: 'IT' });
    expect(rowKeyOf(old)).toBe('reply:9');
    const feed = new Feed();
    const alert = item({ seq: 1 });
    feed.receive(alert, false);
    feed.receive(old, false);
    feed.receive(
      item({ seq: 10, event: 'REPLY', sender: 'IT', origin: 'LY', reply: { body: 'hi', officerId: 'o' } }),
      false,
    );
    expect(feed.thread(alert).map((e) => e.item?.seq)).toEqual([10]);
  });

  it('keeps at most MAX_ROWS rows, dropping the oldest but never the selected one', () => {
    const feed = new Feed();
    feed.receive(item({ seq: 1, alertId: 'keep' }), false);
    feed.selectedKey = 'alert:LY/keep';
    for (let i = 2; i <= MAX_ROWS + 5; i++) {
      feed.receive(item({ seq: i, alertId: `a${i}` }), false);
    }
    expect(feed.rows.size).toBeLessThanOrEqual(MAX_ROWS + 1);
    expect(feed.rows.has('alert:LY/keep')).toBe(true);
    expect(feed.rows.has('alert:LY/a2')).toBe(false);
  });

  it('filters by category, priority, partner and title or reply text', () => {
    const route = item({ title: 'Pick-up trucks' });
    expect(matchesFilters(route, { ...NO_FILTERS, category: 'ROUTE', text: 'truck' })).toBe(true);
    expect(matchesFilters(route, { ...NO_FILTERS, priority: 'FLASH' })).toBe(false);
    expect(matchesFilters(route, { ...NO_FILTERS, partner: 'NE' })).toBe(false);
    const reply = item({ event: 'REPLY', title: null, reply: { body: 'Which boats?', officerId: 'x' } });
    expect(matchesFilters(reply, { ...NO_FILTERS, text: 'boats' })).toBe(true);
  });

  it('round-trips through the tab cache and refuses a cache of another version', () => {
    const feed = new Feed();
    const alert = item({ seq: 4 });
    feed.receive(alert, true);
    feed.addSentReply(alert, { body: 'sent', at: '2026-12-01T11:00:00Z', replyId: 'r1' });
    const cache = JSON.parse(JSON.stringify(feed.toCache('IT/officer'))) as unknown;
    const back = new Feed();
    expect(back.restore(cache)).toBe(true);
    expect(back.lastSeq).toBe(4);
    expect(back.thread(alert).map((e) => e.sent?.body)).toEqual(['sent']);
    expect(back.newRowKeys.size).toBe(0);
    expect(new Feed().restore({ ...(cache as object), version: FEED_CACHE_VERSION - 1 })).toBe(false);
  });
});

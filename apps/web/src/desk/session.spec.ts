// A page load's restore of the saved feed (happy-dom, the real sessionStorage and DeskSession; the gateway's
// /auth/session answered here): the rows come back a chunk per task after the page is drawn, not in one long task.
import type { DeskItem } from '@corridor/gateway-api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initI18n } from '../shared/i18n';
import { storage } from '../shared/storage';
import { FEED_CACHE_VERSION, type FeedCache } from './feed';
import { CHUNK_ITEMS, saveCacheNow } from './saved';
import { DeskSession } from './session';

const ROWS = CHUNK_ITEMS * 6;

function savedFeed(): FeedCache {
  const items = Array.from(
    { length: ROWS },
    (_, i) =>
      ({
        seq: i + 1,
        event: 'ALERT',
        sender: 'LY',
        origin: 'LY',
        alertId: `a${i}`,
        category: 'ROUTE',
        priority: 'ROUTINE',
        summary: {},
        redactedFields: [],
      }) as unknown as DeskItem,
  );
  return { version: FEED_CACHE_VERSION, officer: 'IT/o', lastSeq: ROWS, items, sentReplies: [] };
}

/** The next macrotask: what the browser runs between tasks (input, paint) gets its turn here. */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('restoring the saved feed on a page load', () => {
  beforeAll(async () => {
    await initI18n('en');
  });

  afterEach(() => {
    window.sessionStorage.clear();
  });

  function signedInAtGateway(): void {
    window.fetch = () => Promise.resolve(new Response(JSON.stringify({ signedIn: true, provider: 'up' })));
  }

  it('gives the page a turn between chunks, then holds every saved row and the last seq', async () => {
    expect(saveCacheNow(storage, 'corridor.desk.feed', savedFeed())).toBe(true);
    signedInAtGateway();
    const session = new DeskSession();
    let finished = false;
    const started = session.start().then(() => {
      finished = true;
    });
    let turns = 0;
    while (!finished) {
      await nextTask();
      turns++;
    }
    await started;
    // The manifest and six chunks, each in a task of its own.
    expect(turns).toBeGreaterThanOrEqual(6);
    expect(session.feed.rows.size).toBe(ROWS);
    expect(session.feed.lastSeq).toBe(ROWS);
    // Without the gateway's socket.io client here, the sign-in that follows says so.
    expect(session.signinError).toEqual({ key: 'signin.noClient' });
  });

  it('drops the restore when the officer signs in on the screen meanwhile', async () => {
    saveCacheNow(storage, 'corridor.desk.feed', savedFeed());
    signedInAtGateway();
    const session = new DeskSession();
    const started = session.start();
    await nextTask();
    await nextTask();
    session.signIn('a-token', true);
    await started;
    expect(session.feed.rows.size).toBe(0);
    expect(session.feed.lastSeq).toBe(0);
    // What was saved stays for the next load; the new connection's feed overwrites it when it saves.
    expect(storage.get('corridor.desk.feed')).not.toBeNull();
  });
});

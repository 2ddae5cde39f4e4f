import type { DeskItem } from '@corridor/gateway-api';
import { describe, expect, it } from 'vitest';
import { FEED_CACHE_VERSION, type FeedCache } from './feed';
import {
  CHUNK_ITEMS,
  type KeyValueStore,
  readCache,
  readCacheInSteps,
  removeCache,
  saveCacheInSteps,
  saveCacheNow,
} from './saved';

function memoryStore(limit = Infinity): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: (k) => map.get(k) ?? null,
    set: (k, v) => {
      if (v.length > limit) {
        return false;
      }
      map.set(k, v);
      return true;
    },
    remove: (k) => void map.delete(k),
  };
}

function cacheOf(n: number): FeedCache {
  const items = Array.from(
    { length: n },
    (_, i) => ({ seq: i + 1, alertId: `a${i}`, sender: 'LY' }) as DeskItem,
  );
  return { version: FEED_CACHE_VERSION, officer: 'IT/o', lastSeq: n, items, sentReplies: [] };
}

describe('the saved feed', () => {
  it('is written in chunks and read back whole', () => {
    const store = memoryStore();
    expect(saveCacheNow(store, 'feed', cacheOf(CHUNK_ITEMS * 2 + 3))).toBe(true);
    expect(store.map.size).toBe(4);
    expect(readCache(store, 'feed')).toEqual(cacheOf(CHUNK_ITEMS * 2 + 3));
  });

  it('drops the chunks a smaller save no longer names, and all of them when removed', () => {
    const store = memoryStore();
    saveCacheNow(store, 'feed', cacheOf(CHUNK_ITEMS * 3));
    saveCacheNow(store, 'feed', cacheOf(10));
    expect([...store.map.keys()].sort()).toEqual(['feed', 'feed.0']);
    removeCache(store, 'feed');
    expect(store.map.size).toBe(0);
  });

  it('keeps nothing when the store refuses a chunk, and reads nothing when a chunk is missing', () => {
    const store = memoryStore(1000);
    expect(saveCacheNow(store, 'feed', cacheOf(CHUNK_ITEMS))).toBe(false);
    expect(store.map.size).toBe(0);
    const whole = memoryStore();
    saveCacheNow(whole, 'feed', cacheOf(CHUNK_ITEMS + 1));
    whole.remove('feed.1');
    expect(readCache(whole, 'feed')).toBeNull();
  });

  it('in steps, stops when a newer save started', async () => {
    const store = memoryStore();
    let turns = 0;
    const done = await saveCacheInSteps({
      store,
      key: 'feed',
      cache: cacheOf(CHUNK_ITEMS * 3),
      pause: () => Promise.resolve(),
      current: () => ++turns < 3,
    });
    expect(done).toBe(false);
    expect(store.get('feed')).toBeNull();
    expect(
      await saveCacheInSteps({
        store,
        key: 'feed',
        cache: cacheOf(7),
        pause: () => Promise.resolve(),
        current: () => true,
      }),
    ).toBe(true);
    expect(readCache(store, 'feed')?.items).toHaveLength(7);
  });

  it('is read back a chunk per turn, never two in one, and gives the same cache', async () => {
    const store = memoryStore();
    saveCacheNow(store, 'feed', cacheOf(CHUNK_ITEMS * 4 + 1));
    const reads: string[] = [];
    const counting: KeyValueStore = { ...store, get: (k) => (reads.push(k), store.get(k)) };
    const perTurn: number[] = [];
    let before = 0;
    const cache = await readCacheInSteps({
      store: counting,
      key: 'feed',
      pause: () => {
        perTurn.push(reads.length - before);
        before = reads.length;
        return Promise.resolve();
      },
      current: () => true,
    });
    perTurn.push(reads.length - before);
    expect(cache).toEqual(cacheOf(CHUNK_ITEMS * 4 + 1));
    // The manifest, then one chunk after each of five pauses.
    expect(perTurn).toEqual([1, 1, 1, 1, 1, 1]);
    expect(reads).toEqual(['feed', 'feed.0', 'feed.1', 'feed.2', 'feed.3', 'feed.4']);
  });

  it('in steps, stops when no longer wanted, and reads nothing when a chunk is missing or broken', async () => {
    const store = memoryStore();
    saveCacheNow(store, 'feed', cacheOf(CHUNK_ITEMS * 3));
    let turns = 0;
    const pause = (): Promise<void> => Promise.resolve();
    expect(await readCacheInSteps({ store, key: 'feed', pause, current: () => ++turns < 2 })).toBe('stopped');
    store.set('feed.1', '[{"seq":');
    expect(await readCacheInSteps({ store, key: 'feed', pause, current: () => true })).toBeNull();
    store.remove('feed.1');
    expect(await readCacheInSteps({ store, key: 'feed', pause, current: () => true })).toBeNull();
    expect(await readCacheInSteps({ store, key: 'absent', pause, current: () => true })).toBeNull();
  });
});

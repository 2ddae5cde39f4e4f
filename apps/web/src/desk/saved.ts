// What this tab keeps of its feed, written in chunks: one JSON.stringify of 10,000 rows is a long task, so the rows
// go in slices of CHUNK_ITEMS under their own keys (a later write can yield between them), then a small manifest
// naming how many there are, with lastSeq. The manifest is written last: a reader never takes rows it does not name.
// A page load reads them back the same way, a chunk per task.
import type { FeedCache } from './feed';

export const CHUNK_ITEMS = 500;

export interface KeyValueStore {
  get(key: string): string | null;
  /** false when the value was not kept */
  set(key: string, value: string): boolean;
  remove(key: string): void;
}

type Manifest = Omit<FeedCache, 'items'> & { chunks: number };

const chunkKey = (key: string, i: number): string => `${key}.${i}`;

function chunksOf(store: KeyValueStore, key: string): number {
  try {
    const manifest = JSON.parse(store.get(key) ?? 'null') as Partial<Manifest> | null;
    return typeof manifest?.chunks === 'number' ? manifest.chunks : 0;
  } catch {
    return 0;
  }
}

/** The writes of one save, one chunk at a time (each stringified only when its turn comes). */
function* writes(store: KeyValueStore, key: string, cache: FeedCache): Generator<() => boolean> {
  const { items, ...rest } = cache;
  const chunks = Math.ceil(items.length / CHUNK_ITEMS);
  const before = chunksOf(store, key);
  for (let i = 0; i < chunks; i++) {
    yield () =>
      store.set(chunkKey(key, i), JSON.stringify(items.slice(i * CHUNK_ITEMS, (i + 1) * CHUNK_ITEMS)));
  }
  const manifest: Manifest = { ...rest, chunks };
  yield () => store.set(key, JSON.stringify(manifest));
  yield () => {
    for (let i = chunks; i < before; i++) {
      store.remove(chunkKey(key, i));
    }
    return true;
  };
}

/** Saves at once (the page is going away). False when the store refused a part: then nothing is kept. */
export function saveCacheNow(store: KeyValueStore, key: string, cache: FeedCache): boolean {
  for (const write of writes(store, key, cache)) {
    if (!write()) {
      removeCache(store, key, Math.ceil(cache.items.length / CHUNK_ITEMS));
      return false;
    }
  }
  return true;
}

/**
 * Saves a chunk per turn, awaiting `pause` between them; stops (false) when `current` says a newer save started.
 * The rows are a snapshot taken by the caller: items are replaced, never changed, so later chunks stay consistent.
 */
export async function saveCacheInSteps(opts: {
  store: KeyValueStore;
  key: string;
  cache: FeedCache;
  pause: () => Promise<void>;
  current: () => boolean;
}): Promise<boolean> {
  const { store, key, cache, pause, current } = opts;
  for (const write of writes(store, key, cache)) {
    await pause();
    if (!current()) {
      return false;
    }
    if (!write()) {
      removeCache(store, key, Math.ceil(cache.items.length / CHUNK_ITEMS));
      return false;
    }
  }
  return true;
}

/** The reads of one restore, a chunk per step (each parsed only when its turn comes); returns the cache or null. */
function* reads(store: KeyValueStore, key: string): Generator<void, FeedCache | null> {
  const parse = (text: string | null): unknown => {
    try {
      return JSON.parse(text ?? 'null') as unknown;
    } catch {
      return null;
    }
  };
  const manifest = parse(store.get(key)) as (Manifest & { items?: unknown }) | null;
  if (!manifest || typeof manifest !== 'object') {
    return null;
  }
  if (Array.isArray(manifest.items)) {
    return manifest as unknown as FeedCache;
  }
  const items: unknown[] = [];
  for (let i = 0; i < manifest.chunks; i++) {
    yield;
    const chunk = parse(store.get(chunkKey(key, i)));
    if (!Array.isArray(chunk)) {
      return null;
    }
    for (const item of chunk) {
      items.push(item);
    }
  }
  const { chunks: _chunks, ...rest } = manifest;
  return { ...rest, items } as FeedCache;
}

/** The saved cache with its rows gathered again; null when there is none or a part is missing or broken. */
export function readCache(store: KeyValueStore, key: string): FeedCache | null {
  const steps = reads(store, key);
  for (;;) {
    const step = steps.next();
    if (step.done) {
      return step.value;
    }
  }
}

/**
 * The same, a chunk per turn, awaiting `pause` before each: parsing 10,000 rows in one go is a long task on a page
 * that is already drawn. 'stopped' when `current` says it is no longer wanted (the officer signed in meanwhile).
 */
export async function readCacheInSteps(opts: {
  store: KeyValueStore;
  key: string;
  pause: () => Promise<void>;
  current: () => boolean;
}): Promise<FeedCache | null | 'stopped'> {
  const steps = reads(opts.store, opts.key);
  for (;;) {
    const step = steps.next();
    if (step.done) {
      return step.value;
    }
    await opts.pause();
    if (!opts.current()) {
      return 'stopped';
    }
  }
}

/** Removes the manifest and its chunks (at least `atLeast` of them: a failed save may have written more). */
export function removeCache(store: KeyValueStore, key: string, atLeast = 0): void {
  const chunks = Math.max(atLeast, chunksOf(store, key));
  store.remove(key);
  for (let i = 0; i < chunks; i++) {
    store.remove(chunkKey(key, i));
  }
}

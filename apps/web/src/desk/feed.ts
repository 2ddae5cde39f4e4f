// The desk's feed as plain state, no DOM: rows keyed by alert identity (origin, alertId), replies in threads,
// replies sent from here, drafts, filters, and what this tab keeps across a reload. Views read it; DeskSession
// feeds it from the socket.
import type { DeskItem } from '@corridor/gateway-api';

export const MAX_ROWS = 10_000;
// Version 2 keys alerts by origin + '/' + alertId; an older cache is discarded and the feed replayed.
export const FEED_CACHE_VERSION = 2;

export interface SentReply {
  body: string;
  at: string;
  replyId: string;
}

export interface FeedFilters {
  category: string;
  priority: string;
  partner: string;
  text: string;
}

export const NO_FILTERS: FeedFilters = { category: '', priority: '', partner: '', text: '' };

/** What this tab keeps in sessionStorage (rows and lastSeq written together: a lastSeq ahead of them loses items). */
export interface FeedCache {
  version: number;
  officer: string;
  lastSeq: number;
  items: DeskItem[];
  sentReplies: [string, SentReply[]][];
}

export function isValidItem(item: unknown): item is DeskItem {
  const i = item as Partial<DeskItem> | null;
  return (
    Boolean(i) &&
    typeof i === 'object' &&
    typeof i?.seq === 'number' &&
    Number.isFinite(i.seq) &&
    typeof i.alertId === 'string' &&
    typeof i.sender === 'string'
  );
}

/**
 * The country that originated the alert an item is about. A server older than issue #20 sends no origin: an
 * alert, update or withdrawal is then about the sender's own alert, but a reply may be about an alert of either
 * side, so it gets null (linked to no alert rather than maybe the wrong one).
 */
export function originOf(item: DeskItem): string | null {
  if (typeof item.origin === 'string' && item.origin) {
    return item.origin;
  }
  return item.event === 'REPLY' ? null : item.sender || null;
}

/** An alert's identity: origin + '/' + alertId, never the alertId alone, which another country can name too. */
export function alertKeyOf(item: DeskItem): string | null {
  const origin = originOf(item);
  return origin ? `${origin}/${item.alertId}` : null;
}

export function threadKeyOf(item: DeskItem): string | null {
  const origin = originOf(item);
  return origin ? `${origin}/${item.threadId ?? item.alertId}` : null;
}

export function rowKeyOf(item: DeskItem): string {
  return item.event === 'REPLY' ? `reply:${item.seq}` : `alert:${alertKeyOf(item)}`;
}

/** What replies sent from here and drafts are kept under: the alert, or the reply row when its alert is unknown. */
export function replyScopeOf(item: DeskItem): string {
  return alertKeyOf(item) ?? `reply/${item.seq}`;
}

export function isGone(item: DeskItem): boolean {
  return item.event === 'WITHDRAWN' || item.state === 'WITHDRAWN' || item.state === 'PURGED';
}

export function canAct(item: DeskItem): boolean {
  return !isGone(item) && item.event !== 'REPLY';
}

export function sameThread(a: DeskItem, b: DeskItem): boolean {
  const alertA = alertKeyOf(a);
  if (alertA !== null && alertA === alertKeyOf(b)) {
    return true;
  }
  const threadA = threadKeyOf(a);
  return threadA !== null && threadA === threadKeyOf(b);
}

export function matchesFilters(item: DeskItem, f: FeedFilters): boolean {
  const text = f.text.trim().toLowerCase();
  const searchable = `${item.title ?? ''} ${item.event === 'REPLY' && item.reply ? item.reply.body : ''}`;
  return (
    (!f.category || item.category === f.category) &&
    (!f.priority || item.priority === f.priority) &&
    (!f.partner || item.sender === f.partner) &&
    (!text || searchable.toLowerCase().includes(text))
  );
}

function sameFilters(a: FeedFilters, b: FeedFilters): boolean {
  return (
    a.category === b.category && a.priority === b.priority && a.partner === b.partner && a.text === b.text
  );
}

export class Feed {
  lastSeq = 0;
  /** the officer whose rows are in memory */
  owner: string | null = null;
  readonly seenSeqs = new Set<number>();
  /** row key -> latest item of that row */
  readonly rows = new Map<string, DeskItem>();
  readonly senders = new Set<string>();
  /** rows that arrived live and are highlighted once */
  readonly newRowKeys = new Set<string>();
  readonly sentReplies = new Map<string, SentReply[]>();
  readonly replyDrafts = new Map<string, string>();
  selectedKey: string | null = null;
  /** bumps on every change, so views can tell a new state from the same one */
  version = 0;

  reset(): void {
    this.lastSeq = 0;
    this.seenSeqs.clear();
    this.rows.clear();
    this.senders.clear();
    this.newRowKeys.clear();
    this.sentReplies.clear();
    this.replyDrafts.clear();
    this.selectedKey = null;
    this.version++;
  }

  /**
   * A live or replayed item: ignored when already seen; UPDATED and WITHDRAWN replace the earlier item of the same
   * alert. Returns the row key, or null when the item was a duplicate or older than what its row shows.
   */
  receive(item: DeskItem, markNew: boolean): string | null {
    if (!isValidItem(item) || this.seenSeqs.has(item.seq)) {
      return null;
    }
    this.seenSeqs.add(item.seq);
    if (item.seq > this.lastSeq) {
      this.lastSeq = item.seq;
    }
    const key = this.apply(item);
    if (key && markNew) {
      this.newRowKeys.add(key);
    }
    return key;
  }

  private apply(raw: DeskItem): string | null {
    const item: DeskItem = {
      ...raw,
      redactedFields: Array.isArray(raw.redactedFields) ? raw.redactedFields : [],
      summary: raw.summary && typeof raw.summary === 'object' ? raw.summary : {},
    };
    const key = rowKeyOf(item);
    const existing = this.rows.get(key);
    if (existing && existing.seq > item.seq) {
      return null;
    }
    this.rows.set(key, item);
    if (item.sender) {
      this.senders.add(item.sender);
    }
    if (this.rows.size > MAX_ROWS) {
      this.trim();
    }
    this.version++;
    return key;
  }

  private trim(): void {
    const ordered = [...this.rows.entries()].sort((a, b) => a[1].seq - b[1].seq);
    while (ordered.length > MAX_ROWS) {
      const oldest = ordered.shift();
      if (oldest && oldest[0] !== this.selectedKey) {
        this.rows.delete(oldest[0]);
      }
    }
  }

  // Sorting and filtering 10,000 rows takes milliseconds: done again only when the rows or the filters change, not
  // on every render (a scroll re-renders the list many times a second).
  private orderedCache: { version: number; rows: [string, DeskItem][] } | null = null;
  private visibleCache: { version: number; filters: FeedFilters; rows: [string, DeskItem][] } | null = null;

  /** Rows newest first (the same array until the feed changes: do not modify it). */
  ordered(): [string, DeskItem][] {
    if (this.orderedCache?.version !== this.version) {
      const rows = [...this.rows.entries()].sort((a, b) => b[1].seq - a[1].seq);
      this.orderedCache = { version: this.version, rows };
    }
    return this.orderedCache.rows;
  }

  visible(filters: FeedFilters): [string, DeskItem][] {
    const cached = this.visibleCache;
    if (cached && cached.version === this.version && sameFilters(cached.filters, filters)) {
      return cached.rows;
    }
    const all = this.ordered();
    const rows = sameFilters(filters, NO_FILTERS)
      ? all
      : all.filter(([, item]) => matchesFilters(item, filters));
    this.visibleCache = { version: this.version, filters: { ...filters }, rows };
    return rows;
  }

  partners(): string[] {
    return [...this.senders].sort();
  }

  /** Patches the row's item (acknowledgement, redactions from the server's copy). */
  patch(key: string, changes: Partial<DeskItem>): void {
    const item = this.rows.get(key);
    if (item) {
      this.rows.set(key, { ...item, ...changes });
      this.version++;
    }
  }

  keyOfSeq(seq: number): string | null {
    for (const [key, item] of this.rows) {
      if (item.seq === seq) {
        return key;
      }
    }
    return null;
  }

  /** Replies received in the thread of `item` and replies sent from here, oldest first. */
  thread(item: DeskItem): { item?: DeskItem; sent?: SentReply; at: string }[] {
    const entries: { item?: DeskItem; sent?: SentReply; at: string }[] = [];
    for (const other of this.rows.values()) {
      if (other.event === 'REPLY' && other.seq !== item.seq && sameThread(item, other) && other.reply) {
        entries.push({ item: other, at: other.receivedAt });
      }
    }
    for (const sent of this.sentReplies.get(replyScopeOf(item)) ?? []) {
      entries.push({ sent, at: sent.at });
    }
    return entries.sort((a, b) => String(a.at).localeCompare(String(b.at)));
  }

  addSentReply(item: DeskItem, reply: SentReply): void {
    const scope = replyScopeOf(item);
    this.sentReplies.set(scope, [...(this.sentReplies.get(scope) ?? []), reply]);
    this.replyDrafts.delete(scope);
    this.version++;
  }

  toCache(officer: string): FeedCache {
    return {
      version: FEED_CACHE_VERSION,
      officer: this.owner ?? officer,
      lastSeq: this.lastSeq,
      items: [...this.rows.values()],
      sentReplies: [...this.sentReplies.entries()],
    };
  }

  /**
   * Restores what this tab saved; false (and nothing restored) for a cache of another version or a broken one:
   * an older cache keyed alerts by alertId alone, so the gateway replays the feed from the start instead.
   */
  restore(cache: unknown): boolean {
    const c = cache as Partial<FeedCache> | null;
    if (!c || c.version !== FEED_CACHE_VERSION || typeof c.officer !== 'string' || !Array.isArray(c.items)) {
      return false;
    }
    for (const item of c.items) {
      if (isValidItem(item)) {
        this.seenSeqs.add(item.seq);
        this.apply(item);
      }
    }
    this.lastSeq = Number(c.lastSeq) || 0;
    this.owner = c.officer;
    for (const entry of Array.isArray(c.sentReplies) ? c.sentReplies : []) {
      const [scope, list] = Array.isArray(entry) ? entry : [];
      if (typeof scope === 'string' && scope.includes('/') && Array.isArray(list)) {
        this.sentReplies.set(scope, list);
      }
    }
    this.newRowKeys.clear();
    return true;
  }
}

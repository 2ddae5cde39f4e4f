// The desk's connection to its gateway: socket.io namespace /desk with the typed event maps of @corridor/gateway-api,
// hello and resume, live feed items into the Feed, requests with acknowledgements and a timeout, FLASH notifications,
// and what this tab keeps across a reload. Views subscribe to changes; every message is an i18n key with values.
import type { ClientToServerEvents, DeskHello, DeskItem, ServerToClientEvents } from '@corridor/gateway-api';
import type { Socket, io as ioFunction } from 'socket.io-client';
import { isolatedPlain } from '../shared/bidi';
import { t } from '../shared/i18n';
import type { Message } from '../shared/message';
import { type AuthState, credentials, fetchAuthState, PROVIDER_LOGOUT } from './auth';
import { Feed, isGone, alertKeyOf, type FeedCache } from './feed';
import { storage } from '../shared/storage';
import { readCacheInSteps, removeCache, saveCacheInSteps, saveCacheNow } from './saved';

declare global {
  interface Window {
    /** The socket.io client the gateway serves (/socket.io/socket.io.min.js), the same version as its server. */
    io?: typeof ioFunction;
  }
}

export type DeskSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type Connection = 'connected' | 'reconnecting' | 'disconnected';
/** The pages of the signed-in desk. */
export const DESK_PAGES = ['feed', 'sent', 'conversations', 'picture'] as const;
export type DeskPage = (typeof DESK_PAGES)[number];

type Events = ClientToServerEvents;
type AckOf<E extends keyof Events> = Parameters<Parameters<Events[E]>[1]>[0];
export type Answer<E extends keyof Events> = Extract<AckOf<E>, { ok: true }>;
export type Outcome<E extends keyof Events> = { ok: true; value: Answer<E> } | { ok: false; error: Message };

const STORAGE = { lastSeq: 'corridor.desk.lastSeq', feed: 'corridor.desk.feed' };
const ACK_TIMEOUT_MS = 15_000;
const HELLO_WAIT_MS = 3_000;

export function refusal(reason: string | undefined, code: string | undefined): Message {
  const values = { reason: reason || t('errors.noReason'), code: code ?? '' };
  return { key: code ? 'errors.refusedCode' : 'errors.refused', values };
}

export class DeskSession {
  readonly feed = new Feed();
  socket: DeskSocket | null = null;
  hello: DeskHello | null = null;
  connection: Connection = 'disconnected';
  view: 'signin' | 'desk' = 'signin';
  /** the page of the signed-in desk the officer chose */
  page: DeskPage = 'feed';
  signinError: Message | null = null;
  signinProgress: Message | null = null;
  banner: (Message & { reconnect?: boolean }) | null = null;
  /** Items above this seq arrived after the desk first connected: they may raise a notification. */
  notifyAbove = Number.POSITIVE_INFINITY;
  /** bumps when the signed-in officer should see the feed heading focused */
  focusFeedRequests = 0;
  private resumeFrom = 0;
  private helloOnThisConnection = false;
  private helloTimer: number | undefined;
  private persistTimer: number | undefined;
  /** bumps when a save starts, so a save in steps that a newer one overtook stops */
  private persistGeneration = 0;
  private focusAfterHello = false;
  /** bumps on every sign-in, so a page load's restore knows the officer signed in meanwhile */
  private signIns = 0;
  private readonly listeners = new Set<() => void>();
  private renderPending = false;
  /** Where assistive technology hears a new message (polite / assertive live regions). */
  onAnnounce: (text: string, assertive: boolean) => void = () => undefined;
  /** Opens a row from a notification click. */
  onOpenRow: (key: string) => void = () => undefined;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** bumps each time the listeners are told of a change, so a view that subscribes late can tell it missed one */
  version = 0;

  /** Views re-render at most once a frame however many items arrive (a replay of 10,000 is 10,000 events). */
  changed(): void {
    if (this.renderPending) {
      return;
    }
    this.renderPending = true;
    window.requestAnimationFrame(() => {
      this.renderPending = false;
      this.version++;
      for (const listener of this.listeners) {
        listener();
      }
    });
  }

  /** How this gateway signs people in; until it has answered, the sign-in view offers nothing. */
  auth: AuthState = { signedIn: false, provider: 'not-configured', devTokens: false };

  /**
   * A page load: a session at the gateway connects at once (with the rows this tab kept); else, where development
   * tokens are allowed, the token this tab signed in with; else the sign-in view.
   */
  async start(): Promise<void> {
    this.auth = await fetchAuthState();
    const token = this.auth.devTokens ? credentials.stored() : null;
    if (this.auth.signedIn || token) {
      const signIns = this.signIns;
      this.signinProgress = { key: 'signin.connecting' };
      this.changed();
      // The officer may sign in on the screen meanwhile: then that connection stands, without the saved rows.
      await this.restore(() => signIns === this.signIns);
      if (signIns === this.signIns) {
        this.signIn(this.auth.signedIn ? null : token, false);
      }
    } else {
      this.view = 'signin';
      this.changed();
    }
  }

  /** token null: the gateway's session cookie (signed in at the identity provider). */
  signIn(token: string | null, fromUser: boolean): void {
    this.signIns++;
    this.closeSocket();
    this.signinError = null;
    this.banner = null;
    if (token) {
      credentials.remember(token);
    }
    this.focusAfterHello = fromUser;
    const io = window.io;
    if (typeof io !== 'function') {
      this.view = 'signin';
      this.signinError = { key: 'signin.noClient' };
      this.changed();
      return;
    }
    this.signinProgress = { key: 'signin.connecting' };
    this.connection = 'reconnecting';
    const socket: DeskSocket = io('/desk', {
      auth: credentials.handshake(token),
      forceNew: true,
      // WebSocket first: no polling-to-WebSocket upgrade probe to abort when a token is refused. The session cookie
      // counts only with this page's Origin, which a WebSocket handshake always carries (a same-origin poll does not).
      transports: token ? ['websocket', 'polling'] : ['websocket'],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });
    this.socket = socket;
    const mine = (): boolean => this.socket === socket;

    socket.on('connect', () => {
      if (!mine()) {
        return;
      }
      this.connection = 'connected';
      this.banner = null;
      this.resumeFrom = this.feed.lastSeq;
      this.helloOnThisConnection = false;
      window.clearTimeout(this.helloTimer);
      // The server greets every connection; if it does not, resume anyway so the feed still fills.
      this.helloTimer = window.setTimeout(() => {
        if (mine() && socket.connected && !this.helloOnThisConnection) {
          this.view = 'desk';
          void this.resume();
        }
      }, HELLO_WAIT_MS);
      this.changed();
    });
    socket.on('hello', (hello) => {
      if (mine()) {
        this.onHello(hello);
      }
    });
    socket.on('feed', (item) => {
      if (mine()) {
        this.onFeedItem(item);
      }
    });
    socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      if (!mine()) {
        return;
      }
      const reason = refusal(err?.message || undefined, err?.data?.code);
      if (socket.active) {
        // Transport trouble: socket.io keeps retrying on its own.
        this.connection = 'reconnecting';
        if (this.view === 'signin') {
          this.signinError = { key: 'signin.unreachable', values: { reason: reason } };
        } else {
          this.banner = { key: 'desk.connectionProblem', values: { reason: reason } };
        }
      } else {
        // Refused by the server (bad, expired or missing token): no automatic retry.
        this.connection = 'disconnected';
        credentials.forget();
        this.socket = null;
        this.view = 'signin';
        this.signinProgress = null;
        this.signinError = { key: 'signin.refused', values: { reason: reason } };
      }
      this.changed();
    });
    socket.on('disconnect', (reason) => {
      if (!mine()) {
        return;
      }
      window.clearTimeout(this.helloTimer);
      if (reason === 'io server disconnect') {
        this.connection = 'disconnected';
        if (!this.helloOnThisConnection && this.view === 'signin') {
          this.signinError = { key: 'signin.closedBeforeHello' };
          this.signinProgress = null;
        } else {
          this.banner = { key: 'desk.disconnectedByGateway', reconnect: true };
        }
      } else {
        this.connection = reason === 'io client disconnect' ? 'disconnected' : 'reconnecting';
      }
      this.changed();
    });
    socket.io.on('reconnect_attempt', () => {
      if (mine()) {
        this.connection = 'reconnecting';
        this.changed();
      }
    });
    this.changed();
  }

  /** Shows another page of the desk. */
  go(page: DeskPage): void {
    if (this.page !== page) {
      this.page = page;
      this.changed();
    }
  }

  /** Opens a row of the feed (an alert by its key alert:origin/alertId) from another page; false when absent. */
  openInFeed(key: string): boolean {
    if (!this.feed.rows.has(key)) {
      return false;
    }
    this.feed.selectedKey = key;
    this.feed.version++;
    this.page = 'feed';
    this.changed();
    return true;
  }

  reconnect(): void {
    if (this.socket) {
      this.connection = 'reconnecting';
      this.banner = null;
      this.socket.connect();
      this.changed();
    } else {
      const token = credentials.stored();
      if (this.auth.signedIn) {
        this.signIn(null, false);
      } else if (token) {
        this.signIn(token, false);
      }
    }
  }

  signOut(): void {
    if (this.auth.signedIn) {
      // Ends the gateway's session and the provider's (RP-initiated logout), then comes back to the desk.
      storage.remove(STORAGE.lastSeq);
      removeCache(storage, STORAGE.feed);
      window.location.assign(PROVIDER_LOGOUT);
      return;
    }
    this.closeSocket();
    credentials.forget();
    storage.remove(STORAGE.lastSeq);
    removeCache(storage, STORAGE.feed);
    this.feed.reset();
    this.feed.owner = null;
    this.hello = null;
    this.notifyAbove = Number.POSITIVE_INFINITY;
    this.connection = 'disconnected';
    this.signinError = null;
    this.signinProgress = null;
    this.banner = null;
    this.view = 'signin';
    this.changed();
  }

  private closeSocket(): void {
    window.clearTimeout(this.helloTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.disconnect();
  }

  private resetFeed(): void {
    this.feed.reset();
    storage.remove(STORAGE.lastSeq);
    removeCache(storage, STORAGE.feed);
  }

  onHello(hello: DeskHello): void {
    if (!hello || typeof hello !== 'object') {
      return;
    }
    this.helloOnThisConnection = true;
    window.clearTimeout(this.helloTimer);
    this.hello = hello;
    // Rows kept in memory or restored from this tab's storage belong to one officer only.
    if (this.feed.owner !== null && this.feed.owner !== hello.officer) {
      this.resetFeed();
      this.resumeFrom = 0;
    }
    this.feed.owner = hello.officer;
    // The gateway's feed is behind what we saw: it was reset, so start over rather than miss items.
    if (typeof hello.latestSeq === 'number' && this.resumeFrom > hello.latestSeq) {
      this.resetFeed();
      this.resumeFrom = 0;
    }
    if (this.notifyAbove === Number.POSITIVE_INFINITY) {
      this.notifyAbove = typeof hello.latestSeq === 'number' ? hello.latestSeq : this.feed.lastSeq;
    }
    this.signinError = null;
    this.signinProgress = null;
    this.view = 'desk';
    if (this.focusAfterHello) {
      this.focusAfterHello = false;
      this.focusFeedRequests++;
    }
    this.changed();
    void this.resume();
  }

  // Resumes from the last seq seen when this connection opened: a live item pushed before the replay must not
  // move the resume point past the items missed while disconnected.
  private async resume(): Promise<void> {
    const lastSeq = this.resumeFrom;
    const r = await this.request('resume', { lastSeq });
    this.banner = r.ok ? null : { key: 'desk.resumeFailed', values: { seq: lastSeq, reason: r.error } };
    this.changed();
  }

  onFeedItem(item: DeskItem): void {
    const live = typeof item?.seq === 'number' && item.seq > this.notifyAbove;
    const key = this.feed.receive(item, live);
    if (!key) {
      return;
    }
    this.schedulePersist();
    this.changed();
    if (live && item.priority === 'FLASH' && !isGone(item)) {
      this.notifyFlash(item, key);
    }
  }

  private notifyFlash(item: DeskItem, key: string): void {
    const heading = t('notify.flash', {
      category: t(`category.${item.category}`, { defaultValue: item.category }).toLowerCase(),
      sender: item.sender,
    });
    this.onAnnounce(heading + (item.title ? `: ${isolatedPlain(item.title)}` : ''), true);
    if (typeof window.Notification !== 'function' || window.Notification.permission !== 'granted') {
      return;
    }
    try {
      const notification = new window.Notification(heading, {
        body: item.title ? isolatedPlain(item.title) : '',
        tag: `corridor-${alertKeyOf(item)}`,
      });
      notification.onclick = () => {
        window.focus();
        this.onOpenRow(key);
        notification.close();
      };
    } catch {
      // Some browsers only allow notifications from a service worker: the in-page highlight remains.
    }
  }

  /** Emits with an acknowledgement and a timeout; a refusal or silence becomes a message in the reader's language. */
  request<E extends keyof Events>(event: E, payload: Parameters<Events[E]>[0]): Promise<Outcome<E>> {
    const socket = this.socket;
    if (!socket) {
      return Promise.resolve({ ok: false, error: { key: 'errors.notSignedIn' } });
    }
    return new Promise((resolve) => {
      const emit = socket.timeout(ACK_TIMEOUT_MS).emit as unknown as (
        e: E,
        p: unknown,
        cb: (err: Error | null, res: AckOf<E> | undefined) => void,
      ) => void;
      emit.call(socket.timeout(ACK_TIMEOUT_MS), event, payload, (err, res) => {
        if (err) {
          resolve({ ok: false, error: { key: 'errors.timeout' } });
        } else if (!res || res.ok !== true) {
          resolve({ ok: false, error: refusal(res?.reason, res?.code) });
        } else {
          resolve({ ok: true, value: res as Answer<E> });
        }
      });
    });
  }

  schedulePersist(): void {
    window.clearTimeout(this.persistTimer);
    this.persistTimer = window.setTimeout(() => void this.persistInSteps(), 300);
  }

  // Survives a reload of this tab only (sessionStorage), so a reload resumes instead of replaying everything.
  // At once when the page goes away; otherwise a chunk of rows per task, so saving never blocks the page.
  persist(): void {
    const cache = this.cacheToSave();
    if (cache && saveCacheNow(storage, STORAGE.feed, cache)) {
      storage.set(STORAGE.lastSeq, String(cache.lastSeq));
    }
  }

  private async persistInSteps(): Promise<void> {
    const cache = this.cacheToSave();
    const generation = this.persistGeneration;
    if (
      cache &&
      (await saveCacheInSteps({
        store: storage,
        key: STORAGE.feed,
        cache,
        pause: () => new Promise((resolve) => window.setTimeout(resolve, 0)),
        current: () => generation === this.persistGeneration,
      }))
    ) {
      storage.set(STORAGE.lastSeq, String(cache.lastSeq));
    }
  }

  private cacheToSave(): FeedCache | null {
    window.clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.persistGeneration++;
    return this.hello ? this.feed.toCache(this.hello.officer) : null;
  }

  /** What this tab saved, back into the feed a chunk per task (the page is drawn already); nothing once unwanted. */
  private async restore(wanted: () => boolean): Promise<void> {
    if (storage.get(STORAGE.feed) === null) {
      return;
    }
    const cache = await readCacheInSteps({
      store: storage,
      key: STORAGE.feed,
      pause: () => new Promise((resolve) => window.setTimeout(resolve, 0)),
      current: wanted,
    });
    if (cache === 'stopped' || !wanted()) {
      return;
    }
    if (!cache || !this.feed.restore(cache)) {
      removeCache(storage, STORAGE.feed);
      storage.remove(STORAGE.lastSeq);
    }
  }
}

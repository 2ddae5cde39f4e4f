// Corridor liaison desk: plain browser JavaScript, no build step, served by the gateway at /desk.
// The protocol is libs/gateway-api/src/desk-events.ts (@corridor/gateway-api); the JSDoc types below mirror it.
// Every piece of data is inserted with textContent or attributes: never innerHTML.
// Partner-supplied text is shown through partnerText() (an isolating <bdi dir="auto">), never bare.
'use strict';

/**
 * @typedef {object} DeskItem
 * @property {number} seq gateway desk sequence, strictly increasing
 * @property {'ALERT'|'UPDATED'|'WITHDRAWN'|'REPLY'} event
 * @property {number} inboxSeq
 * @property {string} sender
 * @property {string} [origin] the country that originated the alert; an alert is identified by (origin, alertId),
 *   never by alertId alone (absent from servers older than issue #20)
 * @property {string} alertId
 * @property {string|null} threadId
 * @property {string} category
 * @property {string} priority
 * @property {string} classification
 * @property {string|null} title null once withdrawn or purged
 * @property {'ACTIVE'|'WITHDRAWN'|'PURGED'} state
 * @property {string} receivedAt
 * @property {string|null} acknowledgedBy
 * @property {string|null} acknowledgedAt
 * @property {string[]} redactedFields
 * @property {Record<string, unknown>} summary non-personal summary for the feed row
 * @property {{ body: string, officerId: string }|null} [reply] officerId as the sending gateway asserts it
 */

/**
 * @typedef {object} DeskHello
 * @property {string} officer
 * @property {string} country
 * @property {string|null} desk
 * @property {string} clearance
 * @property {string[]} categories
 * @property {number} latestSeq
 */

/**
 * Ack<T> = ({ ok: true } & T) | { ok: false, reason: string, code: string }
 * Client -> server: resume({ lastSeq }), detail({ seq }), acknowledge({ seq }), reply({ seq, body }),
 * documentCheck({ number?, mrz? }); server -> client: hello(DeskHello), feed(DeskItem).
 * Handshake: io('/desk', { auth: { token } }); a refused token gives connect_error with data.code.
 */

(function desk() {
  const STORAGE_KEYS = {
    token: 'corridor.desk.token',
    lastSeq: 'corridor.desk.lastSeq',
    feed: 'corridor.desk.feed',
  };
  // Version 2 keys alerts by origin + '/' + alertId; an older cache is discarded and the feed replayed.
  const FEED_CACHE_VERSION = 2;
  const ACK_TIMEOUT_MS = 15000;
  const HELLO_WAIT_MS = 3000;
  const MAX_ROWS = 1000;
  const WORLD_URL = '/desk/vendor/countries-110m.json';
  const MAP_WIDTH = 760;
  const MAP_HEIGHT = 340;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const CATEGORY_LABELS = {
    ROUTE: 'Route',
    DOCUMENT: 'Document',
    SUSPECT: 'Suspect',
    FINANCIAL_FLOW: 'Financial flow',
    PROTECTION_REFERRAL: 'Protection referral',
    BULLETIN: 'Bulletin',
  };
  // Viewing these is logged by the gateway (personal data).
  const LOGGED_VIEW_CATEGORIES = new Set(['SUSPECT', 'DOCUMENT', 'PROTECTION_REFERRAL']);

  /** @type {{ [k: string]: HTMLElement }} */
  const el = {};

  const state = {
    /** @type {any} */
    socket: null,
    /** @type {DeskHello|null} */
    hello: null,
    /** @type {string|null} the officer whose rows are in memory */
    feedOwner: null,
    resumeFrom: 0,
    helloOnThisConnection: false,
    /** @type {number|undefined} */
    helloTimer: undefined,
    lastSeq: 0,
    /** Items above this seq arrived after the desk first connected: they may raise a notification. */
    notifyAbove: Number.POSITIVE_INFINITY,
    /** @type {Set<number>} */
    seenSeqs: new Set(),
    /** @type {Map<string, DeskItem>} row key -> latest item of that row */
    rows: new Map(),
    /** @type {Map<string, HTMLLIElement>} */
    rowEls: new Map(),
    /** @type {Map<string, string>} row key -> signature of what the row shows */
    rowSignatures: new Map(),
    /** @type {Set<string>} */
    newRowKeys: new Set(),
    /** @type {Set<string>} */
    senders: new Set(),
    /** @type {string|null} */
    selectedKey: null,
    detailRequestId: 0,
    /** @type {Map<string, {body: string, at: string, replyId: string}[]>} replyScopeOf -> replies sent from here */
    sentReplies: new Map(),
    /** @type {Map<string, string>} replyScopeOf -> unsent reply text */
    replyDrafts: new Map(),
    focusAfterHello: false,
    renderScheduled: false,
    /** @type {number|undefined} */
    persistTimer: undefined,
  };

  // ---------------------------------------------------------------- small helpers

  /**
   * Creates an element with a class, text and attributes; text always goes through textContent. String
   * children become text nodes: use them for the desk's own labels, and partnerText() for partner text.
   * @param {string} tag
   * @param {{ className?: string, text?: unknown, attrs?: Record<string, string> }} [options]
   * @param {(Node|string|null|undefined|false)[]} [children]
   */
  function h(tag, options, children) {
    const node = document.createElement(tag);
    const o = options || {};
    if (o.className) {
      node.className = o.className;
    }
    if (o.text !== undefined && o.text !== null) {
      node.textContent = String(o.text);
    }
    if (o.attrs) {
      for (const [name, value] of Object.entries(o.attrs)) {
        node.setAttribute(name, value);
      }
    }
    for (const child of children || []) {
      if (typeof child === 'string') {
        node.appendChild(document.createTextNode(child));
      } else if (child) {
        node.appendChild(child);
      }
    }
    return node;
  }

  /**
   * Text a partner gateway supplied (titles, summaries, reply bodies, officer ids, place names, notes...), in its
   * own isolating element: a direction override or embedding inside it (U+202E...) cannot reorder the desk's
   * labels or the other fields around it, and its direction follows its own first strong character.
   * @param {unknown} text
   */
  function partnerText(text) {
    return h('bdi', {
      className: 'partner',
      text: text === undefined || text === null ? '' : String(text),
      attrs: { dir: 'auto' },
    });
  }

  /**
   * Several partner strings joined by a separator of the desk's own, each isolated.
   * @param {unknown[]} values strings, or nodes already built with partnerText()
   * @param {string} separator
   */
  function partnerJoin(values, separator) {
    const span = h('span');
    values.forEach(function (value, index) {
      if (index) {
        span.appendChild(document.createTextNode(separator));
      }
      span.appendChild(value instanceof Node ? value : partnerText(value));
    });
    return span;
  }

  const BIDI_EMBEDDINGS = /[\u202A-\u202E\u2066-\u2069]/g;

  /**
   * Partner text for plain-text places no element can isolate (notifications, announcements, tooltips, SVG
   * labels): its embeddings, overrides and isolates are dropped (a PDI of its own could close ours early),
   * then the rest is wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE.
   * @param {unknown} text
   */
  function isolatedPlain(text) {
    const value = text === undefined || text === null ? '' : String(text);
    return '\u2068' + value.replace(BIDI_EMBEDDINGS, '') + '\u2069';
  }

  /**
   * @param {string} tag
   * @param {Record<string, string|number>} [attrs]
   * @param {string} [text]
   */
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      node.setAttribute(name, String(value));
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  const storage = {
    /** @param {string} key */
    get(key) {
      try {
        return window.sessionStorage.getItem(key);
      } catch {
        return null;
      }
    },
    /** @param {string} key @param {string} value */
    set(key, value) {
      try {
        window.sessionStorage.setItem(key, value);
      } catch {
        // Storage full or disabled: the desk still works, it only forgets on reload.
      }
    },
    /** @param {string} key */
    remove(key) {
      try {
        window.sessionStorage.removeItem(key);
      } catch {
        // ignore
      }
    },
  };

  /** @param {unknown} value */
  function isBlank(value) {
    return (
      value === undefined ||
      value === null ||
      value === '' ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === 'number' && Number.isNaN(value))
    );
  }

  /** @param {unknown} code */
  function words(code) {
    return typeof code === 'string' ? code.replace(/_/g, ' ') : String(code);
  }

  /** @param {string} category */
  function categoryLabel(category) {
    return CATEGORY_LABELS[category] || words(category || 'UNKNOWN');
  }

  /** @param {string} classification */
  function tlpLabel(classification) {
    return 'TLP:' + (classification === 'AMBER_STRICT' ? 'AMBER+STRICT' : classification || '?');
  }

  /** @param {number} n */
  function pad2(n) {
    return String(n).padStart(2, '0');
  }

  /** @param {unknown} value ISO string, epoch ms number or epoch ms string (protobuf int64) */
  function toDate(value) {
    if (value === undefined || value === null || value === '') {
      return null;
    }
    const d =
      typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))
        ? new Date(Number(value))
        : new Date(String(value));
    return Number.isNaN(d.getTime()) ? null : d;
  }

  /** @param {unknown} value */
  function formatDateTime(value) {
    const d = toDate(value);
    if (!d) {
      return '';
    }
    return (
      d.getFullYear() +
      '-' +
      pad2(d.getMonth() + 1) +
      '-' +
      pad2(d.getDate()) +
      ' ' +
      pad2(d.getHours()) +
      ':' +
      pad2(d.getMinutes()) +
      ':' +
      pad2(d.getSeconds())
    );
  }

  /** @param {unknown} value */
  function formatShortTime(value) {
    const d = toDate(value);
    if (!d) {
      return '';
    }
    const now = new Date();
    const sameDay =
      d.getFullYear() === now.getFullYear() &&
      d.getMonth() === now.getMonth() &&
      d.getDate() === now.getDate();
    const time = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
    return sameDay
      ? time
      : d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + time;
  }

  /** @param {unknown} lat @param {unknown} lon */
  function formatPosition(lat, lon) {
    const la = Number(lat || 0);
    const lo = Number(lon || 0);
    const ns = la >= 0 ? 'N' : 'S';
    const ew = lo >= 0 ? 'E' : 'W';
    return Math.abs(la).toFixed(4) + '° ' + ns + ', ' + Math.abs(lo).toFixed(4) + '° ' + ew;
  }

  /** @param {unknown} minor @param {unknown} currency */
  function formatAmount(minor, currency) {
    if (isBlank(minor)) {
      return '';
    }
    const units = Number(minor);
    const code = typeof currency === 'string' ? currency : '';
    try {
      const format = new Intl.NumberFormat('en', { style: 'currency', currency: code });
      const digits = format.resolvedOptions().maximumFractionDigits || 0;
      return format.format(units / Math.pow(10, digits));
    } catch {
      return String(minor) + ' (minor units) ' + code;
    }
  }

  /** @param {string} text @param {boolean} [assertive] */
  function announce(text, assertive) {
    const target = assertive ? el.alerter : el.announcer;
    target.textContent = '';
    // A fresh text node in a later frame is what screen readers announce.
    window.setTimeout(function () {
      target.textContent = text;
    }, 50);
  }

  /** @param {{ ok?: boolean, reason?: string, code?: string }|undefined} res */
  function ackFailure(res) {
    if (!res) {
      return 'no answer from the gateway';
    }
    return (res.reason || 'refused') + (res.code ? ' (' + res.code + ')' : '');
  }

  /**
   * Emits with an acknowledgement and a timeout; always calls back once with (errorText|null, res).
   * @param {string} event
   * @param {unknown} payload
   * @param {(error: string|null, res: any) => void} callback
   */
  function request(event, payload, callback) {
    const socket = state.socket;
    if (!socket) {
      callback('not signed in', null);
      return;
    }
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit(event, payload, function (/** @type {Error|null} */ err, /** @type {any} */ res) {
        if (err) {
          callback('the gateway did not answer in time', null);
        } else if (!res || res.ok !== true) {
          callback(ackFailure(res), res);
        } else {
          callback(null, res);
        }
      });
  }

  // ---------------------------------------------------------------- token and sign-in

  /** Moves #token=... from the address bar to sessionStorage, so it is not kept in history. */
  function takeTokenFromHash() {
    const hash = window.location.hash.replace(/^#/, '');
    if (!hash) {
      return null;
    }
    let token = null;
    const rest = [];
    for (const part of hash.split('&')) {
      if (part.startsWith('token=')) {
        try {
          token = decodeURIComponent(part.slice('token='.length)).trim();
        } catch {
          token = part.slice('token='.length).trim();
        }
      } else if (part) {
        rest.push(part);
      }
    }
    if (token === null) {
      return null;
    }
    const url = window.location.pathname + window.location.search + (rest.length ? '#' + rest.join('&') : '');
    window.history.replaceState(window.history.state, '', url);
    return token || null;
  }

  function showSignInView() {
    el.signinView.hidden = false;
    el.deskView.hidden = true;
    el.signOut.hidden = true;
  }

  function showDeskView() {
    el.signinView.hidden = true;
    el.deskView.hidden = false;
    el.signOut.hidden = false;
    el.signinProgress.textContent = '';
  }

  /** @param {string} text */
  function showSignInError(text) {
    el.signinError.textContent = text;
    el.signinError.hidden = false;
  }

  function clearSignInError() {
    el.signinError.textContent = '';
    el.signinError.hidden = true;
  }

  /** @param {string|null} text */
  function showBanner(text) {
    el.deskBanner.textContent = text || '';
    el.deskBanner.hidden = !text;
  }

  /** @param {'connected'|'reconnecting'|'disconnected'} connection */
  function setConnection(connection) {
    el.connection.dataset.state = connection;
    el.connection.textContent = connection;
  }

  /**
   * @param {string|null} token null: the gateway's session cookie (sign-in at the identity provider)
   * @param {{ fromUser?: boolean }} [options]
   */
  function signIn(token, options) {
    closeSocket();
    clearSignInError();
    showBanner(null);
    if (token) {
      storage.set(STORAGE_KEYS.token, token);
    }
    state.focusAfterHello = Boolean(options && options.fromUser);
    if (typeof window.io !== 'function') {
      showSignInView();
      showSignInError(
        'Cannot connect: the socket.io client did not load from the gateway (/socket.io/socket.io.js).',
      );
      return;
    }
    el.signinProgress.textContent = 'Connecting…';
    setConnection('reconnecting');
    const socket = window.io('/desk', {
      auth: token ? { token: token } : {},
      forceNew: true,
      // WebSocket first: no polling-to-WebSocket upgrade probe to abort (Chromium warns about it) when a token is refused.
      transports: ['websocket', 'polling'],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });
    state.socket = socket;

    socket.on('connect', function () {
      if (state.socket !== socket) {
        return;
      }
      setConnection('connected');
      showBanner(null);
      state.resumeFrom = state.lastSeq;
      state.helloOnThisConnection = false;
      window.clearTimeout(state.helloTimer);
      // The server greets every connection; if it does not, resume anyway so the feed still fills.
      state.helloTimer = window.setTimeout(function () {
        if (state.socket === socket && socket.connected && !state.helloOnThisConnection) {
          showDeskView();
          resume();
        }
      }, HELLO_WAIT_MS);
    });

    socket.on('hello', function (/** @type {DeskHello} */ hello) {
      if (state.socket === socket) {
        onHello(hello);
      }
    });

    socket.on('feed', function (/** @type {DeskItem} */ item) {
      if (state.socket === socket) {
        onFeedItem(item);
      }
    });

    socket.on(
      'connect_error',
      function (/** @type {Error & { data?: { code?: string, message?: string } }} */ err) {
        if (state.socket !== socket) {
          return;
        }
        const code = err && err.data && err.data.code ? String(err.data.code) : '';
        const message = (err && err.message) || 'connection refused';
        const text = message + (code ? ' (' + code + ')' : '');
        if (socket.active) {
          // Transport trouble: socket.io keeps retrying on its own.
          setConnection('reconnecting');
          if (el.deskView.hidden) {
            showSignInError('Cannot reach the gateway: ' + text + ' — retrying…');
          } else {
            showBanner('Connection problem: ' + text + ' — retrying…');
          }
        } else {
          // Refused by the server (bad, expired or missing token): no automatic retry.
          setConnection('disconnected');
          storage.remove(STORAGE_KEYS.token);
          state.socket = null;
          showSignInView();
          el.signinProgress.textContent = '';
          showSignInError('Sign-in refused: ' + text);
          el.tokenInput.focus();
        }
      },
    );

    socket.on('disconnect', function (/** @type {string} */ reason) {
      if (state.socket !== socket) {
        return;
      }
      window.clearTimeout(state.helloTimer);
      if (reason === 'io server disconnect') {
        setConnection('disconnected');
        if (!state.helloOnThisConnection && el.deskView.hidden) {
          showSignInError('The gateway closed the connection before greeting this desk. Check the token.');
          el.signinProgress.textContent = '';
        } else {
          showBanner('Disconnected by the gateway.');
          appendReconnectButton();
        }
      } else if (reason === 'io client disconnect') {
        setConnection('disconnected');
      } else {
        setConnection('reconnecting');
      }
    });

    // NestJS gateways report handler errors as an `exception` event.
    socket.on('exception', function (/** @type {{ message?: string, code?: string }} */ payload) {
      if (state.socket !== socket) {
        return;
      }
      const text = (payload && payload.message) || 'error';
      if (el.deskView.hidden) {
        showSignInError('Gateway error: ' + text);
      } else {
        showBanner('Gateway error: ' + text);
      }
    });

    socket.io.on('reconnect_attempt', function () {
      if (state.socket === socket) {
        setConnection('reconnecting');
      }
    });
  }

  function appendReconnectButton() {
    const button = h('button', { className: 'secondary', text: 'Reconnect', attrs: { type: 'button' } });
    button.addEventListener('click', function () {
      if (state.socket) {
        setConnection('reconnecting');
        showBanner(null);
        state.socket.connect();
      } else {
        const token = storage.get(STORAGE_KEYS.token);
        if (token) {
          signIn(token);
        }
      }
    });
    el.deskBanner.appendChild(document.createTextNode(' '));
    el.deskBanner.appendChild(button);
  }

  function closeSocket() {
    window.clearTimeout(state.helloTimer);
    if (state.socket) {
      const socket = state.socket;
      state.socket = null;
      socket.disconnect();
    }
  }

  function signOut() {
    if (auth.session) {
      // Ends the gateway's session and the provider's (RP-initiated logout), then comes back here.
      storage.remove(STORAGE_KEYS.lastSeq);
      storage.remove(STORAGE_KEYS.feed);
      window.location.assign('/auth/logout');
      return;
    }
    closeSocket();
    storage.remove(STORAGE_KEYS.token);
    storage.remove(STORAGE_KEYS.lastSeq);
    storage.remove(STORAGE_KEYS.feed);
    resetFeed();
    state.hello = null;
    state.feedOwner = null;
    state.notifyAbove = Number.POSITIVE_INFINITY;
    el.officer.textContent = 'Not signed in';
    setConnection('disconnected');
    clearSignInError();
    showBanner(null);
    el.tokenInput.value = '';
    showSignInView();
    el.tokenInput.focus();
  }

  // ---------------------------------------------------------------- hello, resume, feed state

  /** @param {DeskHello} hello */
  function onHello(hello) {
    if (!hello || typeof hello !== 'object') {
      return;
    }
    state.helloOnThisConnection = true;
    window.clearTimeout(state.helloTimer);
    state.hello = hello;
    renderOfficer(hello);

    // Rows kept in memory or restored from this tab's storage belong to one officer only.
    if (state.feedOwner !== null && state.feedOwner !== hello.officer) {
      resetFeed();
      state.resumeFrom = 0;
    }
    state.feedOwner = hello.officer;
    // The gateway's feed is behind what we saw: it was reset, so start over rather than miss items.
    if (typeof hello.latestSeq === 'number' && state.resumeFrom > hello.latestSeq) {
      resetFeed();
      state.resumeFrom = 0;
    }
    if (state.notifyAbove === Number.POSITIVE_INFINITY) {
      state.notifyAbove = typeof hello.latestSeq === 'number' ? hello.latestSeq : state.lastSeq;
    }
    clearSignInError();
    showDeskView();
    if (state.focusAfterHello) {
      state.focusAfterHello = false;
      el.feedHeading.focus();
    }
    resume();
  }

  // Resumes from the last seq seen when this connection opened: a live item pushed before the
  // replay must not move the resume point past the items missed while disconnected.
  function resume() {
    const lastSeq = state.resumeFrom;
    request('resume', { lastSeq: lastSeq }, function (error) {
      if (error) {
        showBanner('Could not resume the feed after seq ' + lastSeq + ': ' + error);
        return;
      }
      showBanner(null);
      scheduleRender();
    });
  }

  /** @param {DeskHello} hello */
  function renderOfficer(hello) {
    const parts = [
      ['Officer', hello.officer],
      ['Country', hello.country],
      ['Desk', hello.desk || '—'],
      ['Clearance', hello.clearance || '—'],
      [
        'Categories',
        Array.isArray(hello.categories) && hello.categories.length ? hello.categories.join(', ') : 'none',
      ],
    ];
    el.officer.replaceChildren();
    const lines = [
      h('div', { className: 'officer-line' }),
      h('div', { className: 'officer-line officer-scope' }),
    ];
    parts.forEach(function (part, index) {
      const line = lines[index < 4 ? 0 : 1];
      if (line.childNodes.length) {
        line.appendChild(h('span', { className: 'sep', text: ' · ', attrs: { 'aria-hidden': 'true' } }));
      }
      line.appendChild(h('span', { text: part[0] + ': ' }));
      line.appendChild(h('strong', { text: part[1], attrs: { 'data-field': part[0].toLowerCase() } }));
    });
    el.officer.append(lines[0], lines[1]);
    el.officer.title = el.officer.textContent || '';
  }

  function resetFeed() {
    state.lastSeq = 0;
    state.seenSeqs.clear();
    state.rows.clear();
    state.rowEls.clear();
    state.rowSignatures.clear();
    state.newRowKeys.clear();
    state.senders.clear();
    state.selectedKey = null;
    state.detailRequestId += 1;
    state.sentReplies.clear();
    state.replyDrafts.clear();
    el.feed.replaceChildren();
    while (el.filterPartner.options.length > 1) {
      el.filterPartner.remove(1);
    }
    storage.remove(STORAGE_KEYS.lastSeq);
    storage.remove(STORAGE_KEYS.feed);
    renderDetailPlaceholder();
    updateFeedCount();
  }

  function restoreFeedCache() {
    const raw = storage.get(STORAGE_KEYS.feed);
    if (!raw) {
      return;
    }
    try {
      const cache = JSON.parse(raw);
      // An older cache keyed alerts by alertId alone: a row in it may have been replaced by another
      // country's item naming the same id, so it is dropped and the gateway replays the feed from the start.
      if (
        !cache ||
        cache.version !== FEED_CACHE_VERSION ||
        typeof cache.officer !== 'string' ||
        !Array.isArray(cache.items)
      ) {
        storage.remove(STORAGE_KEYS.feed);
        storage.remove(STORAGE_KEYS.lastSeq);
        return;
      }
      for (const item of cache.items) {
        if (isValidItem(item)) {
          state.seenSeqs.add(item.seq);
          applyItem(item);
        }
      }
      state.lastSeq = Number(cache.lastSeq) || 0;
      state.feedOwner = cache.officer;
      if (Array.isArray(cache.sentReplies)) {
        for (const entry of cache.sentReplies) {
          const scope = Array.isArray(entry) ? entry[0] : null;
          const list = Array.isArray(entry) ? entry[1] : null;
          if (typeof scope === 'string' && scope.includes('/') && Array.isArray(list)) {
            state.sentReplies.set(scope, list);
          }
        }
      }
      state.newRowKeys.clear();
      scheduleRender();
    } catch {
      storage.remove(STORAGE_KEYS.feed);
    }
  }

  function schedulePersist() {
    window.clearTimeout(state.persistTimer);
    state.persistTimer = window.setTimeout(persistFeed, 300);
  }

  // Survives a reload of this tab only (sessionStorage), so a reload resumes instead of replaying everything.
  // lastSeq and the rows are written together: a lastSeq ahead of the saved rows would lose items.
  function persistFeed() {
    window.clearTimeout(state.persistTimer);
    state.persistTimer = undefined;
    if (!state.hello) {
      return;
    }
    storage.set(STORAGE_KEYS.lastSeq, String(state.lastSeq));
    const cache = {
      version: FEED_CACHE_VERSION,
      officer: state.feedOwner || state.hello.officer,
      lastSeq: state.lastSeq,
      items: Array.from(state.rows.values()),
      sentReplies: Array.from(state.sentReplies.entries()),
    };
    storage.set(STORAGE_KEYS.feed, JSON.stringify(cache));
  }

  /** @param {unknown} item */
  function isValidItem(item) {
    return (
      Boolean(item) &&
      typeof item === 'object' &&
      typeof (/** @type {any} */ (item).seq) === 'number' &&
      Number.isFinite(/** @type {any} */ (item).seq) &&
      typeof (/** @type {any} */ (item).alertId) === 'string' &&
      typeof (/** @type {any} */ (item).sender) === 'string'
    );
  }

  /**
   * The country that originated the alert an item is about. A server older than issue #20 sends no origin: an
   * alert, update or withdrawal is then about the sender's own alert, but a reply may be about an alert of this
   * gateway's country or of the sender's, so it gets null (linked to no alert rather than maybe the wrong one).
   * @param {DeskItem} item
   * @returns {string|null}
   */
  function originOf(item) {
    if (typeof item.origin === 'string' && item.origin) {
      return item.origin;
    }
    return item.event === 'REPLY' ? null : item.sender || null;
  }

  /**
   * An alert's identity: origin + '/' + alertId (an origin is a country code, so the first '/' splits it),
   * never the alertId alone, which another country can name in its own messages.
   * @param {DeskItem} item
   * @returns {string|null}
   */
  function alertKeyOf(item) {
    const origin = originOf(item);
    return origin ? origin + '/' + item.alertId : null;
  }

  /** @param {DeskItem} item @returns {string|null} */
  function threadKeyOf(item) {
    const origin = originOf(item);
    return origin ? origin + '/' + (item.threadId || item.alertId) : null;
  }

  /** @param {DeskItem} item */
  function rowKeyOf(item) {
    return item.event === 'REPLY' ? 'reply:' + item.seq : 'alert:' + alertKeyOf(item);
  }

  /**
   * What replies sent from this desk and unsent drafts are kept under: the alert, or the reply row itself
   * when the alert it is about is unknown.
   * @param {DeskItem} item
   */
  function replyScopeOf(item) {
    return alertKeyOf(item) || 'reply/' + item.seq;
  }

  /** @param {DeskItem} item */
  function isGone(item) {
    return item.event === 'WITHDRAWN' || item.state === 'WITHDRAWN' || item.state === 'PURGED';
  }

  /** @param {DeskItem} item */
  function onFeedItem(item) {
    if (!isValidItem(item) || state.seenSeqs.has(item.seq)) {
      return;
    }
    state.seenSeqs.add(item.seq);
    if (item.seq > state.lastSeq) {
      state.lastSeq = item.seq;
    }
    const key = applyItem(item);
    if (key && item.seq > state.notifyAbove) {
      state.newRowKeys.add(key);
    }
    scheduleRender();
    schedulePersist();
    if (item.seq > state.notifyAbove && item.priority === 'FLASH' && !isGone(item) && key) {
      notifyFlash(item, key);
    }
  }

  /**
   * Puts an item in its row: UPDATED and WITHDRAWN replace the earlier item of the same alert (origin, alertId).
   * @param {DeskItem} item
   * @returns {string|null} the row key, or null when the item is older than what the row shows
   */
  function applyItem(item) {
    if (!Array.isArray(item.redactedFields)) {
      item.redactedFields = [];
    }
    if (!item.summary || typeof item.summary !== 'object') {
      item.summary = {};
    }
    const key = rowKeyOf(item);
    const existing = state.rows.get(key);
    if (existing && existing.seq > item.seq) {
      return null;
    }
    state.rows.set(key, item);
    if (item.sender) {
      state.senders.add(item.sender);
    }
    if (state.rows.size > MAX_ROWS) {
      trimRows();
    }
    if (state.selectedKey === key) {
      renderDetail(key, { refetch: !existing || existing.seq !== item.seq });
    } else if (item.event === 'REPLY' && state.selectedKey) {
      const selected = state.rows.get(state.selectedKey);
      if (selected && sameThread(selected, item)) {
        renderThread(selected);
      }
    }
    return key;
  }

  function trimRows() {
    const ordered = Array.from(state.rows.entries()).sort(function (a, b) {
      return a[1].seq - b[1].seq;
    });
    while (ordered.length > MAX_ROWS) {
      const oldest = ordered.shift();
      if (oldest && oldest[0] !== state.selectedKey) {
        state.rows.delete(oldest[0]);
      }
    }
  }

  /** @param {DeskItem} a @param {DeskItem} b */
  function sameThread(a, b) {
    const alertA = alertKeyOf(a);
    if (alertA !== null && alertA === alertKeyOf(b)) {
      return true;
    }
    const threadA = threadKeyOf(a);
    return threadA !== null && threadA === threadKeyOf(b);
  }

  // ---------------------------------------------------------------- notifications

  function notificationsSupported() {
    return typeof window.Notification === 'function';
  }

  function updateNotifyButton() {
    const button = /** @type {HTMLButtonElement} */ (el.notifyButton);
    if (!notificationsSupported()) {
      button.textContent = 'Notifications unavailable';
      button.disabled = true;
      return;
    }
    const permission = window.Notification.permission;
    if (permission === 'granted') {
      button.textContent = 'Notifications on';
      button.disabled = true;
    } else if (permission === 'denied') {
      button.textContent = 'Notifications blocked';
      button.disabled = true;
    } else {
      button.textContent = 'Enable notifications';
      button.disabled = false;
    }
  }

  function requestNotifications() {
    if (!notificationsSupported()) {
      updateNotifyButton();
      return;
    }
    try {
      const pending = window.Notification.requestPermission(updateNotifyButton);
      if (pending && typeof pending.then === 'function') {
        pending.then(updateNotifyButton, updateNotifyButton);
      }
    } catch {
      updateNotifyButton();
    }
  }

  /** @param {DeskItem} item @param {string} key */
  function notifyFlash(item, key) {
    const heading = 'FLASH ' + categoryLabel(item.category).toLowerCase() + ' alert from ' + item.sender;
    announce(heading + (item.title ? ': ' + isolatedPlain(item.title) : ''), true);
    if (!notificationsSupported() || window.Notification.permission !== 'granted') {
      return;
    }
    try {
      const notification = new window.Notification(heading, {
        body: item.title ? isolatedPlain(item.title) : '',
        tag: 'corridor-' + alertKeyOf(item),
      });
      notification.onclick = function () {
        window.focus();
        openRow(key);
        notification.close();
      };
    } catch {
      // Some browsers only allow notifications from a service worker: the in-page highlight remains.
    }
  }

  // ---------------------------------------------------------------- feed rendering

  function scheduleRender() {
    if (state.renderScheduled) {
      return;
    }
    state.renderScheduled = true;
    window.requestAnimationFrame(function () {
      state.renderScheduled = false;
      renderFeed();
    });
  }

  function renderFeed() {
    const active = document.activeElement;
    const focusedKey = active instanceof HTMLElement && active.dataset.key ? active.dataset.key : null;

    for (const [key, row] of state.rowEls) {
      if (!state.rows.has(key)) {
        row.remove();
        state.rowEls.delete(key);
        state.rowSignatures.delete(key);
      }
    }

    const ordered = Array.from(state.rows.entries()).sort(function (a, b) {
      return b[1].seq - a[1].seq;
    });
    let cursor = el.feed.firstElementChild;
    for (const [key, item] of ordered) {
      let row = state.rowEls.get(key);
      if (!row) {
        row = /** @type {HTMLLIElement} */ (h('li', { className: 'feed-item', attrs: { tabindex: '0' } }));
        row.dataset.key = key;
        state.rowEls.set(key, row);
      }
      const signature = rowSignature(item);
      if (state.rowSignatures.get(key) !== signature) {
        fillRow(row, item);
        state.rowSignatures.set(key, signature);
      }
      if (state.newRowKeys.has(key)) {
        row.classList.remove('is-new');
        // Restart the arrival highlight.
        void row.offsetWidth;
        row.classList.add('is-new');
      }
      row.setAttribute('aria-current', key === state.selectedKey ? 'true' : 'false');
      if (row !== cursor) {
        el.feed.insertBefore(row, cursor);
      } else {
        cursor = cursor.nextElementSibling;
      }
    }
    state.newRowKeys.clear();

    if (focusedKey && document.activeElement !== state.rowEls.get(focusedKey)) {
      const row = state.rowEls.get(focusedKey);
      if (row) {
        row.focus({ preventScroll: true });
      }
    }
    updatePartnerOptions();
    applyFilters();
  }

  /** @param {DeskItem} item */
  function rowSignature(item) {
    return [item.seq, item.event, item.state, item.acknowledgedBy, item.acknowledgedAt, item.title].join('|');
  }

  /** @param {HTMLLIElement} row @param {DeskItem} item */
  function fillRow(row, item) {
    const gone = isGone(item);
    row.setAttribute('data-testid', 'feed-item');
    row.dataset.seq = String(item.seq);
    const alertKey = alertKeyOf(item);
    if (alertKey) {
      row.dataset.alertId = alertKey;
      row.dataset.origin = originOf(item) || '';
    } else {
      delete row.dataset.alertId;
      delete row.dataset.origin;
    }
    row.dataset.priority = item.priority || '';
    row.dataset.category = item.category || '';
    row.dataset.event = item.event;
    row.dataset.state = item.state || 'ACTIVE';
    row.dataset.sender = item.sender || '';
    row.classList.toggle('is-withdrawn', gone);

    const top = h('div', { className: 'row-top' }, [
      h('span', { className: 'badge priority-' + item.priority, text: item.priority || 'ROUTINE' }),
      h('span', {
        className: 'badge',
        text: item.event === 'REPLY' ? 'Reply' : categoryLabel(item.category),
      }),
      item.classification
        ? h('span', {
            className: 'badge tlp tlp-' + item.classification,
            text: tlpLabel(item.classification),
          })
        : null,
      h('span', { className: 'row-sender', text: 'from ' + (item.sender || '?') }),
      h('time', {
        className: 'row-time',
        text: formatShortTime(item.receivedAt),
        attrs: { datetime: item.receivedAt || '', title: formatDateTime(item.receivedAt) },
      }),
    ]);

    /** @type {(Node|string)[]} */
    let titleParts;
    if (item.event === 'REPLY') {
      const body = item.reply && item.reply.body ? item.reply.body : '';
      titleParts =
        item.reply && item.reply.officerId
          ? ['Reply by ', assertedOfficer(item), ': ', partnerText(body)]
          : ['Reply: ', partnerText(body)];
    } else if (gone) {
      titleParts = [categoryLabel(item.category) + ' alert'];
    } else {
      titleParts = item.title ? [partnerText(item.title)] : ['(untitled)'];
    }
    const title = h('div', { className: 'row-title' }, titleParts);

    const flags = h('div', { className: 'row-flags' });
    if (item.state === 'PURGED') {
      flags.appendChild(
        h('span', { className: 'flag flag-withdrawn', text: 'content expired (retention period over)' }),
      );
    } else if (gone) {
      flags.appendChild(h('span', { className: 'flag flag-withdrawn', text: 'withdrawn by originator' }));
    } else {
      if (item.event === 'UPDATED') {
        flags.appendChild(h('span', { className: 'flag flag-updated', text: 'updated by originator' }));
      }
      if (item.acknowledgedAt) {
        flags.appendChild(h('span', { className: 'flag flag-ack' }, acknowledgementParts(item)));
      }
      if (item.redactedFields.length) {
        flags.appendChild(
          h('span', { className: 'flag', text: item.redactedFields.length + ' field(s) withheld' }),
        );
      }
    }

    const summary = gone || item.event === 'REPLY' ? [] : summaryParts(item);
    const parts = [top, title];
    if (summary.length) {
      parts.push(h('div', { className: 'row-summary' }, summary));
    }
    if (flags.childElementCount) {
      parts.push(flags);
    }
    row.replaceChildren(...parts);
  }

  /**
   * Joins groups of parts with a separator of the desk's own, leaving out empty groups.
   * @param {(Node|string)[][]} groups
   * @param {string} separator
   * @returns {(Node|string)[]}
   */
  function joinParts(groups, separator) {
    /** @type {(Node|string)[]} */
    const joined = [];
    for (const group of groups) {
      if (group.length) {
        if (joined.length) {
          joined.push(separator);
        }
        joined.push(...group);
      }
    }
    return joined;
  }

  /**
   * A partner value, isolated, with an optional label of the desk's own after it; no parts when it is empty.
   * @param {unknown} value
   * @param {string} [suffix]
   * @returns {(Node|string)[]}
   */
  function partnerGroup(value, suffix) {
    if (!value) {
      return [];
    }
    return suffix ? [partnerText(value), suffix] : [partnerText(value)];
  }

  /**
   * A one-line, non-personal summary from the server's `summary` object, every partner value isolated.
   * @param {DeskItem} item
   * @returns {(Node|string)[]}
   */
  function summaryParts(item) {
    const s = /** @type {Record<string, any>} */ (item.summary || {});
    switch (item.category) {
      case 'ROUTE': {
        const stops = [s.originCountry]
          .concat(Array.isArray(s.transit) ? s.transit : [])
          .concat([s.destinationCountry])
          .filter(function (x) {
            return !isBlank(x);
          })
          .map(function (x) {
            return [partnerText(x)];
          });
        const extra = joinParts(
          [
            partnerGroup(s.transportMode ? words(s.transportMode) : ''),
            partnerGroup(s.estimatedPeople, ' people'),
          ],
          ', ',
        );
        const path = joinParts(stops, ' → ');
        return extra.length ? path.concat([' ('], extra, [')']) : path;
      }
      case 'DOCUMENT':
        return joinParts(
          [s.documentType, s.issuingState, s.fraudType].map(function (x) {
            return partnerGroup(x ? words(x) : '');
          }),
          ' · ',
        );
      case 'SUSPECT':
        return joinParts(
          [
            partnerGroup(s.role ? words(s.role) : ''),
            Array.isArray(s.nationalities) && s.nationalities.length
              ? [partnerJoin(s.nationalities, ', ')]
              : [],
          ],
          ' · ',
        );
      case 'FINANCIAL_FLOW':
        return joinParts(
          [
            partnerGroup(s.method ? words(s.method) : ''),
            joinParts([partnerGroup(s.fromCountry), partnerGroup(s.toCountry)], ' → '),
            partnerGroup(s.currency),
          ],
          ' · ',
        );
      case 'PROTECTION_REFERRAL':
        return joinParts(
          [
            partnerGroup(s.need ? words(s.need) : ''),
            partnerGroup(s.peopleCount, ' people'),
            partnerGroup(s.lastKnownPlace),
          ],
          ' · ',
        );
      case 'BULLETIN':
        return joinParts([partnerGroup(s.region), partnerGroup(s.summary)], ' — ');
      default:
        return joinParts(
          Object.entries(s)
            .filter(function (entry) {
              return ['string', 'number'].includes(typeof entry[1]);
            })
            .map(function (entry) {
              return [partnerText(entry[0]), ': ', partnerText(entry[1])];
            }),
          ' · ',
        );
    }
  }

  function updatePartnerOptions() {
    const select = /** @type {HTMLSelectElement} */ (el.filterPartner);
    const present = new Set(
      Array.from(select.options)
        .slice(1)
        .map(function (o) {
          return o.value;
        }),
    );
    const missing = Array.from(state.senders).filter(function (s) {
      return !present.has(s);
    });
    if (!missing.length) {
      return;
    }
    const all = Array.from(new Set(Array.from(present).concat(missing))).sort();
    const selected = select.value;
    while (select.options.length > 1) {
      select.remove(1);
    }
    for (const sender of all) {
      select.appendChild(h('option', { text: sender, attrs: { value: sender } }));
    }
    select.value = selected;
  }

  function applyFilters() {
    const category = /** @type {HTMLSelectElement} */ (el.filterCategory).value;
    const priority = /** @type {HTMLSelectElement} */ (el.filterPriority).value;
    const partner = /** @type {HTMLSelectElement} */ (el.filterPartner).value;
    const text = /** @type {HTMLInputElement} */ (el.filterText).value.trim().toLowerCase();
    let shown = 0;
    for (const [key, row] of state.rowEls) {
      const item = state.rows.get(key);
      if (!item) {
        continue;
      }
      const searchable =
        (item.title || '') + ' ' + (item.event === 'REPLY' && item.reply ? item.reply.body : '');
      const visible =
        (!category || item.category === category) &&
        (!priority || item.priority === priority) &&
        (!partner || item.sender === partner) &&
        (!text || searchable.toLowerCase().includes(text));
      row.hidden = !visible;
      if (visible) {
        shown += 1;
      }
    }
    updateFeedCount(shown);
  }

  /** @param {number} [shown] */
  function updateFeedCount(shown) {
    const total = state.rows.size;
    const visible = shown === undefined ? total : shown;
    el.feedCount.textContent = total === visible ? total + ' item(s)' : visible + ' of ' + total + ' shown';
    el.feedEmpty.hidden = visible > 0;
    el.feedEmpty.textContent = total === 0 ? 'No items yet.' : 'No item matches the filters.';
  }

  /** @param {KeyboardEvent} event */
  function onFeedKeydown(event) {
    const row = event.target instanceof HTMLElement ? event.target.closest('li.feed-item') : null;
    if (!(row instanceof HTMLLIElement) || !row.dataset.key) {
      return;
    }
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      openRow(row.dataset.key);
      return;
    }
    const visibleRows = Array.from(el.feed.querySelectorAll('li.feed-item:not([hidden])'));
    const index = visibleRows.indexOf(row);
    let target = null;
    if (event.key === 'ArrowDown') {
      target = visibleRows[index + 1];
    } else if (event.key === 'ArrowUp') {
      target = visibleRows[index - 1];
    } else if (event.key === 'Home') {
      target = visibleRows[0];
    } else if (event.key === 'End') {
      target = visibleRows[visibleRows.length - 1];
    }
    if (target instanceof HTMLElement) {
      event.preventDefault();
      target.focus();
    }
  }

  /** @param {MouseEvent} event */
  function onFeedClick(event) {
    const row = event.target instanceof HTMLElement ? event.target.closest('li.feed-item') : null;
    if (row instanceof HTMLLIElement && row.dataset.key) {
      openRow(row.dataset.key);
    }
  }

  /** @param {string} key */
  function openRow(key) {
    if (!state.rows.has(key)) {
      return;
    }
    state.selectedKey = key;
    for (const [k, row] of state.rowEls) {
      row.setAttribute('aria-current', k === key ? 'true' : 'false');
    }
    renderDetail(key, { refetch: true });
  }

  // ---------------------------------------------------------------- detail pane

  function renderDetailPlaceholder() {
    el.detail.className = 'detail';
    for (const name of ['seq', 'key', 'alertId', 'origin', 'category', 'state']) {
      delete el.detail.dataset[name];
    }
    el.detail.replaceChildren(
      h('p', {
        className: 'hint',
        text: 'Select an item in the feed (click it, or focus it and press Enter) to see its detail.',
      }),
    );
  }

  /**
   * Who acknowledged an alert at this gateway (an officer of this country, from the gateway's own record).
   * @param {DeskItem} item
   * @returns {(Node|string)[]}
   */
  function acknowledgementParts(item) {
    const who =
      state.hello && item.acknowledgedBy === state.hello.officer
        ? 'you'
        : item.acknowledgedBy
          ? partnerText(item.acknowledgedBy)
          : 'another officer';
    return ['acknowledged by ', who, ' at ' + formatDateTime(item.acknowledgedAt)];
  }

  /**
   * The officer a reply names, shown as its sending gateway asserts it ("LY: officer LY/officer.tripoli"), so
   * that an officer id such as "NE/officer.agadez" sent by LY cannot pass for one of NE's officers.
   * @param {DeskItem} item
   */
  function assertedOfficer(item) {
    const officerId = item.reply && item.reply.officerId ? item.reply.officerId : '';
    return h('span', { className: 'asserted-officer', attrs: { 'data-testid': 'reply-officer' } }, [
      (item.sender || '?') + ': officer ',
      partnerText(officerId),
    ]);
  }

  /**
   * @param {string} key
   * @param {{ refetch: boolean }} options
   */
  function renderDetail(key, options) {
    const item = state.rows.get(key);
    if (!item) {
      renderDetailPlaceholder();
      return;
    }
    if (!options.refetch && el.detail.dataset.key === key && el.detail.dataset.seq === String(item.seq)) {
      renderActions(item);
      return;
    }
    const requestId = ++state.detailRequestId;
    const gone = isGone(item);
    el.detail.className = 'detail' + (gone ? ' is-withdrawn' : '');
    el.detail.dataset.seq = String(item.seq);
    el.detail.dataset.key = key;
    const alertKey = alertKeyOf(item);
    if (alertKey) {
      el.detail.dataset.alertId = alertKey;
      el.detail.dataset.origin = originOf(item) || '';
    } else {
      delete el.detail.dataset.alertId;
      delete el.detail.dataset.origin;
    }
    el.detail.dataset.category = item.category || '';
    el.detail.dataset.state = gone ? 'WITHDRAWN' : 'ACTIVE';

    const content = h('div', { className: 'detail-content', attrs: { 'data-testid': 'detail-content' } });
    el.detail.replaceChildren(
      detailHeader(item),
      content,
      h('div', { className: 'actions', attrs: { id: 'detail-actions' } }),
      h('section', { className: 'section', attrs: { id: 'detail-thread', 'aria-label': 'Thread' } }),
    );

    if (item.state === 'PURGED') {
      content.appendChild(
        h('p', {
          className: 'notice notice-withdrawn',
          text: 'Content expired: the retention period of the agreement is over and the content is gone from this gateway.',
        }),
      );
    } else if (gone) {
      content.appendChild(h('p', { className: 'notice notice-withdrawn', text: 'withdrawn by originator' }));
    } else if (item.event === 'REPLY') {
      renderReplyItem(content, item);
    } else {
      if (LOGGED_VIEW_CATEGORIES.has(item.category)) {
        content.appendChild(
          h('p', {
            className: 'notice notice-logged',
            text: 'Note: your view of this record is logged.',
            attrs: { 'data-testid': 'view-logged' },
          }),
        );
      }
      const body = h('div', { className: 'detail-body', text: 'Loading detail…' });
      body.classList.add('hint');
      content.appendChild(body);
      request('detail', { seq: item.seq }, function (error, res) {
        if (requestId !== state.detailRequestId) {
          return;
        }
        body.classList.remove('hint');
        if (error) {
          body.replaceChildren(
            h('p', { className: 'notice notice-withdrawn', text: 'Detail unavailable: ' + error }),
          );
          return;
        }
        if (res.item && isValidItem(res.item) && res.item.seq === item.seq) {
          // The server's copy carries the current acknowledgement state.
          item.acknowledgedBy = res.item.acknowledgedBy;
          item.acknowledgedAt = res.item.acknowledgedAt;
          if (Array.isArray(res.item.redactedFields)) {
            item.redactedFields = res.item.redactedFields;
          }
          scheduleRender();
          renderActions(item);
        }
        body.replaceChildren();
        renderAlert(body, item, res.alert || {});
        announce('Detail loaded: ' + (item.title ? isolatedPlain(item.title) : categoryLabel(item.category)));
      });
    }
    renderActions(item);
    renderThread(item);
  }

  /** @param {DeskItem} item */
  function detailHeader(item) {
    const gone = isGone(item);
    const head = h('header', {}, [
      h('div', { className: 'detail-head' }, [
        h('span', { className: 'badge priority-' + item.priority, text: item.priority || 'ROUTINE' }),
        h('span', {
          className: 'badge',
          text: item.event === 'REPLY' ? 'Reply' : categoryLabel(item.category),
        }),
        item.classification
          ? h('span', {
              className: 'badge tlp tlp-' + item.classification,
              text: tlpLabel(item.classification),
            })
          : null,
        item.event === 'UPDATED' && !gone
          ? h('span', { className: 'flag flag-updated', text: 'updated by originator' })
          : null,
      ]),
      h(
        'h2',
        { className: 'detail-title' },
        item.event === 'REPLY'
          ? ['Reply from ' + item.sender]
          : gone
            ? [categoryLabel(item.category) + ' alert']
            : item.title
              ? [partnerText(item.title)]
              : ['(untitled)'],
      ),
    ]);
    const meta = joinParts(
      [
        ['from ' + (item.sender || '?')],
        ['received ' + formatDateTime(item.receivedAt)],
        ['alert ', partnerText(alertKeyOf(item) || item.alertId)],
        item.threadId && item.threadId !== item.alertId ? ['thread ', partnerText(item.threadId)] : [],
        ['seq ' + item.seq],
      ],
      ' · ',
    );
    head.appendChild(h('p', { className: 'detail-meta' }, meta));
    if (!gone && item.redactedFields.length) {
      head.appendChild(
        h('p', { className: 'notice notice-redacted' }, [
          'Withheld under the sharing agreement: ',
          partnerJoin(item.redactedFields, ', '),
        ]),
      );
    }
    return head;
  }

  /**
   * A definition list of label/value pairs; blank values are left out, strings and lists are isolated.
   * @param {[string, unknown][]} pairs
   */
  function factList(pairs) {
    const dl = h('dl', { className: 'facts' });
    for (const [label, value] of pairs) {
      if (isBlank(value)) {
        continue;
      }
      dl.appendChild(h('dt', { text: label }));
      const dd = h('dd');
      if (value instanceof Node) {
        dd.appendChild(value);
      } else if (Array.isArray(value)) {
        dd.appendChild(partnerJoin(value, ', '));
      } else {
        dd.appendChild(partnerText(value));
      }
      dl.appendChild(dd);
    }
    return dl;
  }

  /** @param {HTMLElement} container @param {DeskItem} item */
  function renderReplyItem(container, item) {
    const reply = item.reply || { body: '', officerId: '' };
    container.appendChild(
      factList([
        ['Officer', reply.officerId ? assertedOfficer(item) : ''],
        ['Category', item.category ? categoryLabel(item.category) : ''],
      ]),
    );
    container.appendChild(
      h('p', { className: 'body-text' }, [reply.body ? partnerText(reply.body) : '(empty reply)']),
    );
    const alertKey = alertKeyOf(item);
    const original = alertKey ? state.rows.get('alert:' + alertKey) : undefined;
    if (original) {
      const button = h('button', {
        className: 'link',
        text: 'Open the alert this reply belongs to',
        attrs: { type: 'button' },
      });
      button.addEventListener('click', function () {
        openRow('alert:' + alertKey);
      });
      container.appendChild(button);
    }
  }

  /**
   * Renders the decoded alert (protobuf JSON, camelCase, enums without prefix) by category.
   * @param {HTMLElement} container
   * @param {DeskItem} item
   * @param {Record<string, any>} alert
   */
  function renderAlert(container, item, alert) {
    container.appendChild(
      factList([
        ['Originator', [alert.originatorAgency, alert.originatorCountry].filter(Boolean)],
        ['Created', formatDateTime(alert.createdAtMs)],
        ['Handling', alert.handling ? words(alert.handling) : ''],
      ]),
    );
    const category = alert.category || item.category;
    if (alert.route) {
      renderRoute(container, alert.route);
    } else if (alert.document) {
      renderDocument(container, alert.document);
    } else if (alert.suspect) {
      renderSuspect(container, alert.suspect);
    } else if (alert.financialFlow) {
      renderFinancialFlow(container, alert.financialFlow);
    } else if (alert.protectionReferral) {
      renderProtectionReferral(container, alert.protectionReferral);
    } else if (alert.bulletin) {
      renderBulletin(container, alert.bulletin, alert.title);
    } else {
      container.appendChild(
        h('p', {
          className: 'notice notice-redacted',
          text: 'No ' + categoryLabel(category).toLowerCase() + ' content was shared with this gateway.',
        }),
      );
    }
  }

  /**
   * A waypoint as "place (country)", both isolated; no parts when it names neither.
   * @param {any} waypoint
   * @returns {(Node|string)[]}
   */
  function waypointParts(waypoint) {
    if (!waypoint) {
      return [];
    }
    const name = waypoint.place || '';
    const country = waypoint.country || '';
    if (name && country) {
      return [partnerText(name), ' (', partnerText(country), ')'];
    }
    return partnerGroup(name || country);
  }

  /** The same as plain text, for the map's accessible name. @param {any} waypoint */
  function waypointPlain(waypoint) {
    if (!waypoint) {
      return '';
    }
    const name = waypoint.place ? isolatedPlain(waypoint.place) : '';
    const country = waypoint.country ? isolatedPlain(waypoint.country) : '';
    return name && country ? name + ' (' + country + ')' : name || country;
  }

  /** @param {any} waypoint */
  function hasPoint(waypoint) {
    return Boolean(waypoint && waypoint.point && typeof waypoint.point === 'object');
  }

  /** @param {HTMLElement} container @param {Record<string, any>} route */
  function renderRoute(container, route) {
    const transit = Array.isArray(route.transit) ? route.transit : [];
    /** @type {{ lon: number, lat: number, label: string, kind: string }[]} */
    const points = [];
    const stops = [];
    if (route.origin) {
      stops.push({ waypoint: route.origin, kind: 'origin' });
    }
    for (const waypoint of transit) {
      stops.push({ waypoint: waypoint, kind: 'transit' });
    }
    if (route.destination) {
      stops.push({ waypoint: route.destination, kind: 'destination' });
    }
    for (const stop of stops) {
      if (hasPoint(stop.waypoint)) {
        points.push({
          lon: Number(stop.waypoint.point.lon || 0),
          lat: Number(stop.waypoint.point.lat || 0),
          label: stop.waypoint.place || stop.waypoint.country || '',
          kind: stop.kind,
        });
      }
    }

    /** @param {any} waypoint @param {unknown} [country] */
    const stopParts = function (waypoint, country) {
      const parts = waypointParts(waypoint);
      return parts.length ? parts : partnerGroup(country);
    };
    /** @param {any} waypoint @param {unknown} [country] */
    const stopPlain = function (waypoint, country) {
      return waypointPlain(waypoint) || (country ? isolatedPlain(country) : '');
    };
    const path = joinParts(
      [
        stopParts(route.origin, route.originCountry),
        ...transit.map(function (/** @type {any} */ w) {
          return stopParts(w);
        }),
        stopParts(route.destination, route.destinationCountry),
      ],
      ' → ',
    );
    const pathText = [
      stopPlain(route.origin, route.originCountry),
      ...transit.map(function (/** @type {any} */ w) {
        return stopPlain(w);
      }),
      stopPlain(route.destination, route.destinationCountry),
    ]
      .filter(Boolean)
      .join(' → ');

    const section = h('section', { className: 'section', attrs: { 'aria-label': 'Route' } });
    section.appendChild(h('h3', { text: 'Route' }));
    if (points.length) {
      section.appendChild(drawMap(points, { line: true, description: 'Map of the route: ' + pathText }));
    } else {
      section.appendChild(h('p', { className: 'hint', text: 'No coordinates were shared for this route.' }));
    }
    section.appendChild(
      factList([
        ['Path', path.length ? h('span', { attrs: { 'data-testid': 'route-path' } }, path) : ''],
        ['Origin country', route.originCountry],
        ['Destination country', route.destinationCountry],
        ['Transport', route.transportMode ? words(route.transportMode) : ''],
        ['Modus operandi', route.modusOperandi],
        ['Price per person', route.pricePerPersonUsd ? 'USD ' + route.pricePerPersonUsd : ''],
        ['Estimated people', route.estimatedPeople],
      ]),
    );
    if (Array.isArray(route.risksToLife) && route.risksToLife.length) {
      section.appendChild(h('h3', { text: 'Risks to life' }));
      section.appendChild(
        h(
          'ul',
          { className: 'plain-list' },
          route.risksToLife.map(function (/** @type {unknown} */ risk) {
            return h('li', {}, [partnerText(words(risk))]);
          }),
        ),
      );
    }
    container.appendChild(section);
  }

  /** @param {HTMLElement} container @param {Record<string, any>} doc */
  function renderDocument(container, doc) {
    const section = h('section', { className: 'section', attrs: { 'aria-label': 'Document' } });
    section.appendChild(h('h3', { text: 'Document' }));
    section.appendChild(
      factList([
        ['Type', doc.documentType ? words(doc.documentType) : ''],
        ['Issuing state', doc.issuingState],
        ['Number', doc.number],
        ['Fraud type', doc.fraudType ? words(doc.fraudType) : ''],
      ]),
    );
    if (Array.isArray(doc.mrz) && doc.mrz.length) {
      section.appendChild(h('h3', { text: 'Machine readable zone' }));
      section.appendChild(
        h('pre', { className: 'mrz mono', attrs: { 'data-testid': 'mrz', 'aria-label': 'MRZ' } }, [
          partnerText(doc.mrz.join('\n')),
        ]),
      );
    }
    if (doc.notes) {
      section.appendChild(h('h3', { text: 'Notes' }));
      section.appendChild(h('p', { className: 'body-text' }, [partnerText(doc.notes)]));
    }
    container.appendChild(section);
  }

  /** @param {string} base64 */
  function photoDataUrl(base64) {
    if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/_=-]+$/.test(base64)) {
      return null;
    }
    const standard = base64.replace(/-/g, '+').replace(/_/g, '/');
    const types = [
      ['/9j/', 'image/jpeg'],
      ['iVBORw0KGgo', 'image/png'],
      ['R0lGOD', 'image/gif'],
      ['UklGR', 'image/webp'],
    ];
    for (const [prefix, type] of types) {
      if (standard.startsWith(prefix)) {
        return 'data:' + type + ';base64,' + standard;
      }
    }
    return null;
  }

  /** @param {HTMLElement} container @param {Record<string, any>} suspect */
  function renderSuspect(container, suspect) {
    const section = h('section', { className: 'section', attrs: { 'aria-label': 'Suspect' } });
    section.appendChild(h('h3', { text: 'Suspect' }));
    const aliases = Array.isArray(suspect.aliases) ? suspect.aliases : [];
    const aliasList = aliases.length
      ? h(
          'ul',
          { className: 'plain-list', attrs: { 'data-testid': 'aliases' } },
          aliases.map(function (/** @type {unknown} */ alias) {
            return h('li', {}, [partnerText(alias)]);
          }),
        )
      : null;
    section.appendChild(
      factList([
        ['Family name', suspect.familyName],
        [
          'Given names',
          Array.isArray(suspect.givenNames) && suspect.givenNames.length
            ? partnerJoin(suspect.givenNames, ' ')
            : '',
        ],
        ['Aliases', aliasList],
        ['Birth date', suspect.birthDate],
        ['Nationalities', suspect.nationalities],
        ['Role', suspect.role ? words(suspect.role) : ''],
        ['Phones', suspect.phones],
      ]),
    );
    if (suspect.photo) {
      const src = photoDataUrl(suspect.photo);
      if (src) {
        const img = /** @type {HTMLImageElement} */ (
          h('img', { className: 'photo', attrs: { alt: 'Photo of the suspect' } })
        );
        img.src = src;
        section.appendChild(img);
      } else {
        section.appendChild(
          h('p', { className: 'hint', text: 'A photo is attached in a format the desk does not show.' }),
        );
      }
    }
    if (suspect.notes) {
      section.appendChild(h('h3', { text: 'Notes' }));
      section.appendChild(h('p', { className: 'body-text' }, [partnerText(suspect.notes)]));
    }
    container.appendChild(section);
  }

  /** @param {HTMLElement} container @param {Record<string, any>} flow */
  function renderFinancialFlow(container, flow) {
    const section = h('section', { className: 'section', attrs: { 'aria-label': 'Financial flow' } });
    section.appendChild(h('h3', { text: 'Financial flow' }));
    section.appendChild(
      factList([
        ['Method', flow.method ? words(flow.method) : ''],
        ['From', flow.fromCountry],
        ['To', flow.toCountry],
        ['Amount', formatAmount(flow.amountMinor, flow.currency)],
        ['Reference', flow.reference],
      ]),
    );
    if (flow.notes) {
      section.appendChild(h('h3', { text: 'Notes' }));
      section.appendChild(h('p', { className: 'body-text' }, [partnerText(flow.notes)]));
    }
    container.appendChild(section);
  }

  /** @param {HTMLElement} container @param {Record<string, any>} referral */
  function renderProtectionReferral(container, referral) {
    const section = h('section', { className: 'section', attrs: { 'aria-label': 'Protection referral' } });
    section.appendChild(h('h3', { text: 'Protection referral' }));
    section.appendChild(
      h('p', {
        className: 'notice notice-protect',
        text: 'People to protect, not suspects: act on the need, share no more than it requires.',
      }),
    );
    const position = referral.lastKnownPosition;
    const hasPosition = Boolean(position && typeof position === 'object');
    section.appendChild(
      factList([
        ['Need', referral.need ? words(referral.need) : ''],
        ['People', referral.peopleCount],
        ['Last known position', hasPosition ? formatPosition(position.lat, position.lon) : ''],
        ['Last known place', referral.lastKnownPlace],
        ['Observed at', formatDateTime(referral.observedAtMs)],
        ['Contact channel', referral.contactChannel],
      ]),
    );
    if (hasPosition) {
      section.appendChild(
        drawMap(
          [
            {
              lon: Number(position.lon || 0),
              lat: Number(position.lat || 0),
              label: referral.lastKnownPlace || formatPosition(position.lat, position.lon),
              kind: 'position',
            },
          ],
          { line: false, description: 'Map of the last known position' },
        ),
      );
    }
    if (referral.notes) {
      section.appendChild(h('h3', { text: 'Notes' }));
      section.appendChild(h('p', { className: 'body-text' }, [partnerText(referral.notes)]));
    }
    container.appendChild(section);
  }

  /** @param {HTMLElement} container @param {Record<string, any>} bulletin @param {string} alertTitle */
  function renderBulletin(container, bulletin, alertTitle) {
    const section = h('section', { className: 'section', attrs: { 'aria-label': 'Bulletin' } });
    if (bulletin.title && bulletin.title !== alertTitle) {
      section.appendChild(h('h3', {}, [partnerText(bulletin.title)]));
    } else {
      section.appendChild(
        h('h3', {}, bulletin.title ? ['Bulletin: ', partnerText(bulletin.title)] : ['Bulletin']),
      );
    }
    section.appendChild(factList([['Region', bulletin.region]]));
    if (bulletin.summary) {
      section.appendChild(
        h('p', { className: 'body-text', attrs: { 'data-testid': 'summary' } }, [
          partnerText(bulletin.summary),
        ]),
      );
    }
    if (bulletin.body) {
      section.appendChild(
        h('div', { className: 'body-text', attrs: { 'data-testid': 'body' } }, [partnerText(bulletin.body)]),
      );
    }
    container.appendChild(section);
  }

  // ---------------------------------------------------------------- offline world map

  /** @type {Promise<any>|null} */
  let worldPromise = null;

  function loadWorld() {
    if (!worldPromise) {
      worldPromise = window
        .fetch(WORLD_URL, { credentials: 'same-origin' })
        .then(function (res) {
          if (!res.ok) {
            throw new Error('HTTP ' + res.status);
          }
          return res.json();
        })
        .then(function (topology) {
          return window.topojson.feature(topology, topology.objects.countries);
        })
        .catch(function (error) {
          worldPromise = null;
          throw error;
        });
    }
    return worldPromise;
  }

  function mapLibrariesLoaded() {
    return Boolean(window.d3 && window.d3.geoPath && window.d3.geoMercator && window.topojson);
  }

  /**
   * Greedy label placement: the first spot around each point that stays inside the map and clear of
   * the other points and labels already placed (an estimate of the text box is enough at this scale).
   * @param {{ x: number, y: number, p: { label: string } }[]} placed
   * @returns {{ x: number, y: number, anchor: string, text: string }[]}
   */
  function placeLabels(placed) {
    const boxes = placed.map(function (q) {
      return { x0: q.x - 6, y0: q.y - 6, x1: q.x + 6, y1: q.y + 6 };
    });
    const spots = [];
    const candidates = [
      [9, -6, 'start'],
      [9, 14, 'start'],
      [-9, -6, 'end'],
      [-9, 14, 'end'],
      [0, -12, 'middle'],
      [0, 22, 'middle'],
    ];
    for (const q of placed) {
      const text = q.p.label;
      if (!text) {
        continue;
      }
      const width = text.length * 6.6 + 4;
      let chosen = null;
      let fallback = null;
      for (const [dx, dy, anchor] of candidates) {
        const x = q.x + Number(dx);
        const y = q.y + Number(dy);
        const x0 = anchor === 'start' ? x : anchor === 'end' ? x - width : x - width / 2;
        const box = { x0: x0, y0: y - 11, x1: x0 + width, y1: y + 3 };
        const inside = box.x0 >= 0 && box.y0 >= 0 && box.x1 <= MAP_WIDTH && box.y1 <= MAP_HEIGHT;
        const clear = boxes.every(function (b) {
          return box.x1 <= b.x0 || box.x0 >= b.x1 || box.y1 <= b.y0 || box.y0 >= b.y1;
        });
        const spot = { x: x, y: y, anchor: String(anchor), text: text, box: box };
        if (inside && !fallback) {
          fallback = spot;
        }
        if (inside && clear) {
          chosen = spot;
          break;
        }
      }
      const spot = chosen || fallback;
      if (spot) {
        boxes.push(spot.box);
        spots.push({ x: spot.x, y: spot.y, anchor: spot.anchor, text: spot.text });
      }
    }
    return spots;
  }

  /**
   * An SVG map fitted to the points (with margin), countries from the TopoJSON, the route as a line.
   * @param {{ lon: number, lat: number, label: string, kind: string }[]} points
   * @param {{ line: boolean, description: string }} options
   */
  function drawMap(points, options) {
    const wrap = h('figure', { className: 'map-wrap', attrs: { 'data-testid': 'map' } });
    if (!mapLibrariesLoaded()) {
      wrap.appendChild(
        h('figcaption', {
          className: 'map-caption',
          text: 'Map unavailable: the map libraries did not load.',
        }),
      );
      return wrap;
    }
    const d3 = window.d3;
    const coordinates = points.map(function (p) {
      return [p.lon, p.lat];
    });
    // Margin around every point, so a single point or a short hop still shows its region.
    const fitCoordinates = [];
    for (const [lon, lat] of coordinates) {
      for (const [dx, dy] of [
        [-4, -3],
        [4, 3],
        [-4, 3],
        [4, -3],
      ]) {
        fitCoordinates.push([lon + dx, Math.max(-80, Math.min(80, lat + dy))]);
      }
    }
    const centre = d3.geoCentroid({ type: 'MultiPoint', coordinates: coordinates });
    const projection = d3
      .geoMercator()
      .rotate([-centre[0], 0])
      .fitExtent(
        [
          [24, 24],
          [MAP_WIDTH - 24, MAP_HEIGHT - 24],
        ],
        { type: 'MultiPoint', coordinates: fitCoordinates },
      )
      .clipExtent([
        [0, 0],
        [MAP_WIDTH, MAP_HEIGHT],
      ]);
    const path = d3.geoPath(projection);

    const map = svg('svg', {
      class: 'map',
      viewBox: '0 0 ' + MAP_WIDTH + ' ' + MAP_HEIGHT,
      role: 'img',
      'aria-label': options.description,
      preserveAspectRatio: 'xMidYMid meet',
    });
    map.appendChild(svg('title', {}, options.description));
    map.appendChild(svg('rect', { class: 'sphere', x: 0, y: 0, width: MAP_WIDTH, height: MAP_HEIGHT }));
    const graticule = d3.geoGraticule10 ? path(d3.geoGraticule10()) : null;
    if (graticule) {
      map.appendChild(svg('path', { class: 'graticule', d: graticule }));
    }
    const countries = svg('g', { class: 'countries' });
    map.appendChild(countries);
    if (options.line && coordinates.length > 1) {
      const line = path({ type: 'LineString', coordinates: coordinates });
      if (line) {
        map.appendChild(svg('path', { class: 'route-line', d: line, 'data-testid': 'route-line' }));
      }
    }
    const markers = svg('g', { class: 'markers' });
    /** @type {{ x: number, y: number, p: { label: string, kind: string } }[]} */
    const placed = [];
    points.forEach(function (p) {
      const xy = projection([p.lon, p.lat]);
      if (!xy || !Number.isFinite(xy[0]) || !Number.isFinite(xy[1])) {
        return;
      }
      placed.push({ x: xy[0], y: xy[1], p: p });
      markers.appendChild(
        svg('circle', {
          class: 'point point-' + p.kind,
          cx: xy[0].toFixed(1),
          cy: xy[1].toFixed(1),
          r: p.kind === 'transit' ? 4 : 6,
        }),
      );
    });
    const labels = svg('g', { class: 'labels' });
    for (const spot of placeLabels(placed)) {
      labels.appendChild(
        svg(
          'text',
          { class: 'label', x: spot.x.toFixed(1), y: spot.y.toFixed(1), 'text-anchor': spot.anchor },
          // A place name from the alert: SVG text has no <bdi>, so it is isolated with FSI ... PDI.
          isolatedPlain(spot.text),
        ),
      );
    }
    markers.appendChild(labels);
    map.appendChild(markers);
    wrap.appendChild(map);
    const caption = h('figcaption', {
      className: 'map-caption',
      text: 'Offline map (Natural Earth 1:110m).',
    });
    wrap.appendChild(caption);

    loadWorld().then(
      function (world) {
        const fragment = document.createDocumentFragment();
        for (const feature of world.features) {
          const d = path(feature);
          if (d) {
            const country = svg('path', { class: 'country', d: d });
            if (feature.properties && feature.properties.name) {
              country.appendChild(svg('title', {}, feature.properties.name));
            }
            fragment.appendChild(country);
          }
        }
        countries.appendChild(fragment);
      },
      function (error) {
        caption.textContent =
          'Country outlines unavailable (' + (error && error.message ? error.message : 'error') + ').';
      },
    );
    return wrap;
  }

  // ---------------------------------------------------------------- acknowledge, reply, thread

  /** @param {DeskItem} item */
  function canAct(item) {
    return !isGone(item) && item.event !== 'REPLY';
  }

  /** @param {DeskItem} item */
  function renderActions(item) {
    const actions = document.getElementById('detail-actions');
    if (!actions || el.detail.dataset.key !== rowKeyOf(item)) {
      return;
    }
    actions.replaceChildren();
    if (isGone(item)) {
      actions.hidden = true;
      return;
    }
    actions.hidden = false;

    if (canAct(item)) {
      const status = h('span', {
        className: 'ack-status',
        attrs: { 'data-testid': 'ack-status', id: 'ack-status' },
      });
      const ackRow = h('div', { className: 'ack-row' });
      if (item.acknowledgedAt) {
        status.dataset.state = 'acknowledged';
        status.replaceChildren('Status: ', ...acknowledgementParts(item));
      } else {
        status.dataset.state = 'open';
        status.textContent = 'Status: not yet acknowledged';
        const button = /** @type {HTMLButtonElement} */ (
          h('button', {
            text: 'Acknowledge',
            attrs: { type: 'button', 'data-testid': 'ack-button', id: 'ack-button' },
          })
        );
        button.addEventListener('click', function () {
          acknowledge(item, button, status);
        });
        ackRow.appendChild(button);
      }
      ackRow.appendChild(status);
      actions.appendChild(ackRow);
    }

    // Reply: a threaded request for information back to the originator.
    const replyId = 'reply-input';
    const input = /** @type {HTMLTextAreaElement} */ (
      h('textarea', {
        attrs: {
          id: replyId,
          'data-testid': 'reply-input',
          rows: '2',
          maxlength: '5000',
          spellcheck: 'true',
        },
      })
    );
    input.value = state.replyDrafts.get(replyScopeOf(item)) || '';
    input.addEventListener('input', function () {
      state.replyDrafts.set(replyScopeOf(item), input.value);
    });
    const send = /** @type {HTMLButtonElement} */ (
      h('button', {
        text: 'Send reply',
        attrs: { type: 'submit', 'data-testid': 'reply-send', id: 'reply-send' },
      })
    );
    const replyStatus = h('div', {
      className: 'status-line',
      attrs: { 'data-testid': 'reply-status', 'aria-live': 'polite' },
    });
    const form = h('form', { className: 'reply-form', attrs: { novalidate: '' } }, [
      h('label', {
        text:
          item.event === 'REPLY' ? 'Answer this reply' : 'Reply to the originator (request for information)',
        attrs: { for: replyId },
      }),
      h('div', { className: 'reply-row' }, [input, send]),
      replyStatus,
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      sendReply(item, input, send, replyStatus);
    });
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        sendReply(item, input, send, replyStatus);
      }
    });
    actions.appendChild(form);
  }

  /**
   * @param {DeskItem} item
   * @param {HTMLButtonElement} button
   * @param {HTMLElement} status
   */
  function acknowledge(item, button, status) {
    button.disabled = true;
    status.textContent = 'Status: acknowledging…';
    request('acknowledge', { seq: item.seq }, function (error, res) {
      if (error) {
        button.disabled = false;
        status.dataset.state = 'error';
        status.textContent = 'Status: not acknowledged — ' + error;
        return;
      }
      item.acknowledgedBy = state.hello ? state.hello.officer : 'you';
      item.acknowledgedAt = res.acknowledgedAt || new Date().toISOString();
      schedulePersist();
      scheduleRender();
      if (state.rows.get(state.selectedKey || '') === item) {
        renderActions(item);
        const ackStatus = document.getElementById('ack-status');
        if (ackStatus) {
          ackStatus.setAttribute('tabindex', '-1');
          ackStatus.focus();
        }
      }
      announce('Acknowledged.');
    });
  }

  /**
   * @param {DeskItem} item
   * @param {HTMLTextAreaElement} input
   * @param {HTMLButtonElement} send
   * @param {HTMLElement} status
   */
  function sendReply(item, input, send, status) {
    const body = input.value.trim();
    status.classList.remove('is-ok', 'is-error');
    if (!body) {
      status.classList.add('is-error');
      status.textContent = 'Write a reply first.';
      input.focus();
      return;
    }
    if (send.disabled) {
      return;
    }
    send.disabled = true;
    status.textContent = 'Sending…';
    request('reply', { seq: item.seq, body: body }, function (error, res) {
      send.disabled = false;
      if (error) {
        status.classList.add('is-error');
        status.textContent = 'Reply not sent: ' + error;
        return;
      }
      const scope = replyScopeOf(item);
      const list = state.sentReplies.get(scope) || [];
      list.push({ body: body, at: new Date().toISOString(), replyId: String(res.replyId || '') });
      state.sentReplies.set(scope, list);
      state.replyDrafts.delete(scope);
      input.value = '';
      status.classList.add('is-ok');
      status.textContent = 'Reply sent' + (res.replyId ? ' (id ' + res.replyId + ')' : '') + '.';
      schedulePersist();
      renderThread(item);
    });
  }

  /** @param {DeskItem} item */
  function renderThread(item) {
    const section = document.getElementById('detail-thread');
    if (!section || el.detail.dataset.key !== rowKeyOf(item)) {
      return;
    }
    /** @type {{ who: (Node|string)[], at: string, body: string }[]} */
    const entries = [];
    for (const other of state.rows.values()) {
      if (other.event === 'REPLY' && other !== item && sameThread(item, other) && other.reply) {
        entries.push({
          who: other.reply.officerId ? ['from ', assertedOfficer(other)] : ['from ' + other.sender],
          at: other.receivedAt,
          body: other.reply.body,
        });
      }
    }
    for (const sent of state.sentReplies.get(replyScopeOf(item)) || []) {
      entries.push({ who: ['sent by you'], at: sent.at, body: sent.body });
    }
    section.replaceChildren();
    if (!entries.length || isGone(item)) {
      return;
    }
    entries.sort(function (a, b) {
      return String(a.at).localeCompare(String(b.at));
    });
    section.appendChild(h('h3', { text: 'Thread' }));
    section.appendChild(
      h(
        'ul',
        { className: 'thread', attrs: { 'data-testid': 'thread' } },
        entries.map(function (entry) {
          return h('li', {}, [
            h('div', { className: 'who' }, entry.who.concat([' · ' + formatDateTime(entry.at)])),
            h('div', { className: 'body-text' }, [partnerText(entry.body)]),
          ]);
        }),
      ),
    );
  }

  // ---------------------------------------------------------------- document check

  /** @param {SubmitEvent} event */
  function onDocumentCheck(event) {
    event.preventDefault();
    const result = el.docResult;
    const number = /** @type {HTMLInputElement} */ (el.docNumber).value.replace(/\s+/g, '').toUpperCase();
    const mrz = /** @type {HTMLTextAreaElement} */ (el.docMrz).value
      .split(/\r?\n/)
      .map(function (line) {
        return line.replace(/\s+/g, '').toUpperCase();
      })
      .filter(Boolean);
    result.replaceChildren();
    if (!number && !mrz.length) {
      result.dataset.result = 'ERROR';
      result.textContent = 'Enter a document number or an MRZ.';
      return;
    }
    if (mrz.length && (mrz.length < 2 || mrz.length > 3)) {
      result.dataset.result = 'ERROR';
      result.textContent = 'An MRZ has 2 or 3 lines (one per line).';
      return;
    }
    /** @type {{ number?: string, mrz?: string[] }} */
    const req = {};
    if (number) {
      req.number = number;
    }
    if (mrz.length) {
      req.mrz = mrz;
    }
    const button = /** @type {HTMLButtonElement} */ (el.docCheck);
    button.disabled = true;
    result.dataset.result = 'PENDING';
    result.textContent = 'Checking…';
    request('documentCheck', req, function (error, res) {
      button.disabled = false;
      result.replaceChildren();
      if (error) {
        result.dataset.result = 'ERROR';
        result.textContent = 'Check failed: ' + error;
        return;
      }
      const matches = Array.isArray(res.matches) ? res.matches : [];
      if (res.hit) {
        result.dataset.result = 'HIT';
        result.appendChild(h('span', { className: 'verdict', text: 'HIT' }));
        result.appendChild(
          document.createTextNode(
            matches.length + ' matching alert' + (matches.length === 1 ? '' : 's') + ' received.',
          ),
        );
        result.appendChild(
          h(
            'ul',
            {},
            matches.map(function (/** @type {any} */ m) {
              const text = joinParts(
                [m.documentType, m.issuingState, m.fraudType].map(function (x) {
                  return partnerGroup(x ? words(x) : '');
                }),
                ' · ',
              ).concat([' — from ' + m.sender]);
              const li = h('li', { attrs: { 'data-seq': String(m.seq) } });
              const key = findRowKeyBySeq(Number(m.seq));
              if (key) {
                const open = h('button', { className: 'link', attrs: { type: 'button' } }, text);
                open.addEventListener('click', function () {
                  openRow(key);
                });
                li.appendChild(open);
              } else {
                li.append(...text, ' (feed seq ' + m.seq + ')');
              }
              return li;
            }),
          ),
        );
        announce('Document check: hit, ' + matches.length + ' match(es).', true);
      } else {
        result.dataset.result = 'NO_HIT';
        result.appendChild(h('span', { className: 'verdict', text: 'NO HIT' }));
        result.appendChild(document.createTextNode('No received document alert matches.'));
        announce('Document check: no hit.');
      }
    });
  }

  /** @param {number} seq */
  function findRowKeyBySeq(seq) {
    for (const [key, item] of state.rows) {
      if (item.seq === seq) {
        return key;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- start

  function bindElements() {
    const ids = {
      signinView: 'signin-view',
      signinForm: 'signin-form',
      tokenInput: 'token-input',
      signinError: 'signin-error',
      signinProgress: 'signin-progress',
      deskView: 'desk-view',
      deskBanner: 'desk-banner',
      officer: 'officer',
      connection: 'connection',
      notifyButton: 'notify-button',
      signOut: 'sign-out',
      feed: 'feed',
      feedHeading: 'feed-heading',
      feedCount: 'feed-count',
      feedEmpty: 'feed-empty',
      filterCategory: 'filter-category',
      filterPriority: 'filter-priority',
      filterPartner: 'filter-partner',
      filterText: 'filter-text',
      filters: 'filters',
      detail: 'detail',
      docCheckForm: 'doc-check-form',
      docNumber: 'doc-number',
      docMrz: 'doc-mrz',
      docCheck: 'doc-check',
      docResult: 'doc-result',
      announcer: 'announcer',
      alerter: 'alerter',
    };
    for (const [name, id] of Object.entries(ids)) {
      const node = document.getElementById(id);
      if (!node) {
        throw new Error('desk.html is missing #' + id);
      }
      el[name] = node;
    }
  }

  function start() {
    bindElements();

    el.signinForm.addEventListener('submit', function (event) {
      event.preventDefault();
      const token = /** @type {HTMLInputElement} */ (el.tokenInput).value.trim();
      if (!token) {
        showSignInError('Paste an officer token first.');
        el.tokenInput.focus();
        return;
      }
      /** @type {HTMLInputElement} */ (el.tokenInput).value = '';
      signIn(token, { fromUser: true });
    });
    el.signOut.addEventListener('click', signOut);
    el.notifyButton.addEventListener('click', requestNotifications);
    el.feed.addEventListener('click', onFeedClick);
    el.feed.addEventListener('keydown', onFeedKeydown);
    el.filters.addEventListener('submit', function (event) {
      event.preventDefault();
    });
    for (const filter of [el.filterCategory, el.filterPriority, el.filterPartner]) {
      filter.addEventListener('change', applyFilters);
    }
    el.filterText.addEventListener('input', applyFilters);
    el.docCheckForm.addEventListener('submit', onDocumentCheck);
    window.addEventListener('pagehide', persistFeed);

    updateNotifyButton();
    updateFeedCount();
    setConnection('disconnected');

    // A printed demo URL pasted into an open desk only changes the fragment: sign in with it too.
    window.addEventListener('hashchange', function () {
      const fresh = takeTokenFromHash();
      if (fresh) {
        signIn(fresh);
      }
    });

    startAuth();
  }

  // ---------------------------------------------------------------- auth bootstrap (the one place that decides)

  /** @type {{ session: boolean }} */
  const auth = { session: false };

  /**
   * Asks the gateway how this desk signs in: a session at the identity provider (cookie, no token in the page), or
   * in development mode a pasted token. Says in one line when the provider cannot be reached.
   */
  function startAuth() {
    window
      .fetch('/auth/session', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        return r.json();
      })
      .then(
        function (
          /** @type {{ signedIn: boolean, provider: string, devTokens: boolean, message?: string }} */ s,
        ) {
          document.getElementById('provider-signin').hidden = s.provider === 'not-configured';
          document.getElementById('provider-status').textContent = s.message || '';
          document.getElementById('token-fields').hidden = !s.devTokens;
          if (s.signedIn) {
            auth.session = true;
            restoreFeedCache();
            signIn(null);
          } else {
            startWithToken(s.devTokens);
          }
        },
      )
      .catch(function () {
        document.getElementById('token-fields').hidden = false;
        startWithToken(true);
      });
  }

  /** @param {boolean} devTokens */
  function startWithToken(devTokens) {
    const hashToken = takeTokenFromHash();
    if (hashToken && devTokens) {
      storage.set(STORAGE_KEYS.token, hashToken);
    }
    const token = devTokens ? storage.get(STORAGE_KEYS.token) : null;
    if (token) {
      restoreFeedCache();
      signIn(token);
    } else {
      showSignInView();
    }
  }

  start();
})();

// Corridor forum audit page: plain browser JavaScript, no build step, served by the secretariat at /audit.
// It reads the secretariat REST API with an auditor token (metadata only: the API holds no alert content).
// Every piece of data is inserted with textContent or attributes: never innerHTML.
'use strict';

/**
 * Shapes of the secretariat API (apps/secretariat/src/audit/audit.monitor.ts and friends).
 * @typedef {{ gateway: string, treeSize: string|number, rootHash: string, timestampMs: string|number, receivedAt: string }} Head
 * @typedef {{ id: number|string, kind: string, gateway: string, peer: string|null, messageId: string|null,
 *   detail: string, state: 'OPEN'|'EXPLAINED'|'CLOSED', explanation: string|null, openedAt: string,
 *   closedAt: string|null }} Finding
 * @typedef {{ from: string, to: string, categories: string[], maxClassification: string, maxHandling?: string,
 *   excludedFields: string[], retentionDays: number, onwardSharing?: string, purpose?: string }} Direction
 * @typedef {{ id: string, version: number, state: string, parties: string[], validFrom: string,
 *   validUntil: string, purpose: string, directions: Direction[], signedBy: string[], countersigned: boolean }} Agreement
 * @typedef {{ fingerprint: string, country: string, serial: string, notAfter: string,
 *   revokedAt: string|null }} Certificate
 * @typedef {{ from: string, to: string, category: string, month: string, exchanges: number }} StatRow
 * @typedef {{ ok: boolean, firstBadIndex?: number, detail: string }} ReauditResult
 */

(function audit() {
  const TOKEN_KEY = 'corridor.audit.token';
  const REFRESH_EVERY_MS = 5000;
  const REQUEST_TIMEOUT_MS = 10000;
  const HASH_SHOWN = 16;

  /** @type {Record<string, HTMLElement>} */
  const el = {};

  const state = {
    /** @type {string|null} */
    token: null,
    /** bumped on sign-in and sign-out, so answers to an older session are dropped */
    generation: 0,
    /** @type {number|undefined} */
    timer: undefined,
    inFlight: false,
    again: false,
    signedIn: false,
    /** @type {Date|null} */
    lastRefresh: null,
    filter: '',
    data: {
      /** @type {Head[]} */ heads: [],
      /** @type {Finding[]} */ findings: [],
      /** @type {Agreement[]} */ agreements: [],
      /** @type {Certificate[]} */ certificates: [],
      /** @type {StatRow[]} */ statistics: [],
    },
    /** @type {Map<string, { pending: boolean, result?: ReauditResult, error?: string }>} */
    reaudits: new Map(),
    /** @type {Map<string, string>} finding id -> explanation being typed */
    drafts: new Map(),
    /** @type {Map<string, boolean>} finding id -> "close" box ticked */
    closeTicks: new Map(),
    /** @type {string|null} finding to focus after the next render */
    focusFinding: null,
    /** the findings list is being read again for a new filter */
    findingsLoading: false,
    /** move the focus into the page once it shows (sign-in typed by the user) */
    focusOnShow: false,
  };

  // ---------------------------------------------------------------- small helpers

  /**
   * Creates an element with a class, text and attributes; text always goes through textContent.
   * @param {string} tag
   * @param {{ className?: string, text?: unknown, attrs?: Record<string, string> }} [options]
   * @param {(Node|null|undefined|false)[]} [children]
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
      if (child) {
        node.appendChild(child);
      }
    }
    return node;
  }

  /** @param {string} text @param {string} [className] */
  function td(text, className) {
    return h('td', { className: className, text: text });
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
        // Storage disabled: the page still works, it only forgets the token on reload.
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

  /** @param {number} n */
  function pad2(n) {
    return String(n).padStart(2, '0');
  }

  /** @param {unknown} value ISO string, epoch ms number or epoch ms string (bigint columns arrive as strings) */
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

  /** @param {Date} d */
  function dateOnly(d) {
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate());
  }

  /** @param {Date} d */
  function timeOnly(d) {
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  }

  /** @param {unknown} value */
  function formatDateTime(value) {
    const d = toDate(value);
    return d ? dateOnly(d) + ' ' + timeOnly(d) : '—';
  }

  /** @param {unknown} value */
  function formatDate(value) {
    const d = toDate(value);
    return d ? dateOnly(d) : '—';
  }

  /** @param {unknown} value */
  function isoOf(value) {
    const d = toDate(value);
    return d ? d.toISOString() : '';
  }

  /** A time cell: local time shown, the exact UTC instant in the tooltip. @param {unknown} value */
  function timeCell(value) {
    const cell = td(formatDateTime(value), 'time');
    const iso = isoOf(value);
    if (iso) {
      cell.title = iso;
    }
    return cell;
  }

  /** @param {unknown} n */
  function formatCount(n) {
    const v = Number(n);
    return Number.isFinite(v) ? v.toLocaleString('en') : String(n);
  }

  /** @param {unknown} code */
  function words(code) {
    return typeof code === 'string' ? code.replace(/_/g, ' ') : String(code);
  }

  /** @param {string} classification */
  function tlpLabel(classification) {
    return 'TLP:' + (classification === 'AMBER_STRICT' ? 'AMBER+STRICT' : classification || '?');
  }

  /** A long hex value shown shortened, the full value in the tooltip. @param {string} value @param {number} shown */
  function shortCode(value, shown) {
    const full = String(value || '');
    const code = h('code', { text: full.length > shown ? full.slice(0, shown) + '…' : full || '—' });
    if (full) {
      code.title = full;
      code.setAttribute('aria-label', full);
    }
    return code;
  }

  /** @param {string} text */
  function announce(text) {
    el.announcer.textContent = '';
    // A fresh text node in a later frame is what screen readers announce.
    window.setTimeout(function () {
      el.announcer.textContent = text;
    }, 50);
  }

  // ---------------------------------------------------------------- REST calls

  class ApiError extends Error {
    /**
     * @param {'refused'|'unreachable'|'failed'} kind
     * @param {string} message
     * @param {{ status?: number, code?: string, detail?: string, field?: string }} [info]
     */
    constructor(kind, message, info) {
      super(message);
      this.name = 'ApiError';
      this.kind = kind;
      this.status = info && info.status;
      this.code = (info && info.code) || '';
      this.detail = (info && info.detail) || '';
      this.field = (info && info.field) || '';
    }
  }

  /**
   * Calls the secretariat with the bearer token; errors come back as application/problem+json.
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async function api(method, path, body) {
    const controller = new AbortController();
    const timer = window.setTimeout(function () {
      controller.abort();
    }, REQUEST_TIMEOUT_MS);
    /** @type {Record<string, string>} */
    const headers = {
      accept: 'application/json, application/problem+json',
      authorization: 'Bearer ' + (state.token || ''),
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    /** @type {Response} */
    let res;
    /** @type {string} */
    let text;
    try {
      res = await fetch(path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
      text = await res.text();
    } catch (error) {
      const reason =
        error && /** @type {Error} */ (error).name === 'AbortError'
          ? 'no answer within ' + REQUEST_TIMEOUT_MS / 1000 + ' s'
          : 'network error';
      throw new ApiError('unreachable', 'the secretariat does not answer (' + reason + ')');
    } finally {
      window.clearTimeout(timer);
    }
    /** @type {any} */
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (res.ok) {
      return parsed;
    }
    const problem = parsed && typeof parsed === 'object' ? parsed : {};
    const code = typeof problem.code === 'string' ? problem.code : '';
    const detail =
      typeof problem.detail === 'string' && problem.detail
        ? problem.detail
        : typeof problem.message === 'string'
          ? problem.message
          : 'HTTP ' + res.status;
    const info = {
      status: res.status,
      code: code,
      detail: detail,
      field: typeof problem.field === 'string' ? problem.field : '',
    };
    const suffix = code ? ' (' + code + ')' : '';
    if (res.status === 401 || res.status === 403) {
      throw new ApiError('refused', 'token refused: ' + detail + suffix, info);
    }
    if (!code && res.status >= 502 && res.status <= 504) {
      throw new ApiError('unreachable', 'the secretariat does not answer (HTTP ' + res.status + ')', info);
    }
    throw new ApiError('failed', detail + suffix + (info.field ? ' [field ' + info.field + ']' : ''), info);
  }

  /** @param {unknown} error */
  function errorText(error) {
    return error instanceof Error ? error.message : String(error);
  }

  /** @param {string} text */
  function sentence(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
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

  /** Who the token names, for display only: the secretariat is what checks it. @param {string} token */
  function describeToken(token) {
    try {
      const part = token.split('.')[1] || '';
      const json = window.atob(part.replace(/-/g, '+').replace(/_/g, '/'));
      const claims = JSON.parse(json);
      const roles = Array.isArray(claims.roles) ? claims.roles.join(', ') : '';
      const expires = typeof claims.exp === 'number' ? formatDateTime(claims.exp * 1000) : '';
      return {
        who: String(claims.sub || 'unknown'),
        roles: roles,
        expires: expires,
      };
    } catch {
      return { who: 'token', roles: '', expires: '' };
    }
  }

  function renderPrincipal() {
    el.principal.replaceChildren();
    if (!state.token || !state.signedIn) {
      el.principal.textContent = 'Not signed in';
      return;
    }
    const p = describeToken(state.token);
    el.principal.appendChild(h('strong', { text: p.who }));
    if (p.roles) {
      el.principal.appendChild(document.createTextNode(' · ' + p.roles));
    }
    if (p.expires) {
      el.principal.appendChild(h('span', { className: 'hint-light', text: ' · token expires ' + p.expires }));
    }
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

  function showSignInView() {
    state.signedIn = false;
    el.signinView.hidden = false;
    el.auditView.hidden = true;
    el.signOut.hidden = true;
    el.refreshNow.hidden = true;
    renderPrincipal();
  }

  function showAuditView() {
    const first = !state.signedIn;
    state.signedIn = true;
    el.signinView.hidden = true;
    el.auditView.hidden = false;
    el.signOut.hidden = false;
    el.refreshNow.hidden = false;
    el.signinProgress.textContent = '';
    clearSignInError();
    renderPrincipal();
    if (first && state.focusOnShow) {
      state.focusOnShow = false;
      el.headsHeading.focus();
    }
    if (first) {
      announce('Signed in. The audit refreshes every ' + REFRESH_EVERY_MS / 1000 + ' seconds.');
    }
  }

  /** @param {string} token @param {{ fromUser?: boolean }} [options] */
  function signIn(token, options) {
    state.focusOnShow = Boolean(options && options.fromUser);
    stopTimer();
    state.generation += 1;
    state.token = token;
    state.signedIn = false;
    storage.set(TOKEN_KEY, token);
    clearSignInError();
    clearData();
    el.signinProgress.textContent = 'Checking the token…';
    refresh();
  }

  function signOut() {
    stopTimer();
    state.generation += 1;
    state.token = null;
    storage.remove(TOKEN_KEY);
    clearData();
    setLastRefresh('idle');
    clearSignInError();
    el.signinProgress.textContent = '';
    /** @type {HTMLInputElement} */ (el.tokenInput).value = '';
    showSignInView();
    el.tokenInput.focus();
  }

  /** The token was refused (401/403): forget it and ask for another. @param {ApiError} error */
  function onRefused(error) {
    stopTimer();
    state.generation += 1;
    state.token = null;
    storage.remove(TOKEN_KEY);
    clearData();
    setLastRefresh('idle');
    el.signinProgress.textContent = '';
    showSignInView();
    showSignInError(error.message);
    el.tokenInput.focus();
  }

  function clearData() {
    state.data = { heads: [], findings: [], agreements: [], certificates: [], statistics: [] };
    state.reaudits.clear();
    state.drafts.clear();
    state.closeTicks.clear();
    state.lastRefresh = null;
    el.reconcileStatus.textContent = '';
    showBanner(null);
    renderAll();
  }

  // ---------------------------------------------------------------- refresh loop

  function stopTimer() {
    window.clearTimeout(state.timer);
    state.timer = undefined;
  }

  function scheduleRefresh() {
    stopTimer();
    if (state.token) {
      state.timer = window.setTimeout(refresh, REFRESH_EVERY_MS);
    }
  }

  const SOURCES = [
    { key: 'heads', label: 'heads', path: () => '/v1/audit/heads' },
    {
      key: 'findings',
      label: 'findings',
      path: () => '/v1/audit/findings' + (state.filter ? '?state=' + encodeURIComponent(state.filter) : ''),
    },
    { key: 'agreements', label: 'agreements', path: () => '/v1/agreements' },
    { key: 'certificates', label: 'certificates', path: () => '/v1/certificates' },
    { key: 'statistics', label: 'statistics', path: () => '/v1/audit/statistics' },
  ];

  /** Reads everything the page shows; one pass at a time, a request during a pass runs right after it. */
  function refresh() {
    if (!state.token) {
      return;
    }
    if (state.inFlight) {
      state.again = true;
      return;
    }
    stopTimer();
    state.inFlight = true;
    state.again = false;
    const generation = state.generation;
    const filter = state.filter;
    Promise.allSettled(
      SOURCES.map(function (source) {
        return api('GET', source.path());
      }),
    )
      .then(function (results) {
        if (generation !== state.generation) {
          return;
        }
        applyResults(results, filter);
      })
      .catch(function (error) {
        showBanner('The page failed to show the audit: ' + errorText(error));
      })
      .finally(function () {
        state.inFlight = false;
        if (generation !== state.generation) {
          if (state.token) {
            refresh();
          }
          return;
        }
        if (state.again) {
          refresh();
        } else {
          scheduleRefresh();
        }
      });
  }

  /**
   * @param {PromiseSettledResult<any>[]} results
   * @param {string} filter the findings filter the pass was made with
   */
  function applyResults(results, filter) {
    for (const r of results) {
      if (r.status === 'rejected' && r.reason instanceof ApiError && r.reason.kind === 'refused') {
        onRefused(r.reason);
        return;
      }
    }
    /** @type {string[]} */
    const failures = [];
    let unreachable = null;
    let succeeded = 0;
    results.forEach(function (r, i) {
      const source = SOURCES[i];
      if (r.status === 'fulfilled') {
        succeeded += 1;
        if (source.key === 'findings' && filter !== state.filter) {
          return; // an answer for the previous filter: the pass already queued shows the current one
        }
        /** @type {any} */ (state.data)[source.key] = Array.isArray(r.value) ? r.value : [];
        if (source.key === 'findings') {
          state.findingsLoading = false;
        }
      } else if (r.reason instanceof ApiError && r.reason.kind === 'unreachable') {
        unreachable = r.reason;
      } else {
        failures.push(source.label + ': ' + errorText(r.reason));
      }
    });
    if (!state.signedIn) {
      if (succeeded === 0) {
        el.signinProgress.textContent = '';
        showSignInError(
          sentence(unreachable ? errorText(unreachable) : failures.join('; ')) +
            ' — retrying every ' +
            REFRESH_EVERY_MS / 1000 +
            ' s.',
        );
        return;
      }
      showAuditView();
    }
    if (unreachable) {
      showBanner(
        sentence(errorText(unreachable)) +
          '. Showing the data of the last refresh; retrying every ' +
          REFRESH_EVERY_MS / 1000 +
          ' s.',
      );
    } else if (failures.length) {
      showBanner('Part of the audit could not be read: ' + failures.join('; '));
    } else {
      showBanner(null);
    }
    if (succeeded === SOURCES.length) {
      state.lastRefresh = new Date();
      setLastRefresh('ok');
    } else {
      setLastRefresh(state.lastRefresh ? 'stale' : 'error');
    }
    renderAll();
  }

  /** @param {'idle'|'ok'|'stale'|'error'} mode */
  function setLastRefresh(mode) {
    const at = state.lastRefresh;
    el.lastRefresh.dataset.state = mode;
    if (at) {
      el.lastRefresh.dataset.at = at.toISOString();
      el.lastRefresh.title = at.toISOString();
    } else {
      delete el.lastRefresh.dataset.at;
      el.lastRefresh.removeAttribute('title');
    }
    switch (mode) {
      case 'ok':
        el.lastRefresh.textContent =
          'Last refresh ' + (at ? timeOnly(at) : '') + ' · every ' + REFRESH_EVERY_MS / 1000 + ' s';
        break;
      case 'stale':
        el.lastRefresh.textContent = 'Last full refresh ' + (at ? timeOnly(at) : '') + ' · refresh failing';
        break;
      case 'error':
        el.lastRefresh.textContent = 'Not refreshed: refresh failing';
        break;
      default:
        el.lastRefresh.textContent = 'not refreshed yet';
    }
  }

  /** @param {string|null} text */
  function showBanner(text) {
    el.pageBanner.textContent = text || '';
    el.pageBanner.hidden = !text;
  }

  // ---------------------------------------------------------------- keyed rendering

  /** @type {WeakMap<HTMLElement, Map<string, { signature: string, node: HTMLElement }>>} */
  const rowCaches = new WeakMap();

  /**
   * Replaces the rows of a table body, keeping the row elements whose data did not change, so the
   * 5-second refresh does not wipe what an auditor is typing or move the keyboard focus.
   * @template T
   * @param {HTMLElement} body
   * @param {T[]} items
   * @param {(item: T) => string} keyOf
   * @param {(item: T) => HTMLElement} build
   * @param {(item: T) => string} [signatureOf]
   */
  function syncRows(body, items, keyOf, build, signatureOf) {
    const previous = rowCaches.get(body) || new Map();
    /** @type {Map<string, { signature: string, node: HTMLElement }>} */
    const next = new Map();
    const active = document.activeElement;
    /** @type {{ key: string, focusKey: string }|null} */
    let refocus = null;
    const nodes = items.map(function (item) {
      const key = keyOf(item);
      const signature = signatureOf ? signatureOf(item) : JSON.stringify(item);
      const old = previous.get(key);
      if (old && old.signature === signature) {
        next.set(key, old);
        return old.node;
      }
      const node = build(item);
      if (old && active && old.node.contains(active)) {
        const holder = /** @type {HTMLElement} */ (active).closest('[data-focus-key]');
        refocus = { key: key, focusKey: holder ? holder.getAttribute('data-focus-key') || '' : '' };
      }
      next.set(key, { signature: signature, node: node });
      return node;
    });
    nodes.forEach(function (node, i) {
      if (body.children[i] !== node) {
        body.insertBefore(node, body.children[i] || null);
      }
    });
    while (body.children.length > nodes.length) {
      body.removeChild(/** @type {Element} */ (body.lastElementChild));
    }
    rowCaches.set(body, next);
    if (refocus) {
      const row = /** @type {{ node: HTMLElement }} */ (next.get(refocus.key)).node;
      const target = refocus.focusKey
        ? /** @type {HTMLElement|null} */ (row.querySelector('[data-focus-key="' + refocus.focusKey + '"]'))
        : null;
      (target || row).focus();
    }
  }

  function renderAll() {
    renderHeads();
    renderFindings();
    renderAgreements();
    renderCertificates();
    renderStatistics();
  }

  // ---------------------------------------------------------------- heads and re-audit

  function renderHeads() {
    /** @type {Map<string, Head>} */
    const byGateway = new Map();
    for (const head of state.data.heads) {
      byGateway.set(head.gateway, head);
    }
    // Enrolled gateways without a verified head yet are shown too: silence is a finding of its own.
    const gateways = new Set(byGateway.keys());
    for (const cert of state.data.certificates) {
      if (!cert.revokedAt && cert.country) {
        gateways.add(cert.country);
      }
    }
    const rows = Array.from(gateways)
      .sort()
      .map(function (gateway) {
        return { gateway: gateway, head: byGateway.get(gateway) || null };
      });
    syncRows(
      el.headsBody,
      rows,
      function (row) {
        return row.gateway;
      },
      buildHeadRow,
    );
    el.headsEmpty.hidden = rows.length > 0;
  }

  /** @param {{ gateway: string, head: Head|null }} row */
  function buildHeadRow(row) {
    const head = row.head;
    const tr = h('tr', {
      attrs: {
        'data-testid': 'head-row',
        'data-gateway': row.gateway,
        'data-tree-size': head ? String(Number(head.treeSize)) : '',
      },
    });
    tr.appendChild(h('th', { text: row.gateway, attrs: { scope: 'row' } }));
    if (head) {
      tr.appendChild(td(formatCount(head.treeSize), 'num'));
      tr.appendChild(h('td', {}, [shortCode(head.rootHash, HASH_SHOWN)]));
      tr.appendChild(timeCell(head.timestampMs));
      tr.appendChild(timeCell(head.receivedAt));
    } else {
      tr.appendChild(h('td', { className: 'hint', text: 'no verified head yet', attrs: { colspan: '4' } }));
    }
    const button = h('button', {
      className: 'small secondary',
      text: 'Re-audit',
      attrs: {
        type: 'button',
        'data-testid': 'reaudit',
        'data-gateway': row.gateway,
        'data-focus-key': 'reaudit',
        'aria-label': 'Re-audit the whole log of ' + row.gateway,
      },
    });
    button.addEventListener('click', function () {
      reaudit(row.gateway);
    });
    const result = h('span', {
      className: 'reaudit-result',
      attrs: { 'data-testid': 'reaudit-result', 'data-gateway': row.gateway, 'aria-live': 'polite' },
    });
    tr.appendChild(h('td', { className: 'reaudit-cell' }, [button, result]));
    paintReaudit(row.gateway, tr);
    return tr;
  }

  /** @param {string} gateway @param {HTMLElement} [row] */
  function paintReaudit(gateway, row) {
    const scope = row || el.headsBody;
    const result = /** @type {HTMLElement|null} */ (
      scope.querySelector('[data-testid="reaudit-result"][data-gateway="' + gateway + '"]')
    );
    const button = /** @type {HTMLButtonElement|null} */ (
      scope.querySelector('[data-testid="reaudit"][data-gateway="' + gateway + '"]')
    );
    if (!result || !button) {
      return;
    }
    const entry = state.reaudits.get(gateway);
    button.disabled = Boolean(entry && entry.pending);
    result.replaceChildren();
    result.removeAttribute('title');
    delete result.dataset.ok;
    if (!entry) {
      return;
    }
    if (entry.pending) {
      result.textContent = 're-auditing…';
    } else if (entry.error) {
      result.dataset.ok = 'error';
      result.textContent = 'failed: ' + entry.error;
    } else if (entry.result) {
      const r = entry.result;
      result.dataset.ok = String(Boolean(r.ok));
      if (r.ok) {
        result.textContent = 'ok';
      } else {
        result.textContent =
          'MISMATCH' + (r.firstBadIndex !== undefined ? ' at leaf ' + r.firstBadIndex : '');
        result.dataset.firstBadIndex = String(r.firstBadIndex);
      }
      result.title = r.detail || '';
      result.appendChild(h('span', { className: 'hint', text: ' — ' + (r.detail || '') }));
    }
  }

  /** @param {string} gateway */
  async function reaudit(gateway) {
    const generation = state.generation;
    state.reaudits.set(gateway, { pending: true });
    paintReaudit(gateway);
    let entry;
    try {
      const result = await api('POST', '/v1/audit/gateways/' + encodeURIComponent(gateway) + '/reaudit');
      entry = { pending: false, result: /** @type {ReauditResult} */ (result) };
    } catch (error) {
      if (generation !== state.generation) {
        return;
      }
      if (error instanceof ApiError && error.kind === 'refused') {
        onRefused(error);
        return;
      }
      entry = { pending: false, error: errorText(error) };
    }
    if (generation !== state.generation) {
      return;
    }
    state.reaudits.set(gateway, entry);
    paintReaudit(gateway);
    announce(
      'Re-audit of ' +
        gateway +
        ': ' +
        (entry.error ? 'failed, ' + entry.error : entry.result && entry.result.ok ? 'ok' : 'mismatch'),
    );
    refresh(); // a mismatch opens a finding
  }

  // ---------------------------------------------------------------- findings

  function renderFindings() {
    const findings = state.data.findings;
    syncRows(
      el.findingsBody,
      findings,
      function (f) {
        return String(f.id);
      },
      buildFindingRow,
    );
    el.findingsEmpty.hidden = findings.length > 0;
    el.findingsEmpty.textContent = state.findingsLoading
      ? 'Loading…'
      : state.filter
        ? 'No ' + state.filter.toLowerCase() + ' findings.'
        : 'No findings.';
    const open = findings.filter(function (f) {
      return f.state === 'OPEN';
    }).length;
    el.findingsCount.textContent =
      findings.length +
      ' shown' +
      (state.filter === '' || state.filter === 'OPEN' ? ' · ' + open + ' open' : '') +
      (findings.length >= 1000 ? ' (newest 1000)' : '');
    if (state.focusFinding !== null) {
      const id = state.focusFinding;
      state.focusFinding = null;
      const row = /** @type {HTMLElement|null} */ (
        el.findingsBody.querySelector('[data-finding-id="' + id + '"]')
      );
      (row || el.findingsHeading).focus();
    }
  }

  /** @param {Finding} f */
  function buildFindingRow(f) {
    const id = String(f.id);
    const tr = h('tr', {
      className: 'finding state-' + f.state,
      attrs: {
        'data-testid': 'finding-row',
        'data-finding-id': id,
        'data-kind': f.kind,
        'data-state': f.state,
        'data-gateway': f.gateway,
        'data-message-id': f.messageId || '',
        tabindex: '-1',
      },
    });
    tr.appendChild(td(id, 'num'));
    tr.appendChild(h('td', {}, [h('span', { className: 'badge kind', text: words(f.kind) })]));
    tr.appendChild(td(f.gateway + (f.peer ? ' → ' + f.peer : ''), 'nowrap'));
    tr.appendChild(h('td', { className: 'msgid' }, [f.messageId ? h('code', { text: f.messageId }) : null]));
    tr.appendChild(td(f.detail, 'detail'));
    tr.appendChild(
      h('td', {}, [
        h('span', {
          className: 'badge state state-' + f.state,
          text: f.state,
          attrs: { 'data-testid': 'finding-state' },
        }),
      ]),
    );
    const times = h('td', { className: 'time' }, [
      h('div', { text: 'opened ' + formatDateTime(f.openedAt), attrs: { title: isoOf(f.openedAt) } }),
      f.closedAt
        ? h('div', { text: 'closed ' + formatDateTime(f.closedAt), attrs: { title: isoOf(f.closedAt) } })
        : null,
    ]);
    tr.appendChild(times);
    const cell = h('td', { className: 'explain-cell' });
    if (f.explanation) {
      cell.appendChild(h('p', { className: 'explanation', text: f.explanation }));
    }
    if (f.state !== 'CLOSED') {
      cell.appendChild(buildExplainForm(f));
    }
    tr.appendChild(cell);
    return tr;
  }

  /** @param {Finding} f */
  function buildExplainForm(f) {
    const id = String(f.id);
    const inputId = 'explain-' + id;
    const closeId = 'explain-close-' + id;
    const input = /** @type {HTMLInputElement} */ (
      h('input', {
        attrs: {
          id: inputId,
          type: 'text',
          maxlength: '2000',
          autocomplete: 'off',
          placeholder: f.state === 'EXPLAINED' ? 'New explanation' : 'Explanation',
          'data-testid': 'explain-input',
          'data-focus-key': 'explain-input',
        },
      })
    );
    input.value = state.drafts.get(id) || '';
    input.addEventListener('input', function () {
      state.drafts.set(id, input.value);
    });
    const close = /** @type {HTMLInputElement} */ (
      h('input', {
        attrs: {
          id: closeId,
          type: 'checkbox',
          'data-testid': 'explain-close',
          'data-focus-key': 'explain-close',
        },
      })
    );
    close.checked = state.closeTicks.get(id) === true;
    close.addEventListener('change', function () {
      state.closeTicks.set(id, close.checked);
    });
    const submit = /** @type {HTMLButtonElement} */ (
      h('button', {
        className: 'small',
        text: f.state === 'EXPLAINED' ? 'Update' : 'Explain',
        attrs: { type: 'submit', 'data-testid': 'explain-submit', 'data-focus-key': 'explain-submit' },
      })
    );
    const status = h('div', {
      className: 'status-line',
      attrs: { 'data-testid': 'explain-status', 'aria-live': 'polite' },
    });
    const form = h(
      'form',
      {
        className: 'explain-form',
        attrs: { 'data-testid': 'explain-form', 'data-finding-id': id, novalidate: '' },
      },
      [
        h('label', {
          className: 'visually-hidden',
          text: 'Explanation for finding ' + id + ' (' + words(f.kind) + ')',
          attrs: { for: inputId },
        }),
        h('div', { className: 'explain-row' }, [
          input,
          h('span', { className: 'check' }, [close, h('label', { text: 'close', attrs: { for: closeId } })]),
          submit,
        ]),
        status,
      ],
    );
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      explain(f, input, close, submit, status);
    });
    return form;
  }

  /**
   * @param {Finding} f
   * @param {HTMLInputElement} input
   * @param {HTMLInputElement} close
   * @param {HTMLButtonElement} submit
   * @param {HTMLElement} status
   */
  async function explain(f, input, close, submit, status) {
    const id = String(f.id);
    const explanation = input.value.trim();
    status.classList.remove('is-ok', 'is-error');
    if (!explanation) {
      status.classList.add('is-error');
      status.textContent = 'Write an explanation first.';
      input.focus();
      return;
    }
    if (submit.disabled) {
      return;
    }
    const generation = state.generation;
    submit.disabled = true;
    status.textContent = 'Saving…';
    try {
      const result = await api('POST', '/v1/audit/findings/' + encodeURIComponent(id) + '/explain', {
        explanation: explanation,
        close: close.checked,
      });
      if (generation !== state.generation) {
        return;
      }
      state.drafts.delete(id);
      state.closeTicks.delete(id);
      const newState =
        result && typeof result.state === 'string' ? result.state : close.checked ? 'CLOSED' : 'EXPLAINED';
      status.classList.add('is-ok');
      status.textContent = 'Saved: ' + newState + '.';
      announce('Finding ' + id + ' is now ' + newState + '.');
      state.focusFinding = id;
      refresh();
    } catch (error) {
      if (generation !== state.generation) {
        return;
      }
      if (error instanceof ApiError && error.kind === 'refused') {
        onRefused(error);
        return;
      }
      submit.disabled = false;
      status.classList.add('is-error');
      status.textContent = 'Not saved: ' + errorText(error);
    }
  }

  async function reconcileNow() {
    const button = /** @type {HTMLButtonElement} */ (el.reconcile);
    if (button.disabled) {
      return;
    }
    const generation = state.generation;
    button.disabled = true;
    el.reconcileStatus.classList.remove('is-ok', 'is-error');
    el.reconcileStatus.textContent = 'Reconciling…';
    try {
      const open = await api('POST', '/v1/audit/reconcile');
      if (generation !== state.generation) {
        return;
      }
      const n = Array.isArray(open) ? open.length : 0;
      el.reconcileStatus.classList.add('is-ok');
      el.reconcileStatus.textContent =
        'Reconciled at ' + timeOnly(new Date()) + ': ' + n + ' open finding' + (n === 1 ? '' : 's') + '.';
      announce(el.reconcileStatus.textContent);
      refresh();
    } catch (error) {
      if (generation !== state.generation) {
        return;
      }
      if (error instanceof ApiError && error.kind === 'refused') {
        onRefused(error);
        return;
      }
      el.reconcileStatus.classList.add('is-error');
      el.reconcileStatus.textContent = 'Reconciliation failed: ' + errorText(error);
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- agreements and certificates

  function renderAgreements() {
    const agreements = state.data.agreements;
    syncRows(
      el.agreementsBody,
      agreements,
      function (a) {
        return a.id;
      },
      buildAgreementRow,
    );
    el.agreementsEmpty.hidden = agreements.length > 0;
  }

  /** @param {Agreement} a */
  function buildAgreementRow(a) {
    const tr = h('tr', {
      attrs: {
        'data-testid': 'agreement-row',
        'data-agreement-id': a.id,
        'data-state': a.state,
        'data-parties': (a.parties || []).join('-'),
      },
    });
    tr.appendChild(
      h('th', { attrs: { scope: 'row' } }, [
        h('code', { text: a.id }),
        h('div', {
          className: 'hint small-text',
          text: 'version ' + a.version + (a.purpose ? ' · ' + a.purpose : ''),
        }),
      ]),
    );
    tr.appendChild(td((a.parties || []).join(' – '), 'nowrap'));
    tr.appendChild(
      h('td', {}, [h('span', { className: 'badge state agreement-' + a.state, text: a.state })]),
    );
    tr.appendChild(td((a.signedBy || []).length ? a.signedBy.join(', ') : '—'));
    tr.appendChild(td(a.countersigned ? 'yes' : 'no', a.countersigned ? 'yes' : 'no'));
    const validity = h('td', { className: 'time' }, [
      h('div', { text: 'from ' + formatDate(a.validFrom), attrs: { title: isoOf(a.validFrom) } }),
      h('div', { text: 'until ' + formatDate(a.validUntil), attrs: { title: isoOf(a.validUntil) } }),
    ]);
    tr.appendChild(validity);
    tr.appendChild(
      h('td', { className: 'directions' }, [
        h(
          'ul',
          { className: 'plain-list' },
          (a.directions || []).map(function (d) {
            const excluded =
              d.excludedFields && d.excludedFields.length ? d.excludedFields.join(', ') : 'none';
            return h(
              'li',
              { attrs: { 'data-testid': 'agreement-direction', 'data-direction': d.from + '-' + d.to } },
              [
                h('strong', { text: d.from + ' → ' + d.to + ': ' }),
                document.createTextNode((d.categories || []).map(words).join(', ') || 'no category'),
                h('span', {
                  className: 'badge tlp tlp-' + d.maxClassification,
                  text: tlpLabel(d.maxClassification),
                }),
                h('div', {
                  className: 'hint small-text',
                  text:
                    'excluded fields: ' +
                    excluded +
                    ' · retention ' +
                    d.retentionDays +
                    ' day' +
                    (d.retentionDays === 1 ? '' : 's') +
                    (d.maxHandling ? ' · handling ' + d.maxHandling : '') +
                    (d.onwardSharing ? ' · onward sharing ' + words(d.onwardSharing).toLowerCase() : ''),
                }),
              ],
            );
          }),
        ),
      ]),
    );
    return tr;
  }

  function renderCertificates() {
    const certificates = state.data.certificates;
    syncRows(
      el.certificatesBody,
      certificates,
      function (c) {
        return c.fingerprint;
      },
      buildCertificateRow,
    );
    el.certificatesEmpty.hidden = certificates.length > 0;
  }

  /** @param {Certificate} c */
  function buildCertificateRow(c) {
    const notAfter = toDate(c.notAfter);
    const status = c.revokedAt
      ? 'revoked'
      : notAfter && notAfter.getTime() < Date.now()
        ? 'expired'
        : 'valid';
    const tr = h('tr', {
      attrs: { 'data-testid': 'certificate-row', 'data-country': c.country, 'data-status': status },
    });
    tr.appendChild(h('th', { text: c.country, attrs: { scope: 'row' } }));
    tr.appendChild(h('td', {}, [shortCode(c.fingerprint, 16)]));
    tr.appendChild(h('td', {}, [shortCode(c.serial, 10)]));
    const until = td(formatDate(c.notAfter), 'time');
    until.title = isoOf(c.notAfter);
    tr.appendChild(until);
    const statusCell = h('td', {}, [h('span', { className: 'badge cert-' + status, text: status })]);
    if (c.revokedAt) {
      statusCell.appendChild(h('div', { className: 'hint small-text', text: formatDateTime(c.revokedAt) }));
    }
    tr.appendChild(statusCell);
    return tr;
  }

  // ---------------------------------------------------------------- statistics

  function renderStatistics() {
    const rows = state.data.statistics;
    syncRows(
      el.statsBody,
      rows,
      function (r) {
        return [r.from, r.to, r.category, r.month].join('|');
      },
      function (r) {
        const tr = h('tr', {
          attrs: {
            'data-testid': 'stat-row',
            'data-from': r.from,
            'data-to': r.to,
            'data-category': r.category,
            'data-month': r.month,
            'data-exchanges': String(r.exchanges),
          },
        });
        tr.appendChild(td(r.from));
        tr.appendChild(td(r.to));
        tr.appendChild(td(words(r.category)));
        tr.appendChild(td(r.month, 'time'));
        tr.appendChild(td(formatCount(r.exchanges), 'num'));
        return tr;
      },
    );
    el.statsEmpty.hidden = rows.length > 0;
    renderBars(rows);
  }

  /** One bar per corridor (all months), split by category; widths are set through the CSSOM, not markup. @param {StatRow[]} rows */
  function renderBars(rows) {
    /** @type {Map<string, { from: string, to: string, total: number, byCategory: Map<string, number> }>} */
    const corridors = new Map();
    /** @type {Set<string>} */
    const categories = new Set();
    for (const r of rows) {
      const key = r.from + '→' + r.to;
      let c = corridors.get(key);
      if (!c) {
        c = { from: r.from, to: r.to, total: 0, byCategory: new Map() };
        corridors.set(key, c);
      }
      const n = Number(r.exchanges) || 0;
      c.total += n;
      c.byCategory.set(r.category, (c.byCategory.get(r.category) || 0) + n);
      categories.add(r.category);
    }
    const list = Array.from(corridors.values()).sort(function (a, b) {
      return b.total - a.total || (a.from + a.to).localeCompare(b.from + b.to);
    });
    const max = list.reduce(function (m, c) {
      return Math.max(m, c.total);
    }, 0);
    const order = Array.from(categories).sort();
    el.statBars.replaceChildren();
    for (const c of list) {
      const track = h('div', { className: 'bar-track', attrs: { 'aria-hidden': 'true' } });
      for (const category of order) {
        const n = c.byCategory.get(category) || 0;
        if (!n) {
          continue;
        }
        const segment = h('span', {
          className: 'bar-seg seg-' + category,
          attrs: { title: words(category) + ': ' + n },
        });
        segment.style.width = (max ? (n / max) * 100 : 0).toFixed(2) + '%';
        track.appendChild(segment);
      }
      const breakdown = order
        .filter(function (category) {
          return c.byCategory.has(category);
        })
        .map(function (category) {
          return words(category).toLowerCase() + ' ' + c.byCategory.get(category);
        })
        .join(', ');
      el.statBars.appendChild(
        h(
          'li',
          {
            className: 'bar-row',
            attrs: {
              'data-testid': 'stat-bar',
              'data-corridor': c.from + '-' + c.to,
              'data-total': String(c.total),
            },
          },
          [
            h('span', { className: 'bar-label', text: c.from + ' → ' + c.to }),
            track,
            h('span', { className: 'bar-value', text: formatCount(c.total) }),
            h('span', { className: 'visually-hidden', text: ' exchanges (' + breakdown + ')' }),
          ],
        ),
      );
    }
    if (order.length) {
      el.statBars.appendChild(
        h(
          'li',
          { className: 'legend', attrs: { 'aria-hidden': 'true' } },
          order.map(function (category) {
            return h('span', { className: 'legend-item' }, [
              h('span', { className: 'swatch seg-' + category }),
              document.createTextNode(words(category).toLowerCase()),
            ]);
          }),
        ),
      );
    }
  }

  // ---------------------------------------------------------------- start

  function bindElements() {
    const ids = {
      signinView: 'signin-view',
      signinForm: 'signin-form',
      tokenInput: 'token-input',
      signinError: 'signin-error',
      signinProgress: 'signin-progress',
      auditView: 'audit-view',
      pageBanner: 'page-banner',
      principal: 'principal',
      lastRefresh: 'last-refresh',
      refreshNow: 'refresh-now',
      signOut: 'sign-out',
      headsHeading: 'heads-heading',
      headsBody: 'heads-body',
      headsEmpty: 'heads-empty',
      statsBody: 'stats-body',
      statsEmpty: 'stats-empty',
      statBars: 'stat-bars',
      findingsHeading: 'findings-heading',
      findingsCount: 'findings-count',
      findingsFilter: 'findings-filter',
      findingsBody: 'findings-body',
      findingsEmpty: 'findings-empty',
      reconcile: 'reconcile',
      reconcileStatus: 'reconcile-status',
      agreementsBody: 'agreements-body',
      agreementsEmpty: 'agreements-empty',
      certificatesBody: 'certificates-body',
      certificatesEmpty: 'certificates-empty',
      announcer: 'announcer',
    };
    for (const [name, id] of Object.entries(ids)) {
      const node = document.getElementById(id);
      if (!node) {
        throw new Error('index.html is missing #' + id);
      }
      el[name] = node;
    }
  }

  function start() {
    bindElements();
    el.signinForm.addEventListener('submit', function (event) {
      event.preventDefault();
      const input = /** @type {HTMLInputElement} */ (el.tokenInput);
      const token = input.value.trim();
      if (!token) {
        showSignInError('Paste an auditor token first.');
        input.focus();
        return;
      }
      input.value = '';
      signIn(token, { fromUser: true });
    });
    el.signOut.addEventListener('click', signOut);
    el.refreshNow.addEventListener('click', refresh);
    el.reconcile.addEventListener('click', function () {
      void reconcileNow();
    });
    el.findingsFilter.addEventListener('change', function () {
      state.filter = /** @type {HTMLSelectElement} */ (el.findingsFilter).value;
      state.data.findings = [];
      state.findingsLoading = true;
      renderFindings();
      refresh();
    });
    // A printed URL pasted into an open page only changes the fragment: sign in with it too.
    window.addEventListener('hashchange', function () {
      const fresh = takeTokenFromHash();
      if (fresh) {
        signIn(fresh);
      }
    });
    setLastRefresh('idle');
    const hashToken = takeTokenFromHash();
    if (hashToken) {
      storage.set(TOKEN_KEY, hashToken);
    }
    const token = storage.get(TOKEN_KEY);
    if (token) {
      signIn(token);
    } else {
      showSignInView();
    }
  }

  start();
})();

// The desk protocol: typed socket.io event maps, shared by the server (apps/gateway/src/desk/desk.gateway.ts), the web
// desk (apps/web imports these types) and the CLI's `desk tail`. Namespace: /desk.

/** One entry of an officer's live feed. `seq` is the gateway's desk sequence: strictly increasing, no gaps per gateway. */
export interface DeskItem {
  seq: number;
  event: 'ALERT' | 'UPDATED' | 'WITHDRAWN' | 'REPLY';
  inboxSeq: number;
  /** The partner gateway that sent this item (authenticated by its envelope signature). */
  sender: string;
  /**
   * The country that originated the alert this item is about. An alert is identified by (origin, alertId), never by
   * alertId alone: for ALERT, UPDATED and WITHDRAWN items it is the sender; a REPLY may be about an alert of this
   * gateway's own country.
   */
  origin: string;
  alertId: string;
  threadId: string | null;
  category: string;
  priority: string;
  classification: string;
  /** null once withdrawn or purged: the content is gone from this gateway */
  title: string | null;
  state: 'ACTIVE' | 'WITHDRAWN' | 'PURGED';
  receivedAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  redactedFields: string[];
  /** Non-personal summary for the feed row (route points, bulletin summary, referral need...). */
  summary: Record<string, unknown>;
  /**
   * For REPLY items: the reply text and the officer id as the sending gateway asserts it (show it as
   * "<sender>: officer <officerId>", never as another country's officer).
   */
  reply?: { body: string; officerId: string } | null;
}

export interface DeskHello {
  officer: string;
  country: string;
  desk: string | null;
  clearance: string;
  categories: string[];
  latestSeq: number;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; reason: string; code: string };

/** One thing a document check found: a received DOCUMENT alert, or a record of a partner's document register. */
export interface DocumentCheckMatch {
  source: 'ALERT' | 'REGISTER';
  /** the partner that shared it */
  sender: string;
  /** an alert's fraud type, or a register record's status (COUNTERFEIT, FORGED, STOLEN_BLANK, LOST, ...) */
  status: string;
  /** the same as status (kept for clients written before registers) */
  fraudType: string;
  documentType: string;
  issuingState: string;
  /** when it was received (alert) or last updated by its originator (register record), ISO 8601 */
  date: string;
  /** ALERT: its desk feed sequence and id */
  seq?: number;
  alertId?: string;
  /** REGISTER: the register and record, and the series the number falls in */
  registerId?: string;
  registerName?: string;
  recordId?: string;
  series?: { first: string; last: string };
}

/** The answer of a document check: hit or not, and what matched (no personal data but the document's labels). */
export interface DocumentCheckResult {
  hit: boolean;
  matches: DocumentCheckMatch[];
}

/** One outbox row of an alert this country sent: the alert itself, an update or a withdrawal, to one partner. */
export interface SentDelivery {
  recipient: string;
  kind: 'ALERT' | 'UPDATE' | 'WITHDRAWAL';
  /** one of OUTBOX_STATUSES: QUEUED, SENT, DELIVERED, UNCONFIRMED, REJECTED, FAILED, REFUSED */
  status: string;
  reason: string | null;
  queuedAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  /** the partner's officer, as the partner's gateway asserts it (acknowledgements answer the ALERT row) */
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

/** An alert this gateway's country published, within the officer's categories and clearance. */
export interface SentAlert {
  id: string;
  threadId: string;
  category: string;
  priority: string;
  classification: string;
  title: string;
  state: 'ACTIVE' | 'WITHDRAWN';
  version: number;
  publishedAt: string;
  publishedBy: string;
  /** every outbox row of the alert, oldest first */
  deliveries: SentDelivery[];
}

/** One version of an alert: published, updated, withdrawn or (at a receiving gateway) expired. */
export interface AlertVersion {
  version: number;
  event: 'PUBLISHED' | 'UPDATED' | 'WITHDRAWN' | 'EXPIRED';
  at: string;
  /** the publishing user at the originating gateway; for a received alert, the sending country */
  by: string;
  reason: string | null;
}

/** A stop of a route on the situational picture; lat/lon null when the partner gave no coordinates. */
export interface PictureWaypoint {
  role: 'origin' | 'transit' | 'destination';
  place: string;
  country: string;
  lat: number | null;
  lon: number | null;
}

/**
 * An alert on the situational picture: a route with its waypoints, a document (placed at its issuing state) or a
 * protection referral (its last known position). No personal data: no names, document numbers or phones.
 */
export interface PictureItem {
  /** desk feed seq of the alert (received); null for an alert this country sent */
  seq: number | null;
  origin: string;
  sender: string;
  alertId: string;
  category: 'ROUTE' | 'DOCUMENT' | 'PROTECTION_REFERRAL';
  priority: string;
  classification: string;
  title: string;
  /** when it was received (or published, for this country's own) */
  at: string;
  waypoints: PictureWaypoint[];
  /** the feed row's non-personal summary (transport mode, people...), as DeskItem.summary */
  summary: Record<string, unknown>;
  document?: { documentType: string; issuingState: string; fraudType: string };
  referral?: { need: string; peopleCount: number; place: string; lat: number | null; lon: number | null };
  /** who of this country acknowledged a received alert, and when (whichever desk or tab it was); null for the rest */
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

export interface ServerToClientEvents {
  hello: (hello: DeskHello) => void;
  feed: (item: DeskItem) => void;
}

export interface ClientToServerEvents {
  /** Replays every item after lastSeq the officer may see, in order, then live push continues. */
  resume: (
    req: { lastSeq: number },
    ack: (res: Ack<{ replayed: number; latestSeq: number }>) => void,
  ) => void;
  /** Full alert (decoded payload). Viewing personal data (SUSPECT, DOCUMENT, PROTECTION_REFERRAL) is logged. */
  detail: (
    req: { seq: number },
    ack: (res: Ack<{ item: DeskItem; alert: Record<string, unknown> }>) => void,
  ) => void;
  /** Records the acknowledgement and sends it, signed, to the originating country. */
  acknowledge: (
    req: { seq: number },
    ack: (res: Ack<{ acknowledgedAt: string; acknowledgedBy: string }>) => void,
  ) => void;
  /** Threaded request for information back to the originator. */
  reply: (req: { seq: number; body: string }, ack: (res: Ack<{ replyId: string }>) => void) => void;
  /** Hit/no-hit of a document number or an MRZ against received DOCUMENT alerts and partners' document registers. */
  documentCheck: (
    req: { number?: string; mrz?: string[] },
    ack: (res: Ack<DocumentCheckResult>) => void,
  ) => void;
  /** Alerts this country sent, newest first, with every delivery to each partner; `before` pages by publishedAt. */
  sent: (req: { before?: string; limit?: number }, ack: (res: Ack<{ alerts: SentAlert[] }>) => void) => void;
  /** The versions of an alert (origin, alertId), oldest first: who published, updated or withdrew it, and when. */
  history: (
    req: { origin: string; alertId: string },
    ack: (res: Ack<{ versions: AlertVersion[] }>) => void,
  ) => void;
  /** Route, document and referral alerts within the officer's scope published or received in [from, to). */
  picture: (
    req: { from: string; to: string },
    ack: (res: Ack<{ items: PictureItem[]; truncated: boolean }>) => void,
  ) => void;
}

/**
 * Handshake: io('/desk', { auth: {} }) with the gateway's session cookie (sign-in at the identity provider), or
 * io('/desk', { auth: { token } }) where the development switch allows tokens. No session, or a bad, expired or
 * missing token: connect_error with data.code and message.
 */
export interface DeskHandshakeAuth {
  token?: string;
}

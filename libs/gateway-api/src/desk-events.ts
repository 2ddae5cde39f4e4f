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
}

/**
 * Handshake: io('/desk', { auth: {} }) with the gateway's session cookie (sign-in at the identity provider), or
 * io('/desk', { auth: { token } }) where the development switch allows tokens. No session, or a bad, expired or
 * missing token: connect_error with data.code and message.
 */
export interface DeskHandshakeAuth {
  token?: string;
}

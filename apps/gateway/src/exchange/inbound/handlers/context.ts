// What every inbound handler gets: the batch transaction, the repositories, what the trust store knows of the pair,
// and the batch's writes (log leaves, desk feed, receipts owed), written once at the end of the batch.
import type { EntityManager } from 'typeorm';
import type { EnvelopeHeader, ExchangeMessage } from '@corridor/contracts';
import type { ActiveAgreement } from '@corridor/policy';
import type { BusRecord } from '@corridor/platform';
import type { LeafInput } from '../../../audit/audit.log';
import type { FeedEntry, InboxRepository } from '../../../inbox/inbox.repository';
import type { ExchangeRepository, ReceiptDue } from '../../exchange.repository';
import type { OutboxRepository } from '../../outbox.repository';
import type { RegisterRecordsRepository } from '../../../registers/register-records.repository';
import type { Rejection } from '../opening';

/** What one batch transaction collects and writes once at its end. */
export interface BatchWrites {
  leaves: LeafInput[];
  feed: FeedEntry[];
  /** receipts owed to the senders, recorded in receipts_due and sent a moment later */
  receipts: ReceiptDue[];
}

export interface InboundRepositories {
  inbox: InboxRepository;
  exchange: ExchangeRepository;
  outbox: OutboxRepository;
  /** partners' document registers (absent in specs that do not receive any) */
  registerRecords?: RegisterRecordsRepository;
}

export interface HandlerContext {
  em: EntityManager;
  repos: InboundRepositories;
  /** this gateway's country */
  own: string;
  agreementWith(partner: string): ActiveAgreement | undefined;
  writes: BatchWrites;
  now: () => number;
  /** a receipt owed for these exact bytes */
  owe(header: EnvelopeHeader, sha: Uint8Array, status: 'ACCEPTED' | 'REJECTED', reason: string): void;
  /** an envelope that also needs a quarantine row of its own (receipts naming nothing sent) */
  quarantine(record: BusRecord, rejection: Rejection, header: EnvelopeHeader): Promise<void>;
  /** how long a receipted row waited, for the metrics */
  observeReceiptLatency(seconds: number): void;
}

/** A verified, screened message with its envelope's hash. */
export interface Received<B extends ExchangeMessage['body']['case'] = ExchangeMessage['body']['case']> {
  record: BusRecord;
  header: EnvelopeHeader;
  message: ExchangeMessage & { body: Extract<ExchangeMessage['body'], { case: B }> };
  sha: Uint8Array;
}

/** The labels a message about an alert carries, for the log. */
export function leafBase(
  header: EnvelopeHeader,
  sha: Uint8Array,
): Pick<LeafInput, 'peer' | 'messageId' | 'envelopeSha256' | 'category'> {
  return { peer: header.sender, messageId: header.messageId, envelopeSha256: sha, category: header.category };
}

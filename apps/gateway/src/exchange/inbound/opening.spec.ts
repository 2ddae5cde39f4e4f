import { createPrivateKey } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  Category,
  Classification,
  create,
  DocumentRecordSchema,
  DocumentStatus,
  exchangeTopic,
  ExchangeMessageSchema,
  MessageKind,
  RegisterChunkSchema,
  RegisterOperation,
  ReplySchema,
  type Alert,
  type ExchangeMessage,
} from '@corridor/contracts';
import { sealEnvelope } from '@corridor/envelope';
import {
  createCsr,
  createRootCa,
  describeCertificate,
  generateKeyPairAsync,
  issueGatewayCertificate,
} from '@corridor/pki';
import type { ActiveAgreement } from '@corridor/policy';
import { activeAgreement } from '../../../../../test/factories/agreements';
import { bulletinProto } from '../../../../../test/factories/proto-alerts';
import { openRecord, OpeningTrust, RejectionCode } from './opening';

const NOW = Date.UTC(2026, 11, 2, 12);
const AGREEMENT = 'AG-LY-IT';

interface Party {
  key: ReturnType<typeof createPrivateKey>;
  certPem: string;
}

let ly: Party;
let italy: Party;
let caCertPem: string;

beforeAll(async () => {
  const ca = createRootCa({
    commonName: 'Opening Test Root',
    validityDays: 3650,
    notBefore: new Date(NOW - 86_400_000),
  });
  caCertPem = ca.certPem;
  const party = async (country: string): Promise<Party> => {
    const keys = await generateKeyPairAsync();
    const certPem = issueGatewayCertificate({
      csrPem: createCsr({ country, ...keys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: 365,
      notBefore: new Date(NOW - 86_400_000),
    });
    return { key: createPrivateKey(keys.privateKeyPem), certPem };
  };
  [ly, italy] = await Promise.all([party('LY'), party('IT')]);
}, 60_000);

const agreement = (): ActiveAgreement =>
  activeAgreement({
    id: AGREEMENT,
    from: 'LY',
    to: 'IT',
    categories: [Category.BULLETIN, Category.ROUTE],
    nowMs: NOW,
  });

/** The suites the receiver's agreement with LY allows (suite 1 envelopes here; [2] means the pair requires suite 2). */
let agreementSuites: number[] = [];

function trust(): OpeningTrust {
  const certs = new Map(
    [ly.certPem, italy.certPem].map((pem) => [describeCertificate(pem).fingerprint, pem]),
  );
  return {
    own: { country: 'IT', key: italy.key, certPem: italy.certPem, suites: [2, 1] },
    keyFor: () => undefined,
    envelopeTrust: () => ({
      caCertPem,
      revokedSerials: new Set<string>(),
      resolveSenderCert: (fp) => certs.get(fp),
    }),
    incomingTopic: (partner) => exchangeTopic(partner, 'IT'),
    agreementWith: (partner) => (partner === 'LY' ? agreement() : undefined),
    agreementParties: (id) => (id === AGREEMENT ? ['IT', 'LY'] : []),
    suitesFrom: () => [2, 1].filter((id) => agreementSuites.length === 0 || agreementSuites.includes(id)),
    epochKeys: { get: () => undefined },
  };
}

function seal(opts: {
  message: ExchangeMessage;
  kind: MessageKind;
  category?: Category;
  classification?: Classification;
  agreementId?: string;
  messageId?: string;
}): Uint8Array {
  return sealEnvelope({
    header: {
      sender: 'LY',
      recipient: 'IT',
      messageId: opts.messageId ?? uuidv7(),
      createdAtMs: NOW,
      agreementId: opts.agreementId ?? AGREEMENT,
      kind: opts.kind,
      category: opts.category ?? Category.BULLETIN,
      classification: opts.classification ?? Classification.GREEN,
      threadId: uuidv7(),
    },
    message: opts.message,
    senderKey: ly.key,
    senderCertPem: ly.certPem,
    recipientCertPem: italy.certPem,
  }).bytes;
}

const alertMessage = (alert: Alert): ExchangeMessage =>
  create(ExchangeMessageSchema, { body: { case: 'alert', value: alert } });

async function open(bytes: Uint8Array, topic = exchangeTopic('LY', 'IT'), maxEnvelopeBytes = 256 * 1024) {
  return openRecord(
    { topic, partition: 0, offset: '0', key: null, value: Buffer.from(bytes) },
    { trust: trust(), maxEnvelopeBytes, maxAgeMs: 7 * 86_400_000, now: () => NOW },
  );
}

async function refusal(
  bytes: Uint8Array,
  topic?: string,
  max?: number,
): Promise<[RejectionCode, boolean] | 'OPENED'> {
  const item = await open(bytes, topic, max);
  return 'rejection' in item ? [item.rejection.code, item.rejection.authenticated] : 'OPENED';
}

describe('opening an inbound record: bytes in, Opened or Refused out', () => {
  it('opens a valid alert from the partner', async () => {
    const item = await open(
      seal({ kind: MessageKind.ALERT, message: alertMessage(bulletinProto({ nowMs: NOW })) }),
    );
    expect('message' in item && item.header.sender).toBe('LY');
  });

  it('refuses a suite-1 envelope with SUITE_NOT_ALLOWED when the agreement requires suite 2', async () => {
    const bytes = seal({ kind: MessageKind.ALERT, message: alertMessage(bulletinProto({ nowMs: NOW })) });
    agreementSuites = [2];
    try {
      expect(await refusal(bytes)).toEqual(['SUITE_NOT_ALLOWED', false]);
    } finally {
      agreementSuites = [];
    }
    expect('message' in (await open(bytes))).toBe(true);
  });

  it('refuses an oversized record before any crypto, unauthenticated', async () => {
    expect(await refusal(new Uint8Array(5000), undefined, 4096)).toEqual(['ENVELOPE_TOO_LARGE', false]);
  });

  it('refuses bytes that are not an envelope, and a flipped bit, with the envelope library code', async () => {
    expect(await refusal(new TextEncoder().encode('not an envelope'))).toEqual(['MALFORMED', false]);
    const bytes = seal({ kind: MessageKind.ALERT, message: alertMessage(bulletinProto({ nowMs: NOW })) });
    bytes[bytes.length - 10] ^= 1;
    const [code, authenticated] = (await refusal(bytes)) as [RejectionCode, boolean];
    expect(['BAD_SIGNATURE', 'DECRYPT_FAILED', 'MALFORMED']).toContain(code);
    expect(authenticated).toBe(false);
  });

  it('refuses an envelope on another pair’s topic (TOPIC_MISMATCH), authenticated', async () => {
    const bytes = seal({ kind: MessageKind.ALERT, message: alertMessage(bulletinProto({ nowMs: NOW })) });
    expect(await refusal(bytes, exchangeTopic('NE', 'IT'))).toEqual(['TOPIC_MISMATCH', true]);
  });

  it('refuses a header naming another agreement (AGREEMENT_MISMATCH) and ids that are not UUIDs (HEADER_INVALID)', async () => {
    const message = alertMessage(bulletinProto({ nowMs: NOW }));
    expect(await refusal(seal({ kind: MessageKind.ALERT, message, agreementId: 'AG-NE-IT' }))).toEqual([
      'AGREEMENT_MISMATCH',
      true,
    ]);
    expect(await refusal(seal({ kind: MessageKind.ALERT, message, messageId: 'not-a-uuid' }))).toEqual([
      'HEADER_INVALID',
      false,
    ]);
  });

  it('refuses content outside the API rules (CONTENT_INVALID)', async () => {
    const bytes = seal({
      kind: MessageKind.ALERT,
      message: alertMessage(bulletinProto({ nowMs: NOW, over: { title: 'a\u0000b' } })),
    });
    expect(await refusal(bytes)).toEqual(['CONTENT_INVALID', true]);
  });

  it('holds a reply to the agreement’s category and classification', async () => {
    const reply = create(ExchangeMessageSchema, {
      body: {
        case: 'reply',
        value: create(ReplySchema, {
          replyId: uuidv7(),
          alertId: uuidv7(),
          officerId: 'LY/officer.x',
          body: 'details?',
          createdAtMs: BigInt(NOW),
        }),
      },
    });
    expect(
      await refusal(seal({ kind: MessageKind.REPLY, message: reply, category: Category.SUSPECT })),
    ).toEqual(['CATEGORY_NOT_GRANTED', true]);
    expect(
      await refusal(seal({ kind: MessageKind.REPLY, message: reply, classification: Classification.RED })),
    ).toEqual(['CLASSIFICATION_ABOVE_GRANT', true]);
    expect(await refusal(seal({ kind: MessageKind.REPLY, message: reply }))).toBe('OPENED');
  });

  it('holds a document register chunk to DOCUMENT: the label, the grant, and every record within the rules', async () => {
    const record = (number: string) =>
      create(DocumentRecordSchema, {
        recordId: number,
        documentType: 'PASSPORT',
        issuingState: 'UTO',
        number,
        status: DocumentStatus.LOST,
        updatedAtMs: BigInt(NOW),
      });
    const chunk = (numbers: string[]) =>
      create(ExchangeMessageSchema, {
        body: {
          case: 'registerChunk',
          value: create(RegisterChunkSchema, {
            registerId: uuidv7(),
            requestId: uuidv7(),
            name: 'lost passports',
            operation: RegisterOperation.UPSERT,
            chunkCount: 1,
            records: numbers.map(record),
            createdAtMs: BigInt(NOW),
          }),
        },
      });
    // labelled as a bulletin to pass a BULLETIN grant: refused on the label
    expect(
      await refusal(
        seal({ kind: MessageKind.REGISTER, message: chunk(['P1']), category: Category.BULLETIN }),
      ),
    ).toEqual(['HEADER_MISMATCH', true]);
    // this agreement grants no DOCUMENT
    expect(
      await refusal(
        seal({ kind: MessageKind.REGISTER, message: chunk(['P1']), category: Category.DOCUMENT }),
      ),
    ).toEqual(['CATEGORY_NOT_GRANTED', true]);
    // one record outside the rules: the whole chunk is refused, before the grant is even asked
    expect(
      await refusal(
        seal({ kind: MessageKind.REGISTER, message: chunk(['P1', 'p 2']), category: Category.DOCUMENT }),
      ),
    ).toEqual(['CONTENT_INVALID', true]);
  });
});

import { MessageKind, ReceiptStatus } from '@corridor/contracts';
import {
  createReceiptBatchMessage,
  createReceiptMessage,
  envelopeSha256,
  EnvelopeError,
  messageKindOf,
  receiptsOf,
  InMemoryReplayGuard,
  openEnvelope,
  sealEnvelope,
  sealEnvelopeAsync,
  verifyReceiptMatches,
} from './index';
import { CREATED_AT_MS, headerFor, routeAlertMessage } from './testing/messages';
import { createTestPki, type TestPki } from './testing/test-pki';

/** Both test gateways' certificates under the test CA, nothing revoked. */
function trustOf(pki: TestPki) {
  const { TN, IT } = pki.gateways;
  return {
    resolveSenderCert: (fingerprint: string) => [TN, IT].find((g) => g.fingerprint === fingerprint)?.certPem,
    caCertPem: pki.ca.certPem,
    revokedSerials: new Set<string>(),
  };
}

/** Opens `bytes` at one of the test gateways, with a fresh replay guard. */
function openAt(pki: TestPki, country: 'TN' | 'IT', bytes: Uint8Array, now: number) {
  const g = pki.gateways[country];
  return openEnvelope({
    bytes,
    recipientCountry: country,
    recipientKey: g.key,
    recipientCertPem: g.certPem,
    trust: trustOf(pki),
    replay: new InMemoryReplayGuard({ windowMs: 60_000 }),
    now,
  });
}

describe('receipts', () => {
  let pki: TestPki;

  beforeAll(async () => {
    pki = await createTestPki(['TN', 'IT']);
  });

  it('proves delivery of the exact bytes: B seals a receipt back to A naming their SHA-256', () => {
    const { TN, IT } = pki.gateways;
    const sent = sealEnvelope({
      header: headerFor({ sender: 'TN', recipient: 'IT', kind: MessageKind.ALERT }),
      message: routeAlertMessage(),
      senderKey: TN.key,
      senderCertPem: TN.certPem,
      recipientCertPem: IT.certPem,
    });
    const received = openAt(pki, 'IT', sent.bytes, CREATED_AT_MS);
    const receiptMessage = createReceiptMessage({
      messageId: received.header.messageId,
      receivedEnvelopeBytes: sent.bytes,
      status: ReceiptStatus.ACCEPTED,
      receivedAtMs: CREATED_AT_MS + 5,
    });
    const receiptEnvelope = sealEnvelope({
      header: headerFor({
        sender: 'IT',
        recipient: 'TN',
        kind: MessageKind.RECEIPT,
        messageId: '0195508c-0000-7000-8000-0000000000ff',
        createdAtMs: CREATED_AT_MS + 5,
      }),
      message: receiptMessage,
      senderKey: IT.key,
      senderCertPem: IT.certPem,
      recipientCertPem: TN.certPem,
    });
    const backAtSender = openAt(pki, 'TN', receiptEnvelope.bytes, CREATED_AT_MS + 10);
    expect(backAtSender.message.body.case).toBe('receipt');
    if (backAtSender.message.body.case !== 'receipt') {
      return;
    }
    const receipt = backAtSender.message.body.value;
    expect(receipt.status).toBe(ReceiptStatus.ACCEPTED);
    expect(Buffer.from(receipt.envelopeSha256).equals(Buffer.from(sent.envelopeSha256))).toBe(true);
    expect(
      verifyReceiptMatches({ receipt, sentEnvelopeBytes: sent.bytes, sentMessageId: sent.header.messageId }),
    ).toBe(true);

    const resealed = sealEnvelope({
      header: headerFor({ sender: 'TN', recipient: 'IT', kind: MessageKind.ALERT }),
      message: routeAlertMessage(),
      senderKey: TN.key,
      senderCertPem: TN.certPem,
      recipientCertPem: IT.certPem,
    });
    // Same message, different envelope bytes: a receipt covers only what was really received.
    expect(verifyReceiptMatches({ receipt, sentEnvelopeBytes: resealed.bytes })).toBe(false);
    expect(
      verifyReceiptMatches({ receipt, sentEnvelopeBytes: sent.bytes, sentMessageId: 'another-id' }),
    ).toBe(false);
  });

  it('hashes envelopes with SHA-256', () => {
    expect(Buffer.from(envelopeSha256(Buffer.from('abc'))).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('records a rejection with its reason code', () => {
    const message = createReceiptMessage({
      messageId: 'm-1',
      receivedEnvelopeBytes: Uint8Array.of(1, 2, 3),
      status: ReceiptStatus.REJECTED,
      reasonCode: 'BAD_SIGNATURE',
      receivedAtMs: 1,
    });
    expect(message.body.case).toBe('receipt');
    expect(message.body.value).toMatchObject({
      status: ReceiptStatus.REJECTED,
      reasonCode: 'BAD_SIGNATURE',
      messageId: 'm-1',
    });
  });

  it('carries the receipts of a whole batch in one sealed message, each naming its own exact bytes', () => {
    const { TN, IT } = pki.gateways;
    const sent = [1, 2, 3].map((n) =>
      sealEnvelope({
        header: headerFor({
          sender: 'TN',
          recipient: 'IT',
          kind: MessageKind.ALERT,
          messageId: `0195508c-0000-7000-8000-00000000000${n}`,
        }),
        message: routeAlertMessage(),
        senderKey: TN.key,
        senderCertPem: TN.certPem,
        recipientCertPem: IT.certPem,
      }),
    );
    const batch = createReceiptBatchMessage(
      sent.map((e, i) => ({
        messageId: e.header.messageId,
        envelopeSha256: envelopeSha256(e.bytes),
        status: i === 1 ? ReceiptStatus.REJECTED : ReceiptStatus.ACCEPTED,
        reasonCode: i === 1 ? 'POLICY_CLASSIFICATION' : '',
        receivedAtMs: CREATED_AT_MS + i,
      })),
    );
    expect(messageKindOf(batch)).toBe(MessageKind.RECEIPT);
    const sealed = sealEnvelope({
      header: headerFor({
        sender: 'IT',
        recipient: 'TN',
        kind: MessageKind.RECEIPT,
        messageId: '0195508c-0000-7000-8000-0000000000fe',
        createdAtMs: CREATED_AT_MS + 5,
      }),
      message: batch,
      senderKey: IT.key,
      senderCertPem: IT.certPem,
      recipientCertPem: TN.certPem,
    });
    const opened = openAt(pki, 'TN', sealed.bytes, CREATED_AT_MS + 10);
    const receipts = receiptsOf(opened.message);
    expect(receipts.map((r) => r.messageId)).toEqual(sent.map((e) => e.header.messageId));
    expect(receipts.map((r) => r.status)).toEqual([
      ReceiptStatus.ACCEPTED,
      ReceiptStatus.REJECTED,
      ReceiptStatus.ACCEPTED,
    ]);
    receipts.forEach((receipt, i) =>
      expect(verifyReceiptMatches({ receipt, sentEnvelopeBytes: sent[i].bytes })).toBe(true),
    );
    // each entry names only its own envelope
    expect(verifyReceiptMatches({ receipt: receipts[0], sentEnvelopeBytes: sent[1].bytes })).toBe(false);
  });

  it('refuses an empty batch or an entry without a message id or a SHA-256', () => {
    expect(() => createReceiptBatchMessage([])).toThrow(EnvelopeError);
    const entry = {
      messageId: 'm-1',
      envelopeSha256: new Uint8Array(32),
      status: ReceiptStatus.ACCEPTED as const,
      receivedAtMs: 1,
    };
    expect(() => createReceiptBatchMessage([{ ...entry, messageId: '' }])).toThrow(EnvelopeError);
    expect(() => createReceiptBatchMessage([{ ...entry, envelopeSha256: new Uint8Array(31) }])).toThrow(
      EnvelopeError,
    );
    // a refusal of unreadable bytes names them by their SHA-256 alone
    const unread = createReceiptBatchMessage([{ ...entry, messageId: '', status: ReceiptStatus.REJECTED }]);
    expect(receiptsOf(unread)).toMatchObject([{ messageId: '', status: ReceiptStatus.REJECTED }]);
  });

  it('reads the receipts of a single receipt, of a batch, and none of another body', () => {
    const single = createReceiptMessage({
      messageId: 'm-1',
      receivedEnvelopeBytes: Uint8Array.of(1),
      status: ReceiptStatus.ACCEPTED,
      receivedAtMs: 1,
    });
    expect(receiptsOf(single).map((r) => r.messageId)).toEqual(['m-1']);
    expect(receiptsOf(routeAlertMessage())).toEqual([]);
  });

  it('seals off the event loop with the same checks: the async envelope opens, a wrong key is refused', async () => {
    const { TN, IT } = pki.gateways;
    const options = {
      header: headerFor({ sender: 'TN', recipient: 'IT', kind: MessageKind.ALERT }),
      message: routeAlertMessage(),
      senderKey: TN.key,
      senderCertPem: TN.certPem,
      recipientCertPem: IT.certPem,
    };
    const sealed = await sealEnvelopeAsync(options);
    const opened = openAt(pki, 'IT', sealed.bytes, CREATED_AT_MS);
    expect(opened.message).toEqual(routeAlertMessage());
    expect(Buffer.from(opened.envelopeSha256).equals(Buffer.from(sealed.envelopeSha256))).toBe(true);
    await expect(sealEnvelopeAsync({ ...options, senderKey: IT.key })).rejects.toThrow(EnvelopeError);
  });
});

import { MessageKind, ReceiptStatus } from '@corridor/contracts';
import {
  createReceiptMessage,
  envelopeSha256,
  InMemoryReplayGuard,
  openEnvelope,
  sealEnvelope,
  verifyReceiptMatches,
} from './index';
import { CREATED_AT_MS, headerFor, routeAlertMessage } from './testing/messages';
import { createTestPki, type TestPki } from './testing/test-pki';

describe('receipts', () => {
  let pki: TestPki;

  beforeAll(async () => {
    pki = await createTestPki(['TN', 'IT']);
  });

  it('proves delivery of the exact bytes: B seals a receipt back to A naming their SHA-256', () => {
    const { TN, IT } = pki.gateways;
    const trust = {
      resolveSenderCert: (fingerprint: string) =>
        [TN, IT].find((g) => g.fingerprint === fingerprint)?.certPem,
      caCertPem: pki.ca.certPem,
      revokedSerials: new Set<string>(),
    };
    const sent = sealEnvelope({
      header: headerFor({ sender: 'TN', recipient: 'IT', kind: MessageKind.ALERT }),
      message: routeAlertMessage(),
      senderKey: TN.key,
      senderCertPem: TN.certPem,
      recipientCertPem: IT.certPem,
    });
    const received = openEnvelope({
      bytes: sent.bytes,
      recipientCountry: 'IT',
      recipientKey: IT.key,
      recipientCertPem: IT.certPem,
      trust,
      replay: new InMemoryReplayGuard({ windowMs: 60_000 }),
      now: CREATED_AT_MS,
    });
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
    const backAtSender = openEnvelope({
      bytes: receiptEnvelope.bytes,
      recipientCountry: 'TN',
      recipientKey: TN.key,
      recipientCertPem: TN.certPem,
      trust,
      replay: new InMemoryReplayGuard({ windowMs: 60_000 }),
      now: CREATED_AT_MS + 10,
    });
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
});

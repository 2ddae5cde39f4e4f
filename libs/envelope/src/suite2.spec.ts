// Suite 2 (ECDSA P-256, AES-256-GCM, X-Wing to epoch keys): the same guarantees as suite 1, plus forward secrecy
// and signed-only receipts.
import fc from 'fast-check';
import {
  create,
  equals,
  EnvelopeHeaderSchema,
  EnvelopeSchema,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
  ReceiptStatus,
  toBinary,
  type Envelope,
} from '@corridor/contracts';
import {
  bestCommonSuite,
  createReceiptMessage,
  EnvelopeError,
  InMemoryReplayGuard,
  openEnvelope,
  openEnvelopeAsync,
  sealEnvelope,
  verifyEpochKey,
  type EnvelopeErrorCode,
  type OpenEnvelopeOptions,
  type VerifiedEpochKey,
} from './index';
import { CREATED_AT_MS, exchangeMessageArb, headerFor, routeAlertMessage } from './testing/messages';
import { createEcTestPki, type EcTestGateway } from './testing/test-pki-ec';
import { createTestPki } from './testing/test-pki';

const SENDER = 'TN';
const RECIPIENT = 'IT';
const OTHER = 'MT';
const DAY_MS = 86_400_000;
const WINDOW_MS = 7 * DAY_MS;
const SKEW_MS = 5 * 60_000;
const EPOCH = { notBeforeMs: CREATED_AT_MS - DAY_MS / 2, notAfterMs: CREATED_AT_MS + DAY_MS / 2 };

function codeOf(action: () => unknown): EnvelopeErrorCode {
  try {
    action();
  } catch (error) {
    if (error instanceof EnvelopeError) {
      return error.code;
    }
    throw new Error(`expected an EnvelopeError, got ${String(error)}`);
  }
  throw new Error('expected an EnvelopeError, but it succeeded');
}

describe('suite-2 envelopes', () => {
  let ca: { certPem: string };
  let gateways: Record<string, EcTestGateway>;
  let epochKeyOf: (country: string) => VerifiedEpochKey;
  let sealed: { bytes: Uint8Array };

  const trust = () => ({
    resolveSenderCert: (fingerprint: string) =>
      Object.values(gateways).find((g) => g.fingerprint === fingerprint)?.certPem,
    caCertPem: ca.certPem,
    revokedSerials: new Set<string>(),
  });

  const openOptions = (
    bytes: Uint8Array,
    overrides: Partial<OpenEnvelopeOptions> = {},
  ): OpenEnvelopeOptions => ({
    bytes,
    recipientCountry: RECIPIENT,
    recipientKey: gateways[RECIPIENT].key,
    recipientCertPem: gateways[RECIPIENT].certPem,
    recipientEpochKeys: gateways[RECIPIENT].ring,
    trust: trust(),
    replay: new InMemoryReplayGuard({ windowMs: WINDOW_MS }),
    now: CREATED_AT_MS + 1000,
    allowedSuites: [2],
    ...overrides,
  });
  const openAs = (bytes: Uint8Array, overrides: Partial<OpenEnvelopeOptions> = {}) =>
    openEnvelope(openOptions(bytes, overrides));

  const seal = (
    message = routeAlertMessage(),
    header = headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
    recipientEpochKey: VerifiedEpochKey | undefined = epochKeyOf(RECIPIENT),
  ) =>
    sealEnvelope({
      header,
      message,
      suite: 2,
      senderKey: gateways[SENDER].key,
      senderCertPem: gateways[SENDER].certPem,
      recipientCertPem: gateways[header.recipient].certPem,
      recipientEpochKey,
    });

  beforeAll(async () => {
    ({ ca, gateways } = await createEcTestPki([SENDER, RECIPIENT, OTHER], EPOCH));
    epochKeyOf = (country) =>
      verifyEpochKey({
        announcement: gateways[country].announcement,
        recipientCertPem: gateways[country].certPem,
        atMs: CREATED_AT_MS,
      });
    sealed = seal();
  });

  it('round-trips any message payload, sync and async, with suite 2 and the epoch key id in the signed header', async () => {
    fc.assert(
      fc.property(exchangeMessageArb, ({ message, kind }) => {
        const result = seal(message, headerFor({ sender: SENDER, recipient: RECIPIENT, kind }));
        const opened = openAs(result.bytes);
        expect(equals(ExchangeMessageSchema, opened.message, message)).toBe(true);
        expect(equals(EnvelopeHeaderSchema, opened.header, result.header)).toBe(true);
        expect(opened.header.suite).toBe(2);
        expect(opened.header.recipientKemKeyId).toBe(gateways[RECIPIENT].announcement.keyId);
      }),
      { numRuns: 30 },
    );
    const opened = await openEnvelopeAsync(openOptions(sealed.bytes));
    expect(equals(ExchangeMessageSchema, opened.message, routeAlertMessage())).toBe(true);
    const envelope = fromBinary(EnvelopeSchema, sealed.bytes);
    expect(envelope.wrappedKey.length).toBe(1120);
    expect(envelope.signature.length).toBe(64);
  });

  it('any bit flipped anywhere fails with a typed error', () => {
    const bitCount = sealed.bytes.length * 8;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bitCount - 1 }), (bit) => {
        const tampered = Uint8Array.from(sealed.bytes);
        tampered[bit >> 3] ^= 1 << (bit & 7);
        codeOf(() => openAs(tampered));
      }),
      { numRuns: 300 },
    );
  });

  describe('flipping a bit in one field', () => {
    const fields = ['header', 'wrappedKey', 'nonce', 'ciphertext', 'signature'] as const;
    const expected: Record<(typeof fields)[number], EnvelopeErrorCode[]> = {
      header: [
        'MALFORMED',
        'UNSUPPORTED_VERSION',
        'SUITE_NOT_ALLOWED',
        'WRONG_RECIPIENT',
        'UNKNOWN_SENDER_CERT',
        'SENDER_MISMATCH',
        'BAD_SIGNATURE',
      ],
      wrappedKey: ['BAD_SIGNATURE'],
      nonce: ['BAD_SIGNATURE'],
      ciphertext: ['BAD_SIGNATURE'],
      signature: ['BAD_SIGNATURE'],
    };
    it.each(fields)('%s', (field) => {
      const envelope = fromBinary(EnvelopeSchema, sealed.bytes);
      const original = envelope[field];
      fc.assert(
        fc.property(fc.integer({ min: 0, max: original.length * 8 - 1 }), (bit) => {
          const flipped = Uint8Array.from(original);
          flipped[bit >> 3] ^= 1 << (bit & 7);
          const tampered: Envelope = create(EnvelopeSchema, { ...envelope, [field]: flipped });
          expect(expected[field]).toContain(codeOf(() => openAs(toBinary(EnvelopeSchema, tampered))));
        }),
        { numRuns: 40 },
      );
    });
  });

  it('a high-s twin of a valid signature is refused (one encoding per signature: receipts hash exact bytes)', () => {
    const envelope = fromBinary(EnvelopeSchema, sealed.bytes);
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const s = BigInt(`0x${Buffer.from(envelope.signature.subarray(32)).toString('hex')}`);
    const twin = Buffer.concat([
      envelope.signature.subarray(0, 32),
      Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'),
    ]);
    const bytes = toBinary(EnvelopeSchema, create(EnvelopeSchema, { ...envelope, signature: twin }));
    expect(codeOf(() => openAs(bytes))).toBe('BAD_SIGNATURE');
  });

  it('sealed for B fails at C, also when C holds its own epoch keys', () => {
    expect(
      codeOf(() =>
        openAs(sealed.bytes, {
          recipientCountry: OTHER,
          recipientKey: gateways[OTHER].key,
          recipientCertPem: gateways[OTHER].certPem,
          recipientEpochKeys: gateways[OTHER].ring,
        }),
      ),
    ).toBe('WRONG_RECIPIENT');
    // B's name and certificate, but C's epoch keys: the key the envelope names is not there.
    expect(codeOf(() => openAs(sealed.bytes, { recipientEpochKeys: gateways[OTHER].ring }))).toBe(
      'DECRYPT_FAILED',
    );
  });

  it('wrong suite: refused where suite 2 is not allowed; a suite-1 receiver without epoch keys refuses it too', () => {
    expect(codeOf(() => openAs(sealed.bytes, { allowedSuites: [1] }))).toBe('SUITE_NOT_ALLOWED');
    expect(codeOf(() => openAs(sealed.bytes, { allowedSuites: undefined }))).toBe('SUITE_NOT_ALLOWED');
    // Relabelled as suite 1 (a downgrade): the header is signed, so the signature fails.
    const envelope = fromBinary(EnvelopeSchema, sealed.bytes);
    const header = fromBinary(EnvelopeHeaderSchema, envelope.header);
    const relabelled = toBinary(
      EnvelopeSchema,
      create(EnvelopeSchema, {
        ...envelope,
        header: toBinary(EnvelopeHeaderSchema, { ...header, suite: 1, recipientKemKeyId: '' }),
      }),
    );
    expect(['MALFORMED', 'BAD_SIGNATURE']).toContain(
      codeOf(() => openAs(relabelled, { allowedSuites: [1, 2] })),
    );
  });

  it('stale, future and replayed envelopes are refused', () => {
    expect(codeOf(() => openAs(sealed.bytes, { now: CREATED_AT_MS + WINDOW_MS + 1 }))).toBe('STALE');
    expect(codeOf(() => openAs(sealed.bytes, { now: CREATED_AT_MS - SKEW_MS - 1 }))).toBe('FUTURE');
    const replay = new InMemoryReplayGuard({ windowMs: WINDOW_MS });
    openAs(sealed.bytes, { replay });
    expect(codeOf(() => openAs(sealed.bytes, { replay }))).toBe('DUPLICATE');
  });

  it('a sender never uses an unsigned, foreign or expired epoch key', () => {
    const announcement = gateways[RECIPIENT].announcement;
    const forged = { ...announcement, notAfterMs: announcement.notAfterMs + 30 * DAY_MS };
    expect(
      codeOf(() =>
        verifyEpochKey({
          announcement: forged,
          recipientCertPem: gateways[RECIPIENT].certPem,
          atMs: CREATED_AT_MS,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    const otherSigned = gateways[OTHER].announcement;
    expect(
      codeOf(() =>
        verifyEpochKey({
          announcement: otherSigned,
          recipientCertPem: gateways[RECIPIENT].certPem,
          atMs: CREATED_AT_MS,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        verifyEpochKey({
          announcement,
          recipientCertPem: gateways[RECIPIENT].certPem,
          atMs: EPOCH.notAfterMs + 1,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    // A key verified earlier is still refused for a message dated after its validity.
    const later = headerFor({
      sender: SENDER,
      recipient: RECIPIENT,
      kind: MessageKind.ALERT,
      createdAtMs: EPOCH.notAfterMs + 1,
    });
    expect(codeOf(() => seal(routeAlertMessage(), later))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        sealEnvelope({
          header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
          message: routeAlertMessage(),
          suite: 2,
          senderKey: gateways[SENDER].key,
          senderCertPem: gateways[SENDER].certPem,
          recipientCertPem: gateways[RECIPIENT].certPem,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => seal(routeAlertMessage(), undefined, epochKeyOf(OTHER)))).toBe('WRONG_RECIPIENT');
  });

  it('forward secrecy: an envelope recorded before its epoch key was destroyed cannot be opened after', () => {
    const recorded = seal(routeAlertMessage('recorded on the wire')).bytes;
    expect(openAs(recorded).message.body.case).toBe('alert');
    // The replay window (7 days) plus skew after the epoch ended, the gateway destroys the private half ...
    const destroyed = gateways[RECIPIENT].ring.destroyExpired(
      EPOCH.notAfterMs + WINDOW_MS + SKEW_MS + 1,
      WINDOW_MS + SKEW_MS,
    );
    expect(destroyed).toEqual([gateways[RECIPIENT].announcement.keyId]);
    // ... and an attacker who then steals everything the gateway holds (identity key, certificate, remaining epoch
    // keys) and even sets the clock back to the recording cannot open it.
    expect(codeOf(() => openAs(recorded))).toBe('DECRYPT_FAILED');
    expect(() =>
      gateways[RECIPIENT].epochKey.decapsulate(fromBinary(EnvelopeSchema, recorded).wrappedKey),
    ).toThrow('destroyed');
  });

  it('receipts are signed but not encrypted, and still bound to the exact bytes they confirm', async () => {
    const { gateways: fresh } = { gateways };
    const receipt = createReceiptMessage({
      messageId: 'm-1',
      receivedEnvelopeBytes: sealed.bytes,
      status: ReceiptStatus.ACCEPTED,
      receivedAtMs: CREATED_AT_MS,
    });
    const sealedReceipt = sealEnvelope({
      header: headerFor({
        sender: RECIPIENT,
        recipient: SENDER,
        kind: MessageKind.RECEIPT,
        messageId: 'r-1',
      }),
      message: receipt,
      suite: 2,
      senderKey: fresh[RECIPIENT].key,
      senderCertPem: fresh[RECIPIENT].certPem,
      recipientCertPem: fresh[SENDER].certPem,
    });
    const envelope = fromBinary(EnvelopeSchema, sealedReceipt.bytes);
    expect(envelope.wrappedKey.length).toBe(0);
    expect(envelope.nonce.length).toBe(0);
    expect(
      equals(ExchangeMessageSchema, fromBinary(ExchangeMessageSchema, envelope.ciphertext), receipt),
    ).toBe(true);
    const atSender = (bytes: Uint8Array) =>
      openEnvelope({
        ...openOptions(bytes),
        recipientCountry: SENDER,
        recipientKey: fresh[SENDER].key,
        recipientCertPem: fresh[SENDER].certPem,
        recipientEpochKeys: undefined,
      });
    expect(atSender(sealedReceipt.bytes).message.body.case).toBe('receipt');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sealedReceipt.bytes.length * 8 - 1 }), (bit) => {
        const tampered = Uint8Array.from(sealedReceipt.bytes);
        tampered[bit >> 3] ^= 1 << (bit & 7);
        codeOf(() => atSender(tampered));
      }),
      { numRuns: 100 },
    );
    // Only receipts travel unencrypted: an alert body under a RECEIPT-shaped (empty) key is a kind mismatch.
    const alertAsReceipt = toBinary(
      EnvelopeSchema,
      create(EnvelopeSchema, {
        ...envelope,
        ciphertext: toBinary(ExchangeMessageSchema, routeAlertMessage()),
      }),
    );
    expect(codeOf(() => atSender(alertAsReceipt))).toBe('BAD_SIGNATURE');
  });

  it('suite 2 needs a P-256 sender certificate, suite 1 an RSA one', async () => {
    const rsa = await createTestPki([SENDER, RECIPIENT]);
    expect(
      codeOf(() =>
        sealEnvelope({
          header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
          message: routeAlertMessage(),
          suite: 2,
          senderKey: rsa.gateways[SENDER].key,
          senderCertPem: rsa.gateways[SENDER].certPem,
          recipientCertPem: gateways[RECIPIENT].certPem,
          recipientEpochKey: epochKeyOf(RECIPIENT),
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        sealEnvelope({
          header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
          message: routeAlertMessage(),
          suite: 1,
          senderKey: gateways[SENDER].key,
          senderCertPem: gateways[SENDER].certPem,
          recipientCertPem: rsa.gateways[RECIPIENT].certPem,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  it('negotiation picks the best suite both sides open', () => {
    expect(bestCommonSuite([1, 2], [1, 2])).toBe(2);
    expect(bestCommonSuite([1, 2], [1])).toBe(1);
    expect(bestCommonSuite([2], [1])).toBeUndefined();
  });
});

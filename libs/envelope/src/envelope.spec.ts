import fc from 'fast-check';
import {
  create,
  equals,
  EnvelopeHeaderSchema,
  EnvelopeSchema,
  ExchangeMessageSchema,
  fromBinary,
  MessageKind,
  toBinary,
  type Envelope,
} from '@corridor/contracts';
import { createRootCa } from '@corridor/pki';
import {
  EnvelopeError,
  InMemoryReplayGuard,
  openEnvelope,
  openEnvelopeAsync,
  peekEnvelopeHeader,
  sealEnvelope,
  type EnvelopeErrorCode,
  type OpenEnvelopeOptions,
} from './index';
import { CREATED_AT_MS, exchangeMessageArb, headerFor, routeAlertMessage } from './testing/messages';
import { sealRaw, type HeaderInit } from './testing/raw-seal';
import { createTestPki, GATEWAY_NOT_BEFORE, GATEWAY_VALIDITY_DAYS, type TestPki } from './testing/test-pki';

const SENDER = 'TN';
const RECIPIENT = 'IT';
const OTHER = 'MT';
const WINDOW_MS = 7 * 86_400_000;

function errorOf(action: () => unknown): EnvelopeError {
  try {
    action();
  } catch (error) {
    if (error instanceof EnvelopeError) {
      return error;
    }
    throw new Error(`expected an EnvelopeError, got ${String(error)}`);
  }
  throw new Error('expected an EnvelopeError, but the envelope opened');
}

const codeOf = (action: () => unknown): EnvelopeErrorCode => errorOf(action).code;

async function asyncCodeOf(opening: Promise<unknown>): Promise<EnvelopeErrorCode> {
  try {
    await opening;
  } catch (error) {
    if (error instanceof EnvelopeError) {
      return error.code;
    }
    throw new Error(`expected an EnvelopeError, got ${String(error)}`);
  }
  throw new Error('expected an EnvelopeError, but the envelope opened');
}

describe('suite-1 envelopes', () => {
  let pki: TestPki;
  let certsByFingerprint: Map<string, string>;
  let sealed: { bytes: Uint8Array };

  const trustFor = (revokedSerials: ReadonlySet<string> = new Set()) => ({
    resolveSenderCert: (fingerprint: string) => certsByFingerprint.get(fingerprint),
    caCertPem: pki.ca.certPem,
    revokedSerials,
  });

  const openOptions = (
    bytes: Uint8Array,
    overrides: Partial<OpenEnvelopeOptions> = {},
  ): OpenEnvelopeOptions => ({
    bytes,
    recipientCountry: RECIPIENT,
    recipientKey: pki.gateways[RECIPIENT].key,
    recipientCertPem: pki.gateways[RECIPIENT].certPem,
    trust: trustFor(),
    replay: new InMemoryReplayGuard({ windowMs: WINDOW_MS }),
    now: CREATED_AT_MS + 1000,
    ...overrides,
  });

  const openAs = (bytes: Uint8Array, overrides: Partial<OpenEnvelopeOptions> = {}) =>
    openEnvelope(openOptions(bytes, overrides));

  const sealFromSender = (
    message = routeAlertMessage(),
    header = headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
  ) =>
    sealEnvelope({
      header,
      message,
      senderKey: pki.gateways[SENDER].key,
      senderCertPem: pki.gateways[SENDER].certPem,
      recipientCertPem: pki.gateways[RECIPIENT].certPem,
    });

  const baseHeader = (overrides: Partial<HeaderInit> = {}): HeaderInit => ({
    version: 1,
    suite: 1,
    sender: SENDER,
    recipient: RECIPIENT,
    messageId: 'raw-1',
    createdAtMs: BigInt(CREATED_AT_MS),
    agreementId: 'agr',
    kind: MessageKind.ALERT,
    threadId: 't',
    senderCertFingerprint: pki.gateways[SENDER].fingerprint,
    recipientCertFingerprint: pki.gateways[RECIPIENT].fingerprint,
    ...overrides,
  });

  const rawFromSender = (
    header: Partial<HeaderInit>,
    plaintext = toBinary(ExchangeMessageSchema, routeAlertMessage()),
  ) =>
    sealRaw({
      header: baseHeader(header),
      plaintext,
      senderKey: pki.gateways[SENDER].key,
      recipientPublicKey: pki.gateways[RECIPIENT].key,
    }).bytes;

  /** From a valid sender, but its content key is 128 bits: it must not decrypt. */
  const shortContentKeyEnvelope = () =>
    sealRaw({
      header: baseHeader({}),
      plaintext: new Uint8Array([1, 2, 3]),
      senderKey: pki.gateways[SENDER].key,
      recipientPublicKey: pki.gateways[RECIPIENT].key,
      contentKey: Buffer.alloc(16, 7),
    }).bytes;

  beforeAll(async () => {
    pki = await createTestPki([SENDER, RECIPIENT, OTHER]);
    certsByFingerprint = new Map(Object.values(pki.gateways).map((g) => [g.fingerprint, g.certPem]));
    sealed = sealFromSender();
  });

  it('round-trips any message payload and reports header, hash and sender certificate', () => {
    fc.assert(
      fc.property(exchangeMessageArb, ({ message, kind }) => {
        const result = sealFromSender(message, headerFor({ sender: SENDER, recipient: RECIPIENT, kind }));
        const opened = openAs(result.bytes);
        expect(equals(ExchangeMessageSchema, opened.message, message)).toBe(true);
        expect(equals(EnvelopeHeaderSchema, opened.header, result.header)).toBe(true);
        expect(Buffer.from(opened.envelopeSha256).equals(Buffer.from(result.envelopeSha256))).toBe(true);
        expect(opened.senderCert.country).toBe(SENDER);
      }),
      { numRuns: 60 },
    );
  });

  it('seals the message bytes the caller encoded once (messageBytes) exactly as it would encode them itself', () => {
    const message = routeAlertMessage();
    const header = headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT });
    const given = sealEnvelope({
      header,
      message,
      messageBytes: toBinary(ExchangeMessageSchema, message),
      senderKey: pki.gateways[SENDER].key,
      senderCertPem: pki.gateways[SENDER].certPem,
      recipientCertPem: pki.gateways[RECIPIENT].certPem,
    });
    expect(equals(ExchangeMessageSchema, openAs(given.bytes).message, message)).toBe(true);
    // The bytes given are what travels: the seal does not encode `message` again.
    const other = routeAlertMessage('sealed from the bytes, not from the object');
    const fromBytes = sealEnvelope({
      header: { ...header, messageId: 'bytes-2' },
      message,
      messageBytes: toBinary(ExchangeMessageSchema, other),
      senderKey: pki.gateways[SENDER].key,
      senderCertPem: pki.gateways[SENDER].certPem,
      recipientCertPem: pki.gateways[RECIPIENT].certPem,
    });
    expect(equals(ExchangeMessageSchema, openAs(fromBytes.bytes).message, other)).toBe(true);
  });

  it('fills version, suite and both certificate fingerprints, and keeps the header readable before opening', () => {
    const header = peekEnvelopeHeader(sealed.bytes);
    expect(header.version).toBe(1);
    expect(header.suite).toBe(1);
    expect(header.senderCertFingerprint).toBe(pki.gateways[SENDER].fingerprint);
    expect(header.recipientCertFingerprint).toBe(pki.gateways[RECIPIENT].fingerprint);
    const envelope = fromBinary(EnvelopeSchema, sealed.bytes);
    expect(envelope.nonce).toHaveLength(12);
    expect(envelope.wrappedKey).toHaveLength(384);
    expect(envelope.signature).toHaveLength(384);
  });

  it('fails with an EnvelopeError when any single bit of the envelope is flipped', () => {
    const bitCount = sealed.bytes.length * 8;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bitCount - 1 }), (bit) => {
        const tampered = Uint8Array.from(sealed.bytes);
        tampered[bit >> 3] ^= 1 << (bit & 7);
        errorOf(() => openAs(tampered));
      }),
      { numRuns: 200 },
    );
  });

  describe('flipping a bit in one field', () => {
    const fields = ['header', 'wrappedKey', 'nonce', 'ciphertext', 'signature'] as const;
    const expected: Record<(typeof fields)[number], EnvelopeErrorCode[]> = {
      // A changed header may no longer parse, or name another version, suite, recipient, sender or certificate.
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

  it('rejects an envelope for B at C, and with C’s key under B’s name', () => {
    const atOther = {
      recipientCountry: OTHER,
      recipientKey: pki.gateways[OTHER].key,
      recipientCertPem: pki.gateways[OTHER].certPem,
    };
    expect(codeOf(() => openAs(sealed.bytes, atOther))).toBe('WRONG_RECIPIENT');
    // C claims to be B but holds only C's certificate: the recipient fingerprint differs.
    expect(codeOf(() => openAs(sealed.bytes, { ...atOther, recipientCountry: RECIPIENT }))).toBe(
      'WRONG_RECIPIENT',
    );
    // C even presents B's certificate, but has only its own private key: the content key does not unwrap.
    expect(codeOf(() => openAs(sealed.bytes, { recipientKey: pki.gateways[OTHER].key }))).toBe(
      'DECRYPT_FAILED',
    );
  });

  it('checks the sender certificate: revoked, expired, untrusted CA, unknown, and country of the header', () => {
    const revoked = new Set([pki.gateways[SENDER].serialHex]);
    expect(codeOf(() => openAs(sealed.bytes, { trust: trustFor(revoked) }))).toBe('CERT_REVOKED');
    const expiresAt = GATEWAY_NOT_BEFORE.getTime() + GATEWAY_VALIDITY_DAYS * 86_400_000;
    expect(codeOf(() => openAs(sealed.bytes, { now: expiresAt + 1000 }))).toBe('CERT_EXPIRED');

    const unknown = errorOf(() =>
      openAs(sealed.bytes, { trust: { ...trustFor(), resolveSenderCert: () => undefined } }),
    );
    expect(unknown.code).toBe('UNKNOWN_SENDER_CERT');
    expect(unknown.retriable).toBe(true);
    // A resolver that hands back some other certificate is not believed.
    const wrongCert = { ...trustFor(), resolveSenderCert: () => pki.gateways[OTHER].certPem };
    expect(codeOf(() => openAs(sealed.bytes, { trust: wrongCert }))).toBe('UNKNOWN_SENDER_CERT');
    const throwing = {
      ...trustFor(),
      resolveSenderCert: () => {
        throw new Error('database down');
      },
    };
    expect(codeOf(() => openAs(sealed.bytes, { trust: throwing }))).toBe('UNKNOWN_SENDER_CERT');

    // MT signs with its own valid certificate but writes TN as the sender.
    const impostor = sealRaw({
      header: baseHeader({ senderCertFingerprint: pki.gateways[OTHER].fingerprint }),
      plaintext: toBinary(ExchangeMessageSchema, routeAlertMessage()),
      senderKey: pki.gateways[OTHER].key,
      recipientPublicKey: pki.gateways[RECIPIENT].key,
    }).bytes;
    expect(codeOf(() => openAs(impostor))).toBe('SENDER_MISMATCH');
  });

  it('rejects a sender certificate from another CA and one not valid yet', () => {
    const rogue = createRootCa({
      commonName: 'Corridor Test Root',
      validityDays: 3650,
      notBefore: GATEWAY_NOT_BEFORE,
    });
    const foreign = pki.reissue({ country: SENDER, validityDays: 365, ca: rogue });
    const notYet = pki.reissue({
      country: SENDER,
      validityDays: 365,
      notBefore: new Date(CREATED_AT_MS + 86_400_000),
    });
    for (const [cert, code] of [
      [foreign, 'CERT_UNTRUSTED'],
      [notYet, 'CERT_EXPIRED'],
    ] as const) {
      const bytes = sealEnvelope({
        header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
        message: routeAlertMessage(),
        senderKey: pki.gateways[SENDER].key,
        senderCertPem: cert.certPem,
        recipientCertPem: pki.gateways[RECIPIENT].certPem,
      }).bytes;
      const trust = { ...trustFor(), resolveSenderCert: () => cert.certPem };
      expect(codeOf(() => openAs(bytes, { trust }))).toBe(code);
    }
  });

  it('accepts an envelope once: a replay is DUPLICATE, and a failed open does not use up the id', () => {
    const replay = new InMemoryReplayGuard({ windowMs: WINDOW_MS });
    expect(codeOf(() => openAs(sealed.bytes, { replay, recipientKey: pki.gateways[OTHER].key }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(openAs(sealed.bytes, { replay }).header.messageId).toBe('0195508c-0000-7000-8000-000000000001');
    expect(codeOf(() => openAs(sealed.bytes, { replay }))).toBe('DUPLICATE');
    // A fresh seal of the same message id is a replay too: ids are unique per sender.
    expect(codeOf(() => openAs(sealFromSender().bytes, { replay }))).toBe('DUPLICATE');
  });

  it('opens the same off the event loop (openEnvelopeAsync): same result, same errors, same replay rule', async () => {
    const options = (overrides: Partial<OpenEnvelopeOptions> = {}) => openOptions(sealed.bytes, overrides);
    const sync = openEnvelope(options());
    const opened = await openEnvelopeAsync(options());
    expect(equals(ExchangeMessageSchema, opened.message, sync.message)).toBe(true);
    expect(equals(EnvelopeHeaderSchema, opened.header, sync.header)).toBe(true);
    expect(Buffer.from(opened.envelopeSha256).equals(Buffer.from(sync.envelopeSha256))).toBe(true);
    // several side by side on the thread pool, each its own
    const messages = [1, 2, 3, 4, 5, 6].map((n) =>
      create(ExchangeMessageSchema, {
        body: { case: 'reply', value: { replyId: `r${n}`, body: `answer ${n}` } },
      }),
    );
    const batch = await Promise.all(
      messages.map((m, n) =>
        openEnvelopeAsync(
          options({
            bytes: sealFromSender(m, {
              ...headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.REPLY }),
              messageId: `side-by-side-${n}`,
            }).bytes,
          }),
        ),
      ),
    );
    expect(batch.map((b) => b.message)).toEqual(messages);
    // C's key under B's name, a 128-bit content key, a flipped signature bit, a body of another kind
    expect(await asyncCodeOf(openEnvelopeAsync(options({ recipientKey: pki.gateways[OTHER].key })))).toBe(
      'DECRYPT_FAILED',
    );
    const shortKey = shortContentKeyEnvelope();
    expect(await asyncCodeOf(openEnvelopeAsync(options({ bytes: shortKey })))).toBe('DECRYPT_FAILED');
    const envelope = fromBinary(EnvelopeSchema, sealed.bytes);
    const signature = Uint8Array.from(envelope.signature);
    signature[0] ^= 1;
    const badSignature = toBinary(EnvelopeSchema, create(EnvelopeSchema, { ...envelope, signature }));
    expect(await asyncCodeOf(openEnvelopeAsync(options({ bytes: badSignature })))).toBe('BAD_SIGNATURE');
    const reply = toBinary(ExchangeMessageSchema, messages[0]);
    expect(
      await asyncCodeOf(
        openEnvelopeAsync(options({ bytes: rawFromSender({ kind: MessageKind.ALERT }, reply) })),
      ),
    ).toBe('KIND_MISMATCH');
    // a failed open does not use up the id; a second accepted open is a replay
    const replay = new InMemoryReplayGuard({ windowMs: WINDOW_MS });
    expect(
      await asyncCodeOf(openEnvelopeAsync(options({ replay, recipientKey: pki.gateways[OTHER].key }))),
    ).toBe('DECRYPT_FAILED');
    await openEnvelopeAsync(options({ replay }));
    expect(await asyncCodeOf(openEnvelopeAsync(options({ replay })))).toBe('DUPLICATE');
  });

  it('rejects envelopes outside the time window', () => {
    expect(codeOf(() => openAs(sealed.bytes, { now: CREATED_AT_MS + WINDOW_MS + 1 }))).toBe('STALE');
    expect(codeOf(() => openAs(sealed.bytes, { now: CREATED_AT_MS + 60_000, maxAgeMs: 30_000 }))).toBe(
      'STALE',
    );
    expect(codeOf(() => openAs(sealed.bytes, { now: CREATED_AT_MS - 5 * 60_000 - 1 }))).toBe('FUTURE');
    expect(openAs(sealed.bytes, { now: CREATED_AT_MS - 5 * 60_000 }).header.sender).toBe(SENDER);
  });

  it('refuses suites and versions it does not allow', () => {
    expect(codeOf(() => openAs(rawFromSender({ suite: 2 })))).toBe('SUITE_NOT_ALLOWED');
    // Suite 2 is known, but an RSA-wrapped key has the wrong shape for it; suite 3 does not exist.
    expect(codeOf(() => openAs(rawFromSender({ suite: 2 }), { allowedSuites: [1, 2] }))).toBe('MALFORMED');
    expect(codeOf(() => openAs(rawFromSender({ suite: 3 }), { allowedSuites: [1, 2, 3] }))).toBe(
      'SUITE_NOT_ALLOWED',
    );
    expect(codeOf(() => openAs(sealed.bytes, { allowedSuites: [] }))).toBe('SUITE_NOT_ALLOWED');
    expect(codeOf(() => openAs(rawFromSender({ version: 2 })))).toBe('UNSUPPORTED_VERSION');
    expect(
      codeOf(() =>
        sealEnvelope({
          header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
          message: routeAlertMessage(),
          senderKey: pki.gateways[SENDER].key,
          senderCertPem: pki.gateways[SENDER].certPem,
          recipientCertPem: pki.gateways[RECIPIENT].certPem,
          suite: 3,
        }),
      ),
    ).toBe('SUITE_NOT_ALLOWED');
    // Suite 2 exists but signs with P-256 certificates only.
    expect(
      codeOf(() =>
        sealEnvelope({
          header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
          message: routeAlertMessage(),
          senderKey: pki.gateways[SENDER].key,
          senderCertPem: pki.gateways[SENDER].certPem,
          recipientCertPem: pki.gateways[RECIPIENT].certPem,
          suite: 2,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  it('rejects a body that is not what the signed header says, and undecryptable content from a valid sender', () => {
    const reply = create(ExchangeMessageSchema, {
      body: { case: 'reply', value: { replyId: 'r', body: 'hello' } },
    });
    expect(
      codeOf(() =>
        openAs(rawFromSender({ kind: MessageKind.ALERT }, toBinary(ExchangeMessageSchema, reply))),
      ),
    ).toBe('KIND_MISMATCH');
    expect(codeOf(() => openAs(rawFromSender({ kind: MessageKind.UNSPECIFIED }, new Uint8Array())))).toBe(
      'KIND_MISMATCH',
    );
    const shortKey = shortContentKeyEnvelope();
    expect(codeOf(() => openAs(shortKey))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => openAs(rawFromSender({}, new Uint8Array([0xff, 0xff, 0xff]))))).toBe('MALFORMED');
  });

  it('rejects oversized envelopes before parsing them', () => {
    expect(codeOf(() => openAs(sealed.bytes, { maxBytes: sealed.bytes.length - 1 }))).toBe('OVERSIZED');
    expect(codeOf(() => openAs(new Uint8Array(1024 * 1024 + 1)))).toBe('OVERSIZED');
  });

  it('rejects garbage, empty input and unknown fields as MALFORMED', () => {
    expect(codeOf(() => openAs(new Uint8Array()))).toBe('MALFORMED');
    expect(codeOf(() => openAs(Buffer.from('definitely not an envelope')))).toBe('MALFORMED');
    expect(codeOf(() => openAs(Uint8Array.from([...sealed.bytes, 0x78, 0x01])))).toBe('MALFORMED'); // field 15 varint
    // Same content, non-canonical encoding (field 1 tagged with another wire type): the bytes must be exact.
    const recoded = Uint8Array.from(sealed.bytes);
    recoded[0] ^= 0x01;
    expect(codeOf(() => openAs(recoded))).toBe('MALFORMED');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        errorOf(() => openAs(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('checks the header against the certificates and the body when sealing', () => {
    const seal = (overrides: Partial<Parameters<typeof sealEnvelope>[0]>) => () =>
      sealEnvelope({
        header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
        message: routeAlertMessage(),
        senderKey: pki.gateways[SENDER].key,
        senderCertPem: pki.gateways[SENDER].certPem,
        recipientCertPem: pki.gateways[RECIPIENT].certPem,
        ...overrides,
      });
    expect(codeOf(seal({ senderCertPem: pki.gateways[OTHER].certPem }))).toBe('SENDER_MISMATCH');
    expect(codeOf(seal({ recipientCertPem: pki.gateways[OTHER].certPem }))).toBe('WRONG_RECIPIENT');
    expect(
      codeOf(seal({ header: headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.REPLY }) })),
    ).toBe('KIND_MISMATCH');
    expect(codeOf(seal({ senderKey: pki.gateways[OTHER].key }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(seal({ senderKey: 'not a key' }))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(
        seal({
          header: {
            ...headerFor({ sender: SENDER, recipient: RECIPIENT, kind: MessageKind.ALERT }),
            messageId: '',
          },
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    // PEM keys work too (slower: parsed per call)
    expect(openAs(seal({ senderKey: pki.gateways[SENDER].privateKeyPem })().bytes).header.sender).toBe(
      SENDER,
    );
  });
});

import fc from 'fast-check';
import { create, EnvelopeHeaderSchema, EnvelopeSchema, fromBinary, toBinary } from '@corridor/contracts';
import {
  encodeEnvelope,
  encodeEnvelopeHeader,
  readCanonicalEnvelope,
  type EnvelopeFields,
} from './envelope-codec';

/**
 * What opening accepted before this codec, by protobuf-es: the fields when `bytes` decode without unknown fields and
 * re-encode to themselves, else undefined.
 */
function canonicalPerProtobufEs(bytes: Uint8Array): EnvelopeFields | undefined {
  try {
    const envelope = fromBinary(EnvelopeSchema, bytes);
    const unknown = (envelope as { $unknown?: unknown[] }).$unknown?.length ?? 0;
    return unknown === 0 && Buffer.from(toBinary(EnvelopeSchema, envelope)).equals(bytes)
      ? envelope
      : undefined;
  } catch {
    return undefined;
  }
}

const fieldsArb = fc.record({
  header: fc.uint8Array({ maxLength: 40 }),
  wrappedKey: fc.uint8Array({ maxLength: 300 }), // lengths past 127 need a two-byte varint
  nonce: fc.uint8Array({ maxLength: 12 }),
  ciphertext: fc.uint8Array({ maxLength: 20_000 }), // and past 16383 a three-byte one
  signature: fc.uint8Array({ maxLength: 64 }),
});

const asHex = (fields: EnvelopeFields | undefined) =>
  fields &&
  Object.fromEntries(
    (['header', 'wrappedKey', 'nonce', 'ciphertext', 'signature'] as const).map((name) => [
      name,
      Buffer.from(fields[name]).toString('hex'),
    ]),
  );

describe('envelope codec', () => {
  it('writes exactly the bytes protobuf-es writes, and reads them back', () => {
    fc.assert(
      fc.property(fieldsArb, (fields) => {
        const bytes = encodeEnvelope(fields);
        expect(Buffer.from(bytes).equals(toBinary(EnvelopeSchema, create(EnvelopeSchema, fields)))).toBe(
          true,
        );
        expect(asHex(readCanonicalEnvelope(bytes))).toEqual(asHex(fields));
        // A ciphertext given as pieces (body, then tag) is written as if whole.
        const cut = Math.floor(fields.ciphertext.length / 2);
        const pieces = [fields.ciphertext.subarray(0, cut), fields.ciphertext.subarray(cut)];
        expect(Buffer.from(encodeEnvelope({ ...fields, ciphertext: pieces })).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a byte string exactly when protobuf-es decodes it without unknown fields and re-encodes it to itself', () => {
    const mutated = fc
      .tuple(fieldsArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }))
      .map(([fields, edits]) => {
        const bytes = encodeEnvelope(fields);
        for (const [at, value] of edits) {
          if (bytes.length > 0) {
            bytes[at % Math.min(bytes.length, 64)] = value; // tags and lengths sit near the start
          }
        }
        return bytes;
      });
    const arbitrary = fc.oneof(mutated, fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(arbitrary, (bytes) => {
        expect(asHex(readCanonicalEnvelope(bytes))).toEqual(asHex(canonicalPerProtobufEs(bytes)));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects each way of encoding the same content differently', () => {
    const canonical = encodeEnvelope({
      header: Uint8Array.of(1),
      wrappedKey: new Uint8Array(),
      nonce: Uint8Array.of(2, 3),
      ciphertext: new Uint8Array(),
      signature: Uint8Array.of(4),
    });
    expect(Buffer.from(canonical).toString('hex')).toBe('0a01011a0202032a0104');
    expect(readCanonicalEnvelope(canonical)).toBeDefined();
    for (const variant of [
      '0a0101' + '1200' + '1a020203' + '2a0104', // an empty field written out
      '0a8101' + '01' + '1a020203' + '2a0104', // a length as a padded two-byte varint
      '1a020203' + '0a0101' + '2a0104', // fields out of order
      '0a0101' + '0a0101' + '1a020203' + '2a0104', // a field twice
      '0a01011a0202032a0104' + '7801', // an unknown field 15
      '8a00' + '0101' + '1a020203' + '2a0104', // a tag as a padded varint
      '0a01011a0202032a01', // truncated
    ]) {
      const bytes = Buffer.from(variant, 'hex');
      expect(readCanonicalEnvelope(bytes)).toBeUndefined();
    }
  });
});

describe('encodeEnvelopeHeader', () => {
  const text = fc.oneof(
    fc.constant(''),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }), // multi-byte UTF-8
    fc.string({ minLength: 130, maxLength: 200 }), // a length past 127: a two-byte varint
  );
  const small = fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: 0, max: 0x7fffffff }),
  );
  const headerArb = fc.record({
    version: small,
    suite: small,
    sender: text,
    recipient: text,
    messageId: text,
    createdAtMs: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) })),
    agreementId: text,
    kind: small,
    category: small,
    classification: small,
    threadId: text,
    senderCertFingerprint: text,
    recipientCertFingerprint: text,
    recipientKemKeyId: text,
  });

  it('writes exactly what protobuf-es writes, for any header a sealer can hold', () => {
    fc.assert(
      fc.property(headerArb, (fields) => {
        const header = create(EnvelopeHeaderSchema, fields);
        expect(Buffer.from(encodeEnvelopeHeader(header)).toString('hex')).toBe(
          Buffer.from(toBinary(EnvelopeHeaderSchema, header)).toString('hex'),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('gives values no sealer writes (negative, past 2^53, past uint32) to protobuf-es, with the same result', () => {
    for (const fields of [
      { kind: -1 },
      { createdAtMs: -5n },
      { createdAtMs: 2n ** 60n },
      { suite: 0xffffffff },
      { version: 2 ** 31 },
    ]) {
      const header = create(EnvelopeHeaderSchema, { sender: 'LY', ...fields });
      expect(Buffer.from(encodeEnvelopeHeader(header)).equals(toBinary(EnvelopeHeaderSchema, header))).toBe(
        true,
      );
    }
  });

  it('decodes back to the same header', () => {
    const header = create(EnvelopeHeaderSchema, {
      version: 1,
      suite: 2,
      sender: 'LY',
      recipient: 'IT',
      messageId: '0190f3d2-7c1a-7000-8000-000000000001',
      createdAtMs: 1_764_800_000_000n,
      agreementId: 'agr-ly-it',
      kind: 1,
      category: 3,
      classification: 2,
      threadId: '0190f3d2-7c1a-7000-8000-000000000001',
      senderCertFingerprint: 'ab'.repeat(32),
      recipientCertFingerprint: 'cd'.repeat(32),
      recipientKemKeyId: 'ef'.repeat(32),
    });
    expect(fromBinary(EnvelopeHeaderSchema, encodeEnvelopeHeader(header))).toEqual(header);
  });
});

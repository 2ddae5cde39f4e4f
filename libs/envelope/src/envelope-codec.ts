// The Envelope message (proto/corridor/v1/envelope.proto: five `bytes` fields, numbers 1-5) in its canonical
// encoding, written and read in one pass, and the EnvelopeHeader as a sealer writes it (encodeEnvelopeHeader). Both
// are exactly what protobuf-es's toBinary writes (envelope-codec.spec.ts checks it, and the Envelope reader both
// directions), without building the message object, growing a writer's buffer, or decoding and re-encoding a
// received envelope to prove that it is canonical.
import { EnvelopeHeaderSchema, toBinary, type Envelope, type EnvelopeHeader } from '@corridor/contracts';
import { piecesOf, type FieldPieces } from './signing-input';

/** The fields of an Envelope; read ones are views into the received bytes (as protobuf-es's decoder returns). */
export type EnvelopeFields = Pick<Envelope, 'header' | 'wrappedKey' | 'nonce' | 'ciphertext' | 'signature'>;

const FIELD_ORDER = ['header', 'wrappedKey', 'nonce', 'ciphertext', 'signature'] as const;
const LENGTH_DELIMITED = 2;

/** Bytes of `value` (an integer, 0 <= value < 2^53) as a varint. */
function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = Math.floor(value / 128); rest !== 0; rest = Math.floor(rest / 128)) {
    bytes += 1;
  }
  return bytes;
}

/** Writes `value` (0 <= value < 2^53) as a varint at `at`; the position after it. */
function writeVarint(out: Uint8Array, at: number, value: number): number {
  let pos = at;
  let rest = value;
  while (rest > 0x7f) {
    out[pos++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[pos++] = rest;
  return pos;
}

/**
 * Canonical protobuf encoding: fields in number order, an empty field omitted, lengths as shortest varints. A field
 * may come as pieces (a sealer's ciphertext body and tag): they are written one after the other, copied once.
 */
export function encodeEnvelope(
  fields: Omit<EnvelopeFields, 'ciphertext'> & { ciphertext: FieldPieces },
): Uint8Array {
  const pieces = FIELD_ORDER.map((name) => piecesOf(fields[name]));
  const lengths = pieces.map((field) => field.reduce((sum, piece) => sum + piece.length, 0));
  let size = 0;
  for (const length of lengths) {
    if (length !== 0) {
      size += 1 + varintBytes(length) + length;
    }
  }
  // Every byte is written below: no zero fill; never from Buffer's shared pool (the result owns its memory).
  const out = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
  let pos = 0;
  pieces.forEach((field, index) => {
    const length = lengths[index];
    if (length === 0) {
      return;
    }
    out[pos++] = ((index + 1) << 3) | LENGTH_DELIMITED;
    pos = writeVarint(out, pos, length);
    for (const piece of field) {
      out.set(piece, pos);
      pos += piece.length;
    }
  });
  return out;
}

const EMPTY = new Uint8Array(0);

/**
 * The fields of `bytes` when they are an Envelope in exactly the encoding encodeEnvelope writes, else undefined:
 * any other field or wire type, a field out of order, repeated or present but empty, a length that is not the
 * shortest varint, or a byte left over. Only this encoding is accepted, so the bytes a receipt hashes cannot be
 * altered in transit without the envelope being rejected.
 */
export function readCanonicalEnvelope(bytes: Uint8Array): EnvelopeFields | undefined {
  const fields: EnvelopeFields = {
    header: EMPTY,
    wrappedKey: EMPTY,
    nonce: EMPTY,
    ciphertext: EMPTY,
    signature: EMPTY,
  };
  let pos = 0;
  let next = 0; // index in FIELD_ORDER of the lowest field that may still come
  while (pos < bytes.length) {
    const tag = bytes[pos++];
    const index = (tag >>> 3) - 1;
    if ((tag & 0x87) !== LENGTH_DELIMITED || index < next || index >= FIELD_ORDER.length) {
      return undefined; // an unknown field, another wire type, a multi-byte tag, or a field out of order
    }
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      if (pos >= bytes.length || shift > 28) {
        return undefined;
      }
      byte = bytes[pos++];
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    // A zero final byte after the first is a padded (non-shortest) varint; an empty field is never written.
    if ((byte === 0 && shift > 7) || length === 0 || length > bytes.length - pos) {
      return undefined;
    }
    fields[FIELD_ORDER[index]] = bytes.subarray(pos, pos + length);
    pos += length;
    next = index + 1;
  }
  return fields;
}

/** The EnvelopeHeader's fields (proto/corridor/v1/envelope.proto) in number order, with how each is written. */
const HEADER_FIELDS = [
  [1, 'version', 'varint'],
  [2, 'suite', 'varint'],
  [3, 'sender', 'string'],
  [4, 'recipient', 'string'],
  [5, 'messageId', 'string'],
  [6, 'createdAtMs', 'int64'],
  [7, 'agreementId', 'string'],
  [8, 'kind', 'varint'],
  [9, 'category', 'varint'],
  [10, 'classification', 'varint'],
  [11, 'threadId', 'string'],
  [12, 'senderCertFingerprint', 'string'],
  [13, 'recipientCertFingerprint', 'string'],
  [14, 'recipientKemKeyId', 'string'],
] as const satisfies readonly (readonly [number, keyof EnvelopeHeader, 'varint' | 'string' | 'int64'])[];

const VARINT = 0;

/**
 * An EnvelopeHeader in exactly the bytes protobuf-es's toBinary writes (fields in number order, zero and empty ones
 * omitted), without its generic writer: a header is encoded on every seal, and the generic writer took 8.5 us of a
 * 1 KiB suite 2 seal's 230. Values outside what a sealer writes (a negative number, a time past 2^53 ms) go through
 * toBinary, so the result is the same whatever the header holds (envelope-codec.spec.ts checks it on random headers).
 */
export function encodeEnvelopeHeader(header: EnvelopeHeader): Uint8Array {
  // Each field's value as written: a string's UTF-8 bytes, a number's value.
  const values: (Buffer | number)[] = [];
  let size = 0;
  for (const [, name, type] of HEADER_FIELDS) {
    if (type === 'string') {
      const text = header[name];
      const bytes = text === '' ? EMPTY_BUFFER : Buffer.from(text, 'utf8');
      values.push(bytes);
      if (bytes.length !== 0) {
        size += 1 + varintBytes(bytes.length) + bytes.length;
      }
      continue;
    }
    const raw = header[name];
    const value = typeof raw === 'bigint' ? Number(raw) : raw;
    const limit = type === 'varint' ? 0x7fffffff : Number.MAX_SAFE_INTEGER;
    if (
      !Number.isSafeInteger(value) ||
      value < 0 ||
      value > limit ||
      (typeof raw === 'bigint' && BigInt(value) !== raw)
    ) {
      return toBinary(EnvelopeHeaderSchema, header);
    }
    values.push(value);
    if (value !== 0) {
      size += 1 + varintBytes(value);
    }
  }
  const out = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
  let pos = 0;
  HEADER_FIELDS.forEach(([fieldNumber], index) => {
    const value = values[index];
    if (typeof value === 'number') {
      if (value !== 0) {
        out[pos++] = (fieldNumber << 3) | VARINT;
        pos = writeVarint(out, pos, value);
      }
    } else if (value.length !== 0) {
      out[pos++] = (fieldNumber << 3) | LENGTH_DELIMITED;
      pos = writeVarint(out, pos, value.length);
      out.set(value, pos);
      pos += value.length;
    }
  });
  return out;
}

const EMPTY_BUFFER = Buffer.alloc(0);

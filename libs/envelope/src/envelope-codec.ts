// The Envelope message (proto/corridor/v1/envelope.proto: five `bytes` fields, numbers 1-5) in its canonical
// encoding, written and read in one pass. It is exactly what protobuf-es's toBinary writes (envelope-codec.spec.ts
// checks both directions against it), without building the message object, growing a writer's buffer, or decoding
// and re-encoding a received envelope to prove that it is canonical.
import type { Envelope } from '@corridor/contracts';
import { piecesOf, type FieldPieces } from './signing-input';

/** The fields of an Envelope; read ones are views into the received bytes (as protobuf-es's decoder returns). */
export type EnvelopeFields = Pick<Envelope, 'header' | 'wrappedKey' | 'nonce' | 'ciphertext' | 'signature'>;

const FIELD_ORDER = ['header', 'wrappedKey', 'nonce', 'ciphertext', 'signature'] as const;
const LENGTH_DELIMITED = 2;

function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value >>> 7; rest !== 0; rest >>>= 7) {
    bytes += 1;
  }
  return bytes;
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
    let length = lengths[index];
    if (length === 0) {
      return;
    }
    out[pos++] = ((index + 1) << 3) | LENGTH_DELIMITED;
    while (length > 0x7f) {
      out[pos++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    out[pos++] = length;
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

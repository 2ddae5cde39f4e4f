// The exact bytes the sender signs: domain-separated and length-prefixed so no field can slide into another.
export const SIGNING_DOMAIN = 'corridor-envelope-v1\0';
const DOMAIN_BYTES = Buffer.from(SIGNING_DOMAIN, 'latin1');

interface SignedFields {
  header: Uint8Array;
  wrappedKey: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** A field's bytes, whole or as pieces that follow each other (a sealer's ciphertext body and tag). */
export type FieldPieces = Uint8Array | readonly Uint8Array[];

export function piecesOf(field: FieldPieces): readonly Uint8Array[] {
  return field instanceof Uint8Array ? [field] : field;
}

export function lengthOf(field: FieldPieces): number {
  return piecesOf(field).reduce((sum, piece) => sum + piece.length, 0);
}

/**
 * The signing input as the pieces that follow each other in it, without copying the fields: signers and verifiers
 * feed them to one streaming hash (the ciphertext, the bulk of it, is not copied into a second buffer).
 */
export function envelopeSigningParts(
  fields: Omit<SignedFields, 'ciphertext'> & { ciphertext: FieldPieces },
): Uint8Array[] {
  const { header, wrappedKey, nonce, ciphertext } = fields;
  const prefixes = Buffer.allocUnsafe(16);
  prefixes.writeUInt32BE(header.length, 0);
  prefixes.writeUInt32BE(wrappedKey.length, 4);
  prefixes.writeUInt32BE(nonce.length, 8);
  prefixes.writeUInt32BE(lengthOf(ciphertext), 12);
  return [
    DOMAIN_BYTES,
    prefixes.subarray(0, 4),
    header,
    prefixes.subarray(4, 8),
    wrappedKey,
    prefixes.subarray(8, 12),
    nonce,
    prefixes.subarray(12, 16),
    ...piecesOf(ciphertext),
  ];
}

/** "corridor-envelope-v1\0" || u32be(len) || header || u32be(len) || wrapped_key || ... nonce ... ciphertext. */
export function envelopeSigningInput(fields: SignedFields): Buffer {
  return Buffer.concat(envelopeSigningParts(fields));
}

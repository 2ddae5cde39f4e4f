// The exact bytes the sender signs: domain-separated and length-prefixed so no field can slide into another.
export const SIGNING_DOMAIN = 'corridor-envelope-v1\0';
const DOMAIN_BYTES = Buffer.from(SIGNING_DOMAIN, 'latin1');

interface SignedFields {
  header: Uint8Array;
  wrappedKey: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * The signing input as the pieces that follow each other in it, without copying the fields: signers and verifiers
 * feed them to one streaming hash (the ciphertext, the bulk of it, is not copied into a second buffer).
 */
export function envelopeSigningParts(fields: SignedFields): Uint8Array[] {
  const { header, wrappedKey, nonce, ciphertext } = fields;
  const prefixes = Buffer.allocUnsafe(16);
  prefixes.writeUInt32BE(header.length, 0);
  prefixes.writeUInt32BE(wrappedKey.length, 4);
  prefixes.writeUInt32BE(nonce.length, 8);
  prefixes.writeUInt32BE(ciphertext.length, 12);
  return [
    DOMAIN_BYTES,
    prefixes.subarray(0, 4),
    header,
    prefixes.subarray(4, 8),
    wrappedKey,
    prefixes.subarray(8, 12),
    nonce,
    prefixes.subarray(12, 16),
    ciphertext,
  ];
}

/** "corridor-envelope-v1\0" || u32be(len) || header || u32be(len) || wrapped_key || ... nonce ... ciphertext. */
export function envelopeSigningInput(fields: SignedFields): Buffer {
  return Buffer.concat(envelopeSigningParts(fields));
}

// The exact bytes the sender signs: domain-separated and length-prefixed so no field can slide into another.
export const SIGNING_DOMAIN = 'corridor-envelope-v1\0';
const DOMAIN_BYTES = Buffer.from(SIGNING_DOMAIN, 'latin1');

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(length, 0);
  return prefix;
}

/** "corridor-envelope-v1\0" || u32be(len) || header || u32be(len) || wrapped_key || ... nonce ... ciphertext. */
export function envelopeSigningInput(fields: {
  header: Uint8Array;
  wrappedKey: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}): Buffer {
  const parts: Uint8Array[] = [DOMAIN_BYTES];
  for (const field of [fields.header, fields.wrappedKey, fields.nonce, fields.ciphertext]) {
    parts.push(lengthPrefix(field.length), field);
  }
  return Buffer.concat(parts);
}

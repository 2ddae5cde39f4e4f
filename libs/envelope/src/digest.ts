import { createHash } from 'node:crypto';

/** SHA-256 of the exact envelope bytes: what receipts and audit leaves refer to. */
export function envelopeSha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

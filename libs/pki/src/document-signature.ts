// Detached RSA-PSS-SHA256 signatures over domain-separated documents (agreements, transitions, tree heads).
import { createPublicKey, KeyObject, sign, verify, constants } from 'node:crypto';
import { PkiError } from './errors';

function signingInput(domain: string, bytes: Uint8Array): Buffer {
  if (!/^[a-z0-9-]+$/.test(domain)) {
    throw new PkiError('INVALID_ARGUMENT', 'domain must be lower-case letters, digits and dashes');
  }
  // The domain prefix keeps a signature over one kind of document from being valid for another.
  return Buffer.concat([Buffer.from(`${domain}\0`, 'utf8'), bytes]);
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

export function signDocument(opts: { domain: string; bytes: Uint8Array; privateKey: KeyObject }): Uint8Array {
  return sign('sha256', signingInput(opts.domain, opts.bytes), { key: opts.privateKey, ...PSS });
}

/** Verifies with a public key, a private key's public half, or a certificate PEM. */
export function verifyDocument(opts: {
  domain: string;
  bytes: Uint8Array;
  signature: Uint8Array;
  publicKey: KeyObject | string;
}): boolean {
  try {
    const key = typeof opts.publicKey === 'string' ? createPublicKey(opts.publicKey) : opts.publicKey;
    return verify('sha256', signingInput(opts.domain, opts.bytes), { key, ...PSS }, opts.signature);
  } catch {
    return false;
  }
}

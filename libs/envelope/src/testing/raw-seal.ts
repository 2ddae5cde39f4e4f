// Spec support: an independent suite-1 sealer that lets a test sign whatever header and plaintext it likes,
// as a buggy or malicious holder of a valid sender key would.
import { constants, createCipheriv, publicEncrypt, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  create,
  EnvelopeHeaderSchema,
  EnvelopeSchema,
  toBinary,
  type EnvelopeHeader,
} from '@corridor/contracts';

export type HeaderInit = Partial<Omit<EnvelopeHeader, '$typeName' | '$unknown'>>;

export function signingInputOf(parts: Uint8Array[]): Buffer {
  const chunks: Uint8Array[] = [Buffer.from('corridor-envelope-v1\0', 'latin1')];
  for (const part of parts) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    chunks.push(length, part);
  }
  return Buffer.concat(chunks);
}

export function sealRaw(options: {
  header: HeaderInit;
  plaintext: Uint8Array;
  senderKey: KeyObject;
  recipientPublicKey: KeyObject;
  contentKey?: Buffer;
}): { bytes: Uint8Array; header: EnvelopeHeader } {
  const header = create(EnvelopeHeaderSchema, options.header);
  const headerBytes = toBinary(EnvelopeHeaderSchema, header);
  const key = options.contentKey ?? randomBytes(32);
  const nonce = randomBytes(12);
  // A content key of the wrong length is wrapped as given but cannot drive AES-256: encrypt with a random one.
  const cipher = createCipheriv('aes-256-gcm', key.length === 32 ? key : randomBytes(32), nonce);
  cipher.setAAD(headerBytes);
  const ciphertext = Buffer.concat([cipher.update(options.plaintext), cipher.final(), cipher.getAuthTag()]);
  const wrappedKey = publicEncrypt(
    { key: options.recipientPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    key,
  );
  const signature = sign('sha256', signingInputOf([headerBytes, wrappedKey, nonce, ciphertext]), {
    key: options.senderKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  const bytes = toBinary(
    EnvelopeSchema,
    create(EnvelopeSchema, { header: headerBytes, wrappedKey, nonce, ciphertext, signature }),
  );
  return { bytes, header };
}

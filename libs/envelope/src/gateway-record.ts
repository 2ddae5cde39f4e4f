// A gateway's record of itself on corridor.control: the suites it opens and its signed epoch keys, the whole record
// signed with its P-256 certificate key so nobody else (another member may write the topic) can downgrade or replace it.
import { sign, verify, type KeyObject } from 'node:crypto';
import {
  create,
  fromBinary,
  GatewayRecordSchema,
  SignedGatewayRecordSchema,
  toBinary,
  type SignedGatewayRecord,
} from '@corridor/contracts';
import { describeCertificate, isIsoCountryCode } from '@corridor/pki';
import type { EpochKeyAnnouncement } from './epoch-keys';
import { EnvelopeError } from './errors';
import { SUITES } from './suites';

export const GATEWAY_RECORD_SIGNING_DOMAIN = 'corridor-gateway-record-v1\0';

/** What a verified gateway record says. The epoch keys still need verifyEpochKey/chooseEpochKey before use. */
export interface GatewayRecordContent {
  country: string;
  suites: number[];
  publishedAtMs: number;
  certFingerprint: string;
  epochKeys: EpochKeyAnnouncement[];
}

function signingInput(record: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(GATEWAY_RECORD_SIGNING_DOMAIN, 'latin1'), record]);
}

/** Signs a gateway record with the P-256 key of `certPem`. */
export function signGatewayRecord(options: {
  content: GatewayRecordContent;
  certPem: string;
  identityKey: KeyObject;
}): SignedGatewayRecord {
  const cert = describeCertificate(options.certPem);
  const c = options.content;
  if (cert.country !== c.country || cert.fingerprint !== c.certFingerprint) {
    throw new EnvelopeError('INVALID_ARGUMENT', 'the record must name the certificate that signs it');
  }
  const record = toBinary(
    GatewayRecordSchema,
    create(GatewayRecordSchema, {
      country: c.country,
      suites: c.suites,
      publishedAtMs: BigInt(c.publishedAtMs),
      certFingerprint: c.certFingerprint,
      epochKeys: c.epochKeys.map((k) => ({
        keyId: k.keyId,
        publicKey: k.publicKey,
        notBeforeMs: BigInt(k.notBeforeMs),
        notAfterMs: BigInt(k.notAfterMs),
        signature: k.signature,
      })),
    }),
  );
  const signature = sign('sha256', signingInput(record), {
    key: options.identityKey,
    dsaEncoding: 'ieee-p1363',
  });
  return create(SignedGatewayRecordSchema, { record, signature });
}

/** The record's content without checking anything: to find the certificate it names. */
export function peekGatewayRecord(signed: SignedGatewayRecord): { country: string; certFingerprint: string } {
  try {
    const r = fromBinary(GatewayRecordSchema, signed.record);
    return { country: r.country, certFingerprint: r.certFingerprint };
  } catch (error) {
    throw new EnvelopeError('MALFORMED', 'gateway record is not a valid GatewayRecord', { cause: error });
  }
}

/**
 * Checks a gateway record against the certificate it names (chain and revocation verified by the caller): the
 * signature, the country, known suites. Throws EnvelopeError naming what failed.
 */
export function verifyGatewayRecord(options: {
  signed: SignedGatewayRecord;
  certPem: string;
}): GatewayRecordContent {
  let r;
  try {
    r = fromBinary(GatewayRecordSchema, options.signed.record);
  } catch (error) {
    throw new EnvelopeError('MALFORMED', 'gateway record is not a valid GatewayRecord', { cause: error });
  }
  const cert = describeCertificate(options.certPem);
  if (cert.fingerprint !== r.certFingerprint || cert.country !== r.country || !isIsoCountryCode(r.country)) {
    throw new EnvelopeError('SENDER_MISMATCH', 'gateway record is not of the certificate it names');
  }
  let ok = false;
  try {
    ok =
      cert.publicKey.asymmetricKeyType === 'ec' &&
      verify(
        'sha256',
        signingInput(options.signed.record),
        { key: cert.publicKey, dsaEncoding: 'ieee-p1363' },
        options.signed.signature,
      );
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new EnvelopeError('BAD_SIGNATURE', 'gateway record signature does not verify');
  }
  if (r.suites.length === 0 || r.suites.some((s) => SUITES[s] === undefined)) {
    throw new EnvelopeError('SUITE_NOT_ALLOWED', 'gateway record names no suite or an unknown one');
  }
  return {
    country: r.country,
    suites: [...r.suites],
    publishedAtMs: Number(r.publishedAtMs),
    certFingerprint: r.certFingerprint,
    epochKeys: r.epochKeys.map((k) => ({
      country: r.country,
      keyId: k.keyId,
      publicKey: k.publicKey,
      notBeforeMs: Number(k.notBeforeMs),
      notAfterMs: Number(k.notAfterMs),
      certFingerprint: r.certFingerprint,
      signature: k.signature,
    })),
  };
}

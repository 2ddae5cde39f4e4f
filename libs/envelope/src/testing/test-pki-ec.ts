// Spec support (not exported): an EC (P-256) regional root, gateway certificates from CSRs and one epoch key each.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
  createEcCsr,
  createEcRootCa,
  describeCertificate,
  generateEcKeyPair,
  issueEcGatewayCertificate,
} from '@corridor/pki';
import { createEpochKey, EpochKeyRing, type EpochKeyAnnouncement } from '../epoch-keys';
import type { XWingPrivateKey } from '../xwing';
import { CA_NOT_BEFORE, GATEWAY_NOT_BEFORE, GATEWAY_VALIDITY_DAYS } from './test-pki';

export interface EcTestGateway {
  country: string;
  key: KeyObject;
  certPem: string;
  fingerprint: string;
  serialHex: string;
  epochKey: XWingPrivateKey;
  announcement: EpochKeyAnnouncement;
  ring: EpochKeyRing;
}

export async function createEcTestPki(
  countries: readonly string[],
  epoch: { notBeforeMs: number; notAfterMs: number },
): Promise<{ ca: { certPem: string; keyPem: string }; gateways: Record<string, EcTestGateway> }> {
  const ca = await createEcRootCa({
    commonName: 'Corridor Test Root EC',
    validityDays: 20 * 365,
    notBefore: CA_NOT_BEFORE,
  });
  const gateways: Record<string, EcTestGateway> = {};
  for (const country of countries) {
    const keys = generateEcKeyPair();
    const certPem = await issueEcGatewayCertificate({
      csrPem: await createEcCsr({ country, ...keys }),
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      validityDays: GATEWAY_VALIDITY_DAYS,
      notBefore: GATEWAY_NOT_BEFORE,
    });
    const key = createPrivateKey(keys.privateKeyPem);
    const { privateKey, announcement } = createEpochKey({ certPem, identityKey: key, ...epoch });
    const ring = new EpochKeyRing();
    ring.add(announcement.keyId, privateKey, announcement.notAfterMs);
    const info = describeCertificate(certPem);
    gateways[country] = {
      country,
      key,
      certPem,
      fingerprint: info.fingerprint,
      serialHex: info.serialHex,
      epochKey: privateKey,
      announcement,
      ring,
    };
  }
  return { ca, gateways };
}

// Spec support (not exported): a regional root and gateway certificates made once per spec file.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
  createCsr,
  createRootCa,
  describeCertificate,
  generateKeyPairAsync,
  issueGatewayCertificate,
  type RootCa,
} from '@corridor/pki';

export const CA_NOT_BEFORE = new Date('2024-01-01T00:00:00Z');
export const GATEWAY_NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
export const GATEWAY_VALIDITY_DAYS = 10 * 365;

export interface TestGateway {
  country: string;
  privateKeyPem: string;
  publicKeyPem: string;
  key: KeyObject;
  certPem: string;
  fingerprint: string;
  serialHex: string;
}

export interface TestPki {
  ca: RootCa;
  gateways: Record<string, TestGateway>;
  /** Another certificate for an existing gateway key, e.g. with a different validity. */
  reissue(options: { country: string; validityDays: number; notBefore?: Date; ca?: RootCa }): TestGateway;
}

export async function createTestPki(countries: readonly string[]): Promise<TestPki> {
  const keyPairs = await Promise.all(countries.map(() => generateKeyPairAsync()));
  // Fixed dates, so specs can open envelopes dated in the past or the future of the machine clock.
  const ca = createRootCa({
    commonName: 'Corridor Test Root',
    validityDays: 20 * 365,
    notBefore: CA_NOT_BEFORE,
  });
  const gateways: Record<string, TestGateway> = {};

  const issue = (options: {
    country: string;
    keys: { privateKeyPem: string; publicKeyPem: string };
    validityDays: number;
    notBefore?: Date;
    ca: RootCa;
  }): TestGateway => {
    const certPem = issueGatewayCertificate({
      csrPem: createCsr({ country: options.country, ...options.keys }),
      caCertPem: options.ca.certPem,
      caKeyPem: options.ca.keyPem,
      validityDays: options.validityDays,
      notBefore: options.notBefore ?? GATEWAY_NOT_BEFORE,
    });
    const info = describeCertificate(certPem);
    return {
      country: options.country,
      ...options.keys,
      key: createPrivateKey(options.keys.privateKeyPem),
      certPem,
      fingerprint: info.fingerprint,
      serialHex: info.serialHex,
    };
  };

  countries.forEach((country, index) => {
    gateways[country] = issue({ country, keys: keyPairs[index], validityDays: GATEWAY_VALIDITY_DAYS, ca });
  });

  return {
    ca,
    gateways,
    reissue: ({ country, validityDays, notBefore, ca: issuer }) =>
      issue({ country, keys: gateways[country], validityDays, notBefore, ca: issuer ?? ca }),
  };
}

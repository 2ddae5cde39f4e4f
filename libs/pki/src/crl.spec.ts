import { createRevocationList, createRootCa, parseRevocationList, PkiError, type RootCa } from './index';
import { derToPem, pemToDer } from './pem';

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof PkiError) {
      return error.code;
    }
    throw error;
  }
  throw new Error('expected a PkiError');
}

describe('certificate revocation lists', () => {
  let ca: RootCa;
  let otherCa: RootCa;
  const thisUpdate = new Date('2026-03-01T10:00:00.789Z');
  const nextUpdate = new Date('2026-03-08T10:00:00Z');

  beforeAll(() => {
    ca = createRootCa({ commonName: 'Corridor Regional Root', validityDays: 3650 });
    otherCa = createRootCa({ commonName: 'Corridor Regional Root', validityDays: 3650 });
  });

  it('round-trips serials, dates (whole seconds) and the CRL number', () => {
    const crlPem = createRevocationList({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      revoked: [
        { serialHex: '0A1B2C', revokedAt: new Date('2026-02-27T08:30:00Z') },
        { serialHex: 'ff00', revokedAt: new Date('2026-02-28T08:30:00Z') },
      ],
      thisUpdate,
      nextUpdate,
      crlNumber: 42n,
    });
    expect(crlPem).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const crl = parseRevocationList({ crlPem, caCertPem: ca.certPem });
    expect([...crl.revokedSerials]).toEqual(['0a1b2c', 'ff00']);
    expect(crl.revoked[1].revokedAt.toISOString()).toBe('2026-02-28T08:30:00.000Z');
    expect(crl.thisUpdate.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(crl.nextUpdate?.toISOString()).toBe('2026-03-08T10:00:00.000Z');
    expect(crl.crlNumber).toBe(42n);
  });

  it('encodes an empty CRL and dates from 2050 on as GeneralizedTime', () => {
    const crlPem = createRevocationList({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      revoked: [],
      thisUpdate: new Date('2049-12-31T23:59:59Z'),
      nextUpdate: new Date('2050-01-07T00:00:00Z'),
      crlNumber: 0,
    });
    const crl = parseRevocationList({ crlPem, caCertPem: ca.certPem });
    expect(crl.revokedSerials.size).toBe(0);
    expect(crl.thisUpdate.toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(crl.nextUpdate?.toISOString()).toBe('2050-01-07T00:00:00.000Z');
    expect(pemToDer(crlPem, 'X509 CRL', 'CRL_MALFORMED').includes(Buffer.from('20500107000000Z'))).toBe(true);
  });

  it('rejects a CRL signed by another CA and a CRL with any changed byte', () => {
    const crlPem = createRevocationList({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      revoked: [{ serialHex: '01', revokedAt: thisUpdate }],
      thisUpdate,
      nextUpdate,
      crlNumber: 3,
    });
    expect(codeOf(() => parseRevocationList({ crlPem, caCertPem: otherCa.certPem }))).toBe(
      'CRL_BAD_SIGNATURE',
    );

    const der = pemToDer(crlPem, 'X509 CRL', 'CRL_MALFORMED');
    for (const position of [der.length - 5, der.indexOf(Buffer.from([0x02, 0x01, 0x01])) + 2]) {
      const tampered = Buffer.from(der);
      tampered[position] ^= 0x01;
      expect(['CRL_BAD_SIGNATURE', 'CRL_MALFORMED']).toContain(
        codeOf(() => parseRevocationList({ crlPem: derToPem(tampered, 'X509 CRL'), caCertPem: ca.certPem })),
      );
    }
  });

  it('rejects garbage and bad arguments', () => {
    expect(codeOf(() => parseRevocationList({ crlPem: 'nope', caCertPem: ca.certPem }))).toBe(
      'CRL_MALFORMED',
    );
    expect(
      codeOf(() =>
        parseRevocationList({
          crlPem: derToPem(Buffer.from([0x30, 0x03, 1, 2]), 'X509 CRL'),
          caCertPem: ca.certPem,
        }),
      ),
    ).toBe('CRL_MALFORMED');
    expect(
      codeOf(() =>
        createRevocationList({
          caCertPem: ca.certPem,
          caKeyPem: ca.keyPem,
          revoked: [],
          thisUpdate: nextUpdate,
          nextUpdate: thisUpdate,
          crlNumber: 1,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        createRevocationList({
          caCertPem: ca.certPem,
          caKeyPem: otherCa.keyPem,
          revoked: [],
          thisUpdate,
          nextUpdate,
          crlNumber: 1,
        }),
      ),
    ).toBe('KEY_MISMATCH');
  });
});

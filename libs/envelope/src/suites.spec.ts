import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { hkdfSha256Key } from './suites';

describe('hkdfSha256Key', () => {
  it('gives the bytes of HKDF-SHA256 with an empty salt and 32 bytes of output (node hkdfSync)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.uint8Array({ maxLength: 80 }), (ikm, info) => {
        const expected = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32));
        expect(hkdfSha256Key(ikm, info).toString('hex')).toBe(expected.toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('matches RFC 5869 test case 3 (zero-length salt and info)', () => {
    const okm = hkdfSha256Key(Buffer.alloc(22, 0x0b), new Uint8Array(0));
    expect(okm.toString('hex')).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d');
  });
});

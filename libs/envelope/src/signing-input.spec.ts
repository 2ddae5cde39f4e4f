import fc from 'fast-check';
import { envelopeSigningInput, SIGNING_DOMAIN } from './signing-input';

describe('envelopeSigningInput', () => {
  it('is the domain, then each field behind its u32 big-endian length', () => {
    const input = envelopeSigningInput({
      header: Uint8Array.of(1, 2),
      wrappedKey: Uint8Array.of(3),
      nonce: new Uint8Array(),
      ciphertext: Uint8Array.of(4, 5, 6),
    });
    expect(input.toString('hex')).toBe(
      Buffer.from(SIGNING_DOMAIN, 'latin1').toString('hex') +
        '00000002' +
        '0102' +
        '00000001' +
        '03' +
        '00000000' +
        '00000003' +
        '040506',
    );
    expect(SIGNING_DOMAIN).toBe('corridor-envelope-v1\0');
  });

  it('differs whenever the fields differ, even if their concatenation is the same', () => {
    const fieldsArb = fc.tuple(
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (a, b) => {
        const encode = ([header, wrappedKey, nonce, ciphertext]: typeof a) =>
          envelopeSigningInput({ header, wrappedKey, nonce, ciphertext });
        const same = a.every((field, i) => Buffer.from(field).equals(Buffer.from(b[i])));
        expect(encode(a).equals(encode(b))).toBe(same);
      }),
      { numRuns: 200 },
    );
    const slid = (header: number[], wrappedKey: number[]) =>
      envelopeSigningInput({
        header: Uint8Array.from(header),
        wrappedKey: Uint8Array.from(wrappedKey),
        nonce: new Uint8Array(),
        ciphertext: new Uint8Array(),
      });
    expect(slid([1, 2], [3]).equals(slid([1], [2, 3]))).toBe(false);
  });
});

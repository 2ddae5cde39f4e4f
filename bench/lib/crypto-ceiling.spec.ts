import { sealedBytes, sealedFrom, suite2Raw, suite2RawMaterial } from './crypto-ceiling';

describe('suite2Raw (the raw suite 2 of the ceiling and the alert floor)', () => {
  it('opens what it sealed, also after a trip through sealedBytes', () => {
    const raw = suite2Raw(512);
    const sealed = raw.seal();
    const again = sealedFrom(sealedBytes(sealed));
    expect(again).toEqual(sealed);
    expect(() => raw.open(again)).not.toThrow();
  });

  it('refuses a message with one bit flipped in the body, the key encapsulation or the signature', () => {
    const raw = suite2Raw(512);
    for (const part of ['body', 'wrappedKey', 'signature'] as const) {
      const sealed = raw.seal();
      const flipped = Buffer.from(sealed[part]);
      flipped[3] ^= 0x10;
      expect(() => raw.open({ ...sealed, [part]: flipped })).toThrow();
    }
  });

  it("opens at another instance built from the same material, as the floor's receiver process does", () => {
    const material = suite2RawMaterial();
    const sealed = sealedBytes(suite2Raw(512, material).seal());
    // The material crosses processes as JSON over IPC.
    const receiver = suite2Raw(512, JSON.parse(JSON.stringify(material)) as typeof material);
    expect(() => receiver.open(sealedFrom(sealed))).not.toThrow();
    expect(() => suite2Raw(512).open(sealedFrom(sealed))).toThrow(/signature/);
    const otherKem = suite2Raw(512, { ...material, kemSeedHex: suite2RawMaterial().kemSeedHex });
    expect(() => otherKem.open(sealedFrom(sealed))).toThrow();
  });

  it('refuses bytes that are not six length-prefixed parts', () => {
    expect(() => sealedFrom(Buffer.from([0, 1, 7]))).toThrow(/6 parts/);
  });
});

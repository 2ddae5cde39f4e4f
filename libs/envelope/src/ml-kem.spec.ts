// ML-KEM-768's WebAssembly accelerator (liboqs) must give exactly what the TypeScript implementation and the published
// vectors give. Jest cannot load the accelerator (an ES module with WebAssembly), so a plain node process runs the
// checks and this spec asserts on what it prints.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { MlKemPublicKey } from './ml-kem';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

const ROOT = resolve(__dirname, '../../..');

describe('ML-KEM-768 engines', () => {
  it('in a node process the liboqs accelerator loads and agrees with the published X-Wing answer and with noble', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'libs/envelope/src/ml-kem-accelerator.check.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const report = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(report.before).toBe('noble');
    expect(report.loaded).toBe('liboqs-wasm');
    expect(report.after).toBe('liboqs-wasm');
    expect(report.xwingDecapsulated).toEqual(report.xwingExpected);
    expect(report.agreed).toBe(report.rounds);
    expect(report.roundTrip).toBe(true);
  });

  it('the TypeScript engine round-trips where the accelerator is not loaded (as inside Jest)', () => {
    const { publicKey, secretKey } = ml_kem768.keygen();
    const key = new MlKemPublicKey(publicKey);
    const { cipherText, sharedSecret } = key.encapsulate();
    expect(Buffer.from(key.decapsulate(cipherText, secretKey))).toEqual(Buffer.from(sharedSecret));
  });
});

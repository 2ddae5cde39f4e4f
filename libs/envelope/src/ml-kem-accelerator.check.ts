// Run by ml-kem.spec.ts in a child node process: Jest's module sandbox cannot load the accelerator's ES module and
// WebAssembly, a plain node process can. Prints one JSON line of findings for the spec to assert on.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { loadMlKemAccelerator, mlKemEngine, MlKemPublicKey } from './ml-kem';
import { XWingPrivateKey, XWingPublicKey } from './xwing';

const DIR = resolve(__dirname, '../../../test/fixtures/kem');
const hex = (value: string) => Buffer.from(value, 'hex');

async function main(): Promise<void> {
  const before = mlKemEngine();
  const loaded = await loadMlKemAccelerator();
  const { vectors } = JSON.parse(readFileSync(join(DIR, 'xwing-draft-08.json'), 'utf8')) as {
    vectors: { sk: string; pk: string; ct: string; ss: string }[];
  };
  // The published X-Wing answer, decapsulated by the accelerator (X-Wing's ML-KEM half runs in liboqs now).
  const xwingDecapsulated = vectors.map((v) =>
    new XWingPrivateKey(hex(v.sk)).decapsulate(hex(v.ct)).toString('hex'),
  );
  const xwingExpected = vectors.map((v) => v.ss);
  // Cross-implementation: liboqs encapsulates, noble decapsulates, and the other way round, on fresh keys.
  let agreed = 0;
  const rounds = 20;
  for (let i = 0; i < rounds; i += 1) {
    const { publicKey, secretKey } = ml_kem768.keygen();
    const ours = new MlKemPublicKey(publicKey);
    const byLiboqs = ours.encapsulate();
    const byNoble = ml_kem768.encapsulate(publicKey);
    const sameA = Buffer.from(ml_kem768.decapsulate(byLiboqs.cipherText, secretKey)).equals(
      Buffer.from(byLiboqs.sharedSecret),
    );
    const sameB = Buffer.from(ours.decapsulate(byNoble.cipherText, secretKey)).equals(
      Buffer.from(byNoble.sharedSecret),
    );
    // Implicit rejection (FIPS 203): a changed ciphertext gives the same pseudo-random secret in both implementations.
    const bad = Uint8Array.from(byNoble.cipherText);
    bad[7] ^= 1;
    const sameRejection = Buffer.from(ours.decapsulate(bad, secretKey)).equals(
      Buffer.from(ml_kem768.decapsulate(bad, secretKey)),
    );
    if (sameA && sameB && sameRejection) {
      agreed += 1;
    }
  }
  // A whole X-Wing round trip through the accelerated halves.
  const key = XWingPrivateKey.generate();
  const sealed = new XWingPublicKey(key.publicKey.bytes).encapsulate();
  const roundTrip = key.decapsulate(sealed.ciphertext).equals(sealed.sharedSecret);
  process.stdout.write(
    `${JSON.stringify({ before, loaded, after: mlKemEngine(), xwingDecapsulated, xwingExpected, agreed, rounds, roundTrip })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

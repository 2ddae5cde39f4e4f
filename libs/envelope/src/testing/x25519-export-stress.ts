/**
 * Child process of xwing-export.spec.ts, started with a forced garbage collection every few allocations
 * (--gc-interval). Mode `imported`: the ephemeral key of a suite-2 encapsulation exactly as xwing.ts makes it (a scalar
 * imported as JWK) and its public half exported as JWK. Mode `generated`, for runs by hand: a key from
 * generateKeyPairSync exported the same way (the node 20 deadlock; it hangs only now and then under tsx). Writes the
 * iteration count every PROGRESS iterations, then `done`; a hung process stops writing.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { ephemeralX25519, rawX25519Public } from '../xwing';

const PROGRESS = 500;
const [mode, countArg] = process.argv.slice(2);
const count = Number(countArg);
for (let i = 1; i <= count; i++) {
  if (mode === 'generated') {
    createPublicKey(generateKeyPairSync('x25519').privateKey).export({ format: 'jwk' });
  } else {
    const scalar = randomBytes(32);
    if (rawX25519Public(ephemeralX25519(scalar)).length !== 32) {
      throw new Error('an X25519 public key has 32 bytes');
    }
  }
  if (i % PROGRESS === 0) {
    writeSync(1, `${i}\n`);
  }
}
writeSync(1, 'done\n');

// Fresh random bytes for every seal (the X25519 ephemeral scalar, the content nonce) from a pool that node:crypto's
// CSPRNG fills 4 KiB at a time. One call into OpenSSL costs about 4 us on this machine whatever its size up to a few
// KiB (a 4 KiB fill costs 7), and a suite 2 seal made two of them: drawing from the pool costs 0.2 us. Node does the
// same for crypto.randomUUID() (its entropy cache).
// Each byte is handed out once and wiped from the pool as it is handed out, so the pool never holds a copy of a
// scalar or nonce in use; what it holds are bytes not yet drawn. A process that can read this memory can read the
// gateway's private keys as well. Worker threads each load their own copy of this module, hence their own pool, and
// Node.js never forks a process's memory.
import { randomBytes, randomFillSync } from 'node:crypto';

/** Bytes fetched from the CSPRNG at once. */
export const RANDOM_POOL_BYTES = 4096;
/** Larger requests go straight to the CSPRNG: the pool is for the small, frequent ones. */
const MAX_POOLED_BYTES = 256;

const pool = Buffer.alloc(RANDOM_POOL_BYTES);
let drawn = RANDOM_POOL_BYTES;

/** `size` bytes from the CSPRNG, in a buffer of their own (the caller may wipe it). */
export function freshRandomBytes(size: number): Buffer {
  if (!Number.isInteger(size) || size < 0) {
    throw new RangeError('size must be a non-negative integer');
  }
  if (size > MAX_POOLED_BYTES) {
    return randomBytes(size);
  }
  if (drawn + size > RANDOM_POOL_BYTES) {
    randomFillSync(pool);
    drawn = 0;
  }
  const out = Buffer.alloc(size);
  pool.copy(out, 0, drawn, drawn + size);
  pool.fill(0, drawn, drawn + size);
  drawn += size;
  return out;
}

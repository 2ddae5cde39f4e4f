// RFC 9162 section 2.1.1 hashing with domain separation between leaves and interior nodes.
import { hash } from 'node:crypto';
import { AuditLogError } from './errors';

export const HASH_SIZE = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** Root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT_HASH: Uint8Array = hash('sha256', new Uint8Array(0), 'buffer');

/** SHA-256(0x00 || leafBytes). */
export function leafHashOf(leafBytes: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(leafBytes.length + 1);
  input[0] = LEAF_PREFIX;
  input.set(leafBytes, 1);
  return hash('sha256', input, 'buffer');
}

/** SHA-256(0x01 || left || right). Both children must be 32-byte hashes. */
export function nodeHashOf({ left, right }: { left: Uint8Array; right: Uint8Array }): Uint8Array {
  requireHash({ value: left, name: 'left' });
  requireHash({ value: right, name: 'right' });
  return hashChildren(left, right);
}

// Reused input buffer: node hashing is the hot path of tree building and crypto.hash copies synchronously.
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = NODE_PREFIX;

/** Positional, unchecked form of nodeHashOf for the library's inner loops (callers pass 32-byte hashes). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeInput, 'buffer');
}

export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

export function requireHash({ value, name }: { value: unknown; name: string }): void {
  if (!isHash(value)) {
    throw new AuditLogError({ code: 'BAD_HASH', message: `${name} must be a ${HASH_SIZE}-byte hash` });
  }
}

export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

import { type AuditLeaf, AuditLeafSchema, fromBinary, toBinary } from '@corridor/contracts';
import { AuditLogError } from './errors';

/** Protobuf bytes of a leaf: what the tree commits to (through leafHashOf). */
export function encodeLeaf(leaf: AuditLeaf): Uint8Array {
  return toBinary(AuditLeafSchema, leaf);
}

export function decodeLeaf(leafBytes: Uint8Array): AuditLeaf {
  try {
    return fromBinary(AuditLeafSchema, leafBytes);
  } catch (cause) {
    throw new AuditLogError({ code: 'MALFORMED', message: 'leaf bytes are not an AuditLeaf', cause });
  }
}

export { AuditLogError, type AuditLogErrorCode } from './errors';
export { EMPTY_ROOT_HASH, HASH_SIZE, leafHashOf, nodeHashOf } from './hashing';
export { MerkleTree } from './merkle-tree';
export {
  type ConsistencyCheck,
  type InclusionCheck,
  requireConsistency,
  requireInclusion,
  verifyConsistency,
  verifyInclusion,
} from './verify-proofs';
export { decodeLeaf, encodeLeaf } from './leaf';
export {
  checkHeadProgression,
  decodeSignedTreeHead,
  encodeSignedTreeHead,
  type HeadAlarm,
  type HeadProgression,
  signTreeHead,
  TREE_HEAD_SIGNATURE_CONTEXT,
  type TreeHeadFields,
  treeSizeOf,
  verifyTreeHead,
} from './tree-head';
export {
  AUDIT_EXPORT_FORMAT,
  type AuditExport,
  type AuditExportLeaf,
  buildExport,
  type ExportFailureReason,
  type ExportRejected,
  type ExportVerification,
  type ExportVerified,
  verifyExport,
} from './audit-export';

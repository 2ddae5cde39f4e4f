// Public API of @corridor/envelope: seal and open suite-1 and suite-2 envelopes, epoch keys, replay guard, receipts.
export { EnvelopeError, isEnvelopeError, type EnvelopeErrorCode } from './errors';
export {
  SUITES,
  DEFAULT_ALLOWED_SUITES,
  SUITE_PREFERENCE,
  bestCommonSuite,
  type SuiteDescription,
} from './suites';
export {
  DEFAULT_EPOCH_MS,
  EPOCH_KEY_SIGNING_DOMAIN,
  EpochKeyRing,
  createEpochKey,
  resignEpochKey,
  chooseEpochKey,
  DEFAULT_EPOCH_KEY_RETAIN_MS,
  EpochKeyRotation,
  decryptEpochKey,
  encryptEpochKey,
  epochKeyId,
  epochKeySigningInput,
  verifyEpochKey,
  VerifiedEpochKeys,
  type EpochKeyAnnouncement,
  type VerifiedEpochKey,
} from './epoch-keys';
export { XWingPrivateKey, XWingPublicKey } from './xwing';
export { loadMlKemAccelerator, mlKemEngine, type MlKemEngineName } from './ml-kem';
export {
  GATEWAY_RECORD_SIGNING_DOMAIN,
  peekGatewayRecord,
  signGatewayRecord,
  verifyGatewayRecord,
  type GatewayRecordContent,
} from './gateway-record';
export { SIGNING_DOMAIN, envelopeSigningInput } from './signing-input';
export { InMemoryReplayGuard, type ReplayGuard } from './replay-guard';
export { messageKindOf } from './kinds';
export { envelopeSha256 } from './digest';
export {
  ENVELOPE_VERSION,
  sealEnvelope,
  sealEnvelopeAsync,
  type EnvelopeHeaderInput,
  type SealEnvelopeOptions,
  type SealedEnvelope,
} from './seal';
export {
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_ENVELOPE_BYTES,
  DEFAULT_MAX_SKEW_MS,
  openEnvelope,
  openEnvelopeAsync,
  peekEnvelopeHeader,
  type EnvelopeTrust,
  type OpenEnvelopeOptions,
  type OpenedEnvelope,
} from './open';
export {
  createReceiptBatchMessage,
  createReceiptMessage,
  receiptEntryProblem,
  receiptsOf,
  verifyReceiptMatches,
  type ReceiptFor,
} from './receipts';

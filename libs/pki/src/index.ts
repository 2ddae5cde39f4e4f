// Public API of @corridor/pki: certificates, CSRs and CRLs (node-forge for RSA, @peculiar/x509 for EC) and keys
// (node:crypto). No file I/O.
export { PkiError, isPkiError, type PkiErrorCode } from './errors';
export { isIsoCountryCode } from './countries';
export { normalizeSerialHex } from './der';
export {
  DEFAULT_KEY_ENCRYPTION_ITERATIONS,
  RSA_MODULUS_BITS,
  decryptPrivateKey,
  decryptPrivateKeyObject,
  encryptPrivateKey,
  generateKeyPair,
  generateKeyPairAsync,
  loadPrivateKey,
  loadPublicKey,
  publicKeyDer,
  samePublicKey,
  type KeyPairPem,
} from './keys';
export {
  certificateFingerprint,
  certificateFromDer,
  certificateToDer,
  createCsr,
  createRootCa,
  describeCertificate,
  issueGatewayCertificate,
  type GatewayCertificateOptions,
  verifyCertificateChain,
  type CertificateInfo,
  type RootCa,
  type VerifiedCertificate,
} from './certificates';
export {
  createEcCsr,
  createEcRevocationList,
  createEcRootCa,
  generateEcKeyPair,
  issueEcGatewayCertificate,
} from './ec-certificates';
export {
  createRevocationList,
  parseRevocationList,
  type RevocationList,
  type RevocationListOptions,
  type RevokedCertificateEntry,
} from './crl';
export {
  ROOT_KEY_TYPES,
  createRegionalRoot,
  issueRsaGatewayCertificate,
  issueTransportCertificate,
  rootKeyType,
  signRevocationList,
  type RootKeyType,
} from './regional-root';
export { signDocument, verifyDocument } from './document-signature';
export {
  KAFKA_OU,
  KAFKA_PRINCIPAL_MAPPING_RULES,
  createKafkaCsr,
  gatewayKafkaPrincipal,
  issueKafkaCertificate,
  kafkaCsrPublicKey,
  kafkaPrincipalOf,
  type KafkaCertificateRole,
  type TransportCertificateOptions,
} from './kafka-certificates';

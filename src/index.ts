/**
 * relseal: signed, verifiable GitHub releases for software that updates itself.
 *
 * The public API of the library that Node apps import. Everything exported here is
 * free of `@actions/*` and Octokit.
 */
export { RelsealError, isRelsealError, type RelsealErrorCode } from './errors.js'
export {
  hashTree,
  hashFile,
  parseFileManifest,
  diffFileManifests,
  codeHashOf,
  type HashTreeOptions,
  type TreeHash,
  type TreeEntry,
  type EntryKind,
} from './tree/index.js'
export {
  parsePublicKey,
  parseSigningKey,
  keyIdOf,
  fileSigner,
  execSigner,
  parseExecCommand,
  sshAgentSigner,
  pkcs11Signer,
  parsePkcs11Uri,
  type Signer,
  type PublicKeyInfo,
  type SigningKey,
} from './keys/index.js'
export {
  MANIFEST_PAYLOAD_TYPE,
  MAX_MANIFEST_BYTES,
  MANIFEST_SCHEMA,
  preAuthEncoding,
  signManifest,
  signManifestWith,
  appendSignature,
  appendSignatureWith,
  cosignManifest,
  resolveRelease,
  assertTagMatchesVersion,
  releaseVersionOfTag,
  verifyManifest,
  readManifestFile,
  verifyTree,
  verifyArtifacts,
  type ManifestPayload,
  type ManifestArtifact,
  type VerifiedManifest,
  type CosignOptions,
  type ReleaseFacts,
} from './manifest/index.js'
export type { TrustPolicy } from './trust/policy.js'
export {
  TRUST_ROOT_PAYLOAD_TYPE,
  parseTrustRoot,
  signTrustRoot,
  signTrustRootWith,
  unsignedTrustRoot,
  verifyTrustRootChain,
  advanceTrustRoot,
  trustPolicyOf,
  type TrustRootPayload,
  type TrustRootKey,
  type VerifiedTrustRoot,
} from './trust/trust-root.js'
export {
  initAppRoot,
  updateToRelease,
  rollback,
  status,
  checkoutPinnedCommit,
  loadManifestSource,
  type UpdateOptions,
  type UpdateResult,
  type UpdateStep,
  type AppStatus,
  type EvidenceRecord,
  installArtifact,
  rollbackArtifact,
  type InstallArtifactOptions,
  type InstallArtifactResult,
  type ArtifactRecord,
  type ArtifactRelease,
  type ArtifactSupervision,
} from './update/index.js'
export { verifySignedTag, verifyTagForCommit, parseAllowedSigners, type VerifiedTag } from './tag/index.js'

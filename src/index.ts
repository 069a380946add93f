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
  MANIFEST_SCHEMA_V2,
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
  WITHDRAWAL_ASSET,
  WITHDRAWAL_PAYLOAD_TYPE,
  signWithdrawal,
  appendWithdrawalSignature,
  verifyWithdrawal,
  type WithdrawalPayload,
  type VerifiedWithdrawal,
  parseRolloutPlan,
  hostBucket,
  stageOfBucket,
  type Rollout,
  type RolloutStage,
  type HostStage,
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
// Issue 16: the poll loop, notifications and shared entries.
export {
  runUpdateLoop,
  readPollState,
  type PollOptions,
  type PollRun,
  type PollState,
} from './update/poll.js'
export { updateWithNotifications, type NotifyEvent, type NotifyOptions } from './update/notify.js'
export { parseSharedEntries, type SharedEntry } from './update/shared.js'
export { verifySignedTag, verifyTagForCommit, parseAllowedSigners, type VerifiedTag } from './tag/index.js'

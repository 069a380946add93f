export { MANIFEST_ASSET, FILES_ASSET } from './assets.js'
export { MANIFEST_PAYLOAD_TYPE, MAX_MANIFEST_BYTES, preAuthEncoding, parseEnvelope } from './dsse.js'
export {
  MANIFEST_FIELDS,
  MANIFEST_SCHEMA,
  MANIFEST_SCHEMA_V2,
  parsePayload,
  serializePayload,
  isStrictSemver,
  type ManifestPayload,
  type ManifestArtifact,
  type ManifestBuilder,
} from './payload.js'
export { signManifest, signManifestWith, appendSignature, appendSignatureWith } from './sign.js'
export { verifyManifest, verifyEverySignature, readManifestFile, type VerifiedManifest } from './verify.js'
export { cosignManifest, type CosignOptions } from './cosign.js'
export { resolveRelease, type ReleaseFacts, type ResolveReleaseOptions } from './release-facts.js'
export { assertTagMatchesVersion, parseTagPrefix, releaseVersionOfTag, versionOfTag } from './tag-version.js'
export { verifyTree, verifyArtifacts } from './verify-tree.js'
export {
  MAX_REASON_BYTES,
  MAX_WITHDRAWAL_BYTES,
  WITHDRAWAL_ASSET,
  WITHDRAWAL_PAYLOAD_TYPE,
  isWithdrawalReason,
  parseWithdrawalPayload,
  readWithdrawalFile,
  serializeWithdrawalPayload,
  verifyWithdrawal,
  type VerifiedWithdrawal,
  type WithdrawalPayload,
} from './withdrawal.js'
export { appendWithdrawalSignature, signWithdrawal } from './withdrawal-sign.js'
export {
  MAX_ROLLOUT_STAGES,
  parseRolloutPlan,
  stageOpensAt,
  type Rollout,
  type RolloutStage,
} from './rollout.js'
export { hostBucket, isHostId, stageOfBucket, ROLLOUT_BUCKETS, type HostStage } from './rollout-bucket.js'

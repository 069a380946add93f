export { initAppRoot, type InitOptions } from './init.js'
export {
  updateToRelease,
  pruneReleases,
  type UpdateOptions,
  type UpdateResult,
  type UpdateStep,
} from './update.js'
export { rollback } from './rollback.js'
export { status, type AppStatus } from './status.js'
export {
  restartApp,
  watchRelease,
  superviseAfterSwap,
  type SuperviseOptions,
  type SuperviseResult,
} from './supervise.js'
export type { FailedRelease } from './failed-releases.js'
export { checkoutPinnedCommit } from './checkout-pinned.js'
export { loadManifestSource, type SourceOptions } from './manifest-source.js'
export type { EvidenceRecord, ReleaseRef, StepRecord } from './evidence.js'
export type { InstalledRelease } from './installed.js'
export {
  installArtifact,
  type InstallArtifactOptions,
  type InstallArtifactResult,
  type ArtifactStep,
} from './artifact-install.js'
export { rollbackArtifact } from './artifact-rollback.js'
export type { ArtifactRecord, ArtifactRelease } from './artifact-record.js'
export type { ArtifactSupervision } from './artifact-supervise.js'

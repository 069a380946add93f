import { readdirSync } from 'node:fs'
import semver from 'semver'
import { RelsealError } from '../errors.js'
import type { VerifiedManifest } from '../manifest/index.js'
import { isRealDir, readInstalled, type InstalledRelease } from './installed.js'
import type { AppLayout } from './layout.js'

const RECORD_SUFFIX = '.json'
const ENVELOPE_SUFFIX = '.release_manifest.json'

/** Versions with an install record in .relseal/manifests (installed now or earlier, not yet pruned). */
function recordedVersions(layout: AppLayout): string[] {
  if (!isRealDir(layout.manifests)) return []
  return readdirSync(layout.manifests)
    .filter((n) => n.endsWith(RECORD_SUFFIX) && !n.endsWith(ENVELOPE_SUFFIX))
    .map((n) => n.slice(0, -RECORD_SUFFIX.length))
    .filter((v) => semver.valid(v) === v)
}

function reused(v: string, rec: { version: string; commit: string; code_hash: string }): RelsealError {
  return new RelsealError(
    'E_VERSION_REUSED',
    `the manifest for ${v} pins another release than the ${rec.version} installed here (commit ${rec.commit}, ${rec.code_hash}): ` +
      `a version is never reused for other code, so it is refused whatever the flags; ask the publisher to release a new version`,
  )
}

/**
 * The freeze step (issue 13, item 3): true when the manifest names the running release exactly
 * (same version, commit and code hash). The same version with other contents, here or in any
 * release recorded in this app root, is E_VERSION_REUSED; a lower version is E_DOWNGRADE unless
 * `allowDowngrade`.
 */
export function checkReleaseOrder(
  layout: AppLayout,
  running: InstalledRelease | undefined,
  verified: VerifiedManifest,
  allowDowngrade = false,
): boolean {
  const p = verified.payload
  const same = (r: { version: string; commit: string; code_hash: string }) =>
    r.version === p.version && r.commit === p.commit && r.code_hash === p.code_hash
  for (const v of recordedVersions(layout)) {
    const rec = semver.eq(v, p.version) ? readInstalled(layout, v) : undefined
    if (rec && !same(rec)) throw reused(p.version, rec)
  }
  if (!running) return false
  if (semver.eq(p.version, running.version)) {
    if (same(running)) return true
    throw reused(p.version, running)
  }
  if (!allowDowngrade && semver.lt(p.version, running.version)) {
    throw new RelsealError(
      'E_DOWNGRADE',
      `the manifest is for ${p.version}, older than the running ${running.version}; pass --allow-downgrade to install it anyway`,
    )
  }
  return false
}

import { lstatSync } from 'node:fs'
import { resolve } from 'node:path'
import semver from 'semver'
import { RelsealError } from '../errors.js'
import { hashFile } from '../tree/index.js'
import { assertAtomicPlatform } from './artifact-platform.js'
import {
  artifactPaths,
  recoverArtifact,
  replaceTarget,
  type ArtifactPaths,
  type ArtifactRecord,
  type ArtifactRelease,
} from './artifact-record.js'
import { acquireLock } from './lock.js'
import type { KillPoint } from './pointer.js'

/**
 * Re-verifies a backup against the digest recorded when it was installed (its manifest was
 * verified then): a backup changed on disk is refused, never put in place.
 */
export async function verifyBackup(p: ArtifactPaths, b: ArtifactRelease): Promise<void> {
  const path = p.backup(b.version)
  let isFile: boolean
  try {
    isFile = lstatSync(path).isFile()
  } catch {
    isFile = false
  }
  if (!isFile)
    throw new RelsealError(
      'E_NOT_FOUND',
      `the backup ${path} of ${b.version} is missing or not a regular file`,
    )
  const got = await hashFile(path)
  if (got.sha256 !== b.sha256 || got.size !== b.size)
    throw new RelsealError(
      'E_TREE_MISMATCH',
      `the backup ${path} has sha256 ${got.sha256} (${got.size} bytes), but ${b.version} was installed as ` +
        `${b.sha256} (${b.size} bytes); it changed on disk and is not put back: reinstall ${b.version} with relseal install-artifact --allow-downgrade`,
    )
}

/** Puts the verified backup of `to` back at PATH (PATH never absent; the backup stays). */
export async function restoreBackup(
  p: ArtifactPaths,
  rec: ArtifactRecord,
  to: ArtifactRelease,
  killPoint?: KillPoint,
): Promise<ArtifactRecord> {
  await verifyBackup(p, to)
  return replaceTarget(p, rec, to, p.backup(to.version), { keepSrc: true, killPoint, point: 'swapback' })
}

/**
 * Puts back the newest backup older than the installed version, after re-verifying its digest.
 *
 * @example const { from, to } = await rollbackArtifact({ target: '/usr/local/bin/agent' })
 */
export async function rollbackArtifact(o: {
  target: string
  platform?: NodeJS.Platform
  killPoint?: KillPoint
}): Promise<{ from: ArtifactRelease; to: ArtifactRelease }> {
  const target = resolve(o.target)
  assertAtomicPlatform(o.platform ?? process.platform, target)
  const p = artifactPaths(target)
  const lock = acquireLock(p.lock)
  try {
    const rec = await recoverArtifact(p)
    const from = rec?.current
    if (!rec || !from)
      throw new RelsealError(
        'E_NOT_FOUND',
        `${target} has no install record (${p.record}); relseal rolls back only what relseal install-artifact installed`,
      )
    const to = rec.backups
      .filter((b) => semver.lt(b.version, from.version))
      .sort((a, b) => semver.rcompare(a.version, b.version))[0]
    if (!to)
      throw new RelsealError(
        'E_NOT_FOUND',
        `no backup older than the installed ${from.version} is kept beside ${target}; there is nothing to roll back to`,
      )
    await restoreBackup(p, rec, to, o.killPoint)
    return { from, to }
  } finally {
    lock.release()
  }
}

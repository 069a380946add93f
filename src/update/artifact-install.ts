/**
 * Installs one signed release artifact (a binary, a tarball) at a path, or leaves that path
 * exactly as it was (issue 17). The sequence, each step crash-safe:
 *   verify manifest → freeze → download to PATH.new (hashing, capped at the signed size)
 *   → size and SHA-256 must match the signed entry → fsync, mode → hard link PATH to
 *   PATH.bak-<old version> → rename PATH.new over PATH → fsync the directory → record
 *   → prune backups → restart and watch (swap back on failure).
 * PATH is never absent and never partial: the only change to it is a rename of a whole file.
 */
import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import semver from 'semver'
import { RelsealError } from '../errors.js'
import { verifyManifest, type VerifiedManifest } from '../manifest/index.js'
import { escapeUntrusted } from '../text/escape.js'
import type { TrustPolicy } from '../trust/policy.js'
import {
  downloadArtifact,
  DEFAULT_ARTIFACT_DEADLINE_MS,
  signedArtifact,
  verifyDownloaded,
} from './artifact-source.js'
import {
  artifactPaths,
  linkOver,
  pruneBackups,
  recoverArtifact,
  replaceTarget,
  type ArtifactPaths,
  type ArtifactRecord,
  type ArtifactRelease,
} from './artifact-record.js'
import { acquireLock } from './lock.js'
import { loadManifestSource, type SourceOptions } from './manifest-source.js'
import type { KillPoint } from './pointer.js'
import { parseRepository, sameRepository } from './remote.js'
import { assertAtomicPlatform } from './artifact-platform.js'
import { superviseArtifact, type ArtifactSupervision } from './artifact-supervise.js'

export type ArtifactStep = 'lock' | 'load' | 'verify' | 'freeze' | 'download' | 'swap' | 'prune' | 'supervise'

export interface InstallArtifactOptions {
  /** A manifest source: a file (the artifact is the file of that name beside it), an https URL
   *  (the artifact is the URL of that name beside it) or github:OWNER/REPO@TAG (a release asset). */
  manifest: string
  /** Trusted keys; `repository` is required the first time and must repeat the recorded one after. */
  policy: TrustPolicy
  /** The artifact's name in the manifest. */
  artifact: string
  /** Where it is installed (PATH); PATH.new, PATH.bak-*, PATH.relseal.json sit beside it. */
  target: string
  /** File mode of the installed file (default: the old file's, else 0o755). */
  mode?: number
  /** Backups kept (default 2). */
  keep?: number
  /** Allows a lower version than the recorded one (never the same version with other bytes). */
  allowDowngrade?: boolean
  source?: SourceOptions
  /** Restart and watch after the swap; a failed watch puts the old file back (outcome 'rolled-back'). */
  supervise?: ArtifactSupervision
  /** The platform to act for (default process.platform); win32 is refused (docs/artifacts.md). */
  platform?: NodeJS.Platform
  onProgress?: (step: ArtifactStep, percent: number, message: string) => void
  /** Crash-safety test hook: called at every step boundary; never set in normal use. */
  killPoint?: KillPoint
}

export interface InstallArtifactResult {
  outcome: 'installed' | 'up-to-date' | 'rolled-back'
  from?: ArtifactRelease
  to: ArtifactRelease
  /** The backup of the file that was replaced, when there was one. */
  backup?: string
  /** What failed after the swap, when the outcome is 'rolled-back'. */
  failure?: string
  /** After a swap back: 'healthy', or what failed when the old version was restarted and watched. */
  afterRollback?: string
}

function resolveRepository(
  rec: ArtifactRecord | undefined,
  given: string | undefined,
  p: ArtifactPaths,
): string {
  if (given !== undefined) parseRepository(given, '--repository')
  if (rec !== undefined) {
    if (given !== undefined && !sameRepository(given, rec.repository))
      throw new RelsealError(
        'E_USAGE',
        `${p.target} was installed from ${rec.repository} (${p.record}); --repository ${given} cannot change it`,
      )
    return rec.repository
  }
  if (given === undefined)
    throw new RelsealError(
      'E_USAGE',
      `${p.target} has no install record yet: pass --repository OWNER/NAME (the repository its releases are signed for)`,
    )
  return given
}

/** Freeze (issue 13, item 3, for artifacts): true when the signed entry is what already runs. */
function checkArtifactOrder(
  rec: ArtifactRecord | undefined,
  version: string,
  sha256: string,
  allowDowngrade: boolean,
): boolean {
  for (const r of [rec?.current, ...(rec?.backups ?? [])]) {
    if (r && semver.eq(r.version, version) && r.sha256 !== sha256)
      throw new RelsealError(
        'E_VERSION_REUSED',
        `the manifest for ${version} signs other bytes (sha256 ${sha256}) than the ${r.version} installed here ` +
          `(sha256 ${r.sha256}): a version is never reused, so it is refused whatever the flags`,
      )
  }
  const running = rec?.current
  if (!running) return false
  if (semver.eq(version, running.version)) return true
  if (!allowDowngrade && semver.lt(version, running.version))
    throw new RelsealError(
      'E_DOWNGRADE',
      `the manifest is for ${version}, older than the installed ${running.version}; pass --allow-downgrade to install it anyway`,
    )
  return false
}

function releaseOf(v: VerifiedManifest, sha256: string, size: number): ArtifactRelease {
  return {
    version: v.payload.version,
    sha256,
    size,
    tag: v.payload.tag,
    manifest_digest: v.digest,
    key_ids: v.keyIds,
    installed_at: new Date().toISOString(),
  }
}

function parentIsDir(target: string): void {
  let ok: boolean
  try {
    ok = statSync(dirname(target)).isDirectory()
  } catch {
    ok = false
  }
  if (!ok) throw new RelsealError('E_NOT_FOUND', `the folder of ${target} does not exist; create it first`)
  try {
    if (!lstatSync(target).isFile())
      throw new RelsealError('E_BAD_INPUT', `${target} is not a regular file; relseal replaces files only`)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
}

/** Downloads into PATH.new and returns it verified, synced and with its final mode; removes it otherwise. */
async function stage(
  o: InstallArtifactOptions,
  p: ArtifactPaths,
  v: VerifiedManifest,
  mode: number,
): Promise<ArtifactRelease> {
  const entry = signedArtifact(v.payload, o.artifact)
  // Owner-only and not executable until verified; 'wx' refuses anything (a link) already there.
  const fd = openSync(p.staged, 'wx', 0o600)
  try {
    const got = await downloadArtifact(
      o.manifest,
      v.payload,
      entry,
      fd,
      { deadlineMs: DEFAULT_ARTIFACT_DEADLINE_MS, ...o.source },
      () => o.killPoint?.('download:partial'),
    )
    o.killPoint?.('download:written')
    verifyDownloaded(got, entry, v.payload.version)
    fsyncSync(fd)
    fchmodSync(fd, mode)
    fsyncSync(fd)
    return releaseOf(v, got.sha256, got.size)
  } catch (e) {
    rmSync(p.staged, { force: true })
    throw e
  } finally {
    closeSync(fd)
  }
}

function currentMode(target: string, given: number | undefined): number {
  if (given !== undefined) return given
  try {
    return statSync(target).mode & 0o7777
  } catch {
    return 0o755
  }
}

/**
 * Verifies a signed manifest, downloads the artifact it lists under `artifact`, and puts it at
 * `target` by one atomic rename, keeping the replaced file as `target.bak-<version>`.
 *
 * @example
 * await installArtifact({ manifest: 'github:acme/agent@latest', artifact: 'agent-linux-x64',
 *   target: '/usr/local/bin/agent', policy: { keys: [parsePublicKey(pub, 'release.pub')],
 *   repository: 'acme/agent' }, supervise: { restartCommand: 'systemctl restart agent' } })
 */
export async function installArtifact(o: InstallArtifactOptions): Promise<InstallArtifactResult> {
  const target = resolve(o.target)
  assertAtomicPlatform(o.platform ?? process.platform, target)
  const p = artifactPaths(target)
  const step = (name: ArtifactStep, percent: number, message: string) => {
    o.killPoint?.(`before:${name}`)
    o.onProgress?.(name, percent, message)
  }
  parentIsDir(target)
  step('lock', 0, 'taking the lock')
  const lock = acquireLock(p.lock)
  try {
    let rec = await recoverArtifact(p)
    const repository = resolveRepository(rec, o.policy.repository, p)
    step('load', 5, 'loading the manifest')
    const bytes = await loadManifestSource(o.manifest, o.source)
    step('verify', 10, 'verifying the manifest signature')
    const v = verifyManifest(bytes, { ...o.policy, repository })
    const entry = signedArtifact(v.payload, o.artifact)
    step('freeze', 15, 'checking version order')
    if (checkArtifactOrder(rec, v.payload.version, entry.sha256, Boolean(o.allowDowngrade)))
      return await upToDate(o, p, rec!)
    step('download', 20, `downloading ${escapeUntrusted(entry.name)} (${entry.size} bytes)`)
    const next = await stage(o, p, v, currentMode(target, o.mode))
    step('swap', 90, `installing ${next.version} at ${target}`)
    rec ??= { repository, artifact: o.artifact, backups: [] }
    const from = rec.current
    const backup = backupOld(p, rec)
    o.killPoint?.('swap:backed-up')
    if (from && backup === p.backup(from.version))
      rec = { ...rec, backups: [from, ...rec.backups.filter((b) => b.version !== from.version)] }
    rec = replaceTarget(p, { ...rec, repository }, next, p.staged, {
      unwatched: o.supervise !== undefined,
      keepSrc: false,
      killPoint: o.killPoint,
      point: 'swap',
    })
    step('prune', 95, 'pruning old backups')
    rec = pruneBackups(p, rec, o.keep ?? 2)
    const result: InstallArtifactResult = {
      outcome: 'installed',
      to: next,
      ...(from ? { from } : {}),
      ...(backup ? { backup } : {}),
    }
    return o.supervise ? await supervise(o, p, rec, result) : result
  } finally {
    lock.release()
  }
}

/** Hard-links the file at PATH to its backup name (PATH itself stays); returns that name. */
function backupOld(p: ArtifactPaths, rec: ArtifactRecord): string | undefined {
  try {
    lstatSync(p.target)
  } catch {
    return undefined // nothing installed yet
  }
  const name = rec.current ? p.backup(rec.current.version) : p.unrecorded
  linkOver(p.target, name)
  return name
}

function supervise(
  o: InstallArtifactOptions,
  p: ArtifactPaths,
  rec: ArtifactRecord,
  result: InstallArtifactResult,
): Promise<InstallArtifactResult> {
  return superviseArtifact(p, rec, result, o.supervise!, {
    killPoint: o.killPoint,
    onStep: (name, message) => o.onProgress?.('supervise', 97, `${name}: ${message}`),
  })
}

/**
 * The signed version already runs. If a killed run never finished its restart and watch, they
 * run now (with the newest older backup to go back to), so a crash cannot skip the watch.
 */
async function upToDate(
  o: InstallArtifactOptions,
  p: ArtifactPaths,
  rec: ArtifactRecord,
): Promise<InstallArtifactResult> {
  const current = rec.current!
  if (!rec.unwatched || !o.supervise) return { outcome: 'up-to-date', to: current }
  const from = rec.backups
    .filter((b) => semver.lt(b.version, current.version))
    .sort((a, b) => semver.rcompare(a.version, b.version))[0]
  const r = await supervise(o, p, rec, { outcome: 'up-to-date', to: current, ...(from ? { from } : {}) })
  return r
}

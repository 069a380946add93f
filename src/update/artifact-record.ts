/**
 * The state of one installed artifact, beside it (issue 17): `PATH.relseal.json` says which signed
 * version and digest runs at PATH and which backups `PATH.bak-<version>` exist; `PATH.relseal.lock`
 * lets one install or rollback at a time touch PATH. Every change of PATH is one rename of a
 * whole, verified file over it, announced first in the record as `pending`, so the next run can
 * tell from PATH's digest which side of the rename a killed run stopped on.
 */
import { linkSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import semver from 'semver'
import { RelsealError } from '../errors.js'
import { hashFile } from '../tree/index.js'
import { escapeUntrusted } from '../text/escape.js'
import { syncDir, tempNameFor, writeFileAtomic } from './atomic-file.js'
import type { KillPoint } from './pointer.js'

/** One signed version of the artifact, as verified when it was installed. */
export interface ArtifactRelease {
  version: string
  sha256: string
  size: number
  tag: string
  manifest_digest: string
  key_ids: string[]
  installed_at: string
}

export interface ArtifactRecord {
  /** owner/name the manifests must be signed for (recorded at the first install). */
  repository: string
  /** The artifact name in the manifest. */
  artifact: string
  /** What runs at PATH; absent before the first install completed. */
  current?: ArtifactRelease
  /** Set just before a rename over PATH: the version PATH holds if that rename happened. */
  pending?: ArtifactRelease
  /** Backups kept as PATH.bak-<version>, newest version first. */
  backups: ArtifactRelease[]
  /**
   * True from the swap until restart and watch passed: a run killed in between is supervised
   * again by the next run with a restart or watch command, instead of "up to date".
   */
  unwatched?: boolean
}

/** The files beside an artifact target. */
export interface ArtifactPaths {
  target: string
  staged: string
  record: string
  lock: string
  backup: (version: string) => string
  /** The copy of an unrecorded file that was at PATH before relseal first installed there. */
  unrecorded: string
}

export function artifactPaths(target: string): ArtifactPaths {
  return {
    target,
    staged: `${target}.new`,
    record: `${target}.relseal.json`,
    lock: `${target}.relseal.lock`,
    backup: (version) => `${target}.bak-${version}`,
    unrecorded: `${target}.bak-unrecorded`,
  }
}

export function readArtifactRecord(p: ArtifactPaths): ArtifactRecord | undefined {
  let text: string
  try {
    if (!lstatSync(p.record).isFile()) throw new Error('not a regular file')
    text = readFileSync(p.record, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new RelsealError('E_UNREADABLE', `${p.record} cannot be read: ${(e as Error).message}`, {
      cause: e,
    })
  }
  try {
    const rec = JSON.parse(text) as ArtifactRecord
    if (typeof rec.repository !== 'string' || !Array.isArray(rec.backups)) throw new Error('fields missing')
    return rec
  } catch (e) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `${p.record} is not a relseal artifact record (${(e as Error).message}); restore it from a backup, ` +
        'or remove it to adopt the file at the target as unrecorded',
      { cause: e },
    )
  }
}

export function writeArtifactRecord(p: ArtifactPaths, rec: ArtifactRecord): void {
  writeFileAtomic(p.record, `${JSON.stringify(rec, null, 2)}\n`)
}

/** `src` under the name `dest`, atomically (a hard link to a temp name, then a rename over dest). */
export function linkOver(src: string, dest: string): void {
  const tmp = tempNameFor(dest)
  linkSync(src, tmp)
  try {
    renameSync(tmp, dest)
  } finally {
    // rename(2) of a link onto another link of the same file succeeds and leaves both names.
    rmSync(tmp, { force: true })
  }
}

/**
 * Puts the verified file `src` at PATH by one rename, after announcing it as `pending` in the
 * record; PATH is never absent. With `keepSrc`, `src` stays (a backup going back into place).
 */
export function replaceTarget(
  p: ArtifactPaths,
  rec: ArtifactRecord,
  next: ArtifactRelease,
  src: string,
  o: { keepSrc: boolean; killPoint?: KillPoint | undefined; point: string; unwatched?: boolean },
): ArtifactRecord {
  writeArtifactRecord(p, { ...rec, pending: next })
  o.killPoint?.(`${o.point}:pending`)
  if (o.keepSrc) linkOver(src, p.target)
  else renameSync(src, p.target)
  syncDir(dirname(p.target))
  o.killPoint?.(`${o.point}:renamed`)
  const done: ArtifactRecord = { ...rec, current: next }
  delete done.pending
  if (o.unwatched) done.unwatched = true
  else delete done.unwatched
  writeArtifactRecord(p, done)
  return done
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function sha256Of(path: string): Promise<string | undefined> {
  try {
    if (!lstatSync(path).isFile()) return Promise.resolve(undefined)
  } catch {
    return Promise.resolve(undefined)
  }
  return hashFile(path).then((h) => h.sha256)
}

/**
 * Clears what a killed run left (`PATH.new`, temp names) and settles a `pending` record by PATH's
 * digest. Refuses (E_TREE_MISMATCH) when PATH holds bytes that are neither the recorded version
 * nor the pending one: something outside relseal replaced it.
 */
export async function recoverArtifact(p: ArtifactPaths): Promise<ArtifactRecord | undefined> {
  const dir = dirname(p.target)
  const base = basename(p.target)
  rmSync(p.staged, { force: true })
  for (const name of readdirSync(dir)) {
    const pid = /\.tmp-(\d+)-\d+-\d+$/.exec(name)?.[1]
    // Only temp names of PATH's own files, and only of processes that are gone.
    if (pid !== undefined && name.startsWith(`${base}.`) && !alive(Number(pid)))
      rmSync(join(dir, name), { force: true })
  }
  const rec = readArtifactRecord(p)
  if (rec === undefined) return undefined
  const running = await sha256Of(p.target)
  if (rec.pending) {
    let settled: ArtifactRecord
    // renamed into place and then killed: it was never restarted or watched
    if (running === rec.pending.sha256) settled = { ...rec, current: rec.pending, unwatched: true }
    else if (rec.current === undefined || running === rec.current.sha256 || running === undefined) {
      settled = { ...rec }
    } else throw foreign(p, running, rec)
    delete settled.pending
    writeArtifactRecord(p, settled)
    return settled
  }
  if (running !== undefined && rec.current !== undefined && running !== rec.current.sha256)
    throw foreign(p, running, rec)
  return rec
}

function foreign(p: ArtifactPaths, running: string, rec: ArtifactRecord): RelsealError {
  return new RelsealError(
    'E_TREE_MISMATCH',
    `${escapeUntrusted(p.target)} holds bytes relseal did not install (sha256 ${running}; ${p.record} records ` +
      `${rec.current?.version ?? 'nothing'}${rec.current ? ` with sha256 ${rec.current.sha256}` : ''}); ` +
      'something else replaced it: put the recorded file back (relseal rollback --artifact restores a backup), ' +
      `or remove ${p.record} to adopt the file as unrecorded`,
  )
}

/** Keeps the `keep` newest backups whose files exist, removing the files of the rest. */
export function pruneBackups(p: ArtifactPaths, rec: ArtifactRecord, keep: number): ArtifactRecord {
  const present = rec.backups.filter((b) => {
    try {
      return statSync(p.backup(b.version)).isFile()
    } catch {
      return false
    }
  })
  const sorted = [...present].sort((a, b) => semver.rcompare(a.version, b.version))
  const kept = sorted.slice(0, keep)
  const next = { ...rec, backups: kept }
  writeArtifactRecord(p, next)
  for (const b of sorted.slice(keep)) rmSync(p.backup(b.version), { force: true })
  return next
}

import { lstatSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RelsealError } from '../errors.js'
import { writeFileAtomic } from './atomic-file.js'
import type { ReleaseRef } from './evidence.js'
import type { AppLayout } from './layout.js'

/**
 * Releases that failed after their swap here (restart or watch) and were rolled back (issue 16):
 * `update` refuses them again (E_FAILED_RELEASE) unless retried by version. Kept in
 * .relseal/failed.json, apart from the release records that prune removes: a mark outlives its
 * release folder, so a pruned failed release is still never chosen again.
 */
export interface FailedRelease extends ReleaseRef {
  time: string
  run_id: string
  /** The supervise step that failed: restart or watch. */
  step: string
  error_code: string
  /** The failure, cut to MAX_FAILED_ERROR_CHARS. */
  error: string
}

/** Marks kept (oldest dropped first): a version that old is below any running one and refused as a downgrade. */
export const MAX_FAILED_RECORDS = 100
export const MAX_FAILED_ERROR_CHARS = 2000
const MAX_FAILED_FILE_BYTES = 1024 * 1024

export const failedPath = (layout: AppLayout) => join(layout.state, 'failed.json')

/** True when some release failed here (the failed-before step runs only then). */
export function hasFailedReleases(layout: AppLayout): boolean {
  try {
    lstatSync(failedPath(layout)) // a link or anything else there is read, and refused, by the step
    return true
  } catch {
    return false
  }
}

/** The marks, oldest first. */
export function readFailedReleases(layout: AppLayout): FailedRelease[] {
  const path = failedPath(layout)
  let size: number
  try {
    const st = lstatSync(path)
    if (!st.isFile()) throw new Error('not a plain file')
    size = st.size
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw unreadable(path, (e as Error).message)
  }
  if (size > MAX_FAILED_FILE_BYTES) throw unreadable(path, `larger than ${MAX_FAILED_FILE_BYTES} bytes`)
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw unreadable(path, (e as Error).message)
  }
  const list = (parsed as { failed?: unknown }).failed
  if (!Array.isArray(list) || !list.every((f) => typeof (f as FailedRelease)?.version === 'string'))
    throw unreadable(path, 'it has no "failed" list of releases')
  return list as FailedRelease[]
}

function unreadable(path: string, why: string): RelsealError {
  return new RelsealError(
    'E_BAD_INPUT',
    `${path} cannot be read (${why}); it records releases that failed and were rolled back. ` +
      `Restore it from a backup, or remove it to let update choose those releases again`,
  )
}

/** The mark of `version`, if it failed here. */
export function failedRelease(layout: AppLayout, version: string): FailedRelease | undefined {
  return readFailedReleases(layout)
    .filter((f) => f.version === version)
    .at(-1)
}

/** Records that `rec.version` failed (replacing an earlier mark of it). */
export function markFailed(layout: AppLayout, rec: FailedRelease): void {
  const kept = readFailedReleases(layout).filter((f) => f.version !== rec.version)
  const error =
    rec.error.length > MAX_FAILED_ERROR_CHARS ? `${rec.error.slice(0, MAX_FAILED_ERROR_CHARS)}…` : rec.error
  const failed = [...kept, { ...rec, error }].slice(-MAX_FAILED_RECORDS)
  writeFileAtomic(failedPath(layout), `${JSON.stringify({ failed }, null, 2)}\n`)
}

/** Removes the mark of `version` (after a retry of it passed its watch). */
export function clearFailed(layout: AppLayout, version: string): void {
  const all = readFailedReleases(layout)
  const kept = all.filter((f) => f.version !== version)
  if (kept.length !== all.length)
    writeFileAtomic(failedPath(layout), `${JSON.stringify({ failed: kept }, null, 2)}\n`)
}

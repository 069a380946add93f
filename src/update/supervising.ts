import { lstatSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import { syncDir, writeFileAtomic } from './atomic-file.js'
import type { AppLayout } from './layout.js'

/**
 * A supervision that has not reached its end (issue 16): written just before the swap of an update
 * with a restart or watch command, removed once the watch passed or the rollback finished. A run
 * killed in between leaves it, and the next `update` finishes the job before anything else
 * (supervise-release.ts resumeSupervision): the same idea as an artifact's `unwatched` flag
 * (artifact-record.ts), kept in .relseal/supervising.json beside the app root's other state.
 */
export interface PendingSupervision {
  /** The release the update swapped `current` to, not yet judged. */
  version: string
  /** The release `current` named before (the one a failure swaps back to); absent on a first install. */
  from?: string
  /** When the swap happened (ISO time), and the run that made it. */
  started: string
  run_id: string
  /** Set before the swap-back moves anything: the verdict was reached, the rollback is under way. */
  failure?: { error_code: string; error: string }
}

const MAX_PENDING_BYTES = 64 * 1024

export const pendingPath = (layout: AppLayout) => join(layout.state, 'supervising.json')

/** True when a supervision marker (or anything else) is at .relseal/supervising.json. */
export function hasPendingSupervision(layout: AppLayout): boolean {
  try {
    lstatSync(pendingPath(layout))
    return true
  } catch {
    return false
  }
}

/** Writes the marker by temp file, fsync and rename: a reader sees the old record or the new one. */
export function writePendingSupervision(layout: AppLayout, rec: PendingSupervision): void {
  writeFileAtomic(pendingPath(layout), `${JSON.stringify(rec, null, 2)}\n`)
}

/** Removes the marker (and makes the removal durable). */
export function clearPendingSupervision(layout: AppLayout): void {
  rmSync(pendingPath(layout), { force: true })
  syncDir(layout.state)
}

/** The marker, or undefined; a marker that is not a plain, small, well-formed file is refused. */
export function readPendingSupervision(layout: AppLayout): PendingSupervision | undefined {
  const path = pendingPath(layout)
  let text: string
  try {
    const st = lstatSync(path)
    if (!st.isFile()) throw new Error('not a plain file')
    if (st.size > MAX_PENDING_BYTES) throw new Error(`larger than ${MAX_PENDING_BYTES} bytes`)
    text = readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw unreadable(path, (e as Error).message)
  }
  let rec: PendingSupervision
  try {
    rec = JSON.parse(text) as PendingSupervision
  } catch (e) {
    throw unreadable(path, (e as Error).message)
  }
  const str = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 256
  // versions name folders and records: only what an update could have written
  const version = (v: unknown) => typeof v === 'string' && semver.valid(v) === v
  const failure = rec?.failure
  if (
    !version(rec?.version) ||
    !str(rec.started) ||
    !str(rec.run_id) ||
    (rec.from !== undefined && !version(rec.from)) ||
    (failure !== undefined && !(str(failure?.error_code) && typeof failure.error === 'string'))
  )
    throw unreadable(path, 'it is not a supervision record (version, started, run_id)')
  return rec
}

function unreadable(path: string, why: string): RelsealError {
  return new RelsealError(
    'E_BAD_INPUT',
    `${path} cannot be read (${escapeUntrusted(why)}); it records an update killed while it restarted or watched a ` +
      'new release. Check that the app runs the release `current` names (relseal status), then remove the file',
  )
}

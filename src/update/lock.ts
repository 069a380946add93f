import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { RelsealError } from '../errors.js'

interface LockOwner {
  pid: number
  host: string
  started: string
}

/** Lock files this process holds: a second taker in the same process is refused too (issue 13, item 7). */
const held = new Map<string, (() => void) | undefined>()

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600)
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() }
    writeSync(fd, JSON.stringify(owner))
    closeSync(fd)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new RelsealError('E_IO', `cannot create the update lock ${path}: ${(e as Error).message}`, {
      cause: e,
    })
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner
  } catch {
    return undefined // a lock whose writer died before writing: treat as stale
  }
}

function refuseHeld(path: string, owner: LockOwner | undefined): void {
  if (held.has(path)) {
    throw new RelsealError(
      'E_LOCKED',
      `another update or rollback in this process holds the app root's lock ${path}; wait for it to finish`,
    )
  }
  if (owner && owner.host === hostname() && owner.pid !== process.pid && alive(owner.pid)) {
    throw new RelsealError(
      'E_LOCKED',
      `another relseal update (pid ${owner.pid}, started ${owner.started}) is running in this app root; wait for it to finish`,
    )
  }
  if (owner && owner.host !== hostname()) {
    throw new RelsealError(
      'E_LOCKED',
      `the app root is locked by host ${owner.host}; if no update runs there, remove ${path}`,
    )
  }
}

export interface HeldLock {
  release: () => void
  /** True when the lock was taken over from a killed holder: its leftovers need clearing. */
  tookOverStale: boolean
}

/**
 * Takes the app root's update lock (one update at a time, across processes and within one). A
 * lock whose process no longer runs on this host was left by a killed updater: it is removed and
 * taken, and `tookOverStale` tells the caller to clear what that updater left half-done.
 * `onAbandon` runs (synchronously) if a signal ends the process while the lock is held.
 */
export function acquireLock(path: string, onAbandon?: () => void): HeldLock {
  let tookOverStale = false
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(path)) {
      held.set(path, onAbandon)
      const release = () => {
        if (held.delete(path)) rmSync(path, { force: true })
      }
      return { release, tookOverStale }
    }
    refuseHeld(path, readOwner(path))
    rmSync(path, { force: true }) // stale: its process is gone
    tookOverStale = true
  }
  throw new RelsealError(
    'E_LOCKED',
    `could not take the update lock ${path}; another updater keeps taking it`,
  )
}

/**
 * Removes every lock this process holds, for a signal handler that ends the process at once
 * (the interrupted run's leftovers are cleared by the next one, as after a crash).
 */
export function releaseHeldLocks(): void {
  for (const [path, onAbandon] of held) {
    try {
      onAbandon?.()
    } finally {
      rmSync(path, { force: true })
    }
  }
  held.clear()
}

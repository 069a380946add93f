import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { RelsealError } from '../errors.js'

interface LockOwner {
  pid: number
  host: string
  started: string
}

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

/**
 * Takes the app root's update lock (one update at a time). A lock whose process no longer runs on
 * this host was left by a killed updater: it is removed and taken. Returns the release function.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(path)) return () => rmSync(path, { force: true })
    const owner = readOwner(path)
    if (owner && owner.host === hostname() && alive(owner.pid) && owner.pid !== process.pid) {
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
    rmSync(path, { force: true }) // stale: its process is gone
  }
  throw new RelsealError(
    'E_LOCKED',
    `could not take the update lock ${path}; another updater keeps taking it`,
  )
}

import {
  existsSync,
  lstatSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { syncDir, tempNameFor, writeFileAtomic } from './atomic-file.js'

/** Test hook for the crash-safety test (RELSEAL_TEST_KILL_AT); never set in normal use. */
export type KillPoint = (point: string) => void

/**
 * Reads a release pointer (`current` or `rollback`): the version it names, or undefined.
 * A symlink points at `releases/<version>`; a pointer file holds that relative path.
 */
export function readPointer(path: string): string | undefined {
  if (!existsSync(path) && !isSymlink(path)) return undefined
  const target = isSymlink(path) ? readlinkSync(path) : readFileSync(path, 'utf8').trim()
  return basename(target)
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

/**
 * Points `path` at `releases/<version>` atomically: a new symlink is made under a temp name and
 * renamed over the old one (rename is atomic on POSIX), so `path` always names a whole release.
 * Where symlinks are unavailable, a pointer file is written the same way.
 */
export function swapPointer(path: string, version: string, killPoint?: KillPoint): void {
  const target = join('releases', version)
  const tmp = tempNameFor(path)
  try {
    symlinkSync(target, tmp)
  } catch {
    writeFileAtomic(path, `${target}\n`)
    return
  }
  killPoint?.('swap:linked')
  renameSync(tmp, path)
  syncDir(dirname(path))
}

/** Removes temp pointers left by a process killed inside a swap. */
export function removeStalePointerTemps(root: string): void {
  for (const name of readdirSync(root)) {
    if (/^(current|rollback)\.tmp-/.test(name)) rmSync(join(root, name), { force: true })
  }
}

/** Removes a pointer (a symlink or pointer file is unlinked, never followed). */
export function removePointer(path: string): void {
  if (!existsSync(path) && !isSymlink(path)) return
  rmSync(path, { force: true })
  syncDir(dirname(path))
}

/** Points `rollback` at `version`, or removes it when there is nothing to roll back to. */
export function setRollbackPointer(path: string, version: string | undefined): void {
  if (version === undefined) removePointer(path)
  else swapPointer(path, version)
}

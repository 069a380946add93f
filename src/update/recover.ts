import { existsSync, lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { runGit } from '../git/git.js'
import type { AppLayout } from './layout.js'
import { gitProcessesIn } from './processes.js'

/** How long the git processes a killed updater left are given to die after SIGKILL. */
const LEFTOVER_EXIT_WAIT_MS = 2_000

// git's own lock files that a git process killed mid-write leaves in the store (issue 23, item 9).
const STORE_LOCKS = ['shallow.lock', 'index.lock', 'HEAD.lock', 'packed-refs.lock', 'FETCH_HEAD.lock']
const WORKTREE_LOCKS = ['index.lock', 'HEAD.lock', 'ORIG_HEAD.lock']

function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory()
  } catch {
    return false
  }
}

/** `*.lock` files under refs/, found without following symlinks. */
function refLocks(dir: string): string[] {
  if (!isRealDir(dir)) return []
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...refLocks(p))
    else if (e.isFile() && e.name.endsWith('.lock')) out.push(p)
  }
  return out
}

/** The lock files to remove: only git's, only inside the store and its worktree records. */
export function gitLockFiles(layout: AppLayout): string[] {
  const files = STORE_LOCKS.map((n) => join(layout.store, n))
  files.push(...refLocks(join(layout.store, 'refs')))
  const worktrees = join(layout.store, 'worktrees')
  if (isRealDir(worktrees))
    for (const w of readdirSync(worktrees))
      if (isRealDir(join(worktrees, w))) files.push(...WORKTREE_LOCKS.map((n) => join(worktrees, w, n)))
  return files.filter((f) => existsSync(f))
}

/**
 * After taking over the lock of an updater that was killed: stops the git processes it left
 * working in the store or the releases, removes the lock files git leaves when killed, and prunes
 * worktree records whose folder is gone. Nothing else is touched; the half-made release itself is
 * removed by the update step that meets it.
 */
export async function clearKilledRunLeftovers(layout: AppLayout): Promise<void> {
  const dirs = [layout.store, layout.releases].filter(isRealDir).map((d) => realpathSync(d))
  const leftovers = gitProcessesIn(dirs)
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
  for (let waited = 0; waited < LEFTOVER_EXIT_WAIT_MS && gitProcessesIn(dirs).length > 0; waited += 50)
    await sleep(50)
  if (!isRealDir(layout.store)) return
  clearGitLockFiles(layout)
  // No worktree records, nothing to prune: an app root of tarball releases needs no git here.
  if (isRealDir(join(layout.store, 'worktrees'))) await runGit(['worktree', 'prune'], { cwd: layout.store })
}

/** Removes git's lock files from the store; only while holding the app root's lock, its git children dead. */
export function clearGitLockFiles(layout: AppLayout): void {
  for (const f of gitLockFiles(layout)) rmSync(f, { force: true })
}

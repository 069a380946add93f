import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { RelsealError } from '../errors.js'
import { gitText } from '../git/git.js'
import { verifyTree, type ManifestPayload } from '../manifest/index.js'
import { hashTree } from '../tree/index.js'
import type { InstalledRelease } from './installed.js'
import { isRealDir } from './installed.js'
import { hashUntracked, NO_UNTRACKED_HASH } from './untracked.js'

function mismatch(version: string, what: string): RelsealError {
  return new RelsealError(
    'E_TREE_MISMATCH',
    `releases/${version} ${what}; it was changed on disk after it was verified. relseal does not run it: ` +
      `inspect the folder, then install a newer release (relseal update)`,
  )
}

/**
 * Re-verifies a release folder that is already on disk against a verified payload: the folder is
 * a real git worktree at the pinned commit, its tracked files hash to the signed code hash, and
 * its untracked files (ignored ones included) are exactly those recorded right after its install
 * step — none when the record predates that list (issue 23, item 7).
 */
export async function verifyReleaseFolder(
  dir: string,
  payload: ManifestPayload,
  record: InstalledRelease | undefined,
): Promise<void> {
  const v = payload.version
  let dotGit
  try {
    dotGit = lstatSync(join(dir, '.git'))
  } catch {
    dotGit = undefined
  }
  if (!isRealDir(dir) || !dotGit?.isFile()) throw mismatch(v, 'is not the git worktree relseal made')
  const head = await gitText(['rev-parse', '--verify', '--end-of-options', 'HEAD^{commit}'], {
    cwd: dir,
  }).catch(() => '')
  if (head !== payload.commit) throw mismatch(v, `is at commit ${head || '(none)'}, not ${payload.commit}`)
  verifyTree(payload, await hashTree({ dir }))
  const untracked = await hashUntracked(dir)
  const expected = record?.untracked ?? { files: 0, hash: NO_UNTRACKED_HASH }
  if (untracked.hash !== expected.hash) {
    throw mismatch(
      v,
      `holds ${untracked.files} untracked file(s) (${untracked.sample.map((p) => JSON.stringify(p)).join(', ')}${
        untracked.files > untracked.sample.length ? ', …' : ''
      }), not the ${expected.files} its install step left`,
    )
  }
}

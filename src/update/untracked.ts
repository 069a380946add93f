import { createHash } from 'node:crypto'
import { lstatSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { runGit } from '../git/git.js'
import { hashFile } from '../tree/index.js'

/** What a release folder holds beyond the files git tracks (what the install command made). */
export interface UntrackedFiles {
  /** Number of untracked paths, ignored ones included. */
  files: number
  /** `sha256:<hex>` over each path, its kind and its content digest, in git's order. */
  hash: string
  /** The first few paths, for messages. */
  sample: string[]
}

const SAMPLE = 5

/** hashUntracked's hash of a folder with no untracked files (SHA-256 of nothing). */
export const NO_UNTRACKED_HASH = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/**
 * Lists and hashes every untracked path of a release worktree (`git ls-files --others`, ignored
 * files included), without following symlinks. The code hash covers only tracked files; this
 * covers the rest, so a file added to a kept release is noticed before it runs again.
 */
export async function hashUntracked(dir: string): Promise<UntrackedFiles> {
  const out = (await runGit(['ls-files', '--others', '-z'], { cwd: dir })).stdout
  const paths = out
    .toString('latin1')
    .split('\0')
    .filter((p) => p !== '')
  return hashPaths(dir, paths)
}

/**
 * Hashes the given paths of a folder, in the order given: each path, its kind (file with its
 * executable bit, symlink with its target, folder, other, gone) and a file's content digest.
 * Links are never followed.
 */
export async function hashPaths(dir: string, paths: readonly string[]): Promise<UntrackedFiles> {
  const h = createHash('sha256')
  for (const p of paths) {
    const abs = join(dir, p)
    let kind = 'gone'
    let digest = ''
    try {
      const st = lstatSync(abs)
      if (st.isSymbolicLink()) [kind, digest] = ['symlink', readlinkSync(abs, 'latin1')]
      else if (st.isFile())
        [kind, digest] = [`file:${st.mode & 0o100 ? 'x' : '-'}`, (await hashFile(abs)).sha256]
      else kind = st.isDirectory() ? 'dir' : 'other'
    } catch {
      /* vanished while listing: "gone" */
    }
    h.update(Buffer.from(`${p}\0${kind}\0${digest}\n`, 'latin1'))
  }
  return { files: paths.length, hash: `sha256:${h.digest('hex')}`, sample: paths.slice(0, SAMPLE) }
}

import { RelsealError } from '../errors.js'
import { assertSafeRef, runGit } from '../git/git.js'

export interface RepoInfo {
  /** Inside a work tree (not a bare repository). */
  workTree: boolean
  /** The directory's path inside the work tree, e.g. `src/`, or '' at the top. */
  prefix: string
}

// src/tree reads a checkout as its owner's git does (runGit's `ambientConfig`): core.autocrlf,
// core.eol and safe.directory from the global configuration decide what is on disk and whether git
// opens the repository at all. Protocols stay pinned; nothing here talks to a remote.

/** Describes the repository `dir` belongs to, or returns undefined when it is none. */
export async function probeRepo(dir: string): Promise<RepoInfo | undefined> {
  const r = await runGit(['rev-parse', '--is-bare-repository', '--is-inside-work-tree', '--show-prefix'], {
    cwd: dir,
    ambientConfig: true,
    okCodes: [0, 128],
  })
  if (r.code !== 0) return undefined
  const [bare, inside, prefix = ''] = r.stdout.toString('utf8').split('\n')
  return { workTree: bare === 'false' && inside === 'true', prefix: prefix.trim() }
}

/** Resolves `rev` to a full commit id, or refuses with E_UNKNOWN_REV. */
export async function resolveCommit(dir: string, rev: string): Promise<string> {
  assertSafeRef(rev, 'revision')
  const r = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
    cwd: dir,
    ambientConfig: true,
    okCodes: [0, 1, 128],
  })
  const id = r.stdout.toString('utf8').trim()
  if (r.code !== 0 || id === '') {
    throw new RelsealError(
      'E_UNKNOWN_REV',
      `${JSON.stringify(rev)} is not a commit in the repository at ${dir}; fetch it first or pass a tag, branch or full commit id that exists`,
    )
  }
  return id
}

/** Splits `-z` output into its NUL-terminated records (raw bytes, names may not be UTF-8). */
export function splitNul(out: Buffer): Buffer[] {
  const records: Buffer[] = []
  let start = 0
  for (let i = out.indexOf(0, start); i >= 0; i = out.indexOf(0, start)) {
    records.push(out.subarray(start, i))
    start = i + 1
  }
  return records
}

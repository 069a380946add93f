import { join } from 'node:path'
import { RelsealError } from '../errors.js'
import { assertSafeRef, runGit } from '../git/git.js'

export interface RepoInfo {
  /** Inside a work tree (not a bare repository). */
  workTree: boolean
  /** The directory's path inside the work tree, e.g. `src/`, or '' at the top. */
  prefix: string
  /** Where a work tree's attributes may live, when asked for and unambiguous. */
  places?: AttributePlaces
}

/** Where git looks for attributes besides the `.gitattributes` files inside `dir`. */
export interface AttributePlaces {
  /** How many directories `dir` is below the top of the work tree. */
  depth: number
  /** $GIT_DIR/info/attributes (of the common directory), as git resolves it. */
  infoAttributes: string
}

// src/tree reads a checkout as its owner's git does (runGit's `ambientConfig`): core.autocrlf,
// core.eol and safe.directory from the global configuration decide what is on disk and whether git
// opens the repository at all. Protocols stay pinned; nothing here talks to a remote.

/**
 * Describes the repository `dir` belongs to, or returns undefined when it is none. With `places`,
 * the same git call also tells where a work tree's attribute files may be (each spawn costs tens
 * of milliseconds on a loaded machine).
 */
export async function probeRepo(dir: string, places = false): Promise<RepoInfo | undefined> {
  if (places) {
    const r = await runGit(
      [
        'rev-parse',
        '--is-bare-repository',
        '--is-inside-work-tree',
        '--show-cdup',
        '--git-path',
        'info/attributes',
        '--show-prefix',
      ],
      { cwd: dir, ambientConfig: true, okCodes: [0, 128] },
    )
    if (r.code !== 0) return undefined
    // `false\ntrue\n../../\n<info path>\n<prefix>\n` in a work tree; a path holding a newline
    // makes more lines, and then the plain probe answers (and no attribute place is trusted).
    const [bare, inside, cdup = '', ...rest] = r.stdout.toString('utf8').split('\n')
    if (
      bare === 'false' &&
      inside === 'true' &&
      rest.length === 3 &&
      rest[2] === '' &&
      /^(\.\.\/)*$/.test(cdup)
    ) {
      return {
        workTree: true,
        prefix: rest[1]!.trim(),
        places: { depth: cdup.length / 3, infoAttributes: join(dir, rest[0]!) },
      }
    }
  }
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

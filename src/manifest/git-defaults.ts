import { RelsealError } from '../errors.js'
import { assertSafeRef, isFullCommitId, runGit } from '../git/git.js'

export interface RepoDefaults {
  commit?: string
  tag?: string
  repository?: string
}

/** owner/name from a GitHub remote URL (https, ssh or scp-like), or undefined. */
export function repositoryFromRemote(url: string): string | undefined {
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?[^/]+\/|ssh:\/\/(?:[^@/]+@)?[^/]+\/|[^@/:]+@[^:]+:)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
      url.trim(),
    )
  return m ? `${m[1]}/${m[2]}` : undefined
}

/** What a signer can default from a repository: HEAD, the tag at HEAD, the origin remote. */
export async function repoDefaults(dir: string): Promise<RepoDefaults> {
  const text = async (args: string[]): Promise<string | undefined> => {
    const r = await runGit(args, { cwd: dir, okCodes: [0, 1, 2, 128] })
    const out = r.stdout.toString('utf8').trim()
    return r.code === 0 && out !== '' ? out : undefined
  }
  const commit = await text(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])
  const tags = await text(['tag', '--points-at', 'HEAD', '--sort=-version:refname'])
  const remote = await text(['remote', 'get-url', 'origin'])
  const repository = remote === undefined ? undefined : repositoryFromRemote(remote)
  const tag = tags?.split('\n')[0]
  return { ...(commit ? { commit } : {}), ...(tag ? { tag } : {}), ...(repository ? { repository } : {}) }
}

/**
 * The commit a tag names, peeled through annotated tags (`refs/tags/<tag>^{commit}`), or
 * E_UNKNOWN_REV when the repository has no such tag. Only `refs/tags/` is looked at, so a branch
 * of the same name cannot stand in for the tag.
 */
export async function resolveTagCommit(dir: string, tag: string): Promise<string> {
  assertSafeRef(tag, 'tag')
  const ref = `refs/tags/${tag}`
  const format = await runGit(['check-ref-format', ref], { cwd: dir, okCodes: [0, 1] })
  const r =
    format.code !== 0
      ? undefined
      : await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
          cwd: dir,
          okCodes: [0, 1, 128],
        })
  const id = r?.code === 0 ? r.stdout.toString('utf8').trim() : ''
  if (!isFullCommitId(id)) {
    throw new RelsealError(
      'E_UNKNOWN_REV',
      `tag ${JSON.stringify(tag)} does not exist in the repository at ${dir} (or names no commit); ` +
        `create the release tag first, or fetch it (git fetch --tags)`,
      { details: { tag } },
    )
  }
  return id
}

/** The tags that point at `commit`, highest version first. */
export async function tagsPointingAt(dir: string, commit: string): Promise<string[]> {
  assertSafeRef(commit, 'commit')
  const r = await runGit(['tag', '--points-at', commit, '--sort=-version:refname'], { cwd: dir })
  return r.stdout
    .toString('utf8')
    .split('\n')
    .filter((t) => t !== '')
}

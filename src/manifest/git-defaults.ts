import { runGit } from '../git/git.js'

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

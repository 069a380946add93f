import { RelsealError } from '../../../src/errors.js'
import { gitText, runGit } from '../../../src/git/git.js'

/** Where a tag name was found, and the commit it names there. */
export interface TagSighting {
  where: string
  commit: string
}

/** Every local tag with its peeled commit: refs/tags/<name> -> commit. */
export async function localTags(dir: string): Promise<Map<string, string>> {
  const out = await gitText(
    ['for-each-ref', '--format=%(refname:strip=2)%00%(*objectname)%00%(objectname)', 'refs/tags'],
    {
      cwd: dir,
    },
  )
  const tags = new Map<string, string>()
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, peeled, direct] = line.split('\0')
    tags.set(name!, peeled || direct!)
  }
  return tags
}

/**
 * Environment that lets git authenticate to GitHub with the action's token for one command, the way
 * actions/checkout does (an http.<server>/.extraheader), without writing it to .git/config or putting
 * it in argv: git (>= 2.31) reads GIT_CONFIG_COUNT/KEY/VALUE from the environment. Only for an origin
 * on the GitHub server itself; the token is never sent anywhere else.
 */
export function remoteAuthEnv(
  token: string,
  serverUrl: string,
  origin: string | undefined,
): Record<string, string> {
  const server = serverUrl.replace(/\/+$/, '')
  if (!token || !origin?.startsWith(`${server}/`)) return {}
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${server}/.extraheader`,
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basicCredential(token)}`,
  }
}

/** The basic-auth form of a token, which must be masked as well as the token itself. */
export const basicCredential = (token: string) => Buffer.from(`x-access-token:${token}`).toString('base64')

/** The URL of remote `origin`, or undefined when the checkout has none. */
export async function originUrl(dir: string): Promise<string | undefined> {
  const r = await runGit(['remote', 'get-url', 'origin'], { cwd: dir, okCodes: [0, 2, 128] })
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined
}

/**
 * Every tag on remote `origin` (`git ls-remote --tags`), peeled to its commit. A remote that cannot be
 * listed is an error: the duplicate check fails closed rather than release a tag it could not check.
 */
export async function remoteTags(
  dir: string,
  auth: Record<string, string> = {},
): Promise<Map<string, string>> {
  const r = await runGit(['ls-remote', '--tags', 'origin'], {
    cwd: dir,
    env: auth,
    okCodes: [0, 2, 128],
    timeoutMs: 60_000,
  })
  if (r.code !== 0)
    throw new RelsealError(
      'E_GIT',
      `could not list the tags of remote origin (git ls-remote exit ${r.code}: ${r.stderr.trim() || 'no output'}); ` +
        `check that origin is this repository on GitHub and the token can read it, or that origin is reachable`,
    )
  const tags = new Map<string, string>()
  for (const line of r.stdout.toString('utf8').split('\n').filter(Boolean)) {
    const [sha, ref] = line.split('\t')
    if (!sha || !ref?.startsWith('refs/tags/')) continue
    const peeled = ref.endsWith('^{}')
    const name = ref.slice('refs/tags/'.length, peeled ? -3 : undefined)
    // The peeled line (tag^{}) names the commit of an annotated tag; it wins over the tag object id.
    if (peeled || !tags.has(name)) tags.set(name, sha)
  }
  return tags
}

/** Fetches one tag from origin into the checkout (for a maintainer-signed tag the gate must verify). */
export async function fetchTag(dir: string, tag: string, auth: Record<string, string> = {}): Promise<void> {
  await runGit(['fetch', '--no-tags', 'origin', '--end-of-options', `+refs/tags/${tag}:refs/tags/${tag}`], {
    cwd: dir,
    env: auth,
    timeoutMs: 120_000,
  })
}

/** Commit subjects since `from` (exclusive) up to `to`, as a Markdown list for release notes. */
export async function changesSince(dir: string, from: string | undefined, to: string): Promise<string> {
  const limit = from ? [] : ['-n', '100']
  const log = await gitText(
    ['log', '--no-merges', '--format=- %s (%h)', ...limit, '--end-of-options', from ? `${from}..${to}` : to],
    { cwd: dir },
  )
  return log || '- no changes'
}

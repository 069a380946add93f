import * as core from '@actions/core'
import { basename } from 'node:path'
import { RelsealError, type RelsealErrorCode } from '../../src/errors.js'
import { gitText } from '../../src/git/git.js'
import { hashFile } from '../../src/tree/index.js'
import { createClient, type GitHubClient } from '../github/index.js'

/** A file to list or upload with a release: its asset name (the base name), size and digest. */
export interface ReleaseFile {
  name: string
  size: number
  sha256: string
  path: string
}

/** The files (never directories) that newline-separated globs match, sorted; none for no patterns. */
export async function matchFiles(patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return []
  // Loaded only for patterns: @actions/glob (with minimatch) is a tenth of a bundle that most runs
  // of sign-release never use, and a bundle loads it in a chunk of its own.
  const glob = await import('@actions/glob')
  return (await (await glob.create(patterns.join('\n'), { matchDirectories: false })).glob()).sort()
}

/**
 * Hashes files for a release. Asset names are base names, so two files with one name are refused
 * with `code`.
 */
export async function hashReleaseFiles(files: string[], code: RelsealErrorCode): Promise<ReleaseFile[]> {
  const out: ReleaseFile[] = []
  for (const path of files) {
    const name = basename(path)
    if (out.some((a) => a.name === name))
      throw new RelsealError(code, `two artifacts are named ${name}; release asset names must be unique`)
    out.push({ name, path, ...(await hashFile(path)) })
  }
  return out
}

/**
 * Fails unless the checkout's HEAD is `commit`: what an action hashes, tests or builds is the
 * checkout, so it must be the commit it signs or tags. `what` names the input, `fix` says what to do.
 */
export async function assertHeadIs(dir: string, commit: string, what: string, fix: string): Promise<void> {
  const head = await gitText(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: dir })
  if (head !== commit)
    throw new RelsealError('E_BAD_INPUT', `the workspace HEAD is ${head}, not ${what} ${commit}; ${fix}`)
}

/** The GitHub client of an action, from its token, GITHUB_REPOSITORY and GITHUB_API_URL. */
export function actionClient(i: {
  token: string
  repository: string
  apiUrl: string | undefined
}): GitHubClient {
  return createClient({
    token: i.token,
    repository: i.repository,
    ...(i.apiUrl ? { baseUrl: i.apiUrl } : {}),
    log: (message) => core.info(message),
  })
}

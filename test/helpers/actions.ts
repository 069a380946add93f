import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runAction } from './run-action.js'
import { tempDir } from './tmp.js'

const bin = new URL('../../bin/relseal.js', import.meta.url).pathname

export interface ActionKeys {
  priv: string
  pub: string
  otherPub: string
  dir: string
}

/** Two fresh Ed25519 key pairs from `relseal keygen`: k (the signing key) and other. */
export function actionKeys(): ActionKeys {
  const dir = tempDir('relseal-keys-')
  for (const k of ['k', 'other']) execFileSync(process.execPath, [bin, 'keygen', '--out', join(dir, k)])
  return {
    dir,
    priv: readFileSync(join(dir, 'k.key'), 'utf8'),
    pub: readFileSync(join(dir, 'k.pub'), 'utf8'),
    otherPub: readFileSync(join(dir, 'other.pub'), 'utf8'),
  }
}

/** What the runner shows of a log: ::add-mask:: lines register secrets and are never displayed. */
export const shownLog = (t: string) =>
  t
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')

/** Runs actions/sign-release for tag v1.2.3 of acme/app against the fake GitHub at `apiUrl`. */
export function runSignRelease(
  apiUrl: string,
  k: ActionKeys,
  repo: string,
  sha: string,
  inputs: Record<string, string> = {},
  token = 'test-token',
) {
  return runAction(
    'sign-release',
    {
      'signing-key': k.priv,
      'public-key': k.pub,
      artifacts: 'dist/*.tgz',
      'expires-in': '30d',
      'github-token': token,
      ...inputs,
    },
    {
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_API_URL: apiUrl,
      GITHUB_REF: 'refs/tags/v1.2.3',
      GITHUB_SHA: sha,
      GITHUB_WORKSPACE: repo,
      GITHUB_WORKFLOW_REF: 'acme/app/.github/workflows/release-sign.yml@refs/tags/v1.2.3',
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '1',
      RUNNER_OS: 'Linux',
      GITHUB_EVENT_NAME: 'push',
    },
  )
}

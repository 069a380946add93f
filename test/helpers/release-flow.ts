import type { FakeGitHub } from '../fake-github/server.js'
import { actionKeys, runSignRelease, type ActionKeys } from './actions.js'
import { git, makeRepo } from './git-repo.js'
import { runAction, type ActionRun } from './run-action.js'

/**
 * Steps of a release against the GitHub fake, in the order release.yml runs them, for tests that
 * follow a release end to end: a tagged checkout, sign-release, verify-manifest, and what the fake
 * saw (writes, uploads) between two points.
 */
export interface ReleaseFlow {
  fake: FakeGitHub
  k: ActionKeys
  repo: string
  sha: string
  tag: string
}

/** A checkout of acme/app with a built artifact (dist/app.tgz), tagged `tag` (v1.2.3). */
export function releaseFlow(fake: FakeGitHub, tag = 'v1.2.3'): ReleaseFlow {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n', 'dist/app.tgz': 'built artifact\n' })
  git(repo, 'tag', tag)
  return { fake, k: actionKeys(), repo, sha: git(repo, 'rev-parse', 'HEAD'), tag }
}

/** Runs actions/sign-release for the flow's tag (inputs override the defaults of runSignRelease). */
export function signStep(f: ReleaseFlow, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runSignRelease(f.fake.url, f.k, f.repo, f.sha, { tag: f.tag, ...inputs })
}

/** Runs actions/verify-manifest on the published release of the flow's tag, checkout and artifact. */
export function verifyStep(f: ReleaseFlow, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(
    'verify-manifest',
    {
      manifest: `release:${f.tag}`,
      'public-keys': f.k.pub,
      path: '.',
      artifacts: 'dist/*.tgz',
      'github-token': 'test-token',
      ...inputs,
    },
    { GITHUB_REPOSITORY: 'acme/app', GITHUB_API_URL: f.fake.url, GITHUB_WORKSPACE: f.repo },
  )
}

/** The requests that change something on GitHub (anything but GET), as "METHOD path". */
export const writesOf = (fake: FakeGitHub, from = 0) =>
  fake.requests
    .slice(from)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path.replace(/\d+/g, 'N')}`)

/** The annotation lines (::error …) of a run, where a refusal's code shows. */
export const errorsOf = (run: ActionRun) => run.stdout.split('\n').filter((l) => l.startsWith('::error'))

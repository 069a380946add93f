// Each action once under GitHub's own local runner, @github/local-action, against the GitHub fake, in
// the order of release.yml's publish job: release-gate publishes, sign-release signs, verify-manifest
// verifies. local-action runs the *sources* (src/main.ts must export run()), must be started from the
// action's folder, reads GITHUB_API_URL at import, and exits 0 even after setFailed: the test reads
// the outputs it prints, not its exit code.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { actionKeys } from './helpers/actions.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const root = new URL('..', import.meta.url).pathname
const localAction = join(root, 'node_modules', '.bin', 'local-action')

/** A dotenv file: every value double-quoted, so PEM keys keep their lines. */
const dotenv = (vars: Record<string, string>) =>
  Object.entries(vars)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join('\n') + '\n'

/** `local-action run . src/main.ts <env>` from actions/<name>; returns what it printed. */
async function runLocal(name: string, vars: Record<string, string>): Promise<string> {
  const work = tempDir('relseal-local-action-')
  const envFile = join(work, '.env')
  const summary = join(work, 'summary.md')
  writeFileSync(summary, '')
  writeFileSync(envFile, dotenv({ GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: work, ...vars }))
  const child = spawn(localAction, ['run', '.', 'src/main.ts', envFile], {
    cwd: join(root, 'actions', name),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_API_URL: vars.GITHUB_API_URL,
      NO_COLOR: '1',
    },
  })
  let out = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')))
  child.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')))
  await new Promise((resolve) => child.on('close', resolve))
  return out
}

/** The outputs a local-action run printed as `::set-output name=…::value`. */
const outputsOf = (log: string) =>
  Object.fromEntries([...log.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm)].map((m) => [m[1], m[2]]))

describe('the actions under @github/local-action', () => {
  it('release-gate (publish), sign-release and verify-manifest each run from src/main.ts against the fake', async () => {
    const repo = makeRepo({ 'README.md': '# app\n', 'src/app.js': 'export const app = 1\n' })
    const sha = git(repo, 'rev-parse', 'HEAD')
    const staged = tempDir('relseal-staged-')
    writeFileSync(join(staged, 'app-1.2.3.tgz'), 'tarball\n')
    const sum = createHash('sha256').update('tarball\n').digest('hex')
    writeFileSync(join(staged, 'SHA256SUMS'), `${sum}  app-1.2.3.tgz\n`)
    const k = actionKeys()
    const github = {
      GITHUB_API_URL: fake.url,
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_SHA: sha,
      GITHUB_WORKSPACE: repo,
      GITHUB_RUN_ID: '77',
      GITHUB_RUN_ATTEMPT: '1',
      'INPUT_GITHUB-TOKEN': 'test-token',
    }

    const gate = await runLocal('release-gate', {
      ...github,
      INPUT_MODE: 'publish',
      INPUT_VERSION: '1.2.3',
      'INPUT_TAG-PREFIX': 'v',
      'INPUT_ARTIFACTS-DIR': staged,
      'INPUT_MIN-PASS-RATE': '1',
      'INPUT_ALLOW-PRERELEASE': 'false',
      INPUT_DRAFT: 'false',
      'INPUT_REQUIRE-SIGNED-TAG': 'false',
    })
    expect(gate).not.toContain('::error')
    expect(outputsOf(gate)).toMatchObject({ tag: 'v1.2.3', version: '1.2.3' })
    expect(fake.state.refs.get('refs/tags/v1.2.3')).toBe(sha)

    const sign = await runLocal('sign-release', {
      ...github,
      'INPUT_SIGNING-KEY': k.priv,
      'INPUT_PUBLIC-KEY': k.pub,
      INPUT_PATH: '.',
      INPUT_TAG: 'v1.2.3',
      INPUT_COMMIT: sha,
      INPUT_ARTIFACTS: join(staged, '*.tgz'),
      'INPUT_EXPIRES-IN': '30d',
      INPUT_UPLOAD: 'true',
      'INPUT_CREATE-RELEASE': 'true',
      INPUT_OVERWRITE: 'false',
      'INPUT_MANIFEST-NAME': 'release_manifest.json',
      'INPUT_REQUIRE-SIGNED-TAG': 'false',
    })
    expect(sign).not.toContain('::error')
    expect(outputsOf(sign)).toMatchObject({ version: '1.2.3', commit: sha })

    const verify = await runLocal('verify-manifest', {
      ...github,
      INPUT_MANIFEST: 'release:v1.2.3',
      'INPUT_PUBLIC-KEYS': k.pub,
      INPUT_THRESHOLD: '1',
      INPUT_PATH: repo,
      'INPUT_ALLOW-EXPIRED': 'false',
    })
    expect(verify).not.toContain('::error')
    expect(outputsOf(verify)).toMatchObject({ verified: 'true', version: '1.2.3', commit: sha })
    const release = fake.state.releases.find((r) => r.tag_name === 'v1.2.3')!
    expect(release.assets.map((a) => a.name).sort()).toEqual([
      'SHA256SUMS',
      'app-1.2.3.tgz',
      'release_files.sha256',
      'release_manifest.json',
    ])
  }, 600_000)
})

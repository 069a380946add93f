import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { runCli } from './helpers/cli.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { errorsOf, releaseFlow, signStep, writesOf, type ReleaseFlow } from './helpers/release-flow.js'
import { runAction } from './helpers/run-action.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

/** `relseal withdraw` of the flow's 1.2.3 with key `k` (or `other`); returns the statement's path. */
async function withdraw(f: ReleaseFlow, key = 'k'): Promise<string> {
  const out = join(f.k.dir, `${key}.release_withdrawn.json`)
  const r = await runCli(
    [
      'withdraw',
      '--version',
      '1.2.3',
      '--reason',
      'crashes on start',
      '--key',
      join(f.k.dir, `${key}.key`),
      '--dir',
      f.repo,
      '--repository',
      'acme/app',
      '--out',
      out,
    ],
    f.k.dir,
  )
  expect(r.code, r.stderr).toBe(0)
  return out
}

/** sign-release in withdrawal mode, as a workflow step after `relseal withdraw` would run it. */
const uploadStep = (f: ReleaseFlow, statement: string, inputs: Record<string, string> = {}) =>
  runAction(
    'sign-release',
    { withdrawal: statement, 'public-key': f.k.pub, 'github-token': 'test-token', ...inputs },
    { GITHUB_REPOSITORY: 'acme/app', GITHUB_API_URL: fake.url, GITHUB_WORKSPACE: f.repo },
  )

describe('sign-release input withdrawal', () => {
  it('verifies the statement and uploads it to the published release of its version, once', async () => {
    const f = releaseFlow(fake)
    expect((await signStep(f)).status).toBe(0)
    const statement = await withdraw(f)
    const before = fake.requests.length
    const r = await uploadStep(f, statement)
    expect(errorsOf(r)).toEqual([])
    expect(r.status).toBe(0)
    expect(writesOf(fake, before)).toEqual(['POST /repos/acme/app/releases/N/assets'])
    const asset = fake.state.releases[0]!.assets.find((a) => a.name === 'release_withdrawn.json')
    expect(asset?.data.equals(readFileSync(statement))).toBe(true)
    expect(r.outputs).toMatchObject({ version: '1.2.3', commit: f.sha, 'release-state': 'published' })
    const again = fake.requests.length
    expect((await uploadStep(f, statement)).status).toBe(0)
    expect(writesOf(fake, again)).toEqual([]) // the same bytes are already there
  })

  it('refuses a statement by a key other than public-key, before any request', async () => {
    const f = releaseFlow(fake)
    expect((await signStep(f)).status).toBe(0)
    const before = fake.requests.length
    const r = await uploadStep(f, await withdraw(f, 'other'))
    expect(r.status).toBe(1)
    expect(errorsOf(r)[0]).toContain('E_UNTRUSTED_KEY')
    expect(fake.requests.length).toBe(before)
  })

  it('refuses signing inputs in this mode, and a manifest given as the statement', async () => {
    const f = releaseFlow(fake)
    const signed = await signStep(f)
    const withKey = await uploadStep(f, await withdraw(f), { 'signing-key': f.k.priv })
    expect(errorsOf(withKey)[0]).toContain('E_USAGE')
    const manifest = await uploadStep(f, join(signed.runnerTemp, 'relseal', 'release_manifest.json'))
    expect(errorsOf(manifest)[0]).toContain('E_BAD_INPUT')
  })

  it('says E_IMMUTABLE_RELEASE for a published immutable release and writes nothing', async () => {
    fake.state.settings.immutableReleases = true
    const f = releaseFlow(fake)
    expect((await signStep(f)).status).toBe(0)
    const before = fake.requests.length
    const r = await uploadStep(f, await withdraw(f))
    expect(r.status).toBe(1)
    expect(errorsOf(r)[0]).toContain('E_IMMUTABLE_RELEASE')
    expect(writesOf(fake, before)).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { actionKeys, runSignRelease } from './helpers/actions.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

function tagged(): { repo: string; sha: string } {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n', 'dist/app.tgz': 'built artifact\n' })
  git(repo, 'tag', 'v1.2.3')
  return { repo, sha: git(repo, 'rev-parse', 'HEAD') }
}

const uploadedPayload = (): Record<string, unknown> => {
  const asset = fake.state.releases[0]!.assets.find((a) => a.name === 'release_manifest.json')!
  const env = JSON.parse(Buffer.from(asset.data).toString('utf8')) as { payload: string }
  return JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as Record<string, unknown>
}

describe('actions/sign-release with input rollout (dist/index.js as the runner runs it)', () => {
  it('signs schema v2 with the plan; a re-run with the same stages keeps the first manifest', async () => {
    const k = actionKeys()
    const { repo, sha } = tagged()
    const first = await runSignRelease(fake.url, k, repo, sha, {
      rollout: '10%@0m, 50%@30m, 100%@2h',
      'rollout-start': '2026-05-01T12:00:00Z',
    })
    expect(first.stdout).not.toContain('::error')
    expect(first.status).toBe(0)
    expect(first.summary).toContain(
      '10 % from 2026-05-01T12:00:00Z<br>50 % from 2026-05-01T12:30:00Z<br>100 % from 2026-05-01T14:00:00Z',
    )
    expect(uploadedPayload()).toMatchObject({
      schema: 'https://relseal.dev/manifest/v2',
      rollout: {
        start: '2026-05-01T12:00:00Z',
        stages: [
          { percent: 10, after: '0m' },
          { percent: 50, after: '30m' },
          { percent: 100, after: '2h' },
        ],
      },
    })

    // Same stages, another start (as a re-run without rollout-start would sign): nothing replaced.
    const uploads = fake.requests.filter((q) => q.host === 'uploads').length
    const again = await runSignRelease(fake.url, k, repo, sha, {
      rollout: '10%@0m,50%@30m,100%@2h',
      'rollout-start': '2026-05-01T12:05:00Z',
    })
    expect(again.status).toBe(0)
    expect(fake.requests.filter((q) => q.host === 'uploads').length).toBe(uploads)
    expect((uploadedPayload().rollout as { start: string }).start).toBe('2026-05-01T12:00:00Z')

    // Other stages are another plan: not silently kept, the run fails without overwrite.
    const changed = await runSignRelease(fake.url, k, repo, sha, { rollout: '100%@0m' })
    expect(changed.status).toBe(1)
    expect((uploadedPayload().rollout as { stages: unknown[] }).stages).toHaveLength(3)
  })

  it.each([
    [{ rollout: '10%@0m,50%@1h' }, 'input rollout stage 2 percent must be 100'],
    [{ rollout: '100%@0m', 'rollout-start': 'now' }, 'input rollout-start is'],
    [{ 'rollout-start': '2026-05-01T12:00:00Z' }, 'input rollout-start needs input rollout'],
  ])('refuses %j before anything is created', async (inputs, message) => {
    const k = actionKeys()
    const { repo, sha } = tagged()
    const r = await runSignRelease(fake.url, k, repo, sha, inputs)
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(message)
    expect(fake.state.releases).toEqual([])
  })
})

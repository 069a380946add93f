import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MANIFEST_SCHEMA } from '../src/manifest/index.js'
import type { FakeGitHub } from './fake-github/server.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { actionKeys, runSignRelease } from './helpers/actions.js'
import { forgeEnvelope, forgeKey } from './helpers/forge.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { runAction } from './helpers/run-action.js'
import { tempDir } from './helpers/tmp.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

function tagged(tag: string): { repo: string; sha: string } {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n', 'dist/app.tgz': 'built artifact\n' })
  git(repo, 'tag', tag)
  return { repo, sha: git(repo, 'rev-parse', 'HEAD') }
}

describe('actions/sign-release binds version and tag', () => {
  it('refuses a version the tag does not name (E_TAG_VERSION_MISMATCH) and creates nothing', async () => {
    const { repo, sha } = tagged('v1.2.3')
    const r = await runSignRelease(fake.url, actionKeys(), repo, sha, { version: '7.0.0' })
    expect(r.stdout).toContain('E_TAG_VERSION_MISMATCH')
    expect(r.status).not.toBe(0)
    expect(fake.state.releases).toEqual([])
  })

  it('signs app-v1.2.3 as 1.2.3 with tag-prefix app-v, and refuses it without', async () => {
    const { repo, sha } = tagged('app-v1.2.3')
    const k = actionKeys()
    const without = await runSignRelease(fake.url, k, repo, sha, { tag: 'app-v1.2.3' })
    expect(without.stdout).toContain('E_TAG_VERSION_MISMATCH')
    expect(fake.state.releases).toEqual([])
    const r = await runSignRelease(fake.url, k, repo, sha, { tag: 'app-v1.2.3', 'tag-prefix': 'app-v' })
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    expect(r.outputs).toMatchObject({ version: '1.2.3', commit: sha })
  })
})

describe('actions/verify-manifest binds version and tag', () => {
  it('refuses a validly signed relabelled manifest, and accepts a prefixed tag with tag-prefix', async () => {
    const ci = forgeKey()
    const dir = tempDir('relseal-forged-')
    const payload = (tag: string, version: string) => ({
      schema: MANIFEST_SCHEMA,
      repository: 'acme/app',
      tag,
      version,
      commit: 'a'.repeat(40),
      code_hash: `sha256:${'b'.repeat(64)}`,
      file_manifest_hash: `sha256:${'c'.repeat(64)}`,
      file_count: 1,
      artifacts: [],
      created_at: '2026-01-01T00:00:00Z',
    })
    writeFileSync(join(dir, 'relabelled.json'), forgeEnvelope(payload('v1.0.0', '9.9.9'), [ci]))
    writeFileSync(join(dir, 'prefixed.json'), forgeEnvelope(payload('app-v1.0.0', '1.0.0'), [ci]))
    const verify = (manifest: string, inputs: Record<string, string> = {}) =>
      runAction(
        'verify-manifest',
        { manifest: join(dir, manifest), 'public-keys': ci.publicPem, 'github-token': 't', ...inputs },
        { GITHUB_REPOSITORY: 'acme/app', GITHUB_API_URL: fake.url, GITHUB_WORKSPACE: dir },
      )
    const relabelled = await verify('relabelled.json')
    expect(relabelled.stdout).toContain('E_TAG_VERSION_MISMATCH')
    expect(relabelled.outputs.verified).toBe('false')
    expect((await verify('prefixed.json')).stdout).toContain('E_TAG_VERSION_MISMATCH')
    const ok = await verify('prefixed.json', { 'tag-prefix': 'app-v' })
    expect(ok.stdout).not.toContain('::error')
    expect(ok.outputs).toMatchObject({ verified: 'true', version: '1.0.0' })
  })
})

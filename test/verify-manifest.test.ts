import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { splitKeyList } from '../actions/verify-manifest/src/inputs.js'
import type { FakeGitHub } from './fake-github/server.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { actionKeys, runSignRelease, type ActionKeys } from './helpers/actions.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { runAction } from './helpers/run-action.js'
import { tempDir } from './helpers/tmp.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

interface Signed {
  k: ActionKeys
  repo: string
  sha: string
  outputs: Record<string, string>
}

/** A repository tagged v1.2.3, signed onto its GitHub release by actions/sign-release. */
async function signed(inputs: Record<string, string> = {}): Promise<Signed> {
  const k = actionKeys()
  const repo = makeRepo({
    'src/app.js': 'console.log(1)\n',
    'docs/guide.md': '# guide\n',
    'dist/app.tgz': 'tgz\n',
  })
  git(repo, 'tag', 'v1.2.3')
  const sha = git(repo, 'rev-parse', 'HEAD')
  const r = await runSignRelease(fake.url, k, repo, sha, inputs)
  expect(r.status).toBe(0)
  return { k, repo, sha, outputs: r.outputs }
}

function verify(s: Signed, inputs: Record<string, string>) {
  return runAction(
    'verify-manifest',
    { 'public-keys': s.k.pub, 'github-token': 'test-token', ...inputs },
    { GITHUB_REPOSITORY: 'acme/app', GITHUB_API_URL: fake.url, GITHUB_WORKSPACE: s.repo },
  )
}

describe('actions/verify-manifest (dist/index.js as the runner runs it)', () => {
  it('verifies the manifest sign-release published, the checkout and the artifact', async () => {
    const s = await signed()
    for (const manifest of ['release:v1.2.3', 'release:latest']) {
      const r = await verify(s, { manifest, path: '.', artifacts: 'dist/*.tgz' })
      expect(r.stdout).not.toContain('::error')
      expect(r.status).toBe(0)
      expect(r.outputs).toEqual({
        verified: 'true',
        version: '1.2.3',
        commit: s.sha,
        'code-hash': s.outputs['code-hash'],
        keyids: s.outputs.keyid,
      })
      expect(r.summary).toContain('relseal: verified acme/app v1.2.3')
      expect(r.summary).toContain('1 of 1 trusted key(s) signed (threshold 1)')
      expect(r.summary).toContain('1 file(s) match their digests')
    }
  })

  it('refuses a modified checkout and names the differing path from the downloaded release_files.sha256', async () => {
    const s = await signed()
    writeFileSync(join(s.repo, 'docs/guide.md'), '# guide, edited\n')
    git(s.repo, 'add', '-A')
    const r = await verify(s, { manifest: 'release:v1.2.3', path: '.' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('::error title=relseal refused%3A E_TREE_MISMATCH::E_TREE_MISMATCH:')
    expect(r.stdout).toContain('differing paths: docs/guide.md')
    expect(r.outputs.verified).toBe('false')
    expect(r.summary).toContain('relseal: manifest refused')
  })

  it('refuses an untrusted key, an unmet threshold, a version below min-version, and a tampered artifact', async () => {
    const s = await signed()
    const untrusted = await verify(s, { manifest: 'release:v1.2.3', 'public-keys': s.k.otherPub })
    expect(untrusted.stdout).toContain('E_UNTRUSTED_KEY')
    const threshold = await verify(s, {
      manifest: 'release:v1.2.3',
      'public-keys': `${s.k.pub}\n${s.k.otherPub}`,
      threshold: '2',
    })
    expect(threshold.stdout).toContain('E_THRESHOLD')
    const old = await verify(s, { manifest: 'release:v1.2.3', 'min-version': '2.0.0' })
    expect(old.stdout).toContain('E_DOWNGRADE')
    writeFileSync(join(s.repo, 'dist/app.tgz'), 'tgz, swapped\n')
    const artifact = await verify(s, { manifest: 'release:v1.2.3', artifacts: 'dist/*.tgz' })
    expect(artifact.stdout).toContain('artifact app.tgz has sha256')
    for (const r of [untrusted, threshold, old, artifact]) {
      expect(r.status).toBe(1)
      expect(r.outputs.verified).toBe('false')
    }
  })

  it('refuses an expired manifest unless allow-expired, and reads a manifest from a path', async () => {
    const s = await signed({ 'expires-in': '1s' })
    const dl = tempDir('relseal-dl-')
    const asset = fake.state.releases[0]!.assets.find((a) => a.name === 'release_manifest.json')!
    writeFileSync(join(dl, 'release_manifest.json'), asset.data)
    await new Promise((res) => setTimeout(res, 2100))
    const expired = await verify(s, { manifest: join(dl, 'release_manifest.json') })
    expect(expired.status).toBe(1)
    expect(expired.stdout).toContain('E_EXPIRED')
    const allowed = await verify(s, { manifest: join(dl, 'release_manifest.json'), 'allow-expired': 'true' })
    expect(allowed.status).toBe(0)
    expect(allowed.summary).toContain('not enforced')
  })

  it('says a release without a manifest was never signed, and a missing release is not found', async () => {
    const s = await signed()
    fake.state.releases.push({
      id: fake.state.nextId++,
      tag_name: 'v1.3.0',
      target_commitish: s.sha,
      name: 'v1.3.0',
      body: '',
      draft: false,
      prerelease: false,
      assets: [],
    })
    const unsigned = await verify(s, { manifest: 'release:v1.3.0' })
    expect(unsigned.stdout).toContain('E_UNSIGNED: release v1.3.0 has no release_manifest.json')
    const missing = await verify(s, { manifest: 'release:v9.9.9' })
    expect(missing.stdout).toContain('E_NOT_FOUND: acme/app has no published release v9.9.9')
  })
})

describe('public-keys input', () => {
  it('takes one key per line, PEM blocks across their lines, and skips blanks and comments', () => {
    const k = actionKeys()
    const ssh = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl comment'
    const text = `# release keys\n${k.pub}\n\n${ssh}\n  ${readFileSync(join(k.dir, 'other.pub'), 'utf8')}`
    expect(splitKeyList(text)).toEqual([k.pub.trim(), ssh, k.otherPub.trim()])
    expect(() => splitKeyList('-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA')).toThrow('without its END line')
  })
})

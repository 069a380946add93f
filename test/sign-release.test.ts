import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { actionKeys, runSignRelease, shownLog, type ActionKeys } from './helpers/actions.js'
import { tempDir } from './helpers/tmp.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const bin = new URL('../bin/relseal.js', import.meta.url).pathname

function tagged(): { repo: string; sha: string } {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n', 'dist/app.tgz': 'built artifact\n' })
  git(repo, 'tag', 'v1.2.3')
  return { repo, sha: git(repo, 'rev-parse', 'HEAD') }
}

const keys = actionKeys
const sign = (
  k: ActionKeys,
  repo: string,
  sha: string,
  inputs: Record<string, string> = {},
  token = 'test-token',
) => runSignRelease(fake.url, k, repo, sha, inputs, token)

describe('actions/sign-release (dist/index.js as the runner runs it)', () => {
  it('signs the tagged commit, uploads both assets, and relseal verify accepts the upload; re-runs change nothing', async () => {
    const k = keys()
    const { repo, sha } = tagged()
    const r = await sign(k, repo, sha)
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    expect(r.outputs).toMatchObject({
      version: '1.2.3',
      commit: sha,
      'release-url': 'https://github.com/acme/app/releases/tag/v1.2.3',
    })
    expect(r.outputs['code-hash']).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(r.summary).toContain('relseal: signed acme/app v1.2.3')
    const release = fake.state.releases[0]!
    // in upload order: a consumer that sees the manifest can already fetch the list it names
    expect(release.assets.map((a) => a.name)).toEqual(['release_files.sha256', 'release_manifest.json'])

    // the uploaded manifest verifies with the CLI against the checkout and the artifact
    const dl = tempDir()
    for (const a of release.assets) writeFileSync(join(dl, a.name), a.data)
    const v = spawnSync(
      process.execPath,
      [
        bin,
        'verify',
        join(dl, 'release_manifest.json'),
        '--pubkey',
        join(k.dir, 'k.pub'),
        '--dir',
        repo,
        '--files',
        join(dl, 'release_files.sha256'),
        '--artifact',
        join(repo, 'dist/app.tgz'),
        '--repository',
        'acme/app',
        '--json',
      ],
      { encoding: 'utf8' },
    )
    expect(v.stderr).toBe('')
    expect(v.status).toBe(0)
    expect(JSON.parse(v.stdout)).toMatchObject({
      verified: true,
      commit: sha,
      checked: ['signature', 'tree', 'artifacts'],
    })

    // the key appears nowhere: not in logs, summary, outputs or files written
    const secretLines = k.priv.split('\n').filter((l) => l.length > 20)
    const written = readdirSync(join(r.runnerTemp, 'relseal')).map((f) =>
      readFileSync(join(r.runnerTemp, 'relseal', f), 'utf8'),
    )
    const shown = shownLog
    for (const text of [shown(r.stdout), r.stderr, r.summary, JSON.stringify(r.outputs), ...written]) {
      for (const line of secretLines) expect(text).not.toContain(line)
    }

    const uploads = fake.requests.filter((q) => q.host === 'uploads').length
    await new Promise((res) => setTimeout(res, 1100)) // a later second: the fresh signature differs in created_at
    const again = await sign(k, repo, sha)
    expect(again.status).toBe(0)
    expect(fake.requests.filter((q) => q.host === 'uploads').length).toBe(uploads)
    expect(fake.state.releases).toHaveLength(1)
    expect(fake.state.releases[0]!.assets).toHaveLength(2)
  })

  it('uploads nothing when the signing key does not match public-key', async () => {
    const k = keys()
    const { repo, sha } = tagged()
    const r = await sign(k, repo, sha, { 'public-key': k.otherPub })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('the signing key does not match public-key')
    expect(fake.state.releases).toEqual([])
  })

  it('refuses when the workspace HEAD is not the commit', async () => {
    const k = keys()
    const { repo } = tagged()
    const r = await sign(k, repo, 'f'.repeat(40))
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/workspace HEAD is [0-9a-f]{40}, not commit f{40}/)
  })

  it('says which permission to add when the token cannot write', async () => {
    fake.state.tokens.set('read-only', 'read')
    const k = keys()
    const { repo, sha } = tagged()
    const r = await sign(k, repo, sha, {}, 'read-only')
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('contents: write')
  })

  it('retries a 502 in the middle of the upload and completes', async () => {
    const k = keys()
    const { repo, sha } = tagged()
    fake.faults.push({ method: 'POST', path: '/assets', status: 502, times: 1 })
    const r = await sign(k, repo, sha)
    expect(r.status).toBe(0)
    expect(fake.state.releases[0]!.assets).toHaveLength(2)
  })

  it('fails clearly on a persistent 500 and leaves no half-written asset', async () => {
    const k = keys()
    const { repo, sha } = tagged()
    fake.faults.push({ method: 'POST', path: '/assets', status: 500 })
    const r = await sign(k, repo, sha)
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/HTTP 500.*re-run the job later/)
    expect(fake.state.releases[0]!.assets).toEqual([])
  })
})

describe('actions/sign-release with require-signed-tag', () => {
  it('refuses an unsigned tag, and records the maintainer who signed the tag in the manifest', async () => {
    const k = keys()
    const { repo, sha } = tagged() // v1.2.3 is a lightweight tag
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'maintainer',
      '-f',
      join(k.dir, 'ssh'),
    ])
    writeFileSync(
      join(repo, 'allowed_signers'),
      `maintainer@acme.example ${readFileSync(join(k.dir, 'ssh.pub'), 'utf8')}`,
    )
    const inputs = { 'require-signed-tag': 'true', 'allowed-signers': 'allowed_signers' }

    const unsigned = await sign(k, repo, sha, inputs)
    expect(unsigned.status).toBe(1)
    expect(unsigned.stdout).toContain('E_TAG_UNSIGNED')
    expect(fake.state.releases).toEqual([])

    git(
      repo,
      '-c',
      'gpg.format=ssh',
      '-c',
      `user.signingKey=${join(k.dir, 'ssh')}`,
      'tag',
      '-f',
      '-s',
      'v1.2.3',
      '-m',
      'v1.2.3',
      sha,
    )
    const signed = await sign(k, repo, sha, inputs)
    expect(signed.status).toBe(0)
    const manifest = JSON.parse(
      fake.state.releases[0]!.assets.find((a) => a.name === 'release_manifest.json')!.data.toString(),
    ) as { payload: string }
    const payload = JSON.parse(Buffer.from(manifest.payload, 'base64').toString()) as {
      tag_signer: { principal: string; fingerprint: string }
    }
    const fp = execFileSync('ssh-keygen', ['-l', '-f', join(k.dir, 'ssh.pub')], { encoding: 'utf8' }).split(
      ' ',
    )[1]
    expect(payload.tag_signer).toEqual({ principal: 'maintainer@acme.example', fingerprint: fp })
  })
})

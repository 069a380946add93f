import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { actionKeys, runSignRelease } from './helpers/actions.js'
import { tempDir } from './helpers/tmp.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const bin = new URL('../bin/relseal.js', import.meta.url).pathname

// A stand-in for a KMS CLI step: the PAE on stdin, openssl signs with a key the action never sees.
const SIGNER = `import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
if (Object.keys(process.env).some((k) => k.startsWith('INPUT_'))) process.exit(9) // no github-token
const msg = join(mkdtempSync(join(tmpdir(), 'kms-')), 'msg')
writeFileSync(msg, readFileSync(0))
process.stdout.write(execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', process.argv[2], '-rawin', '-in', msg]).toString('base64'))
`

function setup() {
  const k = actionKeys()
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n', 'dist/app.tgz': 'built artifact\n' })
  git(repo, 'tag', 'v1.2.3')
  const tools = tempDir()
  writeFileSync(join(tools, 'kms-sign.mjs'), SIGNER)
  return { k, repo, sha: git(repo, 'rev-parse', 'HEAD'), tools }
}

describe('actions/sign-release with signer: exec:', () => {
  it('signs through the command (no signing-key in the job) and the upload verifies', async () => {
    const { k, repo, sha, tools } = setup()
    const r = await runSignRelease(fake.url, k, repo, sha, {
      'signing-key': '',
      signer: `exec:${process.execPath} ${join(tools, 'kms-sign.mjs')} ${join(k.dir, 'k.key')}`,
    })
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    const assets = fake.state.releases[0]!.assets
    const dl = tempDir()
    for (const a of assets) writeFileSync(join(dl, a.name), a.data)
    // relseal verify exits non-zero (execFileSync throws) unless the manifest verifies.
    execFileSync(process.execPath, [
      bin,
      'verify',
      join(dl, 'release_manifest.json'),
      '--pubkey',
      join(k.dir, 'k.pub'),
      '--dir',
      repo,
    ])
  })

  it('refuses a command that signs with another key: E_SIGNER_FAILED, nothing uploaded', async () => {
    const { k, repo, sha, tools } = setup()
    const r = await runSignRelease(fake.url, k, repo, sha, {
      'signing-key': '',
      signer: `exec:${process.execPath} ${join(tools, 'kms-sign.mjs')} ${join(k.dir, 'other.key')}`,
    })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('E_SIGNER_FAILED')
    expect(fake.state.releases.flatMap((rel) => rel.assets)).toEqual([])
  })

  it('refuses signer without public-key, and both signer and signing-key (E_USAGE)', async () => {
    const { k, repo, sha } = setup()
    const noPub = await runSignRelease(fake.url, k, repo, sha, {
      'signing-key': '',
      signer: 'exec:x',
      'public-key': '',
    })
    expect(noPub.status).toBe(1)
    expect(noPub.stdout).toContain('E_USAGE')
    const both = await runSignRelease(fake.url, k, repo, sha, { signer: 'exec:x' })
    expect(both.status).toBe(1)
    expect(both.stdout).toContain('E_USAGE')
    expect(fake.state.releases).toEqual([])
  })
})

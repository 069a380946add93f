import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { git, makeRepo } from './helpers/git-repo.js'

function releaseRepo(): string {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n', 'README.md': '# app\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', 'v1.0.0')
  return repo
}

describe('relseal keygen, sign, verify, inspect', () => {
  it('signs a tagged commit with defaults from git and verifies it with the public key', async () => {
    const repo = releaseRepo()
    const kg = await runCli(['keygen', '--out', 'k'], repo)
    expect(kg.code).toBe(0)
    expect(statSync(join(repo, 'k.key')).mode & 0o777).toBe(0o600)
    expect(kg.stdout).toMatch(/key id: +[0-9a-f]{64}/)
    expect((await runCli(['keygen', '--out', 'k'], repo)).code).toBe(2) // never overwrites

    writeFileSync(join(repo, 'app.tgz'), 'artifact bytes')
    const s = await runCli(['sign', '--key', 'k.key', '--artifact', 'app.tgz', '--expires-in', '30d'], repo)
    expect(s.stderr).toBe('')
    expect(s.code).toBe(0)
    const v = await runCli(
      [
        'verify',
        'release_manifest.json',
        '--pubkey',
        'k.pub',
        '--dir',
        '.',
        '--files',
        'release_files.sha256',
        '--artifact',
        'app.tgz',
        '--json',
      ],
      repo,
    )
    expect(v.code).toBe(0)
    expect(JSON.parse(v.stdout)).toMatchObject({
      verified: true,
      checked: ['signature', 'tree', 'artifacts'],
      repository: 'acme/app',
      tag: 'v1.0.0',
      version: '1.0.0',
      commit: git(repo, 'rev-parse', 'HEAD'),
    })
    const i = await runCli(['inspect', 'release_manifest.json'], repo)
    expect(i.stdout).toMatch(/^# NOT VERIFIED/)
  })

  it('exits 1 naming the differing path when the tree does not match', async () => {
    const repo = releaseRepo()
    await runCli(['keygen', '--out', 'k'], repo)
    expect((await runCli(['sign', '--key', 'k.key'], repo)).code).toBe(0)
    writeFileSync(join(repo, 'src/app.js'), 'console.log("tampered")\n')
    const v = await runCli(
      [
        'verify',
        'release_manifest.json',
        '--pubkey',
        'k.pub',
        '--dir',
        '.',
        '--files',
        'release_files.sha256',
      ],
      repo,
    )
    expect(v.code).toBe(1)
    expect(v.stderr).toContain('E_TREE_MISMATCH')
    expect(v.stderr).toContain('src/app.js')
  })

  it('exits 1 for a key the manifest was not signed with, 2 for a garbage manifest', async () => {
    const repo = releaseRepo()
    await runCli(['keygen', '--out', 'k'], repo)
    await runCli(['keygen', '--out', 'other'], repo)
    await runCli(['sign', '--key', 'k.key'], repo)
    const wrong = await runCli(['verify', 'release_manifest.json', '--pubkey', 'other.pub'], repo)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('E_UNTRUSTED_KEY')
    writeFileSync(join(repo, 'garbage.json'), '{"payloadType": ')
    const garbage = await runCli(['verify', 'garbage.json', '--pubkey', 'k.pub'], repo)
    expect(garbage.code).toBe(2)
    expect(garbage.stderr).toContain('E_BAD_INPUT')
  })

  it('reaches a threshold of two with --append, and reads a key from env:NAME', async () => {
    const repo = releaseRepo()
    await runCli(['keygen', '--out', 'a'], repo)
    await runCli(['keygen', '--out', 'b'], repo)
    await runCli(['sign', '--key', 'a.key'], repo)
    const args = [
      'verify',
      'release_manifest.json',
      '--pubkey',
      'a.pub',
      '--pubkey',
      'b.pub',
      '--threshold',
      '2',
    ]
    expect((await runCli(args, repo)).stderr).toContain('E_THRESHOLD')
    const env = { SECOND_KEY: readFileSync(join(repo, 'b.key'), 'utf8') }
    expect(
      (await runCli(['sign', '--append', '--key', 'env:SECOND_KEY', '--pubkey', 'a.pub'], repo, env)).code,
    ).toBe(0)
    expect((await runCli(args, repo)).code).toBe(0)
  })

  it('never takes a private key inline, and never prints key material in an error', async () => {
    const repo = releaseRepo()
    const secret = Buffer.alloc(32, 7).toString('base64')
    const r = await runCli(['sign', '--key', secret], repo)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_BAD_KEY')
    expect(r.stderr).not.toContain(secret)
  })
})

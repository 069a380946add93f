import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { git, makeRepo } from './helpers/git-repo.js'

async function signedRepo(): Promise<string> {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n', 'README.md': '# app\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', 'v1.0.0')
  await runCli(['keygen', '--out', 'k'], repo)
  expect((await runCli(['sign', '--key', 'k.key'], repo)).code).toBe(0)
  return repo
}

const verifyFiles = (repo: string, files: string) =>
  runCli(['verify', 'release_manifest.json', '--pubkey', 'k.pub', '--dir', '.', '--files', files], repo)

describe('verify --files with a file list that is not the signed one', () => {
  it('refuses the tree (E_TREE_MISMATCH) without naming paths from the unsigned list', async () => {
    const repo = await signedRepo()
    writeFileSync(join(repo, 'src/app.js'), 'console.log("tampered")\n')
    // An attacker's list blames README.md and hides the change to src/app.js.
    const real = readFileSync(join(repo, 'release_files.sha256'), 'utf8')
    const forged = real.replace(/^[0-9a-f]{64}(?= [ *]README\.md$)/m, '0'.repeat(64))
    expect(forged).not.toBe(real)
    writeFileSync(join(repo, 'forged.sha256'), forged)
    const v = await verifyFiles(repo, 'forged.sha256')
    expect(v.code).toBe(1)
    expect(v.stderr).toContain('E_TREE_MISMATCH')
    expect(v.stderr).toContain('not the one the manifest signs')
    expect(v.stderr).not.toContain('README.md')

    const signed = await verifyFiles(repo, 'release_files.sha256')
    expect(signed.code).toBe(1)
    expect(signed.stderr).toContain('differing paths: src/app.js')
  })
})

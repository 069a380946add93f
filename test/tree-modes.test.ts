import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hashTree, type TreeHash } from '../src/tree/index.js'
import { runCli } from './helpers/cli.js'
import { commitAll, git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

// Permission sets where "any execute bit" and "the owner's execute bit" (git's rule) disagree.
const PERMS = { f654: 0o654, f744: 0o744, f645: 0o645, f611: 0o611, f700: 0o700, f600: 0o600 }

/** path -> mode, as git lists it (`git ls-files -s` / `git ls-tree -r`: "<mode> <oid> <stage>\t<path>"). */
function gitModes(listing: string): Record<string, string> {
  return Object.fromEntries(
    listing
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => [l.slice(l.indexOf('\t') + 1), l.slice(0, 6)]),
  )
}

const modesOf = (t: TreeHash) => Object.fromEntries(t.entries.map((e) => [e.path, e.mode]))

function repoWithPerms(): string {
  const repo = makeRepo(Object.fromEntries(Object.keys(PERMS).map((name) => [name, `${name}\n`])))
  for (const [name, perm] of Object.entries(PERMS)) chmodSync(join(repo, name), perm)
  commitAll(repo, 'permissions')
  return repo
}

describe('execute bits, as git sees them', () => {
  it('records the modes git records, in the working tree, the commit and a plain directory', async () => {
    const repo = repoWithPerms()
    const fromIndex = gitModes(git(repo, 'ls-files', '-s'))
    const fromCommit = gitModes(git(repo, 'ls-tree', '-r', 'HEAD'))
    expect(fromIndex.f654).toBe('100644') // git's own verdict: only the owner's bit counts
    expect(fromCommit).toEqual(fromIndex)
    const work = await hashTree({ dir: repo })
    const rev = await hashTree({ dir: repo, rev: 'HEAD' })
    const plain = await hashTree({ dir: repo, source: 'plain', exclude: ['.git/**'] })
    expect(modesOf(work)).toEqual(fromIndex)
    expect(modesOf(rev)).toEqual(fromCommit)
    expect(modesOf(plain)).toEqual(fromIndex)
  })

  it('gives a clean checkout with a 0654 file the code hash of its own commit (what verify --dir compares)', async () => {
    const repo = repoWithPerms()
    const clone = join(tempDir(), 'clone')
    git(repo, 'clone', '-q', repo, clone)
    chmodSync(join(clone, 'f654'), 0o654)
    chmodSync(join(clone, 'f645'), 0o645)
    expect(git(clone, 'status', '--porcelain')).toBe('')
    expect((await hashTree({ dir: clone })).codeHash).toBe(
      (await hashTree({ dir: clone, rev: 'HEAD' })).codeHash,
    )
  })
})

describe('relseal verify --dir on a checkout with a 0654 file', () => {
  it('passes against the manifest signed for its own commit', async () => {
    const repo = repoWithPerms()
    git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
    git(repo, 'tag', 'v1.0.0')
    expect((await runCli(['keygen', '--out', 'k'], repo)).code).toBe(0)
    const signed = await runCli(['sign', '--key', 'k.key', '--tag', 'v1.0.0'], repo)
    expect(signed.stderr).toBe('')
    expect(signed.code).toBe(0)
    expect(git(repo, 'status', '--porcelain', '--untracked-files=no')).toBe('')
    const v = await runCli(['verify', 'release_manifest.json', '--pubkey', 'k.pub', '--dir', '.'], repo)
    expect(v.stderr).toBe('')
    expect(v.code).toBe(0)
  })
})

describe('with core.fileMode=false', () => {
  it("keeps the index's mode, whatever the file's bits on disk, as git does", async () => {
    const repo = makeRepo({ tool: 'tool\n', data: 'data\n' })
    git(repo, 'config', 'core.fileMode', 'false')
    git(repo, 'update-index', '--chmod=+x', 'tool')
    commitAll(repo, 'tool is executable in git only')
    chmodSync(join(repo, 'tool'), 0o644)
    chmodSync(join(repo, 'data'), 0o755)
    expect(git(repo, 'status', '--porcelain')).toBe('')
    const fromIndex = gitModes(git(repo, 'ls-files', '-s'))
    expect(fromIndex).toEqual({ tool: '100755', data: '100644' })
    const work = await hashTree({ dir: repo })
    expect(modesOf(work)).toEqual(fromIndex)
    expect(work.codeHash).toBe((await hashTree({ dir: repo, rev: 'HEAD' })).codeHash)
  })
})

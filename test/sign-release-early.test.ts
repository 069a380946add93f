import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startEarlyHash } from '../actions/sign-release/src/early.js'
import { hashTree } from '../src/tree/index.js'
import { commitAll, git, makeRepo } from './helpers/git-repo.js'

// sign-release starts hashing before its GitHub client is loaded (actions/sign-release/src/early.ts);
// sign() uses that hash only when the checked inputs name the same directory and commit.
describe('sign-release early hash', () => {
  it('hashes the commit the inputs name, in the directory they name, as hashTree does', async () => {
    const repo = makeRepo({ 'README.md': '# x\n', 'app/main.js': 'x()\n' })
    mkdirSync(join(repo, 'app', 'lib'), { recursive: true })
    writeFileSync(join(repo, 'app', 'lib', 'a.js'), 'a\n')
    const commit = commitAll(repo, 'more')
    const early = startEarlyHash({ GITHUB_WORKSPACE: repo, INPUT_PATH: ' app ', GITHUB_SHA: commit })
    expect(early?.dir).toBe(join(repo, 'app'))
    expect(early?.commit).toBe(commit)
    const expected = await hashTree({ dir: join(repo, 'app'), rev: commit })
    expect((await early!.result).codeHash).toBe(expected.codeHash)
    expect((await early!.result).entries.map((e) => e.path)).toEqual(['lib/a.js', 'main.js'])
  })

  it('input commit wins over GITHUB_SHA', async () => {
    const repo = makeRepo({ 'a.txt': '1\n' })
    const first = git(repo, 'rev-parse', 'HEAD').trim()
    writeFileSync(join(repo, 'a.txt'), '2\n')
    const second = commitAll(repo, 'two')
    const early = startEarlyHash({ GITHUB_WORKSPACE: repo, INPUT_COMMIT: first, GITHUB_SHA: second })
    expect(early?.commit).toBe(first)
    expect((await early!.result).codeHash).toBe((await hashTree({ dir: repo, rev: first })).codeHash)
  })

  it('starts nothing for a withdrawal or a commit that is not a full id', () => {
    const repo = makeRepo()
    const sha = git(repo, 'rev-parse', 'HEAD').trim()
    expect(
      startEarlyHash({ GITHUB_WORKSPACE: repo, GITHUB_SHA: sha, INPUT_WITHDRAWAL: '1.2.3' }),
    ).toBeUndefined()
    expect(startEarlyHash({ GITHUB_WORKSPACE: repo, INPUT_COMMIT: 'HEAD' })).toBeUndefined()
    expect(startEarlyHash({ GITHUB_WORKSPACE: repo, INPUT_COMMIT: sha.slice(0, 12) })).toBeUndefined()
    expect(startEarlyHash({ GITHUB_WORKSPACE: repo })).toBeUndefined()
  })

  it('a failed early hash is reported only to whoever awaits it', async () => {
    const repo = makeRepo()
    const early = startEarlyHash({ GITHUB_WORKSPACE: repo, GITHUB_SHA: 'f'.repeat(40) })
    await expect(early!.result).rejects.toThrow()
  })
})

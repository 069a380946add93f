import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hashTree } from '../src/tree/index.js'
import { assertLinksStayInside, MAX_LINK_NESTING } from '../src/tree/symlink-rule.js'
import { runCli } from './helpers/cli.js'
import { git, makeRepo, type TreeSpec } from './helpers/git-repo.js'

// `d -> .` makes d/d/…/d the tree root, so enough `..` after it reach the file system root, while
// a purely textual normalisation sees `d/d/…/..` cancel out and calls the link "inside".
const DEPTH = 24
const ESCAPING_TARGET = `${'d/'.repeat(DEPTH)}${'../'.repeat(DEPTH)}etc/passwd`
const ATTACK: TreeSpec = { d: { symlink: '.' }, passwd: { symlink: ESCAPING_TARGET }, 'README.md': 'hi\n' }

/** Every way relseal reads a tree: working tree (git index), commit objects, plain directory. */
function verdicts(repo: string) {
  return [
    () => hashTree({ dir: repo }),
    () => hashTree({ dir: repo, rev: 'HEAD' }),
    () => hashTree({ dir: repo, source: 'plain', exclude: ['.git/**'] }),
  ]
}

describe('when a pinned commit holds d -> . and passwd -> d/d/…/../../etc/passwd', () => {
  it('is a real escape: the kernel resolves passwd to /etc/passwd', () => {
    const repo = makeRepo(ATTACK)
    expect(realpathSync.native(join(repo, 'passwd'))).toBe(realpathSync.native('/etc/passwd'))
    expect(readFileSync(join(repo, 'passwd'))).toEqual(readFileSync('/etc/passwd'))
  })

  it('refuses it with E_SYMLINK_ESCAPE naming passwd, in every source', async () => {
    const repo = makeRepo(ATTACK)
    for (const p of verdicts(repo)) {
      await expect(p()).rejects.toMatchObject({ code: 'E_SYMLINK_ESCAPE', details: { path: 'passwd' } })
    }
  })

  it('refuses it in `relseal hash` and `relseal hash --rev HEAD`', async () => {
    const repo = makeRepo(ATTACK)
    for (const argv of [['hash'], ['hash', '--rev', 'HEAD']]) {
      const r = await runCli(argv, repo)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('E_SYMLINK_ESCAPE')
      expect(r.stderr).toContain('"passwd"')
    }
  })

  it('refuses it in `relseal sign`, before anything is signed', async () => {
    const repo = makeRepo(ATTACK)
    git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
    git(repo, 'tag', 'v1.0.0')
    expect((await runCli(['keygen', '--out', 'k'], repo)).code).toBe(0)
    const r = await runCli(['sign', '--key', 'k.key', '--tag', 'v1.0.0'], repo)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_SYMLINK_ESCAPE')
    expect(existsSync(join(repo, 'release_manifest.json'))).toBe(false)
  })

  it('refuses the same escape when it goes through a chain of links and directories', async () => {
    const repo = makeRepo({
      'a/b/up': { symlink: '../..' }, // the root
      'a/top': { symlink: 'b/up' }, // the root, through another link
      'x/out': { symlink: '../a/top/a/top/..' },
      'f.txt': 'f\n',
    })
    for (const p of verdicts(repo)) {
      await expect(p()).rejects.toMatchObject({ code: 'E_SYMLINK_ESCAPE', details: { path: 'x/out' } })
    }
  })
})

describe('when links stay inside the tree', () => {
  it('accepts them, through other links too, with one code hash for every source', async () => {
    const repo = makeRepo({
      d: { symlink: '.' },
      'deep/er/file.txt': 'x\n',
      'deep/er/up': { symlink: '../..' },
      inside: { symlink: `${'d/'.repeat(DEPTH)}${'../'.repeat(0)}deep/er/up/deep/er/file.txt` },
      'deep/back': { symlink: '../d/d/deep/er/../er/file.txt' },
      dangling: { symlink: 'no/such/dir/../../file' },
      'via/dangling': { symlink: '../dangling/..' },
    })
    const [work, rev, plain] = await Promise.all(verdicts(repo).map((p) => p()))
    expect(rev!.codeHash).toBe(work!.codeHash)
    expect(plain!.codeHash).toBe(work!.codeHash)
    expect(work!.entries.filter((e) => e.kind === 'symlink')).toHaveLength(6)
  })
})

describe('when links loop', () => {
  it('refuses a two-link loop and a self-loop through a directory with E_SYMLINK_ESCAPE', async () => {
    const loops: TreeSpec[] = [
      { a: { symlink: 'b' }, b: { symlink: 'a' } },
      { 'x/y': { symlink: '../x/y/z' } },
    ]
    for (const spec of loops) {
      const repo = makeRepo(spec)
      for (const p of verdicts(repo)) await expect(p()).rejects.toMatchObject({ code: 'E_SYMLINK_ESCAPE' })
    }
  })

  it(`refuses a chain nested deeper than ${MAX_LINK_NESTING} links, accepts one at the limit`, () => {
    const chain = (n: number) =>
      Array.from({ length: n + 1 }, (_, i) => ({ path: `l${i}`, target: i === n ? 'end' : `l${i + 1}` }))
    expect(() => assertLinksStayInside(chain(MAX_LINK_NESTING))).not.toThrow()
    expect(() => assertLinksStayInside(chain(MAX_LINK_NESTING + 1))).toThrow(
      expect.objectContaining({ code: 'E_SYMLINK_ESCAPE' }),
    )
  })
})

describe('the rule over a list of links', () => {
  it('refuses absolute targets, backslashes and names that differ only in case from a link', () => {
    const refused = [
      [{ path: 'a', target: '/etc' }],
      [{ path: 'a', target: '..\\..\\etc' }],
      [
        { path: 'D', target: '.' },
        { path: 'p', target: 'd/d/d/../../../x' },
      ],
    ]
    for (const links of refused)
      expect(() => assertLinksStayInside(links)).toThrow(
        expect.objectContaining({ code: 'E_SYMLINK_ESCAPE' }),
      )
  })

  it('refuses a path that is both a link and a directory with E_BAD_INPUT', () => {
    expect(() =>
      assertLinksStayInside([
        { path: 'a', target: '.' },
        { path: 'a/b', target: '.' },
      ]),
    ).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })

  it('stays linear: 20,000 links through a 1 MB target are decided in linear time (seconds, not hours)', () => {
    const big = 'd/'.repeat(500_000)
    const links = [
      { path: 'd', target: '.' },
      { path: 'big', target: big },
      ...Array.from({ length: 20_000 }, (_, i) => ({ path: `n/${i}`, target: '../big/big/big/n' })),
    ]
    const start = performance.now()
    assertLinksStayInside(links)
    expect(performance.now() - start).toBeLessThan(3000)
  })
})

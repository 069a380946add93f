import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hashFile, hashTree } from '../src/tree/index.js'
import { commitAll, git, makeRepo, writeTree } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

const WEIRD_NAMES = {
  'plain.txt': 'hello\n',
  'with space.txt': 'space\n',
  'üñíçødé/ファイル.md': 'unicode\n',
  'back\\slash': 'backslash\n',
  'new\nline': 'newline\n',
  'car\rriage': 'carriage return\n',
  empty: '',
  'bin/run.sh': { exec: '#!/bin/sh\necho hi\n' },
  'docs/link-inside': { symlink: '../plain.txt' },
  dangling: { symlink: 'does-not-exist' },
}

function sha256sumCheck(dir: string, manifest: string): string {
  const list = join(tempDir(), 'files.sha256')
  writeFileSync(list, manifest)
  return execFileSync('sha256sum', ['-c', '--strict', list], { cwd: dir, encoding: 'utf8' })
}

describe('hashTree on a git working tree', () => {
  it('gives a file manifest that sha256sum -c accepts, with coreutils escaping', async () => {
    const repo = makeRepo(WEIRD_NAMES)
    const tree = await hashTree({ dir: repo })
    const out = sha256sumCheck(repo, tree.fileManifest)
    expect(out.match(/: OK$/gm)).toHaveLength(8)
    expect(tree.fileManifest).toContain('\\')
    expect(tree.fileManifest.split('\n').filter((l) => l.startsWith('\\'))).toHaveLength(3)
  })

  it('hashes the same as --rev HEAD for a clean checkout', async () => {
    const repo = makeRepo(WEIRD_NAMES)
    const work = await hashTree({ dir: repo })
    const rev = await hashTree({ dir: repo, rev: 'HEAD' })
    expect(rev.codeHash).toBe(work.codeHash)
    expect(rev.fileManifest).toBe(work.fileManifest)
    expect(rev.entries).toEqual(work.entries)
    expect(rev.commit).toBe(git(repo, 'rev-parse', 'HEAD'))
  })

  it('records kinds, modes and sizes, symlinks by target text', async () => {
    const repo = makeRepo(WEIRD_NAMES)
    const { entries } = await hashTree({ dir: repo })
    const byPath = new Map(entries.map((e) => [e.path, e]))
    expect(byPath.get('bin/run.sh')).toMatchObject({ kind: 'executable', mode: '100755' })
    expect(byPath.get('empty')).toMatchObject({
      kind: 'file',
      size: 0,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    })
    const target = execFileSync('sha256sum', { input: '../plain.txt', encoding: 'utf8' }).slice(0, 64)
    expect(byPath.get('docs/link-inside')).toMatchObject({
      kind: 'symlink',
      mode: '120000',
      size: 12,
      sha256: target,
    })
    expect(byPath.get('dangling')).toMatchObject({ kind: 'symlink' })
  })

  it('lists only what git tracks, never stray files', async () => {
    const repo = makeRepo({ 'a.txt': 'a' })
    const before = await hashTree({ dir: repo })
    writeFileSync(join(repo, 'stray.log'), 'not tracked')
    const after = await hashTree({ dir: repo })
    expect(after.codeHash).toBe(before.codeHash)
    expect(after.entries.map((e) => e.path)).toEqual(['a.txt'])
  })

  it('sorts paths by UTF-8 bytes, not UTF-16 code units', async () => {
    // U+FF5E (3 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 9F 98 80) in bytes,
    // but after it in UTF-16 (0xFF5E > 0xD83D).
    const repo = makeRepo({ '\u{1F600}': '1', '\uFF5E': '2', Z: '3', a: '4' })
    const { entries } = await hashTree({ dir: repo })
    expect(entries.map((e) => e.path)).toEqual(['Z', 'a', '\uFF5E', '\u{1F600}'])
  })

  it('records a submodule by its commit id and never descends into it', async () => {
    const sub = makeRepo({ 'inner.txt': 'inner' })
    const subCommit = git(sub, 'rev-parse', 'HEAD')
    const repo = makeRepo({ 'top.txt': 'top' })
    git(repo, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'vendor/sub')
    commitAll(repo, 'add submodule')
    for (const tree of [await hashTree({ dir: repo }), await hashTree({ dir: repo, rev: 'HEAD' })]) {
      const e = tree.entries.find((x) => x.path === 'vendor/sub')
      expect(e).toEqual({ path: 'vendor/sub', kind: 'submodule', mode: '160000', size: 0, sha256: subCommit })
      expect(tree.entries.some((x) => x.path.startsWith('vendor/sub/'))).toBe(false)
    }
  })

  it('hashes a large file streamed, matching sha256sum', async () => {
    const dir = tempDir()
    const big = Buffer.alloc(48 * 1024 * 1024 + 7)
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff
    writeFileSync(join(dir, 'big.bin'), big)
    const tree = await hashTree({ dir })
    const expected = execFileSync('sha256sum', ['big.bin'], { cwd: dir, encoding: 'utf8' }).slice(0, 64)
    expect(tree.entries[0]).toMatchObject({ path: 'big.bin', size: big.length, sha256: expected })
    expect(await hashFile(join(dir, 'big.bin'))).toEqual({ sha256: expected, size: big.length })
  })
})

describe('line-ending conversion and filters', () => {
  it('refuses a working tree that core.autocrlf changed, naming the file and the setting', async () => {
    const repo = makeRepo({ 'text.txt': 'line one\nline two\n' })
    git(repo, 'config', 'core.autocrlf', 'true')
    git(repo, 'rm', '-q', '--cached', 'text.txt')
    execFileSync('rm', [join(repo, 'text.txt')])
    git(repo, 'checkout', '-q', 'HEAD', '--', 'text.txt')
    const err = await hashTree({ dir: repo }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'E_GIT_FILTER', details: { path: 'text.txt' } })
    expect((err as Error).message).toContain('core.autocrlf=true')
    // the committed bytes still hash, from the object store
    await expect(hashTree({ dir: repo, rev: 'HEAD' })).resolves.toMatchObject({ files: 1 })
  })

  it('finds eol=crlf in every place git reads attributes from, tracked or not', async () => {
    // The file on disk is not the committed blob; only an attribute that rewrites it on checkout
    // makes that a refusal, so each place must be looked at (check-attr is skipped when none exists).
    const setup = (): string => {
      const repo = makeRepo({ 'sub/deep/a.txt': 'x\n' })
      writeFileSync(join(repo, 'sub/deep/a.txt'), 'x\r\n')
      return repo
    }
    const refused = { code: 'E_GIT_FILTER', details: { path: 'deep/a.txt', setting: 'eol=crlf' } }
    const control = setup()
    await expect(hashTree({ dir: join(control, 'sub') })).resolves.toMatchObject({ files: 1 })
    const places: ((repo: string) => void)[] = [
      (repo) => writeFileSync(join(repo, 'sub/deep/.gitattributes'), '*.txt eol=crlf\n'),
      (repo) => writeFileSync(join(repo, '.gitattributes'), '*.txt eol=crlf\n'),
      (repo) => writeFileSync(join(repo, '.git/info/attributes'), '*.txt eol=crlf\n'),
      (repo) => {
        writeFileSync(join(repo, 'attrs'), '*.txt eol=crlf\n')
        git(repo, 'config', 'core.attributesFile', join(repo, 'attrs'))
      },
    ]
    for (const place of places) {
      const repo = setup()
      place(repo)
      await expect(hashTree({ dir: join(repo, 'sub') })).rejects.toMatchObject(refused)
    }
    const home = tempDir()
    writeTree(home, { 'git/attributes': '*.txt eol=crlf\n' })
    const saved = process.env.XDG_CONFIG_HOME
    process.env.XDG_CONFIG_HOME = home
    try {
      await expect(hashTree({ dir: join(control, 'sub') })).rejects.toMatchObject(refused)
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME
      else process.env.XDG_CONFIG_HOME = saved
    }
  })

  it('accepts attributes that leave the bytes as committed', async () => {
    const repo = makeRepo({ '.gitattributes': '*.txt text eol=lf\n', 'a.txt': 'unix\n' })
    const work = await hashTree({ dir: repo })
    expect(work.codeHash).toBe((await hashTree({ dir: repo, rev: 'HEAD' })).codeHash)
  })
})

describe('hashTree on a plain directory', () => {
  it('takes every regular file, filtered by --include and --exclude globs', async () => {
    const dir = tempDir()
    writeTree(dir, {
      'src/a.ts': 'a',
      'src/deep/b.ts': 'b',
      'src/c.js': 'c',
      'node_modules/x/i.js': 'x',
      README: 'r',
    })
    const all = await hashTree({ dir })
    expect(all.entries.map((e) => e.path)).toEqual([
      'README',
      'node_modules/x/i.js',
      'src/a.ts',
      'src/c.js',
      'src/deep/b.ts',
    ])
    const ts = await hashTree({ dir, include: ['**/*.ts'] })
    expect(ts.entries.map((e) => e.path)).toEqual(['src/a.ts', 'src/deep/b.ts'])
    const noModules = await hashTree({ dir, exclude: ['node_modules/**', '*.js'] })
    expect(noModules.entries.map((e) => e.path)).toEqual(['README', 'src/a.ts', 'src/deep/b.ts'])
    expect(sha256sumCheck(dir, all.fileManifest).match(/OK/g)).toHaveLength(5)
  })

  it('detects the executable bit', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'tool'), 'x')
    const plain = await hashTree({ dir })
    chmodSync(join(dir, 'tool'), 0o755)
    const exec = await hashTree({ dir })
    expect(plain.entries[0]!.kind).toBe('file')
    expect(exec.entries[0]!.kind).toBe('executable')
    expect(exec.codeHash).not.toBe(plain.codeHash)
    expect(exec.fileManifestHash).toBe(plain.fileManifestHash)
  })
})

describe('bad input', () => {
  it('refuses a path that does not exist with E_NOT_FOUND', async () => {
    await expect(hashTree({ dir: join(tempDir(), 'missing') })).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
  })

  it('refuses --rev outside a repository with E_NOT_A_REPO', async () => {
    await expect(hashTree({ dir: tempDir(), rev: 'HEAD' })).rejects.toMatchObject({ code: 'E_NOT_A_REPO' })
    await expect(hashTree({ dir: tempDir(), source: 'git' })).rejects.toMatchObject({ code: 'E_NOT_A_REPO' })
  })

  it('refuses an unknown rev, and a rev that looks like an option, with E_UNKNOWN_REV / E_BAD_INPUT', async () => {
    const repo = makeRepo()
    await expect(hashTree({ dir: repo, rev: 'v9.9.9' })).rejects.toMatchObject({ code: 'E_UNKNOWN_REV' })
    await expect(hashTree({ dir: repo, rev: '--output=/tmp/x' })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
    })
  })

  it('refuses an unreadable file with E_UNREADABLE', async () => {
    if (process.getuid?.() === 0) {
      // root reads everything: a FIFO where git expects a file cannot be read as one
      const repo = makeRepo({ f: 'x' })
      execFileSync('rm', [join(repo, 'f')])
      execFileSync('mkfifo', [join(repo, 'f')])
      await expect(hashTree({ dir: repo })).rejects.toMatchObject({ code: 'E_UNREADABLE' })
      return
    }
    const dir = tempDir()
    writeFileSync(join(dir, 'secret'), 'x')
    chmodSync(join(dir, 'secret'), 0o000)
    await expect(hashTree({ dir })).rejects.toMatchObject({ code: 'E_UNREADABLE' })
  })

  it('refuses a symlink pointing outside the tree without reading it, in every source', async () => {
    const outside = { escape: { symlink: '../../etc/passwd' }, abs: { symlink: '/etc/hostname' } }
    for (const [name, spec] of Object.entries(outside)) {
      const repo = makeRepo({ [name]: spec })
      await expect(hashTree({ dir: repo })).rejects.toMatchObject({ code: 'E_SYMLINK_ESCAPE' })
      await expect(hashTree({ dir: repo, rev: 'HEAD' })).rejects.toMatchObject({ code: 'E_SYMLINK_ESCAPE' })
      await expect(hashTree({ dir: repo, source: 'plain', exclude: ['.git/**'] })).rejects.toMatchObject({
        code: 'E_SYMLINK_ESCAPE',
      })
    }
  })

  it('refuses a name that is not valid UTF-8 with E_BAD_PATH_NAME', async () => {
    const dir = tempDir()
    const r = spawnSync('sh', ['-c', `printf x > "$(printf 'bad\\377name')"`], { cwd: dir })
    expect(r.status).toBe(0)
    await expect(hashTree({ dir })).rejects.toMatchObject({ code: 'E_BAD_PATH_NAME' })
  })

  it('refuses a link git wrote as a file (core.symlinks=false) whose target no checkout could hold, before holding it whole', async () => {
    // A checkout without symlink support writes each link's target into a plain file; a hostile
    // repository's "link" can be a blob of any size, which must not be read whole into memory.
    const repo = makeRepo({ 'a.txt': 'a\n' })
    git(repo, 'config', 'core.symlinks', 'false')
    const link = join(repo, 'long-link')
    writeFileSync(link, 'x/'.repeat(3000)) // 6000 bytes: symlink(2) itself refuses this
    const oid = git(repo, 'hash-object', '-w', link).trim()
    git(repo, 'update-index', '--add', '--cacheinfo', `120000,${oid},long-link`)
    git(repo, 'commit', '-q', '-m', 'a link git can store but not check out as one')
    await expect(hashTree({ dir: repo })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(/^"long-link" is a symlink whose target is more than 4096 bytes/),
    })
    // At the cap it is read as before, and hashes as --rev does.
    writeFileSync(link, 'a/'.repeat(2048))
    git(
      repo,
      'update-index',
      '--cacheinfo',
      `120000,${git(repo, 'hash-object', '-w', link).trim()},long-link`,
    )
    git(repo, 'commit', '-q', '-m', 'a link of 4096 bytes')
    const work = await hashTree({ dir: repo })
    expect(work.entries.find((e) => e.path === 'long-link')).toMatchObject({ kind: 'symlink', size: 4096 })
    expect(work.codeHash).toBe((await hashTree({ dir: repo, rev: 'HEAD' })).codeHash)
  })

  it('refuses a tracked link that the working tree holds as a FIFO, without blocking on it', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n', link: { symlink: 'a.txt' } })
    git(repo, 'config', 'core.symlinks', 'false')
    execFileSync('rm', [join(repo, 'link')])
    execFileSync('mkfifo', [join(repo, 'link')])
    await expect(hashTree({ dir: repo })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(/^"link" is tracked as a symlink but is neither a symlink nor a file/),
    })
  })

  it('refuses a tracked file missing from the working tree with E_NOT_FOUND', async () => {
    const repo = makeRepo({ a: 'a', b: 'b' })
    execFileSync('rm', [join(repo, 'b')])
    await expect(hashTree({ dir: repo })).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
  })
})

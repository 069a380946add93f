import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePublicKey, parseSigningKey } from '../src/keys/index.js'
import { cosignManifest, MANIFEST_SCHEMA, verifyManifest } from '../src/manifest/index.js'
import { hashFile, hashTree } from '../src/tree/index.js'
import { runCli } from './helpers/cli.js'
import { forgeEnvelope, forgeKey } from './helpers/forge.js'
import { commitAll, git, GIT_TEST_ENV, makeRepo, writeTree } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

interface Releases {
  repo: string
  /** Keys and manifests live here, outside the repository. */
  out: string
  c100: string
  c110: string
}

/** acme/app with an annotated tag v1.0.0 and a lightweight v1.1.0 at HEAD; keys a and b. */
async function twoReleases(): Promise<Releases> {
  const repo = makeRepo({ 'src/app.js': 'console.log("1.0.0")\n', 'README.md': '# app\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', '-a', 'v1.0.0', '-m', 'release 1.0.0')
  const c100 = git(repo, 'rev-parse', 'HEAD')
  writeTree(repo, { 'src/app.js': 'console.log("1.1.0")\n', 'src/new.js': 'export {}\n' })
  const c110 = commitAll(repo, 'release 1.1.0')
  git(repo, 'tag', 'v1.1.0')
  const out = tempDir('relseal-binding-')
  for (const k of ['a', 'b']) expect((await runCli(['keygen', '--out', k], out)).code).toBe(0)
  return { repo, out, c100, c110 }
}

const manifestOf = (path: string) =>
  JSON.parse(
    Buffer.from((JSON.parse(readFileSync(path, 'utf8')) as { payload: string }).payload, 'base64').toString(),
  ) as Record<string, unknown>

const sign = (r: Releases, extra: string[]) =>
  runCli(['sign', '--key', 'a.key', '--dir', r.repo, ...extra], r.out)

describe('relseal sign resolves what it signs', () => {
  describe('when HEAD is at v1.1.0 and --tag v1.0.0 is asked for', () => {
    it("pins v1.0.0's commit (peeled through the annotated tag), not HEAD", async () => {
      const r = await twoReleases()
      const s = await sign(r, ['--tag', 'v1.0.0'])
      expect(s.stderr).toBe('')
      expect(s.code).toBe(0)
      const p = manifestOf(join(r.out, 'release_manifest.json'))
      const tree = await hashTree({ dir: r.repo, rev: r.c100 })
      expect(p).toMatchObject({ tag: 'v1.0.0', version: '1.0.0', commit: r.c100, code_hash: tree.codeHash })
      expect(git(r.repo, 'rev-parse', 'v1.0.0^{commit}')).toBe(r.c100)
      const v = await runCli(['verify', 'release_manifest.json', '--pubkey', 'a.pub', '--json'], r.out)
      expect(v.code).toBe(0)
    })
  })

  describe('when the tag does not exist, points elsewhere, or contradicts the version', () => {
    it.each([
      ['a tag that does not exist', ['--tag', 'v9.9.9'], 2, 'E_UNKNOWN_REV'],
      [
        'a version that contradicts the tag',
        ['--version', '7.0.0', '--tag', 'v1.0.0'],
        1,
        'E_TAG_VERSION_MISMATCH',
      ],
      [
        'a tag pointing elsewhere than --commit',
        ['--tag', 'v1.0.0', '--commit', 'HEAD'],
        1,
        'E_TAG_MISMATCH',
      ],
      ['a tag that names no version', ['--tag', 'release-one'], 1, 'E_TAG_VERSION_MISMATCH'],
      ['a branch name posing as a tag', ['--tag', 'main'], 2, 'E_UNKNOWN_REV'],
    ])('refuses %s and writes nothing', async (_what, args, exit, code) => {
      const r = await twoReleases()
      git(r.repo, 'tag', 'release-one', r.c100)
      const before = readdirSync(r.out).sort()
      const s = await sign(r, args)
      expect(s.stderr).toContain(code)
      expect(s.code).toBe(exit)
      expect(readdirSync(r.out).sort()).toEqual(before)
      expect(existsSync(join(r.out, 'release_manifest.json'))).toBe(false)
      expect(existsSync(join(r.out, 'release_files.sha256'))).toBe(false)
    })

    it('refuses a plain directory, where no tag can be resolved (E_NOT_A_REPO)', async () => {
      const r = await twoReleases()
      const plain = tempDir('relseal-plain-')
      writeFileSync(join(plain, 'a.js'), 'x\n')
      const s = await runCli(
        ['sign', '--key', 'a.key', '--dir', plain, '--tag', 'v1.0.0', '--commit', r.c100],
        r.out,
      )
      expect(s.stderr).toContain('E_NOT_A_REPO')
      expect(existsSync(join(r.out, 'release_manifest.json'))).toBe(false)
    })
  })

  describe('with --tag-prefix app-v (a monorepo)', () => {
    it('signs app-v1.2.3 as version 1.2.3; verify needs the same prefix', async () => {
      const r = await twoReleases()
      git(r.repo, 'tag', 'app-v1.2.3', r.c100)
      expect((await sign(r, ['--tag', 'app-v1.2.3'])).stderr).toContain('E_TAG_VERSION_MISMATCH')
      const s = await sign(r, ['--tag', 'app-v1.2.3', '--tag-prefix', 'app-v'])
      expect(s.stderr).toBe('')
      expect(manifestOf(join(r.out, 'release_manifest.json'))).toMatchObject({
        tag: 'app-v1.2.3',
        version: '1.2.3',
        commit: r.c100,
      })
      const verify = (extra: string[]) =>
        runCli(['verify', 'release_manifest.json', '--pubkey', 'a.pub', ...extra], r.out)
      const plain = await verify([])
      expect(plain.stderr).toContain('E_TAG_VERSION_MISMATCH')
      expect(plain.code).toBe(1)
      expect((await verify(['--tag-prefix', 'app-v'])).code).toBe(0)
      expect((await verify(['--tag-prefix', '-v'])).stderr).toContain('E_USAGE')
    })
  })
})

/** A payload for tag v1.0.0 of `r` with the facts relseal computes; override any field. */
async function payloadFor(r: Releases, over: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const tree = await hashTree({ dir: r.repo, rev: r.c100 })
  return {
    schema: MANIFEST_SCHEMA,
    repository: 'acme/app',
    tag: 'v1.0.0',
    version: '1.0.0',
    commit: r.c100,
    code_hash: tree.codeHash,
    file_manifest_hash: tree.fileManifestHash,
    file_count: tree.files,
    artifacts: [],
    created_at: '2026-01-01T00:00:00Z',
    ...over,
  }
}

describe('a validly signed relabelled release (version 9.9.9, tag and commit of v1.0.0)', () => {
  it('is refused by verify and by update with E_TAG_VERSION_MISMATCH', async () => {
    const r = await twoReleases()
    const ci = forgeKey()
    writeFileSync(join(r.out, 'ci.pub'), ci.publicPem)
    writeFileSync(
      join(r.out, 'relabelled.json'),
      forgeEnvelope(await payloadFor(r, { version: '9.9.9' }), [ci]),
    )
    const honest = join(r.out, 'honest.json')
    writeFileSync(honest, forgeEnvelope(await payloadFor(r), [ci]))
    expect((await runCli(['verify', 'honest.json', '--pubkey', 'ci.pub'], r.out)).code).toBe(0)

    const v = await runCli(['verify', 'relabelled.json', '--pubkey', 'ci.pub'], r.out)
    expect(v.stderr).toContain('E_TAG_VERSION_MISMATCH')
    expect(v.code).toBe(1)
    expect(() =>
      verifyManifest(readFileSync(join(r.out, 'relabelled.json')), {
        keys: [parsePublicKey(ci.publicPem, 'ci')],
      }),
    ).toThrow(expect.objectContaining({ code: 'E_TAG_VERSION_MISMATCH' }))

    const bare = join(tempDir('relseal-origin-'), 'origin.git')
    execFileSync('git', ['clone', '-q', '--bare', r.repo, bare], { env: GIT_TEST_ENV })
    const root = join(tempDir('relseal-app-'), 'app')
    expect(
      (await runCli(['init', '--app-root', root, '--remote', bare, '--repository', 'acme/app'], '/')).code,
    ).toBe(0)
    const listing = () => execFileSync('find', [root, '-printf', '%p %s\\n'], { encoding: 'utf8' })
    const before = listing()
    const u = await runCli(
      [
        'update',
        '--app-root',
        root,
        '--manifest',
        join(r.out, 'relabelled.json'),
        '--pubkey',
        join(r.out, 'ci.pub'),
      ],
      '/',
    )
    expect(u.stderr).toContain('E_TAG_VERSION_MISMATCH')
    expect(u.code).toBe(1)
    expect(
      listing()
        .split('\n')
        .filter((l) => !l.includes('evidence')),
    ).toEqual(before.split('\n').filter((l) => !l.includes('evidence')))
  })
})

describe('relseal sign --append (a co-signer)', () => {
  const append = (r: Releases, extra: string[], file = 'release_manifest.json') =>
    runCli(['sign', '--append', '--key', 'b.key', '--dir', r.repo, '--out', file, ...extra], r.out)

  it('refuses without --pubkey or with facts to sign (E_USAGE), and leaves the manifest unchanged', async () => {
    const r = await twoReleases()
    expect((await sign(r, ['--tag', 'v1.0.0'])).code).toBe(0)
    const before = readFileSync(join(r.out, 'release_manifest.json'))
    const s = await append(r, [])
    expect(s.stderr).toContain('E_USAGE')
    expect(s.code).toBe(2)
    // Nor is it told what to check: the facts come from the payload, checked against its clone.
    const told = await append(r, ['--pubkey', 'a.pub', '--tag', 'v1.1.0'])
    expect(told.stderr).toContain('E_USAGE')
    expect(told.code).toBe(2)
    expect(readFileSync(join(r.out, 'release_manifest.json'))).toEqual(before)
  })

  it('refuses an envelope whose first signature is broken (E_BAD_SIGNATURE), file unchanged', async () => {
    const r = await twoReleases()
    expect((await sign(r, ['--tag', 'v1.0.0'])).code).toBe(0)
    const path = join(r.out, 'release_manifest.json')
    const env = JSON.parse(readFileSync(path, 'utf8')) as { signatures: { sig: string }[] }
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64')
    sig[10]! ^= 1
    env.signatures[0]!.sig = sig.toString('base64')
    writeFileSync(path, JSON.stringify(env))
    const before = readFileSync(path)
    expect((await runCli(['verify', 'release_manifest.json', '--pubkey', 'a.pub'], r.out)).stderr).toContain(
      'E_BAD_SIGNATURE',
    )
    const s = await append(r, ['--pubkey', 'a.pub'])
    expect(s.stderr).toContain('E_BAD_SIGNATURE')
    expect(s.code).toBe(1)
    expect(readFileSync(path)).toEqual(before)
    // Before the fix the result verified under the second key alone.
    expect((await runCli(['verify', 'release_manifest.json', '--pubkey', 'b.pub'], r.out)).code).toBe(1)
  })

  describe('when another signature beside a valid one is unknown or broken', () => {
    it('refuses a signature by a key it was not given (E_UNTRUSTED_KEY), file unchanged', async () => {
      const r = await twoReleases()
      const ci = forgeKey()
      const stranger = forgeKey()
      writeFileSync(join(r.out, 'ci.pub'), ci.publicPem)
      writeFileSync(join(r.out, 'forged.json'), forgeEnvelope(await payloadFor(r), [ci, stranger]))
      const before = readFileSync(join(r.out, 'forged.json'))
      expect((await runCli(['verify', 'forged.json', '--pubkey', 'ci.pub'], r.out)).code).toBe(0)
      const s = await append(r, ['--pubkey', 'ci.pub'], 'forged.json')
      expect(s.stderr).toContain('E_UNTRUSTED_KEY')
      expect(s.code).toBe(1)
      expect(readFileSync(join(r.out, 'forged.json'))).toEqual(before)
    })

    it('refuses a broken signature by a given key (E_BAD_SIGNATURE), file unchanged', async () => {
      const r = await twoReleases()
      const ci = forgeKey()
      const other = forgeKey()
      writeFileSync(join(r.out, 'ci.pub'), ci.publicPem)
      writeFileSync(join(r.out, 'other.pub'), other.publicPem)
      const env = JSON.parse(forgeEnvelope(await payloadFor(r), [other, ci])) as {
        signatures: { sig: string }[]
      }
      env.signatures[0]!.sig = Buffer.alloc(64, 1).toString('base64')
      writeFileSync(join(r.out, 'forged.json'), JSON.stringify(env))
      const before = readFileSync(join(r.out, 'forged.json'))
      const s = await append(r, ['--pubkey', 'ci.pub', '--pubkey', 'other.pub'], 'forged.json')
      expect(s.stderr).toContain('E_BAD_SIGNATURE')
      expect(s.code).toBe(1)
      expect(readFileSync(join(r.out, 'forged.json'))).toEqual(before)
    })
  })

  describe('when a fact in the validly signed payload differs from what the co-signer computes', () => {
    const ci = forgeKey()

    type Payload = Record<string, unknown>
    const artifactsOf = (p: Payload) => p.artifacts as { name: string; size: number; sha256: string }[]
    const cases: [string, (good: Payload, r: Releases) => Promise<Payload> | Payload, string][] = [
      ['repository', (g) => ({ ...g, repository: 'evil/other' }), 'repository'],
      [
        'commit (v1.1.0 relabelled as v1.0.0)',
        async (g, r) => {
          const t = await hashTree({ dir: r.repo, rev: r.c110 })
          const facts = { code_hash: t.codeHash, file_manifest_hash: t.fileManifestHash, file_count: t.files }
          return { ...g, commit: r.c110, ...facts }
        },
        'commit',
      ],
      ['code_hash', (g) => ({ ...g, code_hash: `sha256:${'0'.repeat(64)}` }), 'code_hash'],
      [
        'file_manifest_hash',
        (g) => ({ ...g, file_manifest_hash: `sha256:${'1'.repeat(64)}` }),
        'file_manifest_hash',
      ],
      ['file_count', (g) => ({ ...g, file_count: (g.file_count as number) + 1 }), 'file_count'],
      [
        'an artifact digest',
        (g) => ({ ...g, artifacts: artifactsOf(g).map((a) => ({ ...a, sha256: '2'.repeat(64) })) }),
        'artifacts[0].sha256',
      ],
      [
        'an artifact size',
        (g) => ({ ...g, artifacts: artifactsOf(g).map((a) => ({ ...a, size: a.size + 1 })) }),
        'artifacts[0].size',
      ],
      [
        'an artifact the co-signer was not given',
        (g) => ({
          ...g,
          artifacts: [...artifactsOf(g), { name: 'other.zip', size: 1, sha256: '3'.repeat(64) }],
        }),
        'artifacts[1].name',
      ],
      ['an artifact the manifest does not list', (g) => ({ ...g, artifacts: [] }), 'artifacts'],
    ]

    it.each(cases)('refuses %s with E_PAYLOAD_MISMATCH naming the field', async (_what, change, field) => {
      const r = await twoReleases()
      writeFileSync(join(r.out, 'app.tgz'), 'artifact!')
      const art = await hashFile(join(r.out, 'app.tgz'))
      const good = await payloadFor(r, {
        artifacts: [{ name: 'app.tgz', size: art.size, sha256: art.sha256 }],
      })
      const payload = await change(good, r)
      const envelope = Buffer.from(forgeEnvelope(payload, [ci]))
      const p = cosignManifest({
        envelope,
        key: parseSigningKey(readFileSync(join(r.out, 'b.key'), 'utf8'), 'b.key'),
        existingSigners: [parsePublicKey(ci.publicPem, 'ci')],
        dir: r.repo,
        artifacts: [join(r.out, 'app.tgz')],
      })
      await expect(p).rejects.toMatchObject({ code: 'E_PAYLOAD_MISMATCH', details: { field } })

      // The same through the CLI: exit 1, the manifest byte-identical.
      writeFileSync(join(r.out, 'm.json'), envelope)
      writeFileSync(join(r.out, 'ci.pub'), ci.publicPem)
      const s = await append(r, ['--pubkey', 'ci.pub', '--artifact', 'app.tgz'], 'm.json')
      expect(s.stderr).toContain('E_PAYLOAD_MISMATCH')
      expect(s.code).toBe(1)
      expect(readFileSync(join(r.out, 'm.json'))).toEqual(envelope)
    })
  })

  it('co-signs from an independent clone after re-deriving everything; verify --threshold 2 passes', async () => {
    const r = await twoReleases()
    writeFileSync(join(r.out, 'app.tgz'), 'artifact bytes')
    // The CI job signs v1.0.0 while its checkout's HEAD is at v1.1.0.
    expect((await sign(r, ['--tag', 'v1.0.0', '--artifact', 'app.tgz'])).code).toBe(0)
    const verify2 = () =>
      runCli(
        [
          'verify',
          'release_manifest.json',
          '--pubkey',
          'a.pub',
          '--pubkey',
          'b.pub',
          '--threshold',
          '2',
          '--json',
        ],
        r.out,
      )
    expect((await verify2()).stderr).toContain('E_THRESHOLD')
    // The maintainer's machine: its own clone, its own copy of the artifact.
    const clone = join(tempDir('relseal-maintainer-'), 'app')
    execFileSync('git', ['clone', '-q', r.repo, clone], { env: GIT_TEST_ENV })
    git(clone, 'remote', 'set-url', 'origin', 'https://github.com/acme/app.git')
    const s = await runCli(
      ['sign', '--append', '--key', 'b.key', '--pubkey', 'a.pub', '--dir', clone, '--artifact', 'app.tgz'],
      r.out,
    )
    expect(s.stderr).toBe('')
    expect(s.code).toBe(0)
    const v = await verify2()
    expect(v.code).toBe(0)
    expect(JSON.parse(v.stdout)).toMatchObject({ version: '1.0.0', commit: r.c100 })
    // A third signature by the same key is refused, the file unchanged.
    const before = readFileSync(join(r.out, 'release_manifest.json'))
    const again = await runCli(
      [
        'sign',
        '--append',
        '--key',
        'b.key',
        '--pubkey',
        'a.pub',
        '--pubkey',
        'b.pub',
        '--dir',
        clone,
        '--artifact',
        'app.tgz',
      ],
      r.out,
    )
    expect(again.stderr).toContain('E_EXISTS')
    expect(readFileSync(join(r.out, 'release_manifest.json'))).toEqual(before)
  })

  it('refuses when its clone lacks the tag (E_UNKNOWN_REV)', async () => {
    const r = await twoReleases()
    expect((await sign(r, ['--tag', 'v1.0.0'])).code).toBe(0)
    const other = makeRepo({ 'x.txt': 'x\n' })
    git(other, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
    const s = await runCli(['sign', '--append', '--key', 'b.key', '--pubkey', 'a.pub', '--dir', other], r.out)
    expect(s.stderr).toContain('E_UNKNOWN_REV')
  })
})

import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAllowedSigners } from '../src/tag/allowed-signers.js'
import { verifySignedTag } from '../src/tag/index.js'
import { runCli } from './helpers/cli.js'
import { git, GIT_TEST_ENV, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

interface Signed {
  repo: string
  pub: string
  other: string
  dir: string
}

/** A repository with tag v1 signed by a fresh ssh-keygen key (gpg.format=ssh), and a second key. */
function signedRepo(): Signed {
  const dir = tempDir('relseal-ssh-')
  for (const k of ['maintainer', 'stranger'])
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', k, '-f', join(dir, k)])
  const repo = makeRepo({ 'a.txt': 'a\n' })
  git(
    repo,
    '-c',
    'gpg.format=ssh',
    '-c',
    `user.signingKey=${join(dir, 'maintainer')}`,
    'tag',
    '-s',
    'v1',
    '-m',
    'release v1',
  )
  return {
    repo,
    dir,
    pub: readFileSync(join(dir, 'maintainer.pub'), 'utf8').trim(),
    other: readFileSync(join(dir, 'stranger.pub'), 'utf8').trim(),
  }
}

/** git's own verdict: git verify-tag with gpg.ssh.allowedSignersFile. */
function gitVerdict(s: Signed, allowed: string, tag = 'v1'): boolean {
  const file = join(s.dir, 'allowed_signers')
  writeFileSync(file, allowed)
  return (
    spawnSync('git', ['-c', `gpg.ssh.allowedSignersFile=${file}`, 'verify-tag', tag], {
      cwd: s.repo,
      env: GIT_TEST_ENV,
    }).status === 0
  )
}

async function ourVerdict(s: Signed, allowed: string, tag = 'v1'): Promise<string> {
  return verifySignedTag({ repoDir: s.repo, tag, allowedSigners: allowed }).then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'crash',
  )
}

/** Rewrites tag v1's object with `edit` and points the tag at the result. */
function rewriteTag(s: Signed, edit: (text: string) => string): void {
  const text = execFileSync('git', ['cat-file', 'tag', 'v1'], { cwd: s.repo, encoding: 'utf8' })
  const oid = execFileSync('git', ['hash-object', '-t', 'tag', '-w', '--stdin'], {
    cwd: s.repo,
    input: edit(text),
    encoding: 'utf8',
  }).trim()
  git(s.repo, 'update-ref', 'refs/tags/v1', oid)
}

describe('relseal verify-tag matches git verify-tag', () => {
  const cases: [string, (s: Signed) => string, string, ((s: Signed) => void)?][] = [
    ['a listed maintainer', (s) => `t@x.io ${s.pub}\n`, 'ok'],
    [
      'several principals and options',
      (s) =>
        `# team\nother@x.io ${s.other}\n"a@x.io,t@x.io" namespaces="git,file",valid-after="20200101" ${s.pub} comment\n`,
      'ok',
    ],
    ['a signer not in the file', (s) => `t@x.io ${s.other}\n`, 'E_TAG_UNTRUSTED'],
    ['a key listed for another namespace', (s) => `t@x.io namespaces="file" ${s.pub}\n`, 'E_TAG_UNTRUSTED'],
    ['an expired signer', (s) => `t@x.io valid-before="20200101" ${s.pub}\n`, 'E_TAG_UNTRUSTED'],
    ['a signer not yet valid', (s) => `t@x.io valid-after="20991231" ${s.pub}\n`, 'E_TAG_UNTRUSTED'],
    ['a cert-authority line', (s) => `*@x.io cert-authority ${s.pub}\n`, 'E_TAG_UNTRUSTED'],
    [
      'a tampered tag message',
      (s) => `t@x.io ${s.pub}\n`,
      'E_TAG_BAD_SIGNATURE',
      (s) => rewriteTag(s, (t) => t.replace('release v1', 'release v2')),
    ],
    [
      'a tampered target',
      (s) => `t@x.io ${s.pub}\n`,
      'E_TAG_BAD_SIGNATURE',
      (s) => {
        const other = git(s.repo, 'commit-tree', '-m', 'evil', `${git(s.repo, 'rev-parse', 'HEAD')}^{tree}`)
        rewriteTag(s, (t) => t.replace(/^object [0-9a-f]+/, `object ${other}`))
      },
    ],
    [
      'tampered signature armor',
      (s) => `t@x.io ${s.pub}\n`,
      'E_TAG_BAD_SIGNATURE',
      (s) =>
        rewriteTag(s, (t) =>
          t.replace(
            /(-----BEGIN SSH SIGNATURE-----\n(?:.*\n){4}.{10})(.)/,
            (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'),
          ),
        ),
    ],
    [
      'an unsigned annotated tag',
      (s) => `t@x.io ${s.pub}\n`,
      'E_TAG_UNSIGNED',
      (s) => git(s.repo, 'tag', '-f', '-a', 'v1', '-m', 'plain'),
    ],
    [
      'a lightweight tag',
      (s) => `t@x.io ${s.pub}\n`,
      'E_TAG_UNSIGNED',
      (s) => git(s.repo, 'tag', '-f', 'v1'),
    ],
  ]

  it.each(cases)('%s', async (_name, allowed, expected, tamper) => {
    const s = signedRepo()
    tamper?.(s)
    const ours = await ourVerdict(s, allowed(s))
    expect(ours).toBe(expected)
    expect(gitVerdict(s, allowed(s))).toBe(expected === 'ok')
  })

  it('refuses a GPG signature with its own message', async () => {
    const s = signedRepo()
    rewriteTag(s, (t) =>
      t.replace(
        /-----BEGIN SSH SIGNATURE-----[\s\S]*/,
        '-----BEGIN PGP SIGNATURE-----\n\niQE\n-----END PGP SIGNATURE-----\n',
      ),
    )
    await expect(
      verifySignedTag({ repoDir: s.repo, tag: 'v1', allowedSigners: `t@x.io ${s.pub}\n` }),
    ).rejects.toThrow(/GPG/)
  })

  it('prints tag, commit, principal and the fingerprint as ssh-keygen -l does, with exit codes 0, 1, 2', async () => {
    const s = signedRepo()
    writeFileSync(join(s.dir, 'good'), `t@x.io ${s.pub}\n`)
    writeFileSync(join(s.dir, 'bad'), `t@x.io ${s.other}\n`)
    const r = await runCli(
      ['verify-tag', '--repo', s.repo, 'v1', '--allowed-signers', join(s.dir, 'good'), '--json'],
      '/',
    )
    expect(r.code).toBe(0)
    const fp = execFileSync('ssh-keygen', ['-l', '-f', join(s.dir, 'maintainer.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]
    expect(JSON.parse(r.stdout)).toEqual({
      verified: true,
      tag: 'v1',
      commit: git(s.repo, 'rev-parse', 'v1^{commit}'),
      principal: 't@x.io',
      fingerprint: fp,
    })
    expect(
      (await runCli(['verify-tag', '--repo', s.repo, 'v1', '--allowed-signers', join(s.dir, 'bad')], '/'))
        .code,
    ).toBe(1)
    expect((await runCli(['verify-tag', '--repo', s.repo, 'v1'], '/')).code).toBe(2)
  })
})

describe('parseAllowedSigners', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'
  it('reads principals, quoted options and comments', () => {
    const [e] = parseAllowedSigners(
      `"a@x, b@x" namespaces="git,file",valid-before="20300101Z" ${key} laptop\n`,
      'f',
    )
    expect(e).toMatchObject({
      principals: ['a@x', ' b@x'],
      namespaces: ['git', 'file'],
      certAuthority: false,
      keyType: 'ssh-ed25519',
    })
    expect(e!.validBefore!.toISOString()).toBe('2030-01-01T00:00:00.000Z')
  })
  it.each([
    ['an unknown option', `a@x bogus=1 ${key}`],
    ['a missing key', 'a@x ssh-ed25519'],
    ['an unclosed quote', `"a@x ${key}`],
    ['a bad time', `a@x valid-after="2030" ${key}`],
  ])('refuses %s with the line number (E_BAD_INPUT)', (_n, line) => {
    expect(() => parseAllowedSigners(`# c\n${line}\n`, 'f')).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT' }),
    )
    expect(() => parseAllowedSigners(`# c\n${line}\n`, 'f')).toThrow(/line 2/)
  })
})

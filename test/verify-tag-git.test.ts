import { execFileSync, spawnSync } from 'node:child_process'
import { createHash, createPrivateKey, sign } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sshString } from '../src/keys/ssh-format.js'
import { runCli } from './helpers/cli.js'
import { git, GIT_TEST_ENV } from './helpers/git-repo.js'

// relseal verify-tag and `git verify-tag` (gpg.format=ssh, gpg.ssh.allowedSignersFile) side by
// side on real tags signed with ssh-keygen keys of every type git users have, and on the refusals:
// both must give the same exit code.
const KEYS: [string, string[]][] = [
  ['ed25519', ['-t', 'ed25519']],
  ['rsa', ['-t', 'rsa', '-b', '2048', '-m', 'PEM']],
  ['ecdsa-256', ['-t', 'ecdsa', '-b', '256']],
  ['ecdsa-384', ['-t', 'ecdsa', '-b', '384']],
  ['ecdsa-521', ['-t', 'ecdsa', '-b', '521']],
]
let dir = ''
let repo = ''

const pubLine = (name: string) =>
  readFileSync(join(dir, `${name}.pub`), 'utf8')
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ')

function writeAllowed(file: string, text: string): string {
  const path = join(dir, file)
  writeFileSync(path, text)
  return path
}

/** Writes a tag object and points refs/tags/`name` at it. */
function storeTag(name: string, text: string): void {
  const oid = execFileSync('git', ['hash-object', '-t', 'tag', '-w', '--stdin'], {
    cwd: repo,
    input: text,
    encoding: 'utf8',
  }).trim()
  git(repo, 'update-ref', `refs/tags/${name}`, oid)
}

/**
 * A tag signed with rsa-sha2-256, which ssh-keygen -Y sign never makes (it picks rsa-sha2-512) but
 * ssh-keygen -Y verify accepts: built here with node:crypto (PROTOCOL.sshsig, RFC 8332).
 */
function storeRsaSha256Tag(name: string): void {
  const body =
    `object ${git(repo, 'rev-parse', 'HEAD')}\ntype commit\ntag ${name}\n` +
    `tagger Relseal Test <test@relseal.invalid> 1767225600 +0000\n\nrelease ${name}\n`
  const magic = Buffer.from('SSHSIG')
  const signed = Buffer.concat([
    magic,
    sshString('git'),
    sshString(''),
    sshString('sha512'),
    sshString(createHash('sha512').update(body).digest()),
  ])
  const key = createPrivateKey(readFileSync(join(dir, 'rsa'), 'utf8'))
  const publicBlob = Buffer.from(pubLine('rsa').split(' ')[1]!, 'base64')
  const version = Buffer.alloc(4)
  version.writeUInt32BE(1)
  const blob = Buffer.concat([
    magic,
    version,
    sshString(publicBlob),
    sshString('git'),
    sshString(''),
    sshString('sha512'),
    sshString(Buffer.concat([sshString('rsa-sha2-256'), sshString(sign('sha256', signed, key))])),
  ])
  const armor = blob.toString('base64').replace(/.{1,70}/g, '$&\n')
  storeTag(name, `${body}-----BEGIN SSH SIGNATURE-----\n${armor}-----END SSH SIGNATURE-----\n`)
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'relseal-tags-'))
  repo = join(dir, 'repo')
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: GIT_TEST_ENV })
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'initial')
  for (const [name, args] of [...KEYS, ['stranger', ['-t', 'ed25519']] as [string, string[]]]) {
    execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', name, '-f', join(dir, name)])
  }
  for (const [name] of KEYS) {
    git(
      repo,
      '-c',
      'gpg.format=ssh',
      '-c',
      `user.signingKey=${join(dir, name)}`,
      'tag',
      '-s',
      `v-${name}`,
      '-m',
      `release ${name}`,
    )
    const text = execFileSync('git', ['cat-file', 'tag', `v-${name}`], { cwd: repo, encoding: 'utf8' })
    storeTag(`tampered-${name}`, text.replace(`release ${name}`, `release ${name}!`))
  }
  storeRsaSha256Tag('v-rsa-sha2-256')
  git(repo, 'tag', 'lightweight')
  git(repo, 'tag', '-a', 'annotated', '-m', 'not signed')
  writeAllowed('all', KEYS.map(([name]) => `${name}@example.com ${pubLine(name)}\n`).join(''))
  writeAllowed('stranger-only', `stranger@example.com ${pubLine('stranger')}\n`)
  writeAllowed('garbage', 'this is not an allowed signers line\n')
  writeAllowed(
    'garbage-and-good',
    `this is not an allowed signers line\n${readFileSync(join(dir, 'all'), 'utf8')}`,
  )
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function bothVerdicts(tag: string, allowed: string) {
  const file = join(dir, allowed)
  const g = spawnSync('git', ['-c', `gpg.ssh.allowedSignersFile=${file}`, 'verify-tag', tag], {
    cwd: repo,
    env: GIT_TEST_ENV,
    encoding: 'utf8',
  })
  const ours = await runCli(['verify-tag', '--repo', repo, tag, '--allowed-signers', file], dir)
  return { git: g.status, ours: ours.code, stderr: ours.stderr }
}

const CASES: [string, string, string, number][] = [
  ...KEYS.flatMap(([name]): [string, string, string, number][] => [
    [`a good ${name} signature`, `v-${name}`, 'all', 0],
    [`a ${name} signer not in allowed_signers`, `v-${name}`, 'stranger-only', 1],
    [`a tampered ${name}-signed tag`, `tampered-${name}`, 'all', 1],
  ]),
  ['an rsa-sha2-256 signature made with node:crypto', 'v-rsa-sha2-256', 'all', 0],
  ['a missing allowed_signers file', 'v-ed25519', 'no-such-file', 1],
  ['a garbage allowed_signers line', 'v-ed25519', 'garbage', 1],
  ['a missing tag', 'v-missing', 'all', 1],
  ['a lightweight tag', 'lightweight', 'all', 1],
  ['an annotated tag without a signature', 'annotated', 'all', 1],
]

describe('relseal verify-tag agrees with git verify-tag', () => {
  it.each(CASES)('%s', async (_what, tag, allowed, expected) => {
    const v = await bothVerdicts(tag, allowed)
    expect(v.git).toBe(expected)
    expect({ ours: v.ours, stderr: v.stderr }).toMatchObject({ ours: expected })
  })

  it('is stricter than git on a malformed line beside good ones: git skips it, relseal refuses (E_BAD_INPUT)', async () => {
    // A typo in allowed_signers may drop a maintainer unnoticed; relseal names the line instead.
    const v = await bothVerdicts('v-ed25519', 'garbage-and-good')
    expect(v.git).toBe(0)
    expect(v.ours).toBe(1)
    expect(v.stderr).toContain('E_BAD_INPUT')
    expect(v.stderr).toContain('line 1')
  })

  it('tells a lightweight tag from an annotated tag that is not signed', async () => {
    const light = await bothVerdicts('lightweight', 'all')
    const annotated = await bothVerdicts('annotated', 'all')
    expect(light.stderr).toContain('lightweight')
    expect(annotated.stderr).not.toContain('lightweight')
    expect(annotated.stderr).toContain('annotated but not signed')
  })
})

import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePublicKey, parseSigningKey } from '../src/keys/index.js'
import { runCli } from './helpers/cli.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

const bin = new URL('../bin/relseal.js', import.meta.url).pathname
const PASS = 'correct horse battery staple'

/** bin/relseal.js as a subprocess: stdout is a pipe, as in CI logs. */
function relseal(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function releaseRepo(): string {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', 'v1.0.0')
  return repo
}

describe('relseal keygen', () => {
  it('prints the key id, the public key and how to store the secret from the file, never the secret', () => {
    const dir = tempDir()
    const r = relseal(['keygen', '--out', 'release'], dir)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const key = parseSigningKey(readFileSync(join(dir, 'release.key'), 'utf8'), 'release.key')
    const pub = parsePublicKey(readFileSync(join(dir, 'release.pub'), 'utf8'), 'release.pub')
    expect(statSync(join(dir, 'release.key')).mode & 0o777).toBe(0o600)
    expect(pub.keyId).toBe(key.keyId)
    expect(r.stdout).toContain(key.keyId)
    expect(r.stdout).toContain(Buffer.from(pub.publicKey).toString('base64'))
    expect(r.stdout).toContain('gh secret set RELSEAL_SIGNING_KEY --env release < release.key')
    const seed = Buffer.from(key.secretKey.subarray(0, 32))
    for (const secret of [seed.toString('base64'), seed.toString('hex'), seed.toString('base64url')])
      expect(r.stdout).not.toContain(secret)
    const pemBody = readFileSync(join(dir, 'release.key'), 'utf8').split('\n')[1]!
    expect(r.stdout).not.toContain(pemBody)
  })

  it('refuses --out into a missing folder with E_NOT_FOUND and writes nothing', () => {
    const dir = tempDir()
    const r = relseal(['keygen', '--out', 'no/such/folder/release'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_NOT_FOUND')
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /)
  })

  describe('with --encrypt', () => {
    it('writes an encrypted PKCS#8 key that openssl opens with the passphrase and relseal sign uses', () => {
      const repo = releaseRepo()
      const env = { RELSEAL_KEY_PASSPHRASE: PASS }
      expect(relseal(['keygen', '--out', 'k', '--encrypt'], repo, env).code).toBe(0)
      const text = readFileSync(join(repo, 'k.key'), 'utf8')
      expect(text).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----')
      const fromOpenssl = execFileSync(
        'openssl',
        ['pkey', '-in', 'k.key', '-passin', 'env:RELSEAL_KEY_PASSPHRASE', '-pubout'],
        { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } },
      )
      expect(fromOpenssl).toBe(readFileSync(join(repo, 'k.pub'), 'utf8'))

      const signed = relseal(['sign', '--key', 'k.key'], repo, env)
      expect(signed.stderr).toBe('')
      expect(signed.code).toBe(0)
      expect(relseal(['verify', 'release_manifest.json', '--pubkey', 'k.pub'], repo).code).toBe(0)
    })

    it('refuses to sign with E_BAD_KEY when no passphrase is given (no terminal) or it is wrong', () => {
      const repo = releaseRepo()
      relseal(['keygen', '--out', 'k', '--encrypt'], repo, { RELSEAL_KEY_PASSPHRASE: PASS })
      const envs: Record<string, string>[] = [{}, { RELSEAL_KEY_PASSPHRASE: 'wrong' }]
      for (const env of envs) {
        const r = relseal(['sign', '--key', 'k.key'], repo, env)
        expect(r.code).toBe(2)
        expect(r.stderr).toContain('E_BAD_KEY')
      }
    })
  })
})

describe('--pubkey', () => {
  it('refuses a private key where the public key belongs (E_BAD_KEY)', async () => {
    const dir = tempDir()
    await runCli(['keygen', '--out', 'k'], dir)
    const r = await runCli(['verify', 'm.json', '--pubkey', 'k.key'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_BAD_KEY')
    expect(r.stderr).toContain('private key')
  })

  it('reports a mistyped path as a missing file (E_NOT_FOUND), not as a bad key', async () => {
    const dir = tempDir()
    await runCli(['keygen', '--out', 'k'], dir)
    const r = await runCli(['verify', 'm.json', '--pubkey', 'k.pbu'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_NOT_FOUND')
    expect(r.stderr).toContain('no such file: k.pbu')
  })
})

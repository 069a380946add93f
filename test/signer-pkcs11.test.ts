import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePkcs11Uri } from '../src/keys/index.js'
import { MANIFEST_PAYLOAD_TYPE, preAuthEncoding } from '../src/manifest/index.js'
import { runCli } from './helpers/cli.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

// Debian's softhsm2 package (installed by .ci/run) puts the module here on every architecture.
const MODULE = '/usr/lib/softhsm/libsofthsm2.so'
const PIN = '5678'

/** A SoftHSM2 token in a temp folder with an Ed25519 key made on the token by OpenSC's pkcs11-tool. */
function softToken() {
  const dir = tempDir('relseal-hsm-')
  mkdirSync(join(dir, 'tokens'))
  writeFileSync(
    join(dir, 'softhsm2.conf'),
    `directories.tokendir = ${dir}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`,
  )
  const env = { PATH: process.env.PATH, SOFTHSM2_CONF: join(dir, 'softhsm2.conf') }
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', 'release', '--so-pin', '1234', '--pin', PIN],
    { env, stdio: 'ignore' },
  )
  execFileSync(
    'pkcs11-tool',
    [
      '--module',
      MODULE,
      '--token-label',
      'release',
      '--login',
      '--pin',
      PIN,
      '--keypairgen',
      '--key-type',
      'EC:edwards25519',
      '--id',
      'a1',
      '--label',
      'relseal key',
    ],
    { env, stdio: 'ignore' },
  )
  const pub = join(dir, 'token.pub')
  execFileSync(
    'pkcs11-tool',
    [
      '--module',
      MODULE,
      '--token-label',
      'release',
      '--read-object',
      '--type',
      'pubkey',
      '--id',
      'a1',
      '-o',
      pub,
    ],
    { env, stdio: 'ignore' },
  )
  return { dir, env, pub }
}

function releaseRepo(): string {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', 'v1.0.0')
  return repo
}

describe('pkcs11: signer against SoftHSM2', () => {
  for (const uri of [
    'pkcs11:token=release;object=relseal%20key',
    'pkcs11:token=release;id=%a1;type=private',
  ]) {
    it(`signs a manifest with CKM_EDDSA (${uri}); openssl and relseal verify it`, async () => {
      const t = softToken()
      const repo = releaseRepo()
      const s = await runCli(['sign', '--key', uri, '--pkcs11-module', MODULE], repo, {
        ...t.env,
        RELSEAL_PKCS11_PIN: PIN,
      })
      expect(s.stderr).toBe('')
      expect(s.code).toBe(0)
      const env = JSON.parse(readFileSync(join(repo, 'release_manifest.json'), 'utf8')) as {
        payload: string
        signatures: { sig: string }[]
      }
      writeFileSync(
        join(t.dir, 'pae'),
        preAuthEncoding(MANIFEST_PAYLOAD_TYPE, Buffer.from(env.payload, 'base64')),
      )
      writeFileSync(join(t.dir, 'sig'), Buffer.from(env.signatures[0]!.sig, 'base64'))
      const out = execFileSync('openssl', [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        t.pub,
        '-rawin',
        '-in',
        join(t.dir, 'pae'),
        '-sigfile',
        join(t.dir, 'sig'),
      ]).toString()
      expect(out).toContain('Signature Verified Successfully')
      expect(
        (await runCli(['verify', 'release_manifest.json', '--pubkey', t.pub, '--dir', '.'], repo)).code,
      ).toBe(0)
    })
  }

  it('takes the module from the URI (module-path)', async () => {
    const t = softToken()
    const repo = releaseRepo()
    const uri = `pkcs11:token=release;object=relseal%20key?module-path=${MODULE}`
    const s = await runCli(['sign', '--key', uri], repo, { ...t.env, RELSEAL_PKCS11_PIN: PIN })
    expect(s.code).toBe(0)
  })

  describe('when the token refuses', () => {
    const refused = async (uri: string, pin: string) => {
      const t = softToken()
      const repo = releaseRepo()
      const before = readdirSync(repo).sort()
      const r = await runCli(['sign', '--key', uri, '--pkcs11-module', MODULE], repo, {
        ...t.env,
        RELSEAL_PKCS11_PIN: pin,
      })
      expect(readdirSync(repo).sort()).toEqual(before)
      return r
    }
    it('a wrong PIN is E_SIGNER_FAILED and nothing is written', async () => {
      const r = await refused('pkcs11:token=release;object=relseal%20key', '0000')
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('E_SIGNER_FAILED')
      expect(r.stderr).not.toContain('0000')
    })
    it('a key the token does not hold is E_SIGNER_FAILED', async () => {
      const r = await refused('pkcs11:token=release;object=other', PIN)
      expect(r.stderr).toContain('E_SIGNER_FAILED')
    })
  })

  it('needs a module (E_USAGE)', async () => {
    const r = await runCli(['sign', '--key', 'pkcs11:object=k'], releaseRepo(), {})
    expect(r.stderr).toContain('E_USAGE')
  })
})

describe('pkcs11: URIs (RFC 7512)', () => {
  it('parses path and query attributes, with %-escapes', () => {
    expect(parsePkcs11Uri('pkcs11:token=My%20Token;id=%01%ff;type=private?module-path=/m.so')).toEqual({
      token: 'My Token',
      id: Buffer.from([1, 255]),
      modulePath: '/m.so',
    })
  })
  for (const uri of [
    'pkcs11:token=t',
    'pkcs11:object=k;pin-value=1234',
    'pkcs11:object=k?pin-source=file:/pin',
    'pkcs11:object=k;type=public',
    'pkcs11:object=k;object=j',
    'pkcs11:object=%zz',
    'pkcs11:object=k;frobnicate=1',
    'pkcs11:object=k?a=1?b=2',
    `pkcs11:object=${'a'.repeat(5000)}`,
  ])
    it(`refuses ${uri.slice(0, 60)} with E_BAD_KEY`, () => {
      expect(() => parsePkcs11Uri(uri)).toThrow(expect.objectContaining({ code: 'E_BAD_KEY' }))
    })
})

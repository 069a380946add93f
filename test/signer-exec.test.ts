import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { execSigner, parseExecCommand, parsePublicKey } from '../src/keys/index.js'
import { MANIFEST_PAYLOAD_TYPE, preAuthEncoding } from '../src/manifest/index.js'
import { runCli } from './helpers/cli.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

// An exec: signer as a user would write one around a KMS CLI: the bytes arrive on stdin, openssl
// signs them (pkeyutl -rawin: pure Ed25519), the signature goes out as base64 or raw.
const OPENSSL_SIGNER = `import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const [key, form] = process.argv.slice(2)
const dir = mkdtempSync(join(tmpdir(), 'signer-'))
writeFileSync(join(dir, 'msg'), readFileSync(0))
const sig = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', key, '-rawin', '-in', join(dir, 'msg')])
rmSync(dir, { recursive: true })
process.stdout.write(form === 'raw' ? sig : sig.toString('base64') + '\\n')
`

function setup() {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', 'v1.0.0')
  const tools = tempDir()
  for (const name of ['a', 'b']) {
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(tools, `${name}.pem`)])
    execFileSync('openssl', [
      'pkey',
      '-in',
      join(tools, `${name}.pem`),
      '-pubout',
      '-out',
      join(tools, `${name}.pub`),
    ])
  }
  writeFileSync(join(tools, 'openssl-signer.mjs'), OPENSSL_SIGNER)
  return { repo, tools }
}

const signArgs = (tools: string, command: string, pub = join(tools, 'a.pub')) => [
  'sign',
  '--key',
  `exec:${process.execPath} ${command}`,
  '--signer-pubkey',
  pub,
]

/** The PAE the envelope's signatures cover, rebuilt from the envelope's payload. */
function paeOfEnvelope(path: string): Buffer {
  const env = JSON.parse(readFileSync(path, 'utf8')) as { payload: string; signatures: { sig: string }[] }
  return preAuthEncoding(MANIFEST_PAYLOAD_TYPE, Buffer.from(env.payload, 'base64'))
}

describe('exec: signer', () => {
  for (const form of ['base64', 'raw']) {
    it(`signs a manifest through an openssl script (${form} output) that openssl and relseal verify`, async () => {
      const { repo, tools } = setup()
      const s = await runCli(
        signArgs(tools, `${join(tools, 'openssl-signer.mjs')} ${join(tools, 'a.pem')} ${form}`),
        repo,
      )
      expect(s.stderr).toBe('')
      expect(s.code).toBe(0)
      const manifest = join(repo, 'release_manifest.json')
      const env = JSON.parse(readFileSync(manifest, 'utf8')) as { signatures: { sig: string }[] }
      writeFileSync(join(tools, 'pae'), paeOfEnvelope(manifest))
      writeFileSync(join(tools, 'sig'), Buffer.from(env.signatures[0]!.sig, 'base64'))
      // openssl exits non-zero (execFileSync throws) unless the signature verifies.
      const ok = execFileSync('openssl', [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        join(tools, 'a.pub'),
        '-rawin',
        '-in',
        join(tools, 'pae'),
        '-sigfile',
        join(tools, 'sig'),
      ]).toString()
      expect(ok).toContain('Signature Verified Successfully')
      const v = await runCli(
        ['verify', 'release_manifest.json', '--pubkey', join(tools, 'a.pub'), '--dir', '.'],
        repo,
      )
      expect(v.code).toBe(0)
    })
  }

  describe('when the command is not an honest signer for --signer-pubkey', () => {
    const refused = async (command: (tools: string) => string, timeout?: string) => {
      const { repo, tools } = setup()
      const before = readdirSync(repo).sort()
      const r = await runCli(
        [...signArgs(tools, command(tools)), ...(timeout ? ['--signer-timeout', timeout] : [])],
        repo,
      )
      expect(readdirSync(repo).sort()).toEqual(before) // nothing written
      return r
    }

    it("refuses another key's signature with E_SIGNER_FAILED", async () => {
      const r = await refused((t) => `${join(t, 'openssl-signer.mjs')} ${join(t, 'b.pem')}`)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('E_SIGNER_FAILED')
    })

    it('refuses garbage output with E_SIGNER_FAILED', async () => {
      const r = await refused(() => `-e process.stdout.write('not a signature')`)
      expect(r.stderr).toContain('E_SIGNER_FAILED')
    })

    it('refuses 64 bytes that are not a signature with E_SIGNER_FAILED', async () => {
      const r = await refused(() => `-e process.stdout.write(Buffer.alloc(64,1))`)
      expect(r.stderr).toContain('E_SIGNER_FAILED')
    })

    it('refuses empty output with E_SIGNER_FAILED', async () => {
      const r = await refused(() => `-e 0`)
      expect(r.stderr).toContain('E_SIGNER_FAILED')
    })

    it('refuses a non-zero exit with E_SIGNER_FAILED', async () => {
      const r = await refused(() => `-e process.exit(3)`)
      expect(r.stderr).toContain('E_SIGNER_FAILED')
    })

    it('kills a command that hangs and refuses with E_SIGNER_FAILED', async () => {
      const started = Date.now()
      const r = await refused(() => `-e setInterval(()=>{},1000)`, '1')
      expect(r.stderr).toContain('E_SIGNER_FAILED')
      expect(Date.now() - started).toBeLessThan(10_000)
    })

    it('refuses endless output with E_SIGNER_FAILED', async () => {
      const r = await refused(() => `-e for(;;)process.stdout.write('A'.repeat(65536))`, '5')
      expect(r.stderr).toContain('E_SIGNER_FAILED')
    })
  })

  it('needs --signer-pubkey (E_USAGE)', async () => {
    const { repo, tools } = setup()
    const r = await runCli(['sign', '--key', `exec:${join(tools, 'openssl-signer.mjs')}`], repo)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_USAGE')
  })

  it('reports a command that cannot be started with E_SIGNER_FAILED', async () => {
    const { tools } = setup()
    const s = execSigner({
      argv: parseExecCommand(join(tools, 'no-such-signer')),
      publicKey: parsePublicKey(readFileSync(join(tools, 'a.pub'), 'utf8'), 'a.pub'),
    })
    await expect(s.sign(new Uint8Array([1]))).rejects.toMatchObject({ code: 'E_SIGNER_FAILED' })
  })

  it('splits the command at spaces, without a shell', () => {
    expect(parseExecCommand(' kms  sign\t--key  k ')).toEqual(['kms', 'sign', '--key', 'k'])
    expect(parseExecCommand('echo $(id)')).toEqual(['echo', '$(id)'])
    expect(() => parseExecCommand('  ')).toThrow(expect.objectContaining({ code: 'E_USAGE' }))
  })
})

describe('trust sign through an exec: signer', () => {
  it('signs a trust root with a key that never leaves the command, and refuses another key', async () => {
    const { tools } = setup()
    const init = await runCli(
      ['trust', 'init', '--key', join(tools, 'a.pub'), '--threshold', '1', '--root-threshold', '1'].concat([
        '--repository',
        'acme/app',
        '--out',
        'trust-root.1.json',
      ]),
      tools,
    )
    expect(init.code).toBe(0)
    expect((await runCli(['trust', 'verify', 'trust-root.1.json'], tools)).code).toBe(1)
    const before = readFileSync(join(tools, 'trust-root.1.json'))
    // b signs while claiming to be a: refused, the root unchanged.
    const wrong = await runCli(
      ['trust', 'sign', 'trust-root.1.json'].concat(
        signArgs(tools, `${join(tools, 'openssl-signer.mjs')} ${join(tools, 'b.pem')}`).slice(1),
      ),
      tools,
    )
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('E_SIGNER_FAILED')
    expect(readFileSync(join(tools, 'trust-root.1.json'))).toEqual(before)
    const signed = await runCli(
      ['trust', 'sign', 'trust-root.1.json'].concat(
        signArgs(tools, `${join(tools, 'openssl-signer.mjs')} ${join(tools, 'a.pem')}`).slice(1),
      ),
      tools,
    )
    expect(signed.code).toBe(0)
    const verified = await runCli(['trust', 'verify', 'trust-root.1.json'], tools)
    expect(verified.code).toBe(0)
  })
})

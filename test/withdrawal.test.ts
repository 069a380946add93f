import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { signWithKeyChecked } from '../src/keys/signer.js'
import { preAuthEncoding, serializeEnvelope } from '../src/manifest/dsse.js'
import {
  appendWithdrawalSignature,
  MAX_REASON_BYTES,
  parseWithdrawalPayload,
  signManifest,
  signWithdrawal,
  verifyManifest,
  verifyWithdrawal,
  WITHDRAWAL_PAYLOAD_TYPE,
  type WithdrawalPayload,
} from '../src/manifest/index.js'
import { keyIdOf } from '../src/keys/key-id.js'
import { keyPairFromSeed } from '../src/keys/ed25519.js'
import { parsePublicKey } from '../src/keys/index.js'
import { runCli } from './helpers/cli.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { editEnvelope, testKey, testPayload } from './helpers/manifest.js'
import { tempDir } from './helpers/tmp.js'

const [k1, k2, k3] = [testKey(1), testKey(2), testKey(3)]
const pub = (k: typeof k1) => ({ keyId: k.keyId, publicKey: k.publicKey })

const statement = (over: Partial<WithdrawalPayload> = {}): WithdrawalPayload => ({
  repository: 'acme/app',
  version: '1.2.3',
  commit: 'a'.repeat(40),
  reason: 'crashes on start when the cache is empty',
  time: '2026-03-01T12:00:00Z',
  ...over,
})

/** A withdrawal envelope over arbitrary payload text (what a hostile signer could publish). */
function rawWithdrawal(text: string, key = k1, type = WITHDRAWAL_PAYLOAD_TYPE): Uint8Array {
  const payload = Buffer.from(text, 'utf8')
  const sig = signWithKeyChecked(key, preAuthEncoding(type, payload))
  return serializeEnvelope(type, payload, [{ keyid: key.keyId, sig: Buffer.from(sig).toString('base64') }])
}

describe('withdrawal statements', () => {
  it('round-trips: signed, then verified with the same policy as a manifest', async () => {
    const env = await signWithdrawal(statement(), [k1])
    const v = verifyWithdrawal(env, { keys: [pub(k1)], repository: 'ACME/app' })
    expect(v.payload).toEqual(statement())
    expect(v.keyIds).toEqual([k1.keyId])
    expect(v.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(JSON.parse(Buffer.from(env).toString('utf8')).payloadType).toBe(
      'application/vnd.relseal.withdrawal.v1+json',
    )
  })

  describe('when a payload type is confused', () => {
    it('refuses a withdrawal as a manifest with E_BAD_INPUT', async () => {
      const env = await signWithdrawal(statement(), [k1])
      expect(() => verifyManifest(env, { keys: [pub(k1)] })).toThrow(
        expect.objectContaining({ code: 'E_BAD_INPUT' }),
      )
    })
    it('refuses a manifest as a withdrawal with E_BAD_INPUT', () => {
      const env = signManifest(testPayload(), [k1])
      expect(() => verifyWithdrawal(env, { keys: [pub(k1)] })).toThrow(
        expect.objectContaining({ code: 'E_BAD_INPUT' }),
      )
    })
    it('refuses a withdrawal payload signed under the manifest type (the signature covers the type)', async () => {
      const env = editEnvelope(await signWithdrawal(statement(), [k1]), (e) => {
        e.payloadType = 'application/vnd.relseal.manifest.v1+json'
      })
      expect(() => verifyManifest(env, { keys: [pub(k1)] })).toThrow(
        expect.objectContaining({ code: 'E_BAD_SIGNATURE' }),
      )
    })
  })

  describe('when a threshold applies', () => {
    const policy = { keys: [pub(k1), pub(k2), pub(k3)], threshold: 2 }
    it('refuses one signature with E_THRESHOLD, and accepts after --append by a second key', async () => {
      const one = await signWithdrawal(statement(), [k1])
      expect(() => verifyWithdrawal(one, policy)).toThrow(expect.objectContaining({ code: 'E_THRESHOLD' }))
      const { envelope, payload } = await appendWithdrawalSignature(one, k2, [pub(k1)])
      expect(payload.version).toBe('1.2.3')
      expect(verifyWithdrawal(envelope, policy).keyIds).toEqual([k1.keyId, k2.keyId].sort())
    })
    it('refuses to co-sign over a signature that does not verify (E_BAD_SIGNATURE)', async () => {
      const bad = editEnvelope(await signWithdrawal(statement(), [k1]), (e) => {
        e.payload = Buffer.from(`${JSON.stringify(statement({ version: '9.9.9' }))}\n`).toString('base64')
      })
      await expect(appendWithdrawalSignature(bad, k2, [pub(k1)])).rejects.toMatchObject({
        code: 'E_BAD_SIGNATURE',
      })
    })
    it('does not count one key twice (E_EXISTS on append)', async () => {
      const one = await signWithdrawal(statement(), [k1])
      await expect(appendWithdrawalSignature(one, k1, [pub(k1)])).rejects.toMatchObject({ code: 'E_EXISTS' })
    })
  })

  it('refuses a statement for another repository with E_REPOSITORY_MISMATCH', async () => {
    const env = await signWithdrawal(statement({ repository: 'evil/app' }), [k1])
    expect(() => verifyWithdrawal(env, { keys: [pub(k1)], repository: 'acme/app' })).toThrow(
      expect.objectContaining({ code: 'E_REPOSITORY_MISMATCH' }),
    )
  })

  it('refuses an unlisted key, an altered payload, no signature and an oversized file', async () => {
    const env = await signWithdrawal(statement(), [k3])
    const policy = { keys: [pub(k1)] }
    expect(() => verifyWithdrawal(env, policy)).toThrow(expect.objectContaining({ code: 'E_UNTRUSTED_KEY' }))
    const altered = editEnvelope(await signWithdrawal(statement(), [k1]), (e) => {
      e.payload = Buffer.from(`${JSON.stringify(statement({ reason: 'other' }))}\n`).toString('base64')
    })
    expect(() => verifyWithdrawal(altered, policy)).toThrow(
      expect.objectContaining({ code: 'E_BAD_SIGNATURE' }),
    )
    const unsigned = editEnvelope(env, (e) => {
      e.signatures = []
    })
    expect(() => verifyWithdrawal(unsigned, policy)).toThrow(expect.objectContaining({ code: 'E_UNSIGNED' }))
    const big = Buffer.alloc(64 * 1024 + 1, 0x20)
    expect(() => verifyWithdrawal(big, policy)).toThrow(expect.objectContaining({ code: 'E_TOO_LARGE' }))
  })

  describe('strict parse of a verified payload', () => {
    const policy = { keys: [pub(k1)] }
    const json = (o: object) => `${JSON.stringify(o)}\n`
    it.each([
      ['an unknown field', json({ ...statement(), extra: 1 })],
      ['a missing field', json({ ...statement(), commit: undefined })],
      ['a duplicate key', json(statement()).replace('{', '{"version":"0.0.1",')],
      ['a short commit', json(statement({ commit: 'abc' }))],
      ['a loose version', json(statement({ version: 'v1.2.3' }))],
      ['a time with an offset', json(statement({ time: '2026-03-01T12:00:00+00:00' }))],
      ['an empty reason', json(statement({ reason: '' }))],
      ['a reason with a newline', json(statement({ reason: 'ok\nFAKE LOG LINE' }))],
      ['a reason with ESC', json(statement({ reason: 'x\x1b[2J' }))],
      ['a reason over the cap', json(statement({ reason: 'é'.repeat(MAX_REASON_BYTES / 2 + 1) }))],
      ['a number instead of a string', json({ ...statement(), version: 1 })],
    ])('refuses %s with E_BAD_INPUT', (_what, text) => {
      expect(() => verifyWithdrawal(rawWithdrawal(text), policy)).toThrow(
        expect.objectContaining({ code: 'E_BAD_INPUT' }),
      )
    })
    it('refuses to sign what it would refuse to verify', async () => {
      await expect(signWithdrawal(statement({ reason: 'a\rb' }), [k1])).rejects.toMatchObject({
        code: 'E_BAD_INPUT',
      })
    })
  })
})

describe('relseal withdraw', () => {
  async function keys(dir: string, name: string) {
    const r = await runCli(['keygen', '--out', name], dir)
    expect(r.code).toBe(0)
    return { key: join(dir, `${name}.key`), pub: join(dir, `${name}.pub`) }
  }

  it('takes the commit and repository from git, and openssl verifies its signature', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' })
    git(repo, 'tag', 'v1.2.3')
    git(repo, 'remote', 'add', 'origin', 'https://github.com/acme/app.git')
    const dir = tempDir()
    const k = await keys(dir, 'release')
    const r = await runCli(
      ['withdraw', '--version', '1.2.3', '--reason', 'bad \u202egnp.exe', '--key', k.key, '--dir', repo],
      dir,
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('\\u202e') // hostile text is escaped when printed
    const bytes = readFileSync(join(dir, 'release_withdrawn.json'))
    const v = verifyWithdrawal(bytes, { keys: [parsePublicKey(readFileSync(k.pub, 'utf8'), 'pub')] })
    expect(v.payload).toMatchObject({
      repository: 'acme/app',
      version: '1.2.3',
      commit: git(repo, 'rev-parse', 'v1.2.3^{commit}'),
    })
    const env = JSON.parse(bytes.toString('utf8')) as {
      payloadType: string
      payload: string
      signatures: { keyid: string; sig: string }[]
    }
    writeFileSync(join(dir, 'pae.bin'), preAuthEncoding(env.payloadType, Buffer.from(env.payload, 'base64')))
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(env.signatures[0]!.sig, 'base64'))
    const out = execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-pubin', '-inkey', k.pub, '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin'],
      { cwd: dir, encoding: 'utf8' },
    )
    expect(out).toContain('Signature Verified Successfully')
    expect(env.signatures[0]!.keyid).toBe(keyIdOf(parsePublicKey(readFileSync(k.pub, 'utf8'), 'p').publicKey))
  })

  it('co-signs with --append towards a threshold, checking the version first', async () => {
    const dir = tempDir()
    const [a, b] = [await keys(dir, 'a'), await keys(dir, 'b')]
    const base = ['withdraw', '--version', '2.0.0']
    const first = await runCli(
      [
        ...base,
        '--reason',
        'leaks memory',
        '--key',
        a.key,
        '--commit',
        'c'.repeat(40),
        '--repository',
        'acme/app',
      ],
      dir,
    )
    expect(first.code).toBe(0)
    const wrong = await runCli(
      ['withdraw', '--version', '2.0.1', '--append', '--key', b.key, '--pubkey', a.pub],
      dir,
    )
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('E_USAGE')
    const noPubkey = await runCli([...base, '--append', '--key', b.key], dir)
    expect(noPubkey.code).toBe(2)
    const second = await runCli([...base, '--append', '--key', b.key, '--pubkey', a.pub], dir)
    expect(second.code).toBe(0)
    const policy = {
      keys: [a.pub, b.pub].map((p) => parsePublicKey(readFileSync(p, 'utf8'), p)),
      threshold: 2,
    }
    expect(verifyWithdrawal(readFileSync(join(dir, 'release_withdrawn.json')), policy).keyIds).toHaveLength(2)
  })

  it('refuses a missing reason, a reason with a newline and a short commit with E_USAGE', async () => {
    const dir = tempDir()
    const k = await keys(dir, 'k')
    const base = ['withdraw', '--version', '1.0.0', '--key', k.key, '--repository', 'acme/app']
    for (const extra of [
      ['--commit', 'd'.repeat(40)],
      ['--commit', 'd'.repeat(40), '--reason', 'two\nlines'],
      ['--commit', 'abc', '--reason', 'ok'],
    ]) {
      const r = await runCli([...base, ...extra], dir)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('E_USAGE')
    }
  })
})

describe('docs/vectors/withdrawal-v1.json (spec: "Withdrawal statement")', () => {
  const v = JSON.parse(
    readFileSync(new URL('../docs/vectors/withdrawal-v1.json', import.meta.url), 'utf8'),
  ) as {
    key: { seed_hex: string; key_id: string; public_key_spki_pem: string }
    payload_type: string
    payload_utf8: string
    pae_hex: string
    signature_base64: string
    envelope: string
    envelope_digest: string
  }
  const trusted = () => ({ keys: [parsePublicKey(v.key.public_key_spki_pem, 'vector')] })

  it('is reproduced byte for byte from the seed, and verifies', async () => {
    const kp = keyPairFromSeed(Buffer.from(v.key.seed_hex, 'hex'))
    const payload = parseWithdrawalPayload(Buffer.from(v.payload_utf8))
    const env = Buffer.from(await signWithdrawal(payload, [{ ...kp, keyId: v.key.key_id }])).toString('utf8')
    expect(env).toBe(v.envelope)
    expect(verifyWithdrawal(Buffer.from(v.envelope), trusted()).digest).toBe(v.envelope_digest)
    // PAE written out by hand from DSSE's protocol.md, not by relseal's function.
    const body = Buffer.from(v.payload_utf8)
    const pae = `DSSEv1 ${v.payload_type.length} ${v.payload_type} ${body.length} ${v.payload_utf8}`
    expect(Buffer.from(pae).toString('hex')).toBe(v.pae_hex)
  })

  it('verifies with openssl alone, and one flipped signature byte is E_BAD_SIGNATURE', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pub.pem'), v.key.public_key_spki_pem)
    writeFileSync(join(dir, 'pae.bin'), Buffer.from(v.pae_hex, 'hex'))
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(v.signature_base64, 'base64'))
    const out = execFileSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        'pub.pem',
        '-rawin',
        '-in',
        'pae.bin',
        '-sigfile',
        'sig.bin',
      ],
      { cwd: dir, encoding: 'utf8' },
    )
    expect(out).toContain('Signature Verified Successfully')
    const sig = Buffer.from(v.signature_base64, 'base64')
    sig[10]! ^= 1
    const flipped = editEnvelope(Buffer.from(v.envelope), (e) => {
      ;(e.signatures as { sig: string }[])[0]!.sig = sig.toString('base64')
    })
    expect(() => verifyWithdrawal(flipped, trusted())).toThrow(
      expect.objectContaining({ code: 'E_BAD_SIGNATURE' }),
    )
    expect(() => verifyManifest(Buffer.from(v.envelope), trusted())).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT' }),
    )
  })
})

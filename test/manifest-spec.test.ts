import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { keyPairFromSeed, signDetached } from '../src/keys/ed25519.js'
import { parsePublicKey } from '../src/keys/index.js'
import {
  MANIFEST_PAYLOAD_TYPE,
  preAuthEncoding,
  signManifest,
  verifyManifest,
} from '../src/manifest/index.js'
import { parsePayload } from '../src/manifest/payload.js'
import { tempDir } from './helpers/tmp.js'

interface Vectors {
  key: { seed_hex: string; public_key_hex: string; key_id: string; public_key_spki_pem: string }
  payload_type: string
  payload_utf8: string
  pae_hex: string
  signature_base64: string
  envelope: string
  envelope_digest: string
}

const v = JSON.parse(
  readFileSync(new URL('../docs/vectors/manifest-v1.json', import.meta.url), 'utf8'),
) as Vectors

describe('docs/vectors/manifest-v1.json', () => {
  it('derives the public key and key id from the seed', () => {
    const kp = keyPairFromSeed(Buffer.from(v.key.seed_hex, 'hex'))
    expect(Buffer.from(kp.publicKey).toString('hex')).toBe(v.key.public_key_hex)
    expect(createHash('sha256').update(kp.publicKey).digest('hex')).toBe(v.key.key_id)
    expect(parsePublicKey(v.key.public_key_spki_pem, 'vector').keyId).toBe(v.key.key_id)
  })

  it('reproduces PAE, signature, envelope and digest from the payload bytes', () => {
    const kp = keyPairFromSeed(Buffer.from(v.key.seed_hex, 'hex'))
    const payload = Buffer.from(v.payload_utf8, 'utf8')
    expect(preAuthEncoding(v.payload_type, payload).toString('hex')).toBe(v.pae_hex)
    const key = { ...kp, keyId: v.key.key_id }
    const env = Buffer.from(signManifest(parsePayload(payload), [key])).toString('utf8')
    expect(env).toBe(v.envelope)
    expect(JSON.parse(env).signatures[0].sig).toBe(v.signature_base64)
    expect(`sha256:${createHash('sha256').update(env).digest('hex')}`).toBe(v.envelope_digest)
  })

  it('verifies with relseal and with openssl alone', () => {
    const policy = {
      keys: [parsePublicKey(v.key.public_key_spki_pem, 'vector')],
      now: new Date('2026-06-01T00:00:00Z'),
    }
    expect(verifyManifest(Buffer.from(v.envelope), policy).digest).toBe(v.envelope_digest)
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
      {
        cwd: dir,
        encoding: 'utf8',
      },
    )
    expect(out).toContain('Signature Verified Successfully')
  })

  it('uses the payload type the spec names, and the spec shell recipe builds the same PAE', () => {
    expect(v.payload_type).toBe(MANIFEST_PAYLOAD_TYPE)
    const dir = tempDir()
    writeFileSync(join(dir, 'payload.bin'), v.payload_utf8)
    const spec = readFileSync(new URL('../docs/manifest-spec.md', import.meta.url), 'utf8')
    const recipe = spec
      .split('\n')
      .filter((l) => l.startsWith("printf 'DSSEv1") || l.startsWith('cat payload.bin'))
      .join('\n')
    execFileSync('sh', ['-c', recipe], { cwd: dir })
    expect(readFileSync(join(dir, 'pae.bin')).toString('hex')).toBe(v.pae_hex)
  })
})

interface TagVersionVectors {
  key_id: string
  cases: {
    name: string
    tag_prefix: string
    expect: string
    payload_utf8: string
    signature_base64: string
    envelope: string
  }[]
}

const tv = JSON.parse(
  readFileSync(new URL('../docs/vectors/manifest-v1-tag-version.json', import.meta.url), 'utf8'),
) as TagVersionVectors

describe('docs/vectors/manifest-v1-tag-version.json (spec: "Tag and version")', () => {
  const policy = (tagPrefix: string) => ({
    keys: [parsePublicKey(v.key.public_key_spki_pem, 'vector')],
    now: new Date('2026-06-01T00:00:00Z'),
    tagPrefix,
  })

  it.each(tv.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // Validly signed: the signature is what the vector key gives over the PAE, and the envelope
    // carries exactly these payload bytes under the vector key id.
    const kp = keyPairFromSeed(Buffer.from(v.key.seed_hex, 'hex'))
    const payload = Buffer.from(c.payload_utf8, 'utf8')
    const env = JSON.parse(c.envelope) as { payload: string; signatures: { keyid: string; sig: string }[] }
    expect(Buffer.from(env.payload, 'base64')).toEqual(payload)
    expect(env.signatures).toEqual([{ keyid: tv.key_id, sig: c.signature_base64 }])
    expect(tv.key_id).toBe(v.key.key_id)
    const sig = Buffer.from(
      signDetached(kp.secretKey, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload)),
    ).toString('base64')
    expect(sig).toBe(c.signature_base64)

    const run = () => verifyManifest(Buffer.from(c.envelope), policy(c.tag_prefix))
    if (c.expect === 'verified') expect(run().payload.version).toBe(JSON.parse(c.payload_utf8).version)
    else expect(run).toThrow(expect.objectContaining({ code: c.expect }))
  })

  it('holds the relabelled-version case the spec names', () => {
    const relabelled = tv.cases.filter((c) => c.expect === 'E_TAG_VERSION_MISMATCH')
    expect(
      relabelled.map((c) => JSON.parse(c.payload_utf8) as { tag: string; version: string }),
    ).toContainEqual(expect.objectContaining({ tag: 'v1.0.0', version: '9.9.9' }))
  })
})

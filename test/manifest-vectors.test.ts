import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { verifyDetached } from '../src/keys/ed25519.js'
import { keyIdOf } from '../src/keys/key-id.js'
import { MANIFEST_PAYLOAD_TYPE, preAuthEncoding, verifyManifest } from '../src/manifest/index.js'

interface Vector {
  rule: string
  name: string
  kind: 'envelope' | 'payload'
  expected: string
  envelope_base64: string
  payload_base64?: string
}
interface VectorFile {
  policy: { public_key_hex: string; key_id: string; threshold: number; now: string; enforce_expiry: boolean }
  vectors: Vector[]
}

const file = JSON.parse(
  readFileSync(new URL('../docs/vectors/negative.json', import.meta.url), 'utf8'),
) as VectorFile
const spec = readFileSync(new URL('../docs/manifest-spec.md', import.meta.url), 'utf8')
const publicKey = Buffer.from(file.policy.public_key_hex, 'hex')
const policy = {
  keys: [{ publicKey, keyId: keyIdOf(publicKey) }],
  threshold: file.policy.threshold,
  now: new Date(file.policy.now),
  enforceExpiry: file.policy.enforce_expiry,
}

function outcome(envelope: Buffer): string {
  try {
    verifyManifest(envelope, policy)
    return 'OK'
  } catch (e) {
    return (e as { code?: string }).code ?? String(e)
  }
}

describe('docs/vectors/negative.json', () => {
  it('names the policy key by its key id and covers every grammar rule the spec lists', () => {
    expect(keyIdOf(publicKey)).toBe(file.policy.key_id)
    const rules = new Set(file.vectors.map((v) => v.rule))
    for (const rule of rules) expect(spec, `rule ${rule} is not named in the spec`).toContain(`\`${rule}\``)
    expect(rules.size).toBeGreaterThan(15)
  })

  it.each(file.vectors.map((v) => [`${v.rule}: ${v.name}`, v] as const))('%s', (_n, v) => {
    const envelope = Buffer.from(v.envelope_base64, 'base64')
    if (v.kind === 'payload') {
      // The signature is valid: the verdict must come from the payload grammar.
      const payload = Buffer.from(v.payload_base64!, 'base64')
      const sig = Buffer.from(
        (JSON.parse(envelope.toString('utf8')) as { signatures: { sig: string }[] }).signatures[0]!.sig,
        'base64',
      )
      expect(verifyDetached(publicKey, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload), sig)).toBe(true)
    }
    expect(outcome(envelope)).toBe(v.expected)
  })
})

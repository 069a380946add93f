import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { trustPolicyOf, verifyTrustRootChain } from '../src/trust/trust-root.js'
import { keyIdOf } from '../src/keys/key-id.js'

interface VectorFile {
  now: string
  keys: Record<string, { seed_hex: string; keyid: string; public_key: string }>
  chain: { file: string; envelope: string; previous_signers: string[]; signers: string[] }[]
  release_policy: { keyids: string[]; threshold: number; repository: string }
  refused: { name: string; roots: string[]; expected: string }[]
}

const file = JSON.parse(
  readFileSync(new URL('../docs/vectors/trust-root-chain.json', import.meta.url), 'utf8'),
) as VectorFile
const spec = readFileSync(new URL('../docs/trust-root.md', import.meta.url), 'utf8')
const now = new Date(file.now)
const bytes = (s: string) => Buffer.from(s, 'utf8')

function outcome(roots: string[]): string {
  try {
    verifyTrustRootChain(roots.map(bytes), now)
    return 'OK'
  } catch (e) {
    return (e as { code?: string }).code ?? String(e)
  }
}

describe('docs/vectors/trust-root-chain.json', () => {
  it('lists key ids that are the SHA-256 of their public keys', () => {
    for (const k of Object.values(file.keys))
      expect(keyIdOf(Buffer.from(k.public_key, 'base64'))).toBe(k.keyid)
  })

  it('verifies the 3-step chain with the signers it names at each step', () => {
    const steps = verifyTrustRootChain(
      file.chain.map((s) => bytes(s.envelope)),
      now,
    )
    expect(steps.map((s) => ({ previous: s.previousSigners, own: s.signers }))).toEqual(
      file.chain.map((s) => ({ previous: s.previous_signers, own: s.signers })),
    )
    const policy = trustPolicyOf(steps.at(-1)!, now)
    expect(policy.keys.map((k) => k.keyId).sort()).toEqual(file.release_policy.keyids)
    expect(policy.threshold).toBe(file.release_policy.threshold)
  })

  it('refuses the chain when one byte of a signature is flipped', () => {
    const env = JSON.parse(file.chain[1]!.envelope) as { signatures: { sig: string }[] }
    const sig = Buffer.from(env.signatures[2]!.sig, 'base64')
    sig[0]! ^= 1
    env.signatures[2]!.sig = sig.toString('base64')
    expect(outcome([file.chain[0]!.envelope, JSON.stringify(env)])).toBe('E_ROOT_THRESHOLD')
  })

  it.each(file.refused.map((v) => [v.name, v] as const))('refuses %s', (_, v) => {
    expect(outcome(v.roots)).toBe(v.expected)
  })

  it('every refusal code of the vectors is documented in docs/trust-root.md', () => {
    for (const v of file.refused) expect(spec).toContain(v.expected)
  })
})

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import nacl from 'tweetnacl'
import { describe, expect, it } from 'vitest'
import { keyPairFromSeed, signDetached, verifyDetached } from '../src/keys/ed25519.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const vectorsDir = new URL('./vectors/', import.meta.url)

interface RfcVector {
  name: string
  secret_seed: string
  public_key: string
  message: string
  signature: string
}
interface WycheproofFile {
  testGroups: {
    publicKey: { pk: string }
    tests: { tcId: number; msg: string; sig: string; result: string }[]
  }[]
}

describe('the Ed25519 wrapper', () => {
  const rfcVectors = (
    JSON.parse(readFileSync(new URL('rfc8032_ed25519.json', vectorsDir), 'utf8')) as { tests: RfcVector[] }
  ).tests

  it.each(rfcVectors.map((v) => [v.name, v] as const))('reproduces RFC 8032 %s byte for byte', (_n, v) => {
    const kp = keyPairFromSeed(hex(v.secret_seed))
    expect(Buffer.from(kp.publicKey).toString('hex')).toBe(v.public_key)
    const sig = signDetached(kp.secretKey, hex(v.message))
    expect(Buffer.from(sig).toString('hex')).toBe(v.signature)
    expect(verifyDetached(kp.publicKey, hex(v.message), sig)).toBe(true)
    const flipped = Uint8Array.from(sig)
    flipped[0] = (flipped[0] ?? 0) ^ 1
    expect(verifyDetached(kp.publicKey, hex(v.message), flipped)).toBe(false)
  })

  it('derives the key pair of a seed as tweetnacl does (the public half comes from OpenSSL)', () => {
    for (let i = 0; i < 32; i++) {
      const seed = new Uint8Array(randomBytes(32))
      const ours = keyPairFromSeed(seed)
      const theirs = nacl.sign.keyPair.fromSeed(seed)
      expect(Buffer.from(ours.publicKey).toString('hex')).toBe(Buffer.from(theirs.publicKey).toString('hex'))
      expect(Buffer.from(ours.secretKey).toString('hex')).toBe(Buffer.from(theirs.secretKey).toString('hex'))
    }
    expect(() => keyPairFromSeed(new Uint8Array(31))).toThrow(/bad seed size/)
  })

  it('matches every Project Wycheproof verdict (strict where tweetnacl is lenient)', () => {
    const file = JSON.parse(
      readFileSync(new URL('wycheproof_ed25519_test.json', vectorsDir), 'utf8'),
    ) as WycheproofFile
    const wrong: number[] = []
    let count = 0
    for (const group of file.testGroups) {
      for (const t of group.tests) {
        count++
        const got = verifyDetached(hex(group.publicKey.pk), hex(t.msg), hex(t.sig))
        if (got !== (t.result === 'valid')) wrong.push(t.tcId)
      }
    }
    expect(count).toBe(151)
    expect(wrong).toEqual([])
  })
})

import { sign as nodeCryptoSign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { fileSigner, type Signer } from '../src/keys/index.js'
import {
  appendSignatureWith,
  preAuthEncoding,
  MANIFEST_PAYLOAD_TYPE,
  signManifest,
  signManifestWith,
  verifyManifest,
} from '../src/manifest/index.js'
import { forgeKey } from './helpers/forge.js'
import { testKey, testPayload } from './helpers/manifest.js'

const A = testKey(1)
const B = testKey(2)

/** A signer that claims A's public key but answers with `answer(message)`. */
function liar(answer: (message: Uint8Array) => Uint8Array): Signer {
  return {
    keyId: A.keyId,
    publicKey: A.publicKey,
    description: 'test signer',
    sign: (m) => Promise.resolve(answer(m)),
  }
}

describe('the signer interface', () => {
  it('signs through a Signer and the envelope verifies under its public key', async () => {
    const env = await signManifestWith(testPayload(), [fileSigner(A)])
    expect(verifyManifest(env, { keys: [A] }).keyIds).toEqual([A.keyId])
    // Ed25519 is deterministic: the Signer path and the sync file-key path agree byte for byte.
    expect(Buffer.from(env).equals(Buffer.from(signManifest(testPayload(), [A])))).toBe(true)
  })

  describe("when a signer returns another key's signature", () => {
    it('refuses with E_SIGNER_FAILED', async () => {
      const other = forgeKey()
      const p = signManifestWith(testPayload(), [liar((m) => nodeCryptoSign(null, m, other.privateKey))])
      await expect(p).rejects.toMatchObject({ code: 'E_SIGNER_FAILED' })
    })
  })

  describe('when a signer returns garbage or a wrong length', () => {
    it('refuses 64 random bytes with E_SIGNER_FAILED', async () => {
      await expect(
        signManifestWith(testPayload(), [liar(() => new Uint8Array(64).fill(7))]),
      ).rejects.toMatchObject({
        code: 'E_SIGNER_FAILED',
      })
    })
    it('refuses a 63-byte and an empty answer with E_SIGNER_FAILED', async () => {
      for (const n of [0, 63, 65])
        await expect(signManifestWith(testPayload(), [liar(() => new Uint8Array(n))])).rejects.toMatchObject({
          code: 'E_SIGNER_FAILED',
        })
    })
    it('refuses a signature over other bytes than the PAE', async () => {
      const s = liar((m) =>
        nodeCryptoSign(null, Buffer.concat([m, Buffer.from('x')]), forgeKey(Buffer.alloc(32, 1)).privateKey),
      )
      await expect(signManifestWith(testPayload(), [s])).rejects.toMatchObject({ code: 'E_SIGNER_FAILED' })
    })
    it('turns a thrown error into E_SIGNER_FAILED', async () => {
      const s: Signer = {
        ...liar(() => new Uint8Array()),
        sign: () => Promise.reject(new Error('token removed')),
      }
      await expect(signManifestWith(testPayload(), [s])).rejects.toMatchObject({ code: 'E_SIGNER_FAILED' })
    })
  })

  it('an honest external signer (node:crypto, the same seed as A) is accepted', async () => {
    const s = liar((m) => nodeCryptoSign(null, m, forgeKey(Buffer.alloc(32, 1)).privateKey))
    const env = await signManifestWith(testPayload(), [s])
    expect(verifyManifest(env, { keys: [A] }).keyIds).toEqual([A.keyId])
  })

  it('appends through a Signer after checking the existing signatures, and checks the new one', async () => {
    const first = signManifest(testPayload(), [A])
    const both = await appendSignatureWith(first, fileSigner(B), [A])
    expect(verifyManifest(both, { keys: [A, B], threshold: 2 }).keyIds).toHaveLength(2)
    const wrong: Signer = {
      ...fileSigner(B),
      sign: (m) => Promise.resolve(nodeCryptoSign(null, m, forgeKey().privateKey)),
    }
    await expect(appendSignatureWith(first, wrong, [A])).rejects.toMatchObject({ code: 'E_SIGNER_FAILED' })
  })

  it('the PAE is what a signer is given', async () => {
    const seen: Uint8Array[] = []
    await signManifestWith(testPayload(), [
      { ...fileSigner(A), sign: (m) => (seen.push(m), fileSigner(A).sign(m)) },
    ])
    const payload = JSON.parse(Buffer.from(signManifest(testPayload(), [A])).toString()).payload as string
    expect(
      Buffer.from(seen[0]!).equals(preAuthEncoding(MANIFEST_PAYLOAD_TYPE, Buffer.from(payload, 'base64'))),
    ).toBe(true)
  })
})

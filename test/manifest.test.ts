import { describe, expect, it } from 'vitest'
import { MAX_MANIFEST_BYTES, appendSignature, signManifest, verifyManifest } from '../src/manifest/index.js'
import { parsePayload } from '../src/manifest/payload.js'
import { editEnvelope, testKey, testPayload } from './helpers/manifest.js'

const A = testKey(1)
const B = testKey(2)
const C = testKey(3)
const trustA = { keys: [A], now: new Date('2026-02-01T00:00:00Z') }

describe('verifyManifest', () => {
  it('returns the typed payload, the distinct key ids and the envelope digest', () => {
    const env = signManifest(testPayload(), [A])
    const v = verifyManifest(env, trustA)
    expect(v.payload).toEqual(testPayload())
    expect(v.keyIds).toEqual([A.keyId])
    expect(v.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  describe('when the manifest has no signature', () => {
    it('refuses with E_UNSIGNED', () => {
      const env = editEnvelope(signManifest(testPayload(), [A]), (e) => (e.signatures = []))
      expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_UNSIGNED' }))
    })
  })

  describe('when the signature is by an unlisted key', () => {
    it('refuses with E_UNTRUSTED_KEY and names the key ids', () => {
      const env = signManifest(testPayload(), [B])
      expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_UNTRUSTED_KEY' }))
      expect(() => verifyManifest(env, trustA)).toThrow(B.keyId.slice(0, 16))
    })
  })

  describe('when the payload is swapped under a valid signature', () => {
    it('refuses with E_BAD_SIGNATURE', () => {
      const good = signManifest(testPayload(), [A])
      const other = JSON.parse(
        Buffer.from(signManifest(testPayload({ version: '9.9.9' }), [B])).toString(),
      ) as { payload: string }
      const env = editEnvelope(good, (e) => (e.payload = other.payload))
      expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_SIGNATURE' }))
    })
  })

  it('refuses a signature made for another payloadType (E_BAD_INPUT) and one relabelled (E_BAD_INPUT)', () => {
    const env = editEnvelope(
      signManifest(testPayload(), [A]),
      (e) => (e.payloadType = 'application/vnd.in-toto+json'),
    )
    expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })

  it.each([
    ['truncated JSON', (b: Buffer) => b.subarray(0, b.length >> 1)],
    ['garbage', () => Buffer.from('\u0000\u0001garbage')],
    ['not an object', () => Buffer.from('[1,2,3]')],
    [
      'a duplicate key in the envelope',
      (b: Buffer) => Buffer.from(b.toString().replace('{', '{"payloadType":"x",')),
    ],
  ])('refuses %s with E_BAD_INPUT', (_name, mutate) => {
    const env = mutate(Buffer.from(signManifest(testPayload(), [A])))
    expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })

  it.each([
    ['bad characters', 'a$b!'],
    ['bad padding', 'YWJj='],
    ['whitespace', 'YW Jj'],
    ['mixed alphabets', 'ab+_'],
  ])('refuses a payload in base64 with %s (E_BAD_INPUT)', (_n, payload) => {
    const env = editEnvelope(signManifest(testPayload(), [A]), (e) => (e.payload = payload))
    expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })

  it('accepts URL-safe base64 as DSSE requires', () => {
    const env = editEnvelope(signManifest(testPayload(), [A]), (e) => {
      e.payload = Buffer.from(e.payload as string, 'base64').toString('base64url')
    })
    expect(verifyManifest(env, trustA).payload.version).toBe('1.2.3')
  })

  it.each([
    ['too short', (s: Buffer) => s.subarray(0, 63)],
    ['too long', (s: Buffer) => Buffer.concat([s, Buffer.from([0])])],
    ['not base64', () => '%%%'],
    // S + L: same point equation, but non-canonical (RFC 8032 5.1.7); tweetnacl alone accepts it
    ['S >= L', (s: Buffer) => addGroupOrderToS(s)],
  ])('refuses a signature that is %s with E_BAD_SIGNATURE', (_n, mutate) => {
    const env = editEnvelope(signManifest(testPayload(), [A]), (e) => {
      const sigs = e.signatures as { sig: string }[]
      const m = mutate(Buffer.from(sigs[0]!.sig, 'base64'))
      sigs[0]!.sig = typeof m === 'string' ? m : m.toString('base64')
    })
    expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_SIGNATURE' }))
  })

  it('refuses a manifest far too large with E_TOO_LARGE, quickly', () => {
    const huge = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20)
    const t = Date.now()
    expect(() => verifyManifest(huge, trustA)).toThrow(expect.objectContaining({ code: 'E_TOO_LARGE' }))
    expect(Date.now() - t).toBeLessThan(1000)
  })

  describe('thresholds', () => {
    const both = { keys: [A, B], threshold: 2, now: trustA.now }

    it('counts two distinct trusted keys', () => {
      const env = appendSignature(signManifest(testPayload(), [A]), B, [A])
      expect(verifyManifest(env, both).keyIds).toEqual([A.keyId, B.keyId].sort())
    })

    it('never counts the same signature listed twice (E_THRESHOLD)', () => {
      const env = editEnvelope(signManifest(testPayload(), [A]), (e) => {
        const s = (e.signatures as unknown[])[0]
        e.signatures = [s, s]
      })
      expect(() => verifyManifest(env, both)).toThrow(expect.objectContaining({ code: 'E_THRESHOLD' }))
    })

    it('ignores signatures by unknown keys', () => {
      const env = signManifest(testPayload(), [A, C])
      expect(() => verifyManifest(env, both)).toThrow(expect.objectContaining({ code: 'E_THRESHOLD' }))
      expect(verifyManifest(env, trustA).keyIds).toEqual([A.keyId])
    })

    it('refuses a threshold above the number of trusted keys (E_USAGE)', () => {
      expect(() => verifyManifest(signManifest(testPayload(), [A]), { keys: [A], threshold: 2 })).toThrow(
        expect.objectContaining({ code: 'E_USAGE' }),
      )
    })
  })

  describe('payload policy, checked only after the signature', () => {
    it('refuses an expired manifest with E_EXPIRED unless expiry is off', () => {
      const env = signManifest(testPayload({ expires_at: '2026-01-15T00:00:00Z' }), [A])
      expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_EXPIRED' }))
      expect(verifyManifest(env, { ...trustA, enforceExpiry: false }).payload.expires_at).toBe(
        '2026-01-15T00:00:00Z',
      )
    })

    it('refuses a version below the minimum with E_DOWNGRADE', () => {
      const env = signManifest(testPayload(), [A])
      expect(() => verifyManifest(env, { ...trustA, minVersion: '1.10.0' })).toThrow(
        expect.objectContaining({ code: 'E_DOWNGRADE' }),
      )
      expect(verifyManifest(env, { ...trustA, minVersion: '1.2.3' }).payload.version).toBe('1.2.3')
    })

    it('refuses a manifest for another repository with E_REPOSITORY_MISMATCH', () => {
      const env = signManifest(testPayload(), [A])
      expect(() => verifyManifest(env, { ...trustA, repository: 'evil/app' })).toThrow(
        expect.objectContaining({ code: 'E_REPOSITORY_MISMATCH' }),
      )
      expect(verifyManifest(env, { ...trustA, repository: 'ACME/App' }).payload.repository).toBe('acme/app')
    })
  })
})

describe('parsePayload (parse = validate)', () => {
  const bytes = (o: unknown) => Buffer.from(JSON.stringify(o))
  const base = testPayload() as unknown as Record<string, unknown>

  it.each([
    ['a version that is not semver', { version: '1.2' }],
    ['a version with a v prefix', { version: 'v1.2.3' }],
    ['a malformed digest', { code_hash: 'sha256:XYZ' }],
    ['a short commit', { commit: 'abc123' }],
    ['a wrong type', { file_count: '3' }],
    ['a negative count', { file_count: -1 }],
    ['an unknown field', { surprise: true }],
    ['a tag starting with -', { tag: '--upload-pack=evil' }],
    ['a tag with a control character', { tag: 'v1\n2' }],
    ['expiry before creation', { expires_at: '2025-01-01T00:00:00Z' }],
    ['an artifact with a path', { artifacts: [{ name: '../x', size: 1, sha256: 'a'.repeat(64) }] }],
    ['a missing field', { repository: undefined }],
  ])('refuses %s with E_BAD_INPUT', (_n, over) => {
    expect(() => parsePayload(bytes({ ...base, ...over }))).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT' }),
    )
  })

  it('refuses duplicate keys, which JSON.parse would silently resolve', () => {
    const text = JSON.stringify(base).replace('"version":"1.2.3"', '"version":"1.2.3","version":"9.9.9"')
    expect(() => parsePayload(Buffer.from(text))).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })

  it('does not mistake a string value with braces and commas for a key', () => {
    const text = JSON.stringify({ ...base, builder: { ref: 'x,"ref":{' } })
    expect(parsePayload(Buffer.from(text)).builder).toEqual({ ref: 'x,"ref":{' })
  })
})

function addGroupOrderToS(sig: Buffer): Buffer {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n
  let s = 0n
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!)
  s += L
  const out = Buffer.from(sig)
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn)
    s >>= 8n
  }
  return out
}

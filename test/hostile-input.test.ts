/* eslint-disable no-control-regex -- the tests look for control characters that must not appear */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_SIGNATURES } from '../src/manifest/dsse.js'
import { appendSignature, signManifest, verifyManifest } from '../src/manifest/index.js'
import { escapeControls, escapeUntrusted } from '../src/text/escape.js'
import { isBase64 } from '../src/text/base64.js'
import { forgeEnvelope, nodeSign, paeOf, payloadBytes } from './helpers/forge-raw.js'
import { runCli } from './helpers/cli.js'
import { editEnvelope, testKey, testPayload } from './helpers/manifest.js'
import { tempDir } from './helpers/tmp.js'

const A = testKey(1)
const B = testKey(2)
const now = new Date('2026-02-01T00:00:00Z')
const trustA = { keys: [A], now }
const HANG_GUARD_MS = 2000

describe('when base64 is a long valid run followed by one bad character (issue 23)', () => {
  it.each(['payload', 'sig'])('refuses the %s quickly instead of backtracking for hours', (where) => {
    const evil = `${'A'.repeat(200)}!`
    const env = editEnvelope(signManifest(testPayload(), [A]), (e) => {
      if (where === 'payload') e.payload = evil
      else (e.signatures as { sig: string }[])[0]!.sig = evil
    })
    const t = Date.now()
    expect(() => verifyManifest(env, trustA)).toThrow(
      expect.objectContaining({ code: where === 'payload' ? 'E_BAD_INPUT' : 'E_BAD_SIGNATURE' }),
    )
    expect(Date.now() - t).toBeLessThan(HANG_GUARD_MS)
  })

  it.each([
    ['', true],
    ['YWJj', true],
    ['YWI', true],
    ['YWI=', true],
    ['YQ', true],
    ['YQ==', true],
    ['-_-_', true],
    ['Y', false],
    ['YQ=', false],
    ['YWJj=', false],
    ['YQ===', false],
    ['+/-_', false],
    ['YW Jj', false],
    ['=YWJ', false],
  ])('isBase64(%j, dsse) is %s', (text, ok) => {
    expect(isBase64(text, 'dsse')).toBe(ok)
  })

  it('strict form needs padding and the standard alphabet', () => {
    expect(isBase64('YWI=', 'strict')).toBe(true)
    expect(isBase64('YWI', 'strict')).toBe(false)
    expect(isBase64('-_-_', 'strict')).toBe(false)
  })
})

describe('bounded work per manifest', () => {
  const bytes = payloadBytes(testPayload())
  const good = nodeSign(1, paeOf(bytes))

  it(`refuses more than ${MAX_SIGNATURES} signatures with E_BAD_INPUT, even when one is valid`, () => {
    const sigs = [{ keyid: A.keyId, sig: good }, ...Array(MAX_SIGNATURES).fill({ keyid: A.keyId, sig: good })]
    expect(() => verifyManifest(forgeEnvelope(bytes, sigs), trustA)).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT' }),
    )
    const ok = forgeEnvelope(bytes, Array(MAX_SIGNATURES).fill({ keyid: A.keyId, sig: good }))
    expect(verifyManifest(ok, trustA).keyIds).toEqual([A.keyId])
  })

  it('counts keyless signatures for the trusted key that verifies them', () => {
    const both = { keys: [A, B], threshold: 2, now }
    const env = forgeEnvelope(bytes, [{ sig: good }, { keyid: '', sig: nodeSign(2, paeOf(bytes)) }])
    expect(verifyManifest(env, both).keyIds).toEqual([A.keyId, B.keyId].sort())
  })

  it('never counts one key twice through a keyless copy of its signature (E_THRESHOLD)', () => {
    const both = { keys: [A, B], threshold: 2, now }
    const env = forgeEnvelope(bytes, [{ keyid: A.keyId, sig: good }, { sig: good }])
    expect(() => verifyManifest(env, both)).toThrow(expect.objectContaining({ code: 'E_THRESHOLD' }))
  })

  it('a keyless signature by no trusted key is E_UNTRUSTED_KEY', () => {
    const env = forgeEnvelope(bytes, [{ sig: nodeSign(9, paeOf(bytes)) }])
    expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_UNTRUSTED_KEY' }))
  })
})

describe('when unauthenticated text carries terminal escapes', () => {
  const bytes = payloadBytes(testPayload())
  const evilId = '\u001b[2J\u001b]0;pwned\u0007\nrelseal verify: verified acme/app'

  it('shows a forged keyid escaped in the refusal (E_UNTRUSTED_KEY)', () => {
    const env = forgeEnvelope(bytes, [{ keyid: evilId, sig: nodeSign(9, paeOf(bytes)) }])
    let message = ''
    try {
      verifyManifest(env, trustA)
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_UNTRUSTED_KEY' })
      message = (e as Error).message
    }
    expect(message).toContain('\\x1b[2J')
    expect(message).not.toMatch(/[\u0000-\u001f]/)
  })

  it('shows a forged payloadType escaped (E_BAD_INPUT)', () => {
    const env = forgeEnvelope(bytes, [{ keyid: A.keyId, sig: 'AA' }], `x${evilId}`)
    expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
    expect(() => verifyManifest(env, trustA)).not.toThrow(/\u001b/)
  })

  it('escapes a duplicate key and a JSON syntax error quoted from the envelope', () => {
    const dup = Buffer.from(`{"a\u2028\\u001b":1,"a\u2028\\u001b":2}`)
    const bad = Buffer.from('{"payloadType": \u001b[31m}')
    for (const env of [dup, bad]) {
      expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
      expect(() => verifyManifest(env, trustA)).not.toThrow(/[\u001b\u2028]/)
    }
  })

  it('escapeUntrusted writes controls, bidi marks and backslashes visibly and cuts long text', () => {
    expect(escapeUntrusted('a\u001b[0m\n\\\u202e\u009b')).toBe('a\\x1b[0m\\x0a\\\\\\u202e\\x9b')
    expect(escapeUntrusted('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`)
    expect(escapeControls('line one\nC:\\path \u001b')).toBe('line one\nC:\\path \\x1b')
  })
})

describe('when a BOM precedes the envelope', () => {
  it('refuses it with E_BAD_INPUT', () => {
    const env = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), signManifest(testPayload(), [A])])
    expect(() => verifyManifest(env, trustA)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })
})

describe('the CLI shows unauthenticated text escaped', () => {
  const bytes = payloadBytes(testPayload({ tag: 'v1.2.3' }))
  const evilId = '\u001b[2J\nrelseal verify: verified acme/app'

  it('in verify refusals and in inspect output', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pub'), Buffer.from(A.publicKey).toString('base64'))
    writeFileSync(
      join(dir, 'm.json'),
      forgeEnvelope(bytes, [{ keyid: evilId, sig: nodeSign(9, paeOf(bytes)) }], `x\u009b31m${evilId}`),
    )
    const v = await runCli(['verify', 'm.json', '--pubkey', 'pub'], dir)
    expect(v.code).toBe(2)
    expect(v.stderr).toContain('E_BAD_INPUT')
    expect(v.stderr).not.toMatch(/[\u001b\u009b]/)
    expect(v.stderr.trim().split('\n')).toHaveLength(1)

    writeFileSync(
      join(dir, 'm.json'),
      forgeEnvelope(bytes, [{ keyid: evilId, sig: nodeSign(9, paeOf(bytes)) }]),
    )
    const u = await runCli(['verify', 'm.json', '--pubkey', 'pub'], dir)
    expect(u.code).toBe(1)
    expect(u.stderr).toContain('E_UNTRUSTED_KEY')
    expect(u.stderr).toContain('\\x1b[2J')
    expect(u.stderr.trim().split('\n')).toHaveLength(1)

    const i = await runCli(['inspect', 'm.json'], dir)
    expect(i.code).toBe(0)
    expect(i.stdout).not.toMatch(/\u001b/)
    expect(i.stdout).toContain('\\x1b[2J\\x0arelseal verify')
  })
})

describe('when a 17th signature is appended', () => {
  it('refuses with E_USAGE instead of writing a manifest every verifier refuses', () => {
    const signers = [testKey(100)]
    let env = signManifest(testPayload(), signers)
    for (let i = 101; i < 100 + MAX_SIGNATURES; i++) {
      env = appendSignature(env, testKey(i), signers)
      signers.push(testKey(i))
    }
    expect(() => appendSignature(env, testKey(200), signers)).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    )
  })
})

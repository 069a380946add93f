import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { RelsealError } from '../src/errors.js'
import { parsePublicKey, parseSigningKey } from '../src/keys/index.js'
import { parseEnvelope } from '../src/manifest/dsse.js'
import { signManifest, verifyManifest } from '../src/manifest/index.js'
import { parsePayload } from '../src/manifest/payload.js'
import { parseStrictJson } from '../src/manifest/strict-json.js'
import { parseAllowedSigners, parseSshSignature } from '../src/tag/index.js'
import { checkFetchUrl } from '../src/net/url-policy.js'
import { parseFileManifest } from '../src/tree/file-manifest.js'
import { editEnvelope, testKey, testPayload } from './helpers/manifest.js'

/**
 * Adversarial inputs (issue 23): a long run of one character followed by one that breaks the
 * form, the shape that makes backtracking patterns explode. A generous per-case bound only
 * guards against a hang; bench/hostile.mjs measures the real numbers.
 */
const HANG_GUARD_MS = 2000
const RUN_CHARS = ['A', 'a', '0', '9', '+', '/', '-', '_', '.', '=', '@', ' ', '\\', '"', '{', '[', ':', 'z']
const TAILS = ['!', '\u0000', '\u001b', '\ufffd', '"', '=', '.lock', '{', '\\', '\n', '==', 'Z', '']
const run = fc
  .record({
    head: fc.constantFrom('', 'v', 'sha256:', 'ssh-ed25519 ', '-----BEGIN ', '2026-01-01T', 'a/'),
    ch: fc.constantFrom(...RUN_CHARS),
    n: fc.integer({ min: 300, max: 60_000 }),
    tail: fc.constantFrom(...TAILS),
  })
  .map(({ head, ch, n, tail }) => `${head}${ch.repeat(n)}${tail}`)

const A = testKey(1)
const trustA = { keys: [A], now: new Date('2026-02-01T00:00:00Z') }
const good = signManifest(testPayload(), [A])

/** Runs `fn`, which must end quickly in a RelsealError (or, where allowed, return). */
function refusesQuickly(fn: () => unknown, mayReturn = false): void {
  const t = Date.now()
  let threw: unknown
  try {
    fn()
  } catch (e) {
    threw = e
  }
  expect(Date.now() - t).toBeLessThan(HANG_GUARD_MS)
  if (threw === undefined) expect(mayReturn).toBe(true)
  else expect(threw).toBeInstanceOf(RelsealError)
}

describe('every parser ends quickly with a RelsealError on adversarial text', () => {
  test.prop([run, fc.constantFrom('payload', 'sig', 'keyid', 'payloadType')], { numRuns: 40 })(
    'an envelope field',
    (s, field) => {
      const env = editEnvelope(good, (e) => {
        if (field === 'payload' || field === 'payloadType') e[field] = s
        else (e.signatures as Record<string, string>[])[0]![field] = s
      })
      refusesQuickly(() => verifyManifest(env, trustA))
    },
  )

  test.prop(
    [
      run,
      fc.constantFrom(
        'tag',
        'repository',
        'created_at',
        'expires_at',
        'version',
        'commit',
        'code_hash',
        'artifact',
      ),
    ],
    { numRuns: 40 },
  )('a payload field', (s, field) => {
    const p = testPayload() as unknown as Record<string, unknown>
    if (field === 'artifact') p.artifacts = [{ name: s, size: 1, sha256: s }]
    else p[field] = s
    refusesQuickly(() => parsePayload(Buffer.from(JSON.stringify(p))))
  })

  test.prop([run], { numRuns: 25 })('a whole envelope, payload or JSON document', (s) => {
    refusesQuickly(() => parseEnvelope(Buffer.from(s)))
    refusesQuickly(() => parsePayload(Buffer.from(s)))
    refusesQuickly(() => parseStrictJson(s, 'text'), true)
  })

  test.prop([run], { numRuns: 25 })('key, allowed_signers, SSH signature and file list text', (s) => {
    refusesQuickly(() => parsePublicKey(s, 'test'))
    refusesQuickly(() => parseSigningKey(s, 'test'))
    // a well-formed base64 run is a valid (opaque) key blob, so this one may return
    refusesQuickly(() => parseAllowedSigners(`a@b ${s}`, 'allowed_signers'), true)
    refusesQuickly(() =>
      parseSshSignature(`-----BEGIN SSH SIGNATURE-----\n${s}\n-----END SSH SIGNATURE-----`),
    )
    refusesQuickly(() => parseFileManifest(`${'a'.repeat(64)}  ${s}\n${s}`))
  })

  test.prop([run, fc.constantFrom('https://', 'http://', 'http://127.0.0.1/', 'github:', '')], {
    numRuns: 25,
  })('a URL to fetch', (s, scheme) => {
    refusesQuickly(() => checkFetchUrl(`${scheme}${s}`, '--manifest'), true)
  })

  test.prop([fc.integer({ min: 1000, max: 200_000 }), fc.constantFrom('[', '{"a":', '[{"b":[')], {
    numRuns: 10,
  })('deep nesting', (depth, open) => {
    const s = open.repeat(depth)
    refusesQuickly(() => parseStrictJson(s, 'text'))
    refusesQuickly(() => verifyManifest(Buffer.from(s), trustA))
    const closed = `${'['.repeat(depth)}${']'.repeat(depth)}`
    refusesQuickly(() => parsePayload(Buffer.from(closed)))
  })

  test.prop([fc.integer({ min: 10_000, max: 30_000 }), fc.constantFrom('sig', 'number', 'key')], {
    numRuns: 6,
  })('arrays of 10,000 or more elements', (n, what) => {
    if (what === 'sig') {
      const sig = JSON.parse(Buffer.from(good).toString()).signatures[0]
      const env = editEnvelope(good, (e) => (e.signatures = Array(n).fill(sig)))
      refusesQuickly(() => verifyManifest(env, trustA))
    } else if (what === 'number') {
      const p = {
        ...testPayload(),
        artifacts: Array(n)
          .fill(3.0)
          .map(() => 3),
      }
      refusesQuickly(() => parsePayload(Buffer.from(JSON.stringify(p).replace(/3(?=[,\]])/g, '3.0'))))
    } else {
      const p = { ...testPayload(), artifacts: Array.from({ length: n }, (_, i) => ({ name: `a${i}` })) }
      refusesQuickly(() => parsePayload(Buffer.from(JSON.stringify(p))))
    }
  })
})

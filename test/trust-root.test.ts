import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { tempDir } from './helpers/tmp.js'
import { forgeKey, forgeEnvelope } from './helpers/forge.js'
import { forgeRoot, rootKey, rootPayload } from './helpers/forge-root.js'
import {
  advanceTrustRoot,
  parseTrustRoot,
  signTrustRoot,
  trustPolicyOf,
  unsignedTrustRoot,
  verifyTrustRootChain,
  type TrustRootPayload,
} from '../src/trust/trust-root.js'
import { verifyManifest } from '../src/manifest/verify.js'
import { parseSigningKey } from '../src/keys/key-formats.js'
import { testPayload } from './helpers/manifest.js'

const enc = (s: string): Uint8Array => Buffer.from(s)
const [a, b, c, d] = [1, 2, 3, 4].map((i) => forgeKey(Buffer.alloc(32, i)))
const K = (k: typeof a) => rootKey(k!)

// v1: a, b (root threshold 2); v2: b, c (root threshold 2) — rotation of a out, c in.
const v1 = enc(forgeRoot(rootPayload({ version: 1, keys: [K(a), K(b)], root_threshold: 2 }), [a!, b!]))
const v2Payload = rootPayload({ version: 2, keys: [K(b), K(c)], root_threshold: 2 })
const v2 = enc(forgeRoot(v2Payload, [a!, b!, c!]))
const v3 = enc(forgeRoot(rootPayload({ version: 3, keys: [K(c), K(d)], root_threshold: 1 }), [b!, c!, d!]))

describe('a valid chain', () => {
  it('verifies 1 → 2 → 3 and names each step’s signers', () => {
    const steps = verifyTrustRootChain([v1, v2, v3])
    expect(steps.map((s) => s.payload.version)).toEqual([1, 2, 3])
    expect(steps[1]!.previousSigners).toEqual([a!.keyId, b!.keyId].sort())
    expect(steps[1]!.signers).toEqual([b!.keyId, c!.keyId].sort())
  })
})

describe('the attacks TUF names for root rotation', () => {
  it('refuses a new root signed only by its new keys with E_ROOT_THRESHOLD', () => {
    const forged = enc(
      forgeRoot(rootPayload({ version: 2, keys: [K(c), K(d)], root_threshold: 2 }), [c!, d!]),
    )
    expect(() => verifyTrustRootChain([v1, forged])).toThrow(
      expect.objectContaining({ code: 'E_ROOT_THRESHOLD' }),
    )
  })
  it('refuses a new root signed only by the old keys with E_ROOT_THRESHOLD', () => {
    const forged = enc(forgeRoot(v2Payload, [a!, b!]))
    expect(() => verifyTrustRootChain([v1, forged])).toThrow(
      expect.objectContaining({ code: 'E_ROOT_THRESHOLD' }),
    )
  })
  it('refuses a new root below the old root threshold with E_ROOT_THRESHOLD', () => {
    const forged = enc(forgeRoot(v2Payload, [b!, c!]))
    expect(() => verifyTrustRootChain([v1, forged])).toThrow(
      expect.objectContaining({ code: 'E_ROOT_THRESHOLD' }),
    )
  })
  it('refuses a rollback to an older root with E_ROOT_ROLLBACK', () => {
    const [, two] = verifyTrustRootChain([v1, v2])
    expect(() => advanceTrustRoot(two!, [v1])).toThrow(expect.objectContaining({ code: 'E_ROOT_ROLLBACK' }))
  })
  it('refuses a skipped version with E_ROOT_SKIPPED', () => {
    const skip = enc(
      forgeRoot(rootPayload({ version: 3, keys: [K(b), K(c)], root_threshold: 2 }), [a!, b!, c!]),
    )
    expect(() => verifyTrustRootChain([v1, skip])).toThrow(
      expect.objectContaining({ code: 'E_ROOT_SKIPPED' }),
    )
  })
  it('refuses an expired newest root with E_ROOT_EXPIRED', () => {
    const old = enc(
      forgeRoot(
        rootPayload({
          version: 2,
          keys: [K(b), K(c)],
          root_threshold: 2,
          expires_at: '2020-01-01T00:00:00Z',
        }),
        [a!, b!, c!],
      ),
    )
    expect(() => verifyTrustRootChain([v1, old])).toThrow(expect.objectContaining({ code: 'E_ROOT_EXPIRED' }))
  })
  it('refuses a root for another repository with E_ROOT_REPOSITORY', () => {
    const other = enc(
      forgeRoot(rootPayload({ version: 2, repository: 'evil/app', keys: [K(b), K(c)], root_threshold: 2 }), [
        a!,
        b!,
        c!,
      ]),
    )
    expect(() => verifyTrustRootChain([v1, other])).toThrow(
      expect.objectContaining({ code: 'E_ROOT_REPOSITORY' }),
    )
  })
  it('does not count a key past its expires_at', () => {
    const v1e = enc(
      forgeRoot(
        rootPayload({ version: 1, keys: [rootKey(a!, '2020-01-01T00:00:00Z'), K(b)], root_threshold: 2 }),
        [a!, b!],
      ),
    )
    expect(() => verifyTrustRootChain([v1e])).toThrow(expect.objectContaining({ code: 'E_ROOT_THRESHOLD' }))
  })
  it('lets an old root in the middle of a chain be expired (TUF 5.3.10: only the newest must be current)', () => {
    const v1old = enc(
      forgeRoot(
        rootPayload({
          version: 1,
          keys: [K(a), K(b)],
          root_threshold: 2,
          expires_at: '2021-01-01T00:00:00Z',
        }),
        [a!, b!],
      ),
    )
    expect(verifyTrustRootChain([v1old, v2]).at(-1)!.payload.version).toBe(2)
  })
})

describe('the release policy of a root (revocation)', () => {
  const manifestBy = (k: typeof a) => enc(forgeEnvelope(testPayload({ repository: 'acme/app' }), [k!]))
  it('accepts a release signed by a key of the newest root', () => {
    const policy = trustPolicyOf(verifyTrustRootChain([v1, v2]).at(-1)!)
    expect(verifyManifest(manifestBy(c), policy).keyIds).toEqual([c!.keyId])
  })
  it('refuses a release signed by a key the newest root removed with E_UNTRUSTED_KEY', () => {
    const policy = trustPolicyOf(verifyTrustRootChain([v1, v2]).at(-1)!)
    expect(() => verifyManifest(manifestBy(a), policy)).toThrow(
      expect.objectContaining({ code: 'E_UNTRUSTED_KEY' }),
    )
  })
  it('refuses a release for another repository with E_REPOSITORY_MISMATCH', () => {
    const policy = trustPolicyOf(verifyTrustRootChain([v1]).at(-1)!)
    const other = enc(forgeEnvelope(testPayload({ repository: 'evil/app' }), [a!]))
    expect(() => verifyManifest(other, policy)).toThrow(
      expect.objectContaining({ code: 'E_REPOSITORY_MISMATCH' }),
    )
  })
})

describe('the document grammar', () => {
  const base = (over: Record<string, unknown>): Uint8Array =>
    enc(forgeRoot({ ...rootPayload({ version: 1, keys: [K(a)] }), ...over }, [a!]))
  it.each([
    ['a version of 0', { version: 0 }],
    ['a fractional version', { version: 1.5 }],
    ['a threshold above the key count', { threshold: 2 }],
    ['an unknown field', { extra: 1 }],
    ['a bad repository', { repository: 'no-slash' }],
    ['a bad date', { expires_at: '2099-02-30T00:00:00Z' }],
    ['a key id that is not its key’s', { keys: [{ ...K(a), keyid: b!.keyId }] }],
  ])('refuses %s with E_BAD_INPUT', (_, over) => {
    expect(() => parseTrustRoot(base(over))).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })
  it('refuses 3.0 written for an integer', () => {
    const text = forgeRoot(rootPayload({ version: 1, keys: [K(a)] }), [a!])
    const env = JSON.parse(text) as { payload: string }
    const payload = Buffer.from(env.payload, 'base64').toString().replace('"version": 1', '"version": 1.0')
    const bad = { ...env, payload: Buffer.from(payload).toString('base64') }
    expect(() => parseTrustRoot(enc(JSON.stringify(bad)))).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT' }),
    )
  })
  it('signs what it writes so that the chain verifies (relseal signer, checked by node:crypto forged keys’ chain)', () => {
    const key = parseSigningKey(a!.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'a')
    const payload = JSON.parse(JSON.stringify(rootPayload({ version: 1, keys: [K(a)] }))) as TrustRootPayload
    const signed = signTrustRoot(unsignedTrustRoot(payload), key)
    expect(verifyTrustRootChain([signed])[0]!.signers).toEqual([a!.keyId])
    expect(() => signTrustRoot(signed, key)).toThrow(expect.objectContaining({ code: 'E_EXISTS' }))
  })
})

describe('relseal trust (CLI)', () => {
  function keyFiles(dir: string, name: string, k: typeof a): { pub: string; priv: string } {
    const pub = join(dir, `${name}.pub`)
    const priv = join(dir, `${name}.key`)
    writeFileSync(pub, k!.publicPem)
    writeFileSync(priv, k!.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 })
    return { pub, priv }
  }

  it('makes, signs and verifies a rotation chain, and refuses a root short of signatures with exit 1', async () => {
    const dir = tempDir()
    const [ka, kb, kc] = [keyFiles(dir, 'a', a), keyFiles(dir, 'b', b), keyFiles(dir, 'c', c)]
    const run = (...argv: string[]) => runCli(['trust', ...argv], dir)
    expect(
      (
        await run(
          'init',
          '--key',
          ka.pub,
          '--key',
          kb.pub,
          '--threshold',
          '1',
          '--root-threshold',
          '2',
          '--repository',
          'acme/app',
          '--out',
          'trust-root.1.json',
        )
      ).code,
    ).toBe(0)
    expect((await run('sign', 'trust-root.1.json', '--key', ka.priv)).code).toBe(0)
    // One signature of two: the first root is not valid yet.
    const short = await run('verify', 'trust-root.1.json')
    expect(short.code).toBe(1)
    expect(short.stderr).toContain('E_ROOT_THRESHOLD')
    expect((await run('sign', 'trust-root.1.json', '--key', kb.priv)).code).toBe(0)
    expect(
      (
        await run(
          'next',
          'trust-root.1.json',
          '--add-key',
          kc.pub,
          '--remove-key',
          a!.keyId,
          '--out',
          'trust-root.2.json',
        )
      ).code,
    ).toBe(0)
    for (const k of [ka, kb]) expect((await run('sign', 'trust-root.2.json', '--key', k.priv)).code).toBe(0)
    // Signed by version 1's keys only: not valid.
    expect((await run('verify', 'trust-root.1.json', 'trust-root.2.json')).stderr).toContain(
      'E_ROOT_THRESHOLD',
    )
    expect((await run('sign', 'trust-root.2.json', '--key', kc.priv)).code).toBe(0)
    const ok = await run('verify', 'trust-root.1.json', 'trust-root.2.json')
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain(`signed by version 1's keys: ${[a!.keyId, b!.keyId].sort().join(', ')}`)
    expect(ok.stdout).toContain(`signed by its own keys: ${[b!.keyId, c!.keyId].sort().join(', ')}`)
    const v2 = parseTrustRoot(readFileSync(join(dir, 'trust-root.2.json'))).untrustedPayload
    expect(v2.version).toBe(2)
    expect(v2.keys.map((k) => k.keyid).sort()).toEqual([b!.keyId, c!.keyId].sort())
    // A rollback given on the command line is refused with its own code.
    const back = await run('verify', 'trust-root.2.json', 'trust-root.1.json')
    expect(back.code).toBe(1)
    expect(back.stderr).toContain('E_ROOT_ROLLBACK')
  })

  it('refuses to overwrite an existing root (E_EXISTS) and a threshold above the key count (E_USAGE)', async () => {
    const dir = tempDir()
    const ka = keyFiles(dir, 'a', a)
    writeFileSync(join(dir, 'taken.json'), 'x')
    const common = ['trust', 'init', '--key', ka.pub, '--root-threshold', '1', '--repository', 'acme/app']
    expect((await runCli([...common, '--threshold', '1', '--out', 'taken.json'], dir)).stderr).toContain(
      'E_EXISTS',
    )
    expect((await runCli([...common, '--threshold', '2', '--out', 'new.json'], dir)).stderr).toContain(
      'E_USAGE',
    )
    expect(readFileSync(join(dir, 'taken.json'), 'utf8')).toBe('x')
  })
})

describe('relseal trust SUB --help', () => {
  it.each(['init', 'next', 'sign', 'verify'])('trust %s --help describes every option', async (sub) => {
    const r = await runCli(['trust', sub, '--help'], tempDir())
    expect(r.code).toBe(0)
    expect(r.stdout.startsWith(`usage: relseal trust ${sub}`)).toBe(true)
    expect(r.stdout).not.toContain('(undocumented)')
    const usage = r.stdout.slice(0, r.stdout.indexOf('\n\noptions:'))
    for (const flag of usage.match(/--[a-z][a-z0-9-]*/g) ?? []) expect(r.stdout).toContain(`  ${flag} `)
  })
})

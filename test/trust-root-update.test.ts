import { copyFileSync, existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { forgeKey, type ForgeKey } from './helpers/forge.js'
import { forgeRoot, rootKey, rootPayload, type RootFields } from './helpers/forge-root.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'
import { startFakeGitHub } from './fake-github/server.js'
import { addRelease } from './fake-github/state.js'
import { initAppRoot, updateToRelease, type SourceOptions } from '../src/update/index.js'

// Issue 15 end to end: `relseal update` with trust roots served beside a local manifest file.
const [a, b, c, d] = [11, 12, 13, 14].map((i) => forgeKey(Buffer.alloc(32, i)))
const K = (k: ForgeKey) => rootKey(k)
const root = (f: RootFields, signers: ForgeKey[]) => forgeRoot(rootPayload(f), signers)
const V1 = root({ version: 1, keys: [K(a!), K(b!)], root_threshold: 2 }, [a!, b!])
const V2_FIELDS: RootFields = { version: 2, keys: [K(b!), K(c!)], root_threshold: 2 }
const V2 = root(V2_FIELDS, [a!, b!, c!])

function keyFile(dir: string, k: ForgeKey): string {
  const path = join(dir, `${k.keyId.slice(0, 8)}.key`)
  writeFileSync(path, k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 })
  return path
}

/** A release folder: the manifest of `version` signed by `signer` (relseal sign), plus root files. */
async function releaseFolder(
  o: Origin,
  version: string,
  signer: ForgeKey,
  roots: Record<number, string> = {},
) {
  const dir = tempDir('relseal-release-')
  const signed = await signVersion({ ...o, keyFile: keyFile(dir, signer), out: tempDir() }, version)
  copyFileSync(signed, join(dir, 'release_manifest.json'))
  for (const [n, text] of Object.entries(roots)) writeFileSync(join(dir, `trust-root.${n}.json`), text)
  return join(dir, 'release_manifest.json')
}

async function appRoot(o: Origin, trustRoot = V1): Promise<string> {
  const dir = tempDir('relseal-app-')
  writeFileSync(join(dir, 'pinned.json'), trustRoot)
  const r = await runCli(
    ['init', '--app-root', join(dir, 'app'), '--remote', o.bare, '--trust-root', join(dir, 'pinned.json')],
    '/',
  )
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return join(dir, 'app')
}

const update = (app: string, manifest: string, extra: string[] = []) =>
  runCli(['update', '--app-root', app, '--manifest', manifest, ...extra], '/')
const storedRoot = (app: string) => readFileSync(join(app, '.relseal/trust-root.json'), 'utf8')
const current = (app: string) =>
  existsSync(join(app, 'current')) ? readlinkSync(join(app, 'current')) : undefined

describe('relseal update with a trust root', () => {
  it('rotates to a new root beside the manifest, then refuses a release signed by the revoked key', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0', '3.0.0'])
    const app = await appRoot(o)
    expect(storedRoot(app)).toBe(V1)
    // b is in both roots, so 1.0.0 stays trusted after the rotation.
    const r1 = await update(app, await releaseFolder(o, '1.0.0', b!))
    expect(r1.stderr).toBe('')
    expect(r1.code).toBe(0)
    // Version 2 drops a and adds c; the release is signed by c only.
    const r2 = await update(app, await releaseFolder(o, '2.0.0', c!, { 2: V2 }))
    expect(r2.code).toBe(0)
    expect(storedRoot(app)).toBe(V2)
    const log = readFileSync(join(app, '.relseal/evidence.jsonl'), 'utf8').trim().split('\n')
    expect(JSON.parse(log.at(-1)!)).toMatchObject({ trust_root: { from: 1, to: 2 } })
    // a was removed by version 2: its signature no longer counts, even with version 1 beside it.
    const r3 = await update(app, await releaseFolder(o, '3.0.0', a!, { 1: V1 }))
    expect(r3.code).toBe(1)
    expect(r3.stderr).toContain('E_UNTRUSTED_KEY')
    expect(current(app)).toContain('2.0.0')
    expect(storedRoot(app)).toBe(V2)
    // Rollback needs no --pubkey either: 1.0.0's stored manifest is re-verified with version 2's keys.
    const back = await runCli(['rollback', '--app-root', app], '/')
    expect(back.stderr).toBe('')
    expect(back.code).toBe(0)
    expect(current(app)).toContain('1.0.0')
  })

  it('refuses to roll back to a release only a revoked key signed (E_UNTRUSTED_KEY)', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const app = await appRoot(o)
    expect((await update(app, await releaseFolder(o, '1.0.0', a!))).code).toBe(0)
    expect((await update(app, await releaseFolder(o, '2.0.0', c!, { 2: V2 }))).code).toBe(0)
    const back = await runCli(['rollback', '--app-root', app], '/')
    expect(back.code).toBe(1)
    expect(back.stderr).toContain('E_UNTRUSTED_KEY')
    expect(current(app)).toContain('2.0.0')
  })

  it('refuses a rollback to an older root (E_ROOT_ROLLBACK) and keeps the stored root', async () => {
    const o = await makeOrigin(['1.0.0'])
    // The app pinned version 2; a trust-root.3.json that holds version 1 again is a rollback.
    const app = await appRoot(o, V2)
    const r = await update(app, await releaseFolder(o, '1.0.0', c!, { 3: V1 }))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('E_ROOT_ROLLBACK')
    expect(storedRoot(app)).toBe(V2)
  })

  const expired = '2020-01-01T00:00:00Z'
  it.each([
    [
      'signed only by its new keys',
      root({ ...V2_FIELDS, keys: [K(c!), K(d!)] }, [c!, d!]),
      'E_ROOT_THRESHOLD',
    ],
    ['signed only by the old keys', root(V2_FIELDS, [a!, b!]), 'E_ROOT_THRESHOLD'],
    ['below the old root threshold', root(V2_FIELDS, [b!, c!]), 'E_ROOT_THRESHOLD'],
    ['a skipped version (1 → 3)', root({ ...V2_FIELDS, version: 3 }, [a!, b!, c!]), 'E_ROOT_SKIPPED'],
    ['expired', root({ ...V2_FIELDS, expires_at: expired }, [a!, b!, c!]), 'E_ROOT_EXPIRED'],
    [
      'for another repository',
      root({ ...V2_FIELDS, repository: 'evil/app' }, [a!, b!, c!]),
      'E_ROOT_REPOSITORY',
    ],
  ])(
    'refuses a new root %s with its code, and keeps the stored root byte-identical',
    async (_, bad, code) => {
      const o = await makeOrigin(['1.0.0'])
      const app = await appRoot(o)
      const r = await update(app, await releaseFolder(o, '1.0.0', c!, { 2: bad }))
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(code)
      expect(storedRoot(app)).toBe(V1)
      expect(current(app)).toBeUndefined()
    },
  )

  it('refuses --pubkey beside a trust root (E_USAGE, exit 2)', async () => {
    const o = await makeOrigin(['1.0.0'])
    const app = await appRoot(o)
    const r = await update(app, await releaseFolder(o, '1.0.0', a!), ['--pubkey', o.pubFile])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_USAGE')
  })

  it.each([
    ['an unsigned root', root({ version: 1, keys: [K(a!)] }, []), 'E_ROOT_THRESHOLD'],
    ['an expired root', root({ version: 1, keys: [K(a!)], expires_at: expired }, [a!]), 'E_ROOT_EXPIRED'],
  ])('init refuses to pin %s and makes no app root', async (_, bad, code) => {
    const o = await makeOrigin(['1.0.0'])
    const dir = tempDir()
    writeFileSync(join(dir, 'r.json'), bad)
    const r = await runCli(
      [
        'init',
        '--app-root',
        join(dir, 'app'),
        '--remote',
        o.bare,
        '--repository',
        'acme/app',
        '--trust-root',
        'r.json',
      ],
      dir,
    )
    expect(r.stderr).toContain(code)
    expect(existsSync(join(dir, 'app', '.relseal/config.json'))).toBe(false)
  })
})

describe('updateToRelease with trust roots as release assets (github: source, the GitHub fake)', () => {
  async function withFake(
    roots: Record<number, string>,
    check: (app: string, o: Origin, source: SourceOptions) => Promise<void>,
  ) {
    const o = await makeOrigin(['1.0.0'])
    const fake = await startFakeGitHub()
    try {
      const manifest = readFileSync(
        await signVersion({ ...o, keyFile: keyFile(tempDir(), c!), out: tempDir() }, '1.0.0'),
      )
      addRelease(fake.state, 'v1.0.0', {
        assets: [
          { name: 'release_manifest.json', data: manifest },
          ...Object.entries(roots).map(([n, text]) => ({
            name: `trust-root.${n}.json`,
            data: Buffer.from(text),
          })),
        ],
      })
      const app = join(tempDir('relseal-app-'), 'app')
      await initAppRoot({ appRoot: app, remote: o.bare, trustRoot: Buffer.from(V1), offline: true })
      await check(app, o, { apiUrl: fake.url, token: 'test-token', assetHosts: ['localhost'] })
      expect(fake.violations).toEqual([])
    } finally {
      await fake.close()
    }
  }

  it('follows trust-root.2.json from the release and installs a release signed by the new key', async () => {
    await withFake({ 2: V2 }, async (app, _o, source) => {
      const r = await updateToRelease({
        appRoot: app,
        manifest: 'github:acme/app@v1.0.0',
        policy: { keys: [] },
        source,
      })
      expect(r.outcome).toBe('updated')
      expect(r.evidence.trust_root).toMatchObject({ from: 1, to: 2 })
      expect(storedRoot(app)).toBe(V2)
    })
  })

  it('refuses a release asset root signed only by the old keys (E_ROOT_THRESHOLD), stored root unchanged', async () => {
    await withFake({ 2: root(V2_FIELDS, [a!, b!]) }, async (app, _o, source) => {
      await expect(
        updateToRelease({ appRoot: app, manifest: 'github:acme/app@v1.0.0', policy: { keys: [] }, source }),
      ).rejects.toMatchObject({ code: 'E_ROOT_THRESHOLD' })
      expect(storedRoot(app)).toBe(V1)
      expect(current(app)).toBeUndefined()
    })
  })

  it('without the new root, refuses the release signed by the not-yet-trusted key (E_UNTRUSTED_KEY)', async () => {
    await withFake({}, async (app, _o, source) => {
      await expect(
        updateToRelease({ appRoot: app, manifest: 'github:acme/app@v1.0.0', policy: { keys: [] }, source }),
      ).rejects.toMatchObject({ code: 'E_UNTRUSTED_KEY' })
      expect(storedRoot(app)).toBe(V1)
    })
  })
})

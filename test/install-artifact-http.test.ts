import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installArtifact, parsePublicKey, type InstallArtifactOptions } from '../src/index.js'
import { makeArtifactReleases } from './helpers/artifacts.js'
import { tempDir } from './helpers/tmp.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** What the fixtures hold, read into memory: tempDir folders go after each test. */
let fixture: { pub: string; manifest1: Buffer; manifest2: Buffer; bytes: Record<string, Buffer> }
let server: Server
let base = ''
const seen: { path: string; authorization: string | undefined }[] = []
const hanging: ServerResponse[] = []

/** The artifact of 2.0.0 as each kind of bad server sends it. */
function agentVariants(good: Buffer): Record<string, Handler> {
  const half = good.subarray(0, good.length >> 1)
  const flipped = Buffer.from(good)
  flipped.writeUInt8(flipped.readUInt8(100) ^ 1, 100)
  return {
    ok: (_q, r) => r.end(good),
    tampered: (_q, r) => r.end(flipped),
    short: (_q, r) => r.end(half),
    // the whole length announced, half sent, the connection dropped
    truncated: (_q, r) => {
      r.writeHead(200, { 'content-length': String(good.length) })
      r.write(half, () => r.socket?.destroy())
    },
    // no length announced, more bytes than signed
    oversize: (_q, r) => {
      r.writeHead(200, { 'content-type': 'application/octet-stream' })
      r.write(good)
      r.end(Buffer.alloc(4096, 1))
    },
    'oversize-announced': (_q, r) => {
      r.writeHead(200, { 'content-length': String(good.length + 1) })
      r.end(Buffer.concat([good, Buffer.from('!')]))
    },
    stall: (_q, r) => {
      r.writeHead(200, { 'content-length': String(good.length) })
      r.write(half)
      hanging.push(r)
    },
    missing: (_q, r) => {
      r.statusCode = 404
      r.end('not found')
    },
  }
}

beforeAll(async () => {
  const releases = await makeArtifactReleases(['1.0.0', '2.0.0'], { padBytes: 3 * 1024 * 1024 })
  const manifest2 = readFileSync(releases.manifest('2.0.0'))
  fixture = {
    pub: readFileSync(releases.origin.pubFile, 'utf8'),
    manifest1: readFileSync(releases.manifest('1.0.0')),
    manifest2,
    bytes: releases.bytes,
  }
  const variants = agentVariants(fixture.bytes['2.0.0']!)
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    seen.push({ path, authorization: req.headers.authorization })
    const [, first, second] = path.split('/')
    if (path === '/repos/acme/app/releases/latest' || path === '/repos/acme/app/releases/tags/v2.0.0') {
      res.setHeader('content-type', 'application/json')
      return res.end(
        JSON.stringify({
          tag_name: 'v2.0.0',
          assets: [
            { name: 'release_manifest.json', url: `${base}/assets/1` },
            { name: 'agent', url: `${base}/assets/2` },
          ],
        }),
      )
    }
    if (path === '/assets/1') return res.end(manifest2)
    if (path === '/assets/2') {
      // as api.github.com does: a redirect to the storage host, where the token must not follow
      res.writeHead(302, { location: `${base.replace('127.0.0.1', 'localhost')}/storage/agent` })
      return res.end()
    }
    if (path === '/storage/agent') return variants.ok!(req, res)
    const variant = first !== undefined ? variants[first] : undefined
    if (variant && second === 'release_manifest.json') return res.end(manifest2)
    if (variant && second === 'agent') return variant(req, res)
    res.statusCode = 404
    res.end()
  })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 120_000)

afterAll(async () => {
  for (const r of hanging) r.destroy()
  server.closeAllConnections()
  await new Promise((res) => server.close(res))
})

function target(): {
  dir: string
  local1: string
  install: (m: string, over?: Partial<InstallArtifactOptions>) => Promise<unknown>
} {
  const dir = tempDir('relseal-bin-')
  const from = tempDir('relseal-v1-')
  writeFileSync(join(from, 'release_manifest.json'), fixture.manifest1)
  writeFileSync(join(from, 'agent'), fixture.bytes['1.0.0']!)
  const policy = { keys: [parsePublicKey(fixture.pub, 'release.pub')], repository: 'acme/app' }
  const install = (manifest: string, over: Partial<InstallArtifactOptions> = {}) =>
    installArtifact({ manifest, policy, artifact: 'agent', target: join(dir, 'agent'), ...over })
  return { dir, local1: join(from, 'release_manifest.json'), install }
}

describe('install-artifact over HTTP', () => {
  it('downloads the artifact beside an http(s) manifest, streaming a multi-MiB file', async () => {
    const t = target()
    await t.install(t.local1)
    await expect(t.install(`${base}/ok/release_manifest.json`)).resolves.toMatchObject({
      outcome: 'installed',
      to: { version: '2.0.0' },
    })
    expect(readFileSync(join(t.dir, 'agent')).equals(fixture.bytes['2.0.0']!)).toBe(true)
  })

  it.each([
    ['tampered', 'E_TREE_MISMATCH'],
    ['short', 'E_TREE_MISMATCH'],
    ['truncated', 'E_NETWORK'],
    ['oversize', 'E_TOO_LARGE'],
    ['oversize-announced', 'E_TOO_LARGE'],
    ['missing', 'E_NETWORK'],
  ])('refuses a %s download (%s) and leaves the old file, nothing beside it', async (variant, code) => {
    const t = target()
    await t.install(t.local1)
    const before = readdirSync(t.dir).sort()
    await expect(t.install(`${base}/${variant}/release_manifest.json`)).rejects.toMatchObject({ code })
    expect(readFileSync(join(t.dir, 'agent')).equals(fixture.bytes['1.0.0']!)).toBe(true)
    expect(readdirSync(t.dir).sort()).toEqual(before)
  })

  it('gives up on a server that stalls mid-download at the deadline (E_TIMEOUT)', async () => {
    const t = target()
    await t.install(t.local1)
    await expect(
      t.install(`${base}/stall/release_manifest.json`, { source: { deadlineMs: 1500 } }),
    ).rejects.toMatchObject({ code: 'E_TIMEOUT' })
    expect(readFileSync(join(t.dir, 'agent')).equals(fixture.bytes['1.0.0']!)).toBe(true)
    expect(readdirSync(t.dir).filter((n) => n.endsWith('.new'))).toEqual([])
  })

  it('takes a github: source from the signed tag, following the asset redirect without the token', async () => {
    const t = target()
    seen.length = 0
    await expect(
      t.install('github:acme/app@latest', {
        source: { apiUrl: base, token: 'ghs_secret', assetHosts: ['localhost'] },
      }),
    ).resolves.toMatchObject({ outcome: 'installed', to: { version: '2.0.0' } })
    expect(readFileSync(join(t.dir, 'agent')).equals(fixture.bytes['2.0.0']!)).toBe(true)
    expect(seen.map((s) => s.path)).toContain('/repos/acme/app/releases/tags/v2.0.0')
    expect(seen.find((s) => s.path === '/assets/2')?.authorization).toBe('Bearer ghs_secret')
    expect(seen.find((s) => s.path === '/storage/agent')?.authorization).toBeUndefined()
  })
})

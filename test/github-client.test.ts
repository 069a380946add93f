import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  createClient,
  createRelease,
  getReleaseByTag,
  listReleaseAssets,
  listReleases,
  putReleaseAsset,
} from '../actions/github/index.js'
import type { FakeGitHub } from './fake-github/server.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const client = (token = 'test-token') =>
  createClient({
    token,
    repository: 'acme/app',
    baseUrl: fake.url,
    retry: { baseDelayMs: 10, maxWaitMs: 50 },
  })

describe('the GitHub client against the fake', () => {
  it('creates a release and puts assets idempotently through upload_url', async () => {
    const gh = client()
    expect(await getReleaseByTag(gh, 'v1.0.0')).toBeUndefined()
    const rel = await createRelease(gh, { tag: 'v1.0.0', target: 'a'.repeat(40) })
    expect(rel.upload_url.startsWith(fake.uploadsUrl)).toBe(true)
    expect(await putReleaseAsset(gh, rel, 'release_manifest.json', Buffer.from('one'), false)).toBe(
      'uploaded',
    )
    expect(await putReleaseAsset(gh, rel, 'release_manifest.json', Buffer.from('one'), false)).toBe(
      'unchanged',
    )
    await expect(
      putReleaseAsset(gh, rel, 'release_manifest.json', Buffer.from('two'), false),
    ).rejects.toMatchObject({ code: 'E_GITHUB' })
    expect(await putReleaseAsset(gh, rel, 'release_manifest.json', Buffer.from('two'), true)).toBe('replaced')
    const assets = await listReleaseAssets(gh, rel)
    expect(assets.map((a) => a.name)).toEqual(['release_manifest.json'])
    expect(fake.state.releases[0]!.assets[0]!.data.toString()).toBe('two')
    expect(fake.requests.filter((r) => r.host === 'uploads').length).toBe(2)
  })

  it('retries a 502 and a secondary rate limit (403 with retry-after), then succeeds', async () => {
    const gh = client()
    const rel = await createRelease(gh, { tag: 'v1.0.0' })
    fake.faults.push({ method: 'POST', path: '/assets', status: 502, times: 1 })
    fake.faults.push({
      method: 'GET',
      path: '/assets',
      status: 403,
      times: 1,
      headers: { 'retry-after': '0' },
    })
    expect(await putReleaseAsset(gh, rel, 'a.txt', Buffer.from('x'), false)).toBe('uploaded')
    expect(fake.requests.filter((r) => r.status === 502 || r.status === 403)).toHaveLength(2)
  })

  it('fails clearly on a persistent 500, after a bounded number of attempts, with nothing uploaded', async () => {
    const gh = client()
    const rel = await createRelease(gh, { tag: 'v1.0.0' })
    fake.faults.push({ method: 'POST', path: '/assets', status: 500 })
    await expect(putReleaseAsset(gh, rel, 'a.txt', Buffer.from('x'), false)).rejects.toThrow(
      /HTTP 500.*re-run the job later/,
    )
    expect(fake.requests.filter((r) => r.status === 500)).toHaveLength(4)
    expect(fake.state.releases[0]!.assets).toEqual([])
  })

  it('says which permission to add for a read-only token, and what a bad token means', async () => {
    fake.state.tokens.set('read-only', 'read')
    await expect(createRelease(client('read-only'), { tag: 'v1.0.0' })).rejects.toThrow(/contents: write/)
    await expect(createRelease(client('wrong'), { tag: 'v1.0.0' })).rejects.toThrow(
      /HTTP 401.*token is invalid/,
    )
    await createRelease(client(), { tag: 'v1.0.0' })
    await expect(createRelease(client(), { tag: 'v1.0.0' })).rejects.toThrow(/HTTP 422.*already_exists/)
  })

  it("goes through the runner's proxy (http_proxy, no_proxy), as the Actions toolkit does", async () => {
    // A CONNECT proxy on loopback that takes every tunnel to the fake, whatever host was asked for.
    const tunnels: string[] = []
    const proxy = createServer()
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '')
      const upstream = connect(Number(new URL(fake.url).port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(client).pipe(upstream)
      })
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy }
    process.env.http_proxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    delete process.env.no_proxy
    // api.relseal.test does not resolve (RFC 2606): only the proxy can reach it
    const viaProxy = createClient({
      token: 'test-token',
      repository: 'acme/app',
      baseUrl: `http://api.relseal.test:${new URL(fake.url).port}`,
      retry: { attempts: 1 },
    })
    try {
      await createRelease(client(), { tag: 'v1.0.0' })
      expect((await getReleaseByTag(viaProxy, 'v1.0.0'))?.tag_name).toBe('v1.0.0')
      expect(tunnels).toEqual([`api.relseal.test:${new URL(fake.url).port}`])
      process.env.no_proxy = 'relseal.test'
      await expect(getReleaseByTag(viaProxy, 'v1.0.0')).rejects.toThrow(/api\.relseal\.test/)
      expect(tunnels).toHaveLength(1)
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      proxy.close()
    }
  })

  it('follows Link pagination past 100 releases, drafts included', async () => {
    const gh = client()
    for (let i = 0; i < 130; i++) await createRelease(gh, { tag: `v0.0.${i}`, draft: i === 7 })
    const all = await listReleases(gh)
    expect(all).toHaveLength(130)
    expect(all.filter((r) => r.draft).map((r) => r.tag_name)).toEqual(['v0.0.7'])
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/releases'))).toHaveLength(2)
  })
})

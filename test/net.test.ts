import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_MANIFEST_BYTES, readManifestFile } from '../src/manifest/index.js'
import { fetchPinned } from '../src/net/index.js'
import { isLoopbackHost } from '../src/net/url-policy.js'
import { loadManifestSource } from '../src/update/manifest-source.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void
interface Misbehaving {
  base: string
  requests: { url: string; authorization: string | undefined }[]
}

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
})

/** A local node:http server that misbehaves as told; it records what reached it. */
async function serve(handler: Handler, host = '127.0.0.1'): Promise<Misbehaving> {
  const out: Misbehaving = { base: '', requests: [] }
  const server = createServer((req, res) => {
    out.requests.push({ url: req.url ?? '', authorization: req.headers.authorization })
    handler(req, res, out.base)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, host, r))
  out.base = `http://${host}:${(server.address() as AddressInfo).port}`
  return out
}

const req = (url: string, extra: Partial<Parameters<typeof fetchPinned>[0]> = {}) =>
  fetchPinned({ url, what: 'the test file', maxBytes: 1024, ...extra })

describe('the URL rules', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'])('treats %s as loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(true)
  })
  it.each(['example.com', '128.0.0.1', '10.0.0.1', '127.0.0.1.example.com', '[::2]'])(
    'does not treat %s as loopback',
    (h) => expect(isLoopbackHost(h)).toBe(false),
  )

  // These hosts are refused before any connection is attempted; nothing is sent off this machine.
  it.each([
    'http://example.com/release_manifest.json',
    'ftp://example.com/x',
    'file:///etc/passwd',
    'https://user:secret@example.com/x',
  ])('refuses %s with E_INSECURE_TRANSPORT before connecting', async (url) => {
    await expect(req(url)).rejects.toMatchObject({ code: 'E_INSECURE_TRANSPORT' })
  })

  it('refuses update --manifest http://non-loopback and --api-url http://non-loopback', async () => {
    await expect(loadManifestSource('http://example.com/m.json')).rejects.toMatchObject({
      code: 'E_INSECURE_TRANSPORT',
    })
    await expect(
      loadManifestSource('github:acme/app@v1.0.0', { apiUrl: 'http://example.com', token: 'ghs_x' }),
    ).rejects.toMatchObject({ code: 'E_INSECURE_TRANSPORT' })
  })
})

describe('when the server misbehaves', () => {
  it('ends a slow-loris answer (headers, then one byte every 2 s) with E_TIMEOUT naming the server', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const t = setInterval(() => res.write('x'), 2000)
      res.on('close', () => clearInterval(t))
    })
    const p = req(`${s.base}/slow`, { deadlineMs: 1500 })
    await expect(p).rejects.toMatchObject({ code: 'E_TIMEOUT' })
    await expect(p).rejects.toThrow(s.base)
  })

  it('stops an endless body at the byte cap (E_TOO_LARGE)', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(200)
      const t = setInterval(() => res.write(Buffer.alloc(4096, 0x41)), 1)
      res.on('close', () => clearInterval(t))
    })
    await expect(req(`${s.base}/endless`)).rejects.toMatchObject({ code: 'E_TOO_LARGE' })
  })

  it('refuses a declared Content-Length over the cap without reading (E_TOO_LARGE)', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(200, { 'content-length': String(300 * 1024 * 1024) })
      res.write('x')
    })
    await expect(req(`${s.base}/huge`)).rejects.toMatchObject({ code: 'E_TOO_LARGE' })
  })

  it('does not follow a redirect to another origin, and never contacts it (E_INSECURE_TRANSPORT)', async () => {
    const other = await serve((_q, res) => res.end('evil'))
    const s = await serve((_q, res) => {
      res.writeHead(302, { location: `${other.base}/evil` })
      res.end()
    })
    await expect(req(`${s.base}/m`, { token: 'ghs_secret' })).rejects.toMatchObject({
      code: 'E_INSECURE_TRANSPORT',
    })
    expect(other.requests).toEqual([])
  })

  it('does not follow a redirect to plain http off this machine', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(301, { location: 'http://example.com/m.json' })
      res.end()
    })
    await expect(req(`${s.base}/m`)).rejects.toMatchObject({ code: 'E_INSECURE_TRANSPORT' })
  })

  it('follows same-origin redirects with the token, a bounded number of times', async () => {
    const s = await serve((q, res, base) => {
      if (q.url === '/loop') res.writeHead(302, { location: `${base}/loop` }).end()
      else if (q.url === '/a') res.writeHead(307, { location: '/b' }).end()
      else res.end('ok')
    })
    const r = await req(`${s.base}/a`, { token: 'ghs_secret' })
    expect(r.body.toString()).toBe('ok')
    expect(s.requests.map((x) => x.authorization)).toEqual(['Bearer ghs_secret', 'Bearer ghs_secret'])
    await expect(req(`${s.base}/loop`)).rejects.toMatchObject({ code: 'E_NETWORK' })
  })

  it('follows an asset download to an asset host without the token, and only for assets', async () => {
    const storage = await serve((_q, res) => res.end('bytes'), 'localhost')
    const api = await serve((_q, res) => res.writeHead(302, { location: `${storage.base}/dl` }).end())
    const assetHosts = ['localhost']
    const r = await req(`${api.base}/asset`, { token: 'ghs_secret', assetRedirects: true, assetHosts })
    expect(r.body.toString()).toBe('bytes')
    expect(api.requests[0]!.authorization).toBe('Bearer ghs_secret')
    expect(storage.requests).toEqual([{ url: '/dl', authorization: undefined }])
    await expect(req(`${api.base}/asset`, { token: 'ghs_secret', assetHosts })).rejects.toMatchObject({
      code: 'E_INSECURE_TRANSPORT',
    })
  })

  it('loads github:OWNER/REPO@TAG through the API with the token and the asset host without it', async () => {
    const manifest = Buffer.from('{"not":"verified here"}')
    const storage = await serve((_q, res) => res.end(manifest), 'localhost')
    const api = await serve((q, res, base) => {
      if (q.url === '/repos/acme/app/releases/tags/v1.0.0')
        res.end(JSON.stringify({ assets: [{ name: 'release_manifest.json', url: `${base}/assets/7` }] }))
      else res.writeHead(302, { location: `${storage.base}/signed-url` }).end()
    })
    const got = await loadManifestSource('github:acme/app@v1.0.0', {
      apiUrl: api.base,
      token: 'ghs_secret',
      assetHosts: ['localhost'],
    })
    expect(Buffer.from(got)).toEqual(manifest)
    expect(api.requests.every((x) => x.authorization === 'Bearer ghs_secret')).toBe(true)
    expect(storage.requests[0]!.authorization).toBeUndefined()
  })

  it('skips entries of a release listing that are not objects, and refuses an asset on another host', async () => {
    const manifest = Buffer.from('{"not":"verified here"}')
    let assetUrl = ''
    const api = await serve((q, res, base) => {
      if (q.url === '/repos/acme/app/releases/tags/v1.0.0')
        res.end(
          JSON.stringify({
            assets: [null, 7, 'x', { name: 'release_manifest.json', url: assetUrl || `${base}/a/7` }],
          }),
        )
      else res.end(manifest)
    })
    expect(Buffer.from(await loadManifestSource('github:acme/app@v1.0.0', { apiUrl: api.base }))).toEqual(
      manifest,
    )
    assetUrl = 'http://127.0.0.2:9/a/7'
    await expect(loadManifestSource('github:acme/app@v1.0.0', { apiUrl: api.base })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: 'the v1.0.0 release of acme/app lists its release_manifest.json on another host; refused',
    })
  })

  it('refuses a GitHub API answer over the API cap (E_TOO_LARGE)', async () => {
    const api = await serve((_q, res) => {
      res.writeHead(200)
      const t = setInterval(() => res.write(Buffer.alloc(65536, 0x20)), 1)
      res.on('close', () => clearInterval(t))
    })
    await expect(loadManifestSource('github:acme/app@latest', { apiUrl: api.base })).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
    })
  })
})

describe('readManifestFile reads with the same cap', () => {
  it('stops /dev/zero at MAX_MANIFEST_BYTES (E_TOO_LARGE)', async () => {
    expect(existsSync('/dev/zero')).toBe(true)
    await expect(readManifestFile('/dev/zero')).rejects.toMatchObject({ code: 'E_TOO_LARGE' })
  })

  it('stops a FIFO fed forever (E_TOO_LARGE)', async () => {
    const fifo = join(tempDir(), 'm.fifo')
    const mk = spawn('mkfifo', [fifo])
    await new Promise((r) => mk.on('close', r))
    const writer = spawn('sh', ['-c', `yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA > '${fifo}'`], {
      stdio: 'ignore',
    })
    try {
      await expect(readManifestFile(fifo)).rejects.toMatchObject({ code: 'E_TOO_LARGE' })
    } finally {
      writer.kill()
    }
    expect(MAX_MANIFEST_BYTES).toBe(1024 * 1024)
  })
})

describe('relseal update refuses insecure transports', () => {
  it('exits 2 with E_INSECURE_TRANSPORT for --manifest http://non-loopback and --api-url http://…', async () => {
    const o = await makeOrigin(['1.0.0'])
    const root = join(tempDir('relseal-app-'), 'app')
    expect(
      (await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')).code,
    ).toBe(0)
    const base = ['update', '--app-root', root, '--pubkey', o.pubFile]
    const plain = await runCli([...base, '--manifest', 'http://example.com/release_manifest.json'], '/')
    expect(plain.code).toBe(2)
    expect(plain.stderr).toContain('E_INSECURE_TRANSPORT')
    const api = await runCli(
      [...base, '--manifest', 'github:acme/app@latest', '--api-url', 'http://api.example.com'],
      '/',
      { GITHUB_TOKEN: 'ghs_secret' },
    )
    expect(api.code).toBe(2)
    expect(api.stderr).toContain('E_INSECURE_TRANSPORT')
    expect(api.stderr).not.toContain('ghs_secret')
    expect(readFileSync(join(root, '.relseal/evidence.jsonl'), 'utf8')).toContain('E_INSECURE_TRANSPORT')
  })
})

describe('when the server breaks off', () => {
  it('reports a body cut short as E_NETWORK at once, not after the deadline', async () => {
    const s = await serve((q, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('only part')
      setTimeout(() => q.socket.destroy(), 50)
    })
    const t = Date.now()
    await expect(req(`${s.base}/cut`, { deadlineMs: 10_000 })).rejects.toMatchObject({ code: 'E_NETWORK' })
    expect(Date.now() - t).toBeLessThan(5000)
  })
})

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  handleDownload,
  handleUpload,
  leaveStarter,
  ROUTES,
  type FakeRequest,
  type FakeResponse,
} from './handlers.js'
import { openApiViolation } from './openapi.js'
import { newState, type Fault, type FakeState } from './state.js'

export interface FakeGitHub {
  url: string
  uploadsUrl: string
  state: FakeState
  faults: Fault[]
  requests: { host: Host; method: string; path: string; status: number }[]
  /** Requests that GitHub's OpenAPI description does not allow; tests expect none. */
  violations: string[]
  close(): Promise<void>
}

/** GitHub's API host, its uploads host, and the storage host that asset downloads redirect to. */
type Host = 'api' | 'uploads' | 'objects'

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, r: FakeResponse): void {
  const body =
    r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(JSON.stringify(r.body))
  const type = Buffer.isBuffer(r.body) ? {} : { 'content-type': 'application/json; charset=utf-8' }
  res.writeHead(r.status, {
    'x-github-api-version-selected': '2022-11-28',
    ...(body ? type : {}),
    ...r.headers,
  })
  res.end(body)
}

function takeFault(faults: Fault[], method: string, path: string): Fault | undefined {
  const f = faults.find(
    (x) =>
      x.method === method &&
      (typeof x.path === 'string' ? path.includes(x.path) : x.path.test(path)) &&
      (x.times ?? 1) > 0,
  )
  if (f && f.times !== undefined) f.times--
  return f
}

/**
 * Starts the fake on loopback: an API host, a separate uploads host, and a storage host for asset
 * downloads, as GitHub has. The storage host is named `localhost` where the others are `127.0.0.1`:
 * a redirect to it leaves the API's host, as one to objects.githubusercontent.com does.
 */
export async function startFakeGitHub(repository = 'acme/app'): Promise<FakeGitHub> {
  const fake = {
    state: newState(repository),
    faults: [] as Fault[],
    requests: [] as FakeGitHub['requests'],
    violations: [] as string[],
  }
  const servers: Server[] = []
  const listen = (host: Host) => {
    const server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x')
        const q: FakeRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: await readBody(req),
          api: base.api,
          uploads: base.uploads,
          objects: base.objects,
        }
        const r = await respond(host, q)
        fake.requests.push({ host, method: q.method, path: q.path, status: r.status })
        send(res, r)
      })().catch((e: Error) => send(res, { status: 500, body: { message: e.message } }))
    })
    servers.push(server)
    return new Promise<string>((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve(
          `http://${host === 'objects' ? 'localhost' : '127.0.0.1'}:${(server.address() as AddressInfo).port}`,
        ),
      ),
    )
  }
  const respond = async (host: Host, q: FakeRequest): Promise<FakeResponse> => {
    if (host === 'objects') return handleDownload(fake.state, q)
    const fault = takeFault(fake.faults, q.method, q.path)
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs))
    fault?.before?.(fake.state)
    if (fault && fault.status !== 200) {
      if (fault.leavesStarter && host === 'uploads') leaveStarter(fake.state, q)
      return {
        status: fault.status,
        headers: fault.headers ?? {},
        body: { message: fault.message ?? `injected ${fault.status}` },
      }
    }
    const violation = await openApiViolation(q)
    if (violation) {
      fake.violations.push(violation)
      return { status: 400, body: { message: `fake GitHub: ${violation}` } }
    }
    const auth = String(q.headers.authorization ?? '').replace(/^(token|bearer) /i, '')
    const permission = fake.state.tokens.get(auth)
    if (!permission)
      return {
        status: 401,
        body: {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        },
      }
    if (host === 'uploads') return permission === 'write' ? handleUpload(fake.state, q) : forbidden()
    for (const route of ROUTES) {
      const m = route.pattern.exec(q.path)
      if (!m || route.method !== q.method) continue
      if (route.write && permission !== 'write') return forbidden()
      return route.handle(fake.state, q, m.slice(1))
    }
    return { status: 404, body: { message: 'Not Found' } }
  }
  const base = { api: '', uploads: '', objects: '' }
  base.api = await listen('api')
  base.uploads = await listen('uploads')
  base.objects = await listen('objects')
  return {
    ...fake,
    url: base.api,
    uploadsUrl: base.uploads,
    close: () =>
      Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  }
}

const forbidden = (): FakeResponse => ({
  status: 403,
  body: {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest',
    status: '403',
  },
})

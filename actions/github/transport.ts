import { HttpClient } from '@actions/http-client'
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'

/** The part of fetch's init that Octokit's request passes (@octokit/request, fetch-wrapper). */
interface OctokitFetchInit {
  method?: string
  body?: unknown
  headers?: Record<string, string>
}

/** The part of a fetch Response that Octokit's request reads. */
export interface OctokitFetchResponse {
  url: string
  status: number
  statusText: string
  ok: boolean
  headers: { get(name: string): string | null; [Symbol.iterator](): IterableIterator<[string, string]> }
  text(): Promise<string>
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
}

function bodyOf(body: unknown): string | Readable | null {
  if (body === undefined || body === null) return null
  if (typeof body === 'string') return body
  // Uploads: a Buffer goes as one chunk; Octokit has already set content-length.
  if (body instanceof Uint8Array)
    return Readable.from([Buffer.from(body.buffer, body.byteOffset, body.length)])
  throw new TypeError(`unsupported request body (${Object.prototype.toString.call(body)})`)
}

function headersOf(raw: IncomingHttpHeaders): OctokitFetchResponse['headers'] {
  const map = new Map<string, string>()
  for (const [name, value] of Object.entries(raw))
    if (value !== undefined) map.set(name, Array.isArray(value) ? value.join(', ') : value)
  return { get: (name) => map.get(name.toLowerCase()) ?? null, [Symbol.iterator]: () => map.entries() }
}

/**
 * Octokit's `fetch`, carried by @actions/http-client: Node's own HTTP stack, kept-alive connections,
 * and the runner's proxy settings (`https_proxy`, `no_proxy`). Octokit would otherwise use the
 * global fetch, which ignores those settings and compiles a WebAssembly HTTP parser on each run
 * (about 0.3 s of CPU, next to the hashing it shares the runner with). Redirects are followed, and
 * the Authorization header is dropped when one leaves the host (as fetch does across origins).
 */
export function httpClientFetch(): (url: string, init?: OctokitFetchInit) => Promise<OctokitFetchResponse> {
  const http = new HttpClient(undefined, [], { keepAlive: true, allowRetries: false })
  return async (url, init = {}) => {
    const res = await http.request(init.method ?? 'GET', url, bodyOf(init.body), { ...init.headers })
    const chunks: Buffer[] = []
    for await (const chunk of res.message) chunks.push(chunk as Buffer)
    const bytes = Buffer.concat(chunks)
    const status = res.message.statusCode ?? 0
    return {
      url,
      status,
      statusText: res.message.statusMessage ?? '',
      ok: status >= 200 && status < 300,
      headers: headersOf(res.message.headers),
      text: () => Promise.resolve(bytes.toString('utf8')),
      json: () => Promise.resolve(JSON.parse(bytes.toString('utf8')) as unknown),
      arrayBuffer: () =>
        Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    }
  }
}

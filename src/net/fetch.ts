/**
 * The one HTTP fetcher for everything the updater downloads (ARCHITECTURE.md, "Growing it"):
 * https only (plain http only to loopback), redirects followed by hand within the rules of
 * url-policy.ts, a byte cap per response and one deadline for the whole exchange (headers,
 * body and redirects), the token only to the origin it was given for.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { RelsealError } from '../errors.js'
import { checkFetchUrl, checkRedirect, GITHUB_ASSET_HOSTS } from './url-policy.js'

/** The whole exchange, redirects included, must finish within this unless told otherwise. */
export const DEFAULT_DEADLINE_MS = 30_000
/** A GitHub API answer (a release, a page of a listing) larger than this is refused. */
export const MAX_API_JSON_BYTES = 8 * 1024 * 1024
/** Redirects followed at most. */
export const MAX_REDIRECTS = 5

export interface PinnedRequest {
  url: string
  /** What is being fetched, for messages ("release_manifest.json of acme/app v1.2.3"). */
  what: string
  /** Bytes the response body may have; more is E_TOO_LARGE. */
  maxBytes: number
  /** Milliseconds for the whole exchange; past it, E_TIMEOUT. */
  deadlineMs?: number
  /** Request headers; an Authorization header here is dropped (pass `token`). */
  headers?: Record<string, string>
  /** Sent as `Authorization: Bearer` to the origin of `url` only, never after leaving it. */
  token?: string
  /** Allow redirects to GitHub's asset hosts (asset downloads); otherwise same origin only. */
  assetRedirects?: boolean
  /** Replaces GITHUB_ASSET_HOSTS (tests point it at loopback names). */
  assetHosts?: readonly string[]
  /** POST sends `body` once and returns the first answer, a redirect too (never re-sent). */
  method?: 'GET' | 'POST'
  body?: Uint8Array
  /**
   * Receives a 2xx body chunk by chunk instead of it being kept (large downloads stream to a file
   * while hashing; the answer's `body` is then empty). The cap and the deadline still apply; a
   * throw from the sink ends the exchange with that error.
   */
  sink?: (chunk: Buffer) => void
}

export interface PinnedResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** The URL that finally answered. */
  url: string
}

interface Exchange {
  method: 'GET' | 'POST'
  body: Uint8Array | undefined
  deadline: number
  deadlineMs: number
  maxBytes: number
  what: string
  sink?: ((chunk: Buffer) => void) | undefined
}

function timeoutError(url: URL, x: Exchange): RelsealError {
  return new RelsealError(
    'E_TIMEOUT',
    `${x.what}: ${url.origin} did not send the whole answer within ${x.deadlineMs / 1000} s; ` +
      'the server is slow or stalled: try again later, or use another mirror',
    { details: { server: url.origin, deadline_ms: x.deadlineMs } },
  )
}

function tooLargeError(url: URL, x: Exchange): RelsealError {
  return new RelsealError(
    'E_TOO_LARGE',
    `${x.what}: ${url.origin} sent more than ${x.maxBytes} bytes, more than such a file may have; refused unread`,
    { details: { server: url.origin, max_bytes: x.maxBytes } },
  )
}

const isRedirect = (status: number): boolean => [301, 302, 303, 307, 308].includes(status)

/** One request: a redirect comes back with an empty body and is not read. */
function getOnce(url: URL, headers: Record<string, string>, x: Exchange): Promise<PinnedResponse> {
  return new Promise((resolve, reject) => {
    let settled = false
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    // agent: false, one connection per request, closed afterwards: nothing pooled outlives a fetch.
    const req = send(url, { method: x.method, headers, agent: false })
    const finish = (err: Error | undefined, value?: PinnedResponse): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // A redirect's body is never read, and an error abandons the answer: close the connection.
      if (err || (value && isRedirect(value.status))) req.destroy()
      if (err) reject(err)
      else resolve(value!)
    }
    const timer = setTimeout(() => finish(timeoutError(url, x)), Math.max(0, x.deadline - Date.now()))
    req.on('error', (e) =>
      finish(
        new RelsealError('E_NETWORK', `${x.what}: cannot reach ${url.origin}: ${e.message}`, { cause: e }),
      ),
    )
    req.on('response', (res) => {
      const status = res.statusCode ?? 0
      if (isRedirect(status))
        return finish(undefined, { status, headers: res.headers, body: Buffer.alloc(0), url: url.href })
      if (Number(res.headers['content-length'] ?? 0) > x.maxBytes) return finish(tooLargeError(url, x))
      const chunks: Buffer[] = []
      let size = 0
      const sink = status >= 200 && status < 300 ? x.sink : undefined
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (settled) return
        if (size > x.maxBytes) return finish(tooLargeError(url, x))
        if (!sink) return void chunks.push(chunk)
        try {
          sink(chunk)
        } catch (e) {
          finish(e as Error)
        }
      })
      res.on('end', () =>
        finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks), url: url.href }),
      )
      const brokeOff = (why: string, cause?: unknown) =>
        finish(
          new RelsealError('E_NETWORK', `${x.what}: ${url.origin} broke off the answer: ${why}`, { cause }),
        )
      res.on('error', (e) => brokeOff(e.message, e))
      res.on('close', () => {
        if (!res.complete) brokeOff('the connection closed before the end of the body')
      })
    })
    req.end(x.body)
  })
}

/**
 * GETs a URL under relseal's transport rules and returns the final answer (any status that is
 * not a redirect) with its body read whole, within `maxBytes` and the deadline.
 * Errors: E_INSECURE_TRANSPORT (not https, or a redirect off-origin), E_TIMEOUT, E_TOO_LARGE,
 * E_NETWORK (unreachable, broken off, too many redirects).
 *
 * @example
 * const res = await fetchPinned({ url: 'https://example.org/release_manifest.json',
 *   what: 'the manifest', maxBytes: MAX_MANIFEST_BYTES })
 */
export async function fetchPinned(r: PinnedRequest): Promise<PinnedResponse> {
  const start = checkFetchUrl(r.url, r.what)
  const deadlineMs = r.deadlineMs ?? DEFAULT_DEADLINE_MS
  const x: Exchange = {
    method: r.method ?? 'GET',
    body: r.body,
    deadline: Date.now() + deadlineMs,
    deadlineMs,
    maxBytes: r.maxBytes,
    what: r.what,
    sink: r.sink,
  }
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(r.headers ?? {})) if (k.toLowerCase() !== 'authorization') base[k] = v
  let url = start
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // The token goes to the origin it was given for, and only over a transport checkFetchUrl allowed.
    const headers =
      r.token && url.origin === start.origin ? { ...base, authorization: `Bearer ${r.token}` } : base
    const res = await getOnce(url, headers, x)
    if (!isRedirect(res.status) || x.method !== 'GET') return res
    const location = res.headers.location
    if (location === undefined)
      throw new RelsealError(
        'E_NETWORK',
        `${r.what}: ${url.origin} answered ${res.status} without a Location`,
      )
    url = checkRedirect(url, location, {
      assetHosts: r.assetRedirects ? (r.assetHosts ?? GITHUB_ASSET_HOSTS) : undefined,
      what: r.what,
    })
  }
  throw new RelsealError(
    'E_NETWORK',
    `${r.what}: more than ${MAX_REDIRECTS} redirects starting at ${start.origin}; the server is misconfigured`,
  )
}

/** Throws E_NETWORK with a hint unless the answer is 2xx. */
export function expectOk(res: PinnedResponse, what: string): PinnedResponse {
  if (res.status >= 200 && res.status < 300) return res
  const hint =
    res.status === 404
      ? 'check the repository, tag and asset name'
      : res.status === 401 || res.status === 403
        ? 'check GITHUB_TOKEN'
        : 'try again later'
  throw new RelsealError(
    'E_NETWORK',
    `${what}: HTTP ${res.status} from ${new URL(res.url).origin}; ${hint}`,
    {
      details: { status: res.status, server: new URL(res.url).origin },
    },
  )
}

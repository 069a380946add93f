import type { FakeState } from './state.js'

export interface FakeRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** Base URLs of the two hosts, to build links as GitHub does. */
  api: string
  uploads: string
  /** The storage host that asset downloads are redirected to. */
  objects: string
}

export interface FakeResponse {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

export const notFound = (): FakeResponse => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
})

/** A 422 with a plain message, as GitHub answers for immutable releases and the listing limit. */
export const refused = (message: string, doc = 'https://docs.github.com/rest'): FakeResponse => ({
  status: 422,
  body: { message, documentation_url: doc, status: '422' },
})

export const invalid = (resource: string, field: string, code: string): FakeResponse => ({
  status: 422,
  body: {
    message: 'Validation Failed',
    errors: [{ resource, code, field }],
    documentation_url: 'https://docs.github.com/rest',
    status: '422',
  },
})

/** Pages a list as GitHub does, with a Link header (rel="next", rel="last"). */
export function paged(items: unknown[], q: FakeRequest, maxItems = Infinity): FakeResponse {
  const perPage = Math.min(Number(q.query.get('per_page') ?? 30), 100)
  const page = Number(q.query.get('page') ?? 1)
  if ((page - 1) * perPage >= maxItems)
    return refused(
      `Only the first ${maxItems} results are available.`,
      'https://docs.github.com/rest/releases/releases#list-releases',
    )
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (p: number, rel: string) => {
    const u = new URL(q.api + q.path)
    q.query.forEach((v, k) => u.searchParams.set(k, v))
    u.searchParams.set('page', String(p))
    return `<${u.toString()}>; rel="${rel}"`
  }
  const links = [
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
  ]
  return {
    status: 200,
    headers: links.length ? { link: links.join(', ') } : {},
    body: items.slice((page - 1) * perPage, page * perPage),
  }
}

export type Route = {
  method: string
  pattern: RegExp
  write?: boolean
  handle: (s: FakeState, q: FakeRequest, m: string[]) => FakeResponse
}

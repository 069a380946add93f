export interface FakeAsset {
  id: number
  name: string
  data: Buffer
  content_type: string
  /** Default `uploaded`; `starter`: the empty asset an upload that failed upstream can leave (see Fault.leavesStarter). */
  state?: 'uploaded' | 'starter'
}

export interface FakeRelease {
  id: number
  tag_name: string
  target_commitish: string
  name: string
  body: string
  draft: boolean
  prerelease: boolean
  /** Published while settings.immutableReleases was on: assets and tag locked from then on. */
  immutable?: boolean
  assets: FakeAsset[]
}

export interface Fault {
  method: string
  /** Matched against the request path (a RegExp, or a substring). */
  path: RegExp | string
  status: number
  /** How many requests it applies to (default: every one). */
  times?: number
  headers?: Record<string, string>
  /** The `message` of the JSON body (default `injected <status>`). */
  message?: string
  delayMs?: number
  /** Runs on the state before the request is answered: another job acting meanwhile (a race). */
  before?: (s: FakeState) => void
  /**
   * On an upload: leave an empty asset of the requested name in state `starter`, as GitHub may after
   * a 502 ("This may leave an empty asset with a state of starter", upload-release-asset).
   */
  leavesStarter?: boolean
}

export interface FakeState {
  repository: string
  releases: FakeRelease[]
  /** Git refs of the repository, e.g. refs/tags/v1.0.0 -> commit id (or an annotated tag's object id). */
  refs: Map<string, string>
  /** Annotated tag objects by id: the tag name and the object (a commit, or another tag) it tags. */
  tagObjects: Map<string, { tag: string; object: string }>
  /** Token -> permission; a request without a known token gets 401. */
  tokens: Map<string, 'write' | 'read'>
  /** Repository settings that change how releases behave. */
  settings: { immutableReleases: boolean }
  /** Tags an immutable release was published with: never usable by another release. */
  immutableTags: Set<string>
  /** The release marked latest (make_latest), when one is. */
  latestId: number | undefined
  nextId: number
}

export function newState(repository = 'acme/app'): FakeState {
  return {
    repository,
    releases: [],
    refs: new Map(),
    tagObjects: new Map(),
    tokens: new Map([['test-token', 'write']]),
    settings: { immutableReleases: false },
    immutableTags: new Set(),
    latestId: undefined,
    nextId: 1,
  }
}

/**
 * A secondary rate limit answer to inject, as GitHub sends it: 403 or 429 with the documented
 * message, and `retry-after` or `x-ratelimit-remaining: 0` + `x-ratelimit-reset` only when given
 * ("Troubleshooting the REST API", Rate limit errors: the headers may be absent).
 */
export function secondaryRateLimit(
  method: string,
  path: RegExp | string,
  o: { status?: 403 | 429; retryAfter?: number; resetAt?: number; times?: number } = {},
): Fault {
  const headers: Record<string, string> = {}
  if (o.retryAfter !== undefined) headers['retry-after'] = String(o.retryAfter)
  if (o.resetAt !== undefined) {
    headers['x-ratelimit-remaining'] = '0'
    headers['x-ratelimit-reset'] = String(o.resetAt)
  }
  return {
    method,
    path,
    status: o.status ?? 403,
    times: o.times ?? 1,
    headers,
    message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  }
}

/**
 * Puts a release straight into the state, as another workflow or a person would have made it:
 * published unless `draft`, with the assets given (complete uploads unless they say otherwise).
 */
export function addRelease(
  s: FakeState,
  tag: string,
  extra: Partial<Omit<FakeRelease, 'assets'>> & { assets?: Partial<FakeAsset>[] } = {},
): FakeRelease {
  const { assets = [], ...rest } = extra
  const r: FakeRelease = {
    id: s.nextId++,
    tag_name: tag,
    target_commitish: 'main',
    name: tag,
    body: '',
    draft: false,
    prerelease: false,
    immutable: false,
    ...rest,
    assets: assets.map((a) => ({
      id: s.nextId++,
      name: 'asset',
      data: Buffer.alloc(0),
      content_type: 'application/octet-stream',
      state: 'uploaded',
      ...a,
    })),
  }
  s.releases.push(r)
  if (!r.draft && r.immutable) s.immutableTags.add(tag)
  if (!r.draft && !r.prerelease) s.latestId = r.id
  return r
}

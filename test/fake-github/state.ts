export interface FakeAsset {
  id: number
  name: string
  data: Buffer
  content_type: string
}

export interface FakeRelease {
  id: number
  tag_name: string
  target_commitish: string
  name: string
  body: string
  draft: boolean
  prerelease: boolean
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
  delayMs?: number
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
  nextId: number
}

export function newState(repository = 'acme/app'): FakeState {
  return {
    repository,
    releases: [],
    refs: new Map(),
    tagObjects: new Map(),
    tokens: new Map([['test-token', 'write']]),
    nextId: 1,
  }
}

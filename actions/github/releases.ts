import type { GitHubClient } from './client.js'

export interface Release {
  id: number
  tag_name: string
  html_url: string
  upload_url: string
  draft: boolean
  prerelease: boolean
  target_commitish: string
  body?: string | null
  /** Published while the repository's immutable-releases setting was on: assets and tag are locked. */
  immutable?: boolean
}

export interface ReleaseAsset {
  id: number
  name: string
  size: number
  url: string
  /** `uploaded` when complete; `starter` for the empty asset a failed upload can leave behind. */
  state?: string
  /** `sha256:<hex>` of the bytes, when GitHub has computed it. */
  digest?: string | null
}

const GET_RELEASE_BY_TAG = 'GET /repos/{owner}/{repo}/releases/tags/{tag}'
const GET_LATEST_RELEASE = 'GET /repos/{owner}/{repo}/releases/latest'
const CREATE_RELEASE = 'POST /repos/{owner}/{repo}/releases'
const LIST_RELEASES = 'GET /repos/{owner}/{repo}/releases'
const LIST_ASSETS = 'GET /repos/{owner}/{repo}/releases/{release_id}/assets'
const DELETE_ASSET = 'DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}'
const UPDATE_ASSET = 'PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}'
const GET_ASSET = 'GET /repos/{owner}/{repo}/releases/assets/{asset_id}'
const UPDATE_RELEASE = 'PATCH /repos/{owner}/{repo}/releases/{release_id}'
const GET_REF = 'GET /repos/{owner}/{repo}/git/ref/{ref}'
const CREATE_REF = 'POST /repos/{owner}/{repo}/git/refs'
const GET_TAG = 'GET /repos/{owner}/{repo}/git/tags/{tag_sha}'

/** A call's result, or undefined when GitHub answers 404 Not Found. */
async function unless404<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call
  } catch (e) {
    if ((e as { details?: { status?: number } }).details?.status === 404) return undefined
    throw e
  }
}

/** The release of `tag`, or undefined when there is none (drafts are found by listing). */
export async function getReleaseByTag(gh: GitHubClient, tag: string): Promise<Release | undefined> {
  const r = await unless404(
    gh.call(`reading release ${tag}`, (o) =>
      o.request(GET_RELEASE_BY_TAG, { owner: gh.owner, repo: gh.repo, tag }),
    ),
  )
  return r?.data
}

/** The latest published, non-prerelease release, or undefined when there is none. */
export async function getLatestRelease(gh: GitHubClient): Promise<Release | undefined> {
  const r = await unless404(
    gh.call('reading the latest release', (o) =>
      o.request(GET_LATEST_RELEASE, { owner: gh.owner, repo: gh.repo }),
    ),
  )
  return r?.data
}

/**
 * GitHub lists no further than this many releases: a page past it answers 422 "Only the first 1000
 * results are available." (documented at list-releases' documentation_url; iree-org/iree#16506).
 */
export const MAX_LISTED_RELEASES = 1000
const RELEASES_PER_PAGE = 100

/**
 * Releases, drafts included (only with push access), newest first, paginated with Link; no more than
 * the MAX_LISTED_RELEASES GitHub can list. `complete` is false when there were more.
 */
export async function listReleasesPaged(
  gh: GitHubClient,
): Promise<{ releases: Release[]; complete: boolean }> {
  let complete = true
  const releases = await gh.call('listing releases', (o) => {
    let pages = 0
    return o.paginate(
      LIST_RELEASES,
      { owner: gh.owner, repo: gh.repo, per_page: RELEASES_PER_PAGE },
      (res, done) => {
        // Stop before asking for a page GitHub refuses to serve.
        if (
          ++pages * RELEASES_PER_PAGE >= MAX_LISTED_RELEASES &&
          (res.headers.link ?? '').includes('rel="next"')
        ) {
          complete = false
          done()
        }
        return res.data
      },
    )
  })
  return { releases, complete }
}

/** Every release GitHub lists, drafts included (see listReleasesPaged). */
export async function listReleases(gh: GitHubClient): Promise<Release[]> {
  return (await listReleasesPaged(gh)).releases
}

/** The releases of one tag: the published one, and drafts newest first (GitHub allows several). */
export interface TagReleases {
  published: Release | undefined
  drafts: Release[]
  /** False when the repository has more releases than GitHub lists, so an old draft may be missed. */
  complete: boolean
}

/**
 * Finds every release of `tag`, drafts included. `GET /releases/tags/{tag}` returns "a published
 * release with the specified tag" only (GitHub's get-release-by-tag), so drafts are found by listing
 * all releases and matching tag_name; the published one is read by tag as well, so it is found even
 * past the listing limit.
 */
export async function findReleasesByTag(gh: GitHubClient, tag: string): Promise<TagReleases> {
  const [listed, published] = await Promise.all([listReleasesPaged(gh), getReleaseByTag(gh, tag)])
  const mine = listed.releases.filter((r) => r.tag_name === tag)
  return {
    published: published ?? mine.find((r) => !r.draft),
    drafts: mine.filter((r) => r.draft),
    complete: listed.complete,
  }
}

/** Creates a release (answers 422 already_exists when a published release has the tag). */
export async function createRelease(
  gh: GitHubClient,
  r: { tag: string; target?: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean },
): Promise<Release> {
  const res = await gh.call(`creating release ${r.tag}`, (o) =>
    o.request(CREATE_RELEASE, {
      owner: gh.owner,
      repo: gh.repo,
      tag_name: r.tag,
      name: r.name ?? r.tag,
      ...(r.target ? { target_commitish: r.target } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
      draft: r.draft ?? false,
      prerelease: r.prerelease ?? false,
    }),
  )
  return res.data
}

/**
 * Changes a release; publishing a draft (draft: false) is what creates its tag on GitHub. The tag
 * name is always sent: users report that a PATCH of a draft without it can leave the draft on an
 * `untagged-…` placeholder tag (tauri-apps/tauri-action#914, brightwave-inc/tidebreak#646).
 */
export async function updateRelease(
  gh: GitHubClient,
  release: Release,
  r: { draft?: boolean; prerelease?: boolean; body?: string; make_latest?: 'true' | 'false' | 'legacy' },
): Promise<Release> {
  const res = await gh.call(`updating release ${release.tag_name}`, (o) =>
    o.request(UPDATE_RELEASE, {
      owner: gh.owner,
      repo: gh.repo,
      release_id: release.id,
      tag_name: release.tag_name,
      ...r,
    }),
  )
  return res.data
}

/** Annotated tags can point at annotated tags; git itself stops peeling far sooner than this. */
const MAX_TAG_DEPTH = 8

/**
 * The commit a tag points at (`refs/tags/<tag>`), or undefined when GitHub has no such tag. An
 * annotated (or signed) tag's ref names a tag object, which is peeled to the commit it tags.
 */
export async function getTagCommit(gh: GitHubClient, tag: string): Promise<string | undefined> {
  const r = await unless404(
    gh.call(`reading tag ${tag}`, (o) =>
      o.request(GET_REF, { owner: gh.owner, repo: gh.repo, ref: `tags/${tag}` }),
    ),
  )
  if (!r) return undefined
  let object = r.data.object
  for (let depth = 0; object.type === 'tag' && depth < MAX_TAG_DEPTH; depth++) {
    const sha = object.sha
    const t = await gh.call(`reading tag object ${sha} of ${tag}`, (o) =>
      o.request(GET_TAG, { owner: gh.owner, repo: gh.repo, tag_sha: sha }),
    )
    object = t.data.object
  }
  return object.sha
}

/** Creates the lightweight tag `tag` at `commit` (GitHub answers 422 when it exists). */
export async function createTag(gh: GitHubClient, tag: string, commit: string): Promise<void> {
  await gh.call(`creating tag ${tag}`, (o) =>
    o.request(CREATE_REF, { owner: gh.owner, repo: gh.repo, ref: `refs/tags/${tag}`, sha: commit }),
  )
}

export async function listReleaseAssets(gh: GitHubClient, release: Release): Promise<ReleaseAsset[]> {
  return gh.call(`listing the assets of ${release.tag_name}`, (o) =>
    o.paginate(LIST_ASSETS, { owner: gh.owner, repo: gh.repo, release_id: release.id, per_page: 100 }),
  )
}

/** Uploads through the release's own upload_url (also what GitHub Enterprise Server needs). */
export async function uploadReleaseAsset(
  gh: GitHubClient,
  release: Release,
  name: string,
  data: Uint8Array,
): Promise<ReleaseAsset> {
  // upload_url is a URI template ("…/assets{?name,label}") on the uploads host; Octokit expands it.
  const res = await gh.call(`uploading ${name} to release ${release.tag_name}`, (o) =>
    o.request({
      method: 'POST',
      url: release.upload_url,
      name,
      // A view of the caller's bytes: Buffer.from(data) would copy them (2.4 MB for a large file list).
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as string,
      headers: { 'content-type': 'application/octet-stream', 'content-length': data.length },
    }),
  )
  return res.data as ReleaseAsset
}

export async function deleteReleaseAsset(gh: GitHubClient, asset: ReleaseAsset): Promise<void> {
  await gh.call(`deleting asset ${asset.name}`, (o) =>
    o.request(DELETE_ASSET, { owner: gh.owner, repo: gh.repo, asset_id: asset.id }),
  )
}

export async function renameReleaseAsset(
  gh: GitHubClient,
  asset: ReleaseAsset,
  name: string,
): Promise<ReleaseAsset> {
  const res = await gh.call(`renaming asset ${asset.name} to ${name}`, (o) =>
    o.request(UPDATE_ASSET, { owner: gh.owner, repo: gh.repo, asset_id: asset.id, name }),
  )
  return res.data
}

/** Downloads an asset's bytes (GitHub answers with a redirect to its download host). */
export async function downloadReleaseAsset(gh: GitHubClient, asset: ReleaseAsset): Promise<Buffer> {
  const res = await gh.call(`downloading asset ${asset.name}`, (o) =>
    o.request(GET_ASSET, {
      owner: gh.owner,
      repo: gh.repo,
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' },
    }),
  )
  return Buffer.from(res.data as unknown as ArrayBuffer)
}

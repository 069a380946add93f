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
}

export interface ReleaseAsset {
  id: number
  name: string
  size: number
  url: string
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

/** Every release, drafts included (paginated with Link). */
export async function listReleases(gh: GitHubClient): Promise<Release[]> {
  return gh.call('listing releases', (o) =>
    o.paginate(LIST_RELEASES, { owner: gh.owner, repo: gh.repo, per_page: 100 }),
  )
}

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

/** Changes a release; publishing a draft (draft: false) is what creates its tag on GitHub. */
export async function updateRelease(
  gh: GitHubClient,
  release: Release,
  r: { draft?: boolean; prerelease?: boolean; body?: string; make_latest?: 'true' | 'false' | 'legacy' },
): Promise<Release> {
  const res = await gh.call(`updating release ${release.tag_name}`, (o) =>
    o.request(UPDATE_RELEASE, { owner: gh.owner, repo: gh.repo, release_id: release.id, ...r }),
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
      data: Buffer.from(data) as unknown as string,
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

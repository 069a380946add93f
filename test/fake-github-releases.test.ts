import { describe, expect, it } from 'vitest'
import {
  assetNameProblem,
  checkAssetName,
  createClient,
  createRelease,
  deleteReleaseAsset,
  findReleasesByTag,
  getReleaseByTag,
  listReleaseAssets,
  listReleasesPaged,
  MAX_LISTED_RELEASES,
  putReleaseAsset,
  updateRelease,
  uploadReleaseAsset,
} from '../actions/github/index.js'
import type { FakeGitHub } from './fake-github/server.js'
import { addRelease } from './fake-github/state.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const gh = () =>
  createClient({
    token: 'test-token',
    repository: 'acme/app',
    baseUrl: fake.url,
    retry: { baseDelayMs: 10, sleep: () => Promise.resolve() },
  })

/** What GitHub said when a call failed: its message and validation errors, from the wrapped cause. */
async function refusal(p: Promise<unknown>): Promise<{ status?: number; says: string }> {
  const e = (await p.then(
    () => undefined,
    (x: unknown) => x,
  )) as { details?: { status?: number }; message: string } | undefined
  expect(e).toBeDefined()
  return { status: e!.details?.status, says: e!.message }
}

describe('the fake: drafts', () => {
  it('hides drafts from releases/tags/{tag}, lets several drafts share a tag, and allows one published release per tag', async () => {
    const c = gh()
    const first = await createRelease(c, { tag: 'v1.0.0', draft: true })
    const second = await createRelease(c, { tag: 'v1.0.0', draft: true })
    expect(second.id).not.toBe(first.id)
    expect(await getReleaseByTag(c, 'v1.0.0')).toBeUndefined()
    const found = await findReleasesByTag(c, 'v1.0.0')
    expect(found.published).toBeUndefined()
    expect(found.drafts.map((d) => d.id)).toEqual([second.id, first.id]) // newest first

    await updateRelease(c, second, { draft: false })
    expect((await getReleaseByTag(c, 'v1.0.0'))?.id).toBe(second.id)
    expect(await refusal(updateRelease(c, first, { draft: false }))).toMatchObject({ status: 422 })
    expect(await refusal(createRelease(c, { tag: 'v1.0.0' }))).toMatchObject({ status: 422 })
  })
})

describe('the fake: immutable releases', () => {
  it('locks a release published with the setting on: no upload, no delete, its tag never reused', async () => {
    fake.state.settings.immutableReleases = true
    const c = gh()
    const draft = await createRelease(c, { tag: 'v1.0.0', draft: true, target: 'a'.repeat(40) })
    expect(draft.immutable).toBe(false)
    expect(await putReleaseAsset(c, draft, 'a.txt', Buffer.from('a'), false)).toBe('uploaded')
    const published = await updateRelease(c, draft, { draft: false })
    expect(published.immutable).toBe(true)

    const upload = await refusal(uploadReleaseAsset(c, published, 'b.txt', Buffer.from('b')))
    expect(upload.status).toBe(422)
    expect(upload.says).toContain('Cannot upload assets to an immutable release.')
    const [asset] = await listReleaseAssets(c, published)
    expect((await refusal(deleteReleaseAsset(c, asset!))).status).toBe(422)
    // the client refuses before asking, with the setting and the flow named
    await expect(putReleaseAsset(c, published, 'b.txt', Buffer.from('b'), false)).rejects.toMatchObject({
      code: 'E_IMMUTABLE_RELEASE',
    })
    // and says the same when the release was published after it was read
    const before = fake.requests.length
    await expect(putReleaseAsset(c, draft, 'b.txt', Buffer.from('b'), false, [])).rejects.toMatchObject({
      code: 'E_IMMUTABLE_RELEASE',
    })
    expect(fake.requests.slice(before).map((r) => r.status)).toEqual([422])

    fake.state.releases = [] // even once the release is deleted
    const again = await refusal(createRelease(c, { tag: 'v1.0.0', draft: true }))
    expect(again.status).toBe(422)
    expect(again.says).toContain('tag_name was used by an immutable release')
  })

  it('leaves releases mutable with the setting off', async () => {
    const c = gh()
    const r = await createRelease(c, { tag: 'v1.0.0' })
    expect(r.immutable).toBe(false)
    expect(await putReleaseAsset(c, r, 'a.txt', Buffer.from('a'), false)).toBe('uploaded')
  })
})

describe('the fake: a 502 during an upload can leave a starter asset', () => {
  it('leaves it, so a plain retry meets 422; putReleaseAsset deletes it and uploads again', async () => {
    const c = gh()
    const r = await createRelease(c, { tag: 'v1.0.0', draft: true })
    fake.faults.push({ method: 'POST', path: '/assets', status: 502, times: 1, leavesStarter: true })
    expect((await refusal(uploadReleaseAsset(c, r, 'a.txt', Buffer.from('bytes')))).status).toBe(422)
    const [starter] = await listReleaseAssets(c, r)
    expect(starter).toMatchObject({ name: 'a.txt', state: 'starter', size: 0, digest: null })

    fake.faults.push({ method: 'POST', path: '/assets', status: 502, times: 1, leavesStarter: true })
    expect(await putReleaseAsset(c, r, 'b.txt', Buffer.from('more bytes'), false)).toBe('uploaded')
    expect(await putReleaseAsset(c, r, 'a.txt', Buffer.from('bytes'), false)).toBe('uploaded')
    const assets = await listReleaseAssets(c, r)
    expect(assets.map((a) => [a.name, a.state, a.size])).toEqual([
      ['b.txt', 'uploaded', 10],
      ['a.txt', 'uploaded', 5],
    ])
  })
})

describe('the fake: GitHub lists the first 1,000 releases only', () => {
  it('answers 422 past them; the client stops there and still finds an older published release by tag', async () => {
    for (let i = 0; i < MAX_LISTED_RELEASES + 5; i++) addRelease(fake.state, `v0.0.${i}`)
    const c = gh()
    const beyond = await refusal(
      c.call('page 11', (o) =>
        o.request('GET /repos/{owner}/{repo}/releases', {
          owner: 'acme',
          repo: 'app',
          per_page: 100,
          page: 11,
        }),
      ),
    )
    expect(beyond.status).toBe(422)
    expect(beyond.says).toContain('Only the first 1000 results are available.')

    const listed = await listReleasesPaged(c)
    expect(listed.releases).toHaveLength(MAX_LISTED_RELEASES)
    expect(listed.complete).toBe(false)
    expect(listed.releases[0]!.tag_name).toBe('v0.0.1004') // newest first
    const oldest = await findReleasesByTag(c, 'v0.0.0')
    expect(oldest.published?.tag_name).toBe('v0.0.0')
    expect(oldest.complete).toBe(false)
  })
})

describe('one asset-name rule', () => {
  it.each([
    ['release_manifest.json', undefined],
    ['SHA256SUMS', undefined],
    ['app-1.2.3_linux-x86_64.tar.gz', undefined],
    ['my app.tgz', /replace " "/],
    ['app(1).tgz', /replace "\(" \(character 4\)/],
    ['app-🚀.tgz', /replace "🚀" \(character 5\)/],
    ['app+build.tgz', /replace "\+"/],
    ['app~1.deb', /replace "~"/],
    ['naïve.txt', /replace "ï"/],
    ['.hidden', /leading or trailing period/],
    ['trailing.', /leading or trailing period/],
    ['', /empty/],
    ['a'.repeat(256), /longer than 255/],
  ])('%j: %s', (name, problem) => {
    if (problem === undefined) expect(assetNameProblem(name)).toBeUndefined()
    else {
      expect(assetNameProblem(name)).toMatch(problem)
      expect(() => checkAssetName(name, 'input manifest-name')).toThrow(
        expect.objectContaining({ code: 'E_BAD_INPUT' }) as Error,
      )
    }
  })

  it('matters: the fake stores such a name renamed, as GitHub does, and the client refuses it before any request', async () => {
    const c = gh()
    const r = await createRelease(c, { tag: 'v1.0.0', draft: true })
    await uploadReleaseAsset(c, r, 'my app (1).tgz', Buffer.from('x'))
    expect((await listReleaseAssets(c, r)).map((a) => a.name)).toEqual(['my.app..1..tgz'])
    const before = fake.requests.length
    await expect(putReleaseAsset(c, r, 'my app (1).tgz', Buffer.from('x'), false)).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
    })
    expect(fake.requests.length).toBe(before)
  })
})

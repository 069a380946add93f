import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { addRelease, secondaryRateLimit } from './fake-github/state.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { errorsOf, releaseFlow, signStep, verifyStep, writesOf } from './helpers/release-flow.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const RELEASES = 'POST /repos/acme/app/releases'
const UPLOAD = 'POST /repos/acme/app/releases/N/assets'
const PUBLISH = 'PATCH /repos/acme/app/releases/N'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.each([
  ['off', false],
  ['on', true],
])('sign-release and verify-manifest with immutable releases %s', (_, immutable) => {
  it('creates a draft, uploads, publishes last; verify-manifest accepts it; a re-run writes nothing', async () => {
    fake.state.settings.immutableReleases = immutable
    const f = releaseFlow(fake)
    const name = { 'manifest-name': 'app.manifest.json' }
    const r = await signStep(f, name)
    expect(errorsOf(r)).toEqual([])
    expect(r.status).toBe(0)
    expect(r.outputs['release-state']).toBe('published')
    // the draft takes every asset before it is published: the order immutable releases need
    expect(writesOf(fake)).toEqual([RELEASES, UPLOAD, UPLOAD, PUBLISH])
    const [release] = fake.state.releases
    expect(release).toMatchObject({ draft: false, immutable, id: Number(r.outputs['release-id']) })
    expect(release!.assets.map((a) => a.name)).toEqual(['release_files.sha256', 'app.manifest.json'])
    expect(fake.state.latestId).toBe(release!.id)

    const v = await verifyStep(f, name)
    expect(errorsOf(v)).toEqual([])
    expect(v.outputs).toMatchObject({ verified: 'true', commit: f.sha })
    // under its default name the manifest is not there: the input is what finds it
    expect(errorsOf(await verifyStep(f))[0]).toContain('E_UNSIGNED')

    const before = fake.requests.length
    const again = await signStep(f, name)
    expect(again.status).toBe(0)
    expect(writesOf(fake, before)).toEqual([])
  })
})

describe('sign-release finds the release among drafts and published releases', () => {
  it("signs the newest draft another workflow prepared, in place, with that workflow's artifacts, and publishes it", async () => {
    fake.state.settings.immutableReleases = true
    const f = releaseFlow(fake)
    const older = addRelease(fake.state, f.tag, { draft: true })
    const prepared = addRelease(fake.state, f.tag, {
      draft: true,
      target_commitish: f.sha,
      assets: [{ name: 'app.tgz', data: Buffer.from('built artifact\n') }],
    })
    const r = await signStep(f)
    expect(errorsOf(r)).toEqual([])
    expect(writesOf(fake)).toEqual([UPLOAD, UPLOAD, PUBLISH])
    expect(r.stdout).toContain(`other draft release(s) (id ${older.id})`)
    expect(prepared).toMatchObject({ draft: false, immutable: true })
    expect(prepared.assets.map((a) => a.name)).toEqual([
      'app.tgz',
      'release_files.sha256',
      'release_manifest.json',
    ])
    expect(older.draft).toBe(true)
    expect((await verifyStep(f)).outputs.verified).toBe('true')
  })

  it('stops before anything is created or uploaded on a published immutable release without the manifest', async () => {
    fake.state.settings.immutableReleases = true
    const f = releaseFlow(fake)
    addRelease(fake.state, f.tag, { immutable: true, assets: [{ name: 'app.tgz' }] })
    const r = await signStep(f)
    expect(r.status).toBe(1)
    const errors = errorsOf(r)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('E_IMMUTABLE_RELEASE')
    expect(errors[0]).toContain('"immutable releases" setting')
    expect(errors[0]).toContain('draft')
    expect(writesOf(fake)).toEqual([])
  })

  it('signs a mutable published release as before: uploads only, no publish', async () => {
    const f = releaseFlow(fake)
    const published = addRelease(fake.state, f.tag, { target_commitish: f.sha })
    const r = await signStep(f)
    expect(r.status).toBe(0)
    expect(writesOf(fake)).toEqual([UPLOAD, UPLOAD])
    expect(published.assets).toHaveLength(2)
    expect(r.outputs['release-id']).toBe(String(published.id))
  })

  it('with publish: false and upload-artifacts, leaves a draft holding the artifacts that verify-manifest cannot see yet', async () => {
    const f = releaseFlow(fake)
    const r = await signStep(f, { publish: 'false', 'upload-artifacts': 'true' })
    expect(r.status).toBe(0)
    expect(r.outputs['release-state']).toBe('draft')
    expect(writesOf(fake)).toEqual([RELEASES, UPLOAD, UPLOAD, UPLOAD])
    // the artifact and the file list go up together; the manifest once both are there
    const names = fake.state.releases[0]!.assets.map((a) => a.name)
    expect(names.slice(0, 2).sort()).toEqual(['app.tgz', 'release_files.sha256'])
    expect(names[2]).toBe('release_manifest.json')
    expect(errorsOf(await verifyStep(f))[0]).toContain('E_NOT_FOUND')
  })

  it('uploads the manifest only after a slow artifact upload has finished', async () => {
    const f = releaseFlow(fake)
    // the first upload to arrive (the artifact or the file list) is answered late
    fake.faults.push({ method: 'POST', path: '/assets', status: 200, times: 1, delayMs: 400 })
    const r = await signStep(f, { 'upload-artifacts': 'true' })
    expect(errorsOf(r)).toEqual([])
    expect(r.status).toBe(0)
    expect(fake.state.releases[0]!.assets.map((a) => a.name).at(-1)).toBe('release_manifest.json')
    expect(fake.state.releases[0]!.assets).toHaveLength(3)
  })

  it('does not make a backport the latest release', async () => {
    const f = releaseFlow(fake)
    const newer = addRelease(fake.state, 'v2.0.0')
    const r = await signStep(f)
    expect(r.status).toBe(0)
    expect(fake.state.releases.find((x) => x.tag_name === f.tag)!.draft).toBe(false)
    expect(fake.state.latestId).toBe(newer.id)
  })
})

describe('sign-release under races and faults', () => {
  it('looks once more when another job published the release between lookup and create (422 already_exists)', async () => {
    const f = releaseFlow(fake)
    let raced = 0
    fake.faults.push({
      method: 'POST',
      path: /\/releases$/,
      status: 200,
      times: 1,
      before: (s) => (raced = addRelease(s, f.tag, { target_commitish: f.sha }).id),
    })
    const r = await signStep(f)
    expect(errorsOf(r)).toEqual([])
    expect(fake.requests.filter((q) => q.status === 422)).toHaveLength(1)
    expect(fake.state.releases.map((x) => x.id)).toEqual([raced])
    expect(fake.state.releases[0]!.assets).toHaveLength(2)
  })

  it('deletes the starter asset a 502 left and uploads again', async () => {
    const f = releaseFlow(fake)
    fake.faults.push({ method: 'POST', path: '/assets', status: 502, times: 1, leavesStarter: true })
    const r = await signStep(f)
    expect(errorsOf(r)).toEqual([])
    expect(fake.state.releases[0]!.assets.map((a) => [a.name, a.state, a.data.length > 0])).toEqual([
      ['release_files.sha256', 'uploaded', true],
      ['release_manifest.json', 'uploaded', true],
    ])
  })

  it('waits out a secondary rate limit with retry-after', async () => {
    const f = releaseFlow(fake)
    fake.faults.push(secondaryRateLimit('POST', /\/releases$/, { retryAfter: 1 }))
    const r = await signStep(f)
    expect(errorsOf(r)).toEqual([])
    expect(r.stdout).toContain('rate limited (HTTP 403); waiting 1 s as GitHub asks')
  })

  it('replaces an expired manifest on a mutable release, and refuses clearly on an immutable one', async () => {
    const mutable = releaseFlow(fake, 'v1.2.3')
    expect((await signStep(mutable, { 'expires-in': '1s' })).status).toBe(0)
    fake.state.settings.immutableReleases = true
    const locked = releaseFlow(fake, 'v1.3.0')
    expect((await signStep(locked, { 'expires-in': '1s' })).status).toBe(0)
    await sleep(1500)

    const [m, l] = [fake.state.releases[0]!, fake.state.releases[1]!]
    const old = m.assets.find((a) => a.name === 'release_manifest.json')!.data
    const replaced = await signStep(mutable)
    expect(errorsOf(replaced)).toEqual([])
    expect(m.assets.find((a) => a.name === 'release_manifest.json')!.data.equals(old)).toBe(false)
    expect((await verifyStep(mutable)).outputs.verified).toBe('true')

    const before = fake.requests.length
    const refused = await signStep(locked)
    expect(refused.status).toBe(1)
    expect(errorsOf(refused)[0]).toContain('E_IMMUTABLE_RELEASE')
    expect(writesOf(fake, before)).toEqual([])
    expect(l.immutable).toBe(true)
  })

  it('refuses a manifest-name GitHub would rename, in both actions, before any request', async () => {
    const f = releaseFlow(fake)
    const bad = { 'manifest-name': 'release manifest.json' }
    expect(errorsOf(await signStep(f, bad))[0]).toContain('E_BAD_INPUT')
    expect(errorsOf(await verifyStep(f, bad))[0]).toContain('E_BAD_INPUT')
    expect(fake.requests).toEqual([])
  })
})

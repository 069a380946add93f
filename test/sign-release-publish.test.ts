import { describe, expect, it } from 'vitest'
import { createClient, createRelease } from '../actions/github/index.js'
import { isBelowLatest, publishRelease, versionOfReleaseTag } from '../actions/sign-release/src/publish.js'
import type { FakeGitHub } from './fake-github/server.js'
import { addRelease } from './fake-github/state.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const gh = () => createClient({ token: 'test-token', repository: 'acme/app', baseUrl: fake.url })

describe('publishing the signed draft', () => {
  it.each([
    ['v1.2.3', '1.2.3'],
    ['1.2.3', '1.2.3'],
    ['app-v2.0.0-rc.1', '2.0.0-rc.1'],
    ['v1.2', undefined],
    ['latest', undefined],
  ])('reads the version of tag %j as %j', (tag, version) => {
    expect(versionOfReleaseTag(tag)).toBe(version)
  })

  it('keeps "latest" on a higher version: a backport is published with make_latest false', async () => {
    const c = gh()
    const v2 = addRelease(fake.state, 'v2.0.0')
    expect(await isBelowLatest(c, '1.9.9')).toBe(true)
    expect(await isBelowLatest(c, '2.0.1')).toBe(false)
    const backport = await createRelease(c, { tag: 'v1.9.9', draft: true })
    expect((await publishRelease(c, backport, '1.9.9')).draft).toBe(false)
    expect(fake.state.latestId).toBe(v2.id)
    const next = await createRelease(c, { tag: 'v2.1.0', draft: true })
    await publishRelease(c, next, '2.1.0')
    expect(fake.state.latestId).toBe(next.id)
  })

  it('says so, and leaves its draft, when another release of the tag was published meanwhile', async () => {
    const c = gh()
    const mine = await createRelease(c, { tag: 'v1.0.0', draft: true })
    const theirs = await createRelease(c, { tag: 'v1.0.0', draft: true })
    await publishRelease(c, theirs, '1.0.0')
    await expect(publishRelease(c, mine, '1.0.0')).rejects.toMatchObject({ code: 'E_GITHUB' })
    expect(fake.state.releases.find((r) => r.id === mine.id)!.draft).toBe(true)
  })
})

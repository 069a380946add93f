import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import {
  createClient,
  createRelease,
  downloadReleaseAsset,
  listReleaseAssets,
  putReleaseAsset,
} from '../actions/github/index.js'
import { startFakeGitHub, type FakeGitHub } from './fake-github/server.js'

let fake: FakeGitHub
beforeEach(async () => {
  fake = await startFakeGitHub()
})
afterEach(async () => {
  await fake.close()
})

const gh = () =>
  createClient({
    token: 'test-token',
    repository: 'acme/app',
    baseUrl: fake.url,
    retry: { baseDelayMs: 10, maxWaitMs: 200 },
  })

describe('the GitHub fake', () => {
  it('redirects an asset download to a storage host that refuses the token, as S3 does', async () => {
    const c = gh()
    const rel = await createRelease(c, { tag: 'v1.0.0' })
    await putReleaseAsset(c, rel, 'a.txt', Buffer.from('asset bytes'), false)
    const [asset] = await listReleaseAssets(c, rel)
    // curl runs asynchronously: the fake answers from this very process
    const curl = async (...args: string[]) =>
      (
        await promisify(execFile)(
          'curl',
          ['-s', '-o', '-', '-w', '\\n%{http_code} %{redirect_url}', ...args],
          {
            encoding: 'utf8',
          },
        )
      ).stdout
    const api = `${fake.url}/repos/acme/app/releases/assets/${asset!.id}`
    const first = await curl(
      '-H',
      'authorization: token test-token',
      '-H',
      'accept: application/octet-stream',
      api,
    )
    const [, location] = /302 (\S+)$/.exec(first) ?? []
    expect(new URL(location!).hostname).not.toBe(new URL(fake.url).hostname)
    expect(await curl(location!)).toMatch(/^asset bytes\n200 $/)
    expect(await curl('-H', 'authorization: token test-token', location!)).toMatch(
      /Only one auth mechanism[^]*\n400 $/,
    )
    // and the client follows it without the token
    expect((await downloadReleaseAsset(c, asset!)).toString()).toBe('asset bytes')
  })

  it('serves releases by id and git tag refs (create, get, match, 422 on a duplicate)', async () => {
    const c = gh()
    const rel = await createRelease(c, { tag: 'v1.0.0' })
    const byId = await c.call('get release', (o) =>
      o.request('GET /repos/{owner}/{repo}/releases/{release_id}', {
        owner: 'acme',
        repo: 'app',
        release_id: rel.id,
      }),
    )
    expect(byId.data.tag_name).toBe('v1.0.0')
    const sha = 'a'.repeat(40)
    const created = await c.call('create ref', (o) =>
      o.request('POST /repos/{owner}/{repo}/git/refs', {
        owner: 'acme',
        repo: 'app',
        ref: 'refs/tags/v1.0.0',
        sha,
      }),
    )
    expect(created.status).toBe(201)
    const got = await c.call('get ref', (o) =>
      o.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        owner: 'acme',
        repo: 'app',
        ref: 'tags/v1.0.0',
      }),
    )
    expect(got.data.object.sha).toBe(sha)
    const matching = await c.call('match refs', (o) =>
      o.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', {
        owner: 'acme',
        repo: 'app',
        ref: 'tags/v1',
      }),
    )
    expect(matching.data.map((r) => r.ref)).toEqual(['refs/tags/v1.0.0'])
    await expect(
      c.call('create ref again', (o) =>
        o.request('POST /repos/{owner}/{repo}/git/refs', {
          owner: 'acme',
          repo: 'app',
          ref: 'refs/tags/v1.0.0',
          sha,
        }),
      ),
    ).rejects.toThrow(/HTTP 422.*Reference already exists/)
    expect(fake.violations).toEqual([])
  })

  it('records a request GitHub does not allow as a violation (an invalid body)', async () => {
    const c = gh()
    await expect(
      c.call('bad create', (o) =>
        o.request('POST /repos/{owner}/{repo}/releases', {
          owner: 'acme',
          repo: 'app',
          tag_name: 42 as unknown as string,
        }),
      ),
    ).rejects.toMatchObject({ code: 'E_GITHUB' })
    expect(fake.violations).toHaveLength(1)
    expect(fake.violations[0]).toContain('repos/create-release')
  })

  it('answers 429 as a rate limit that the client waits out, and can answer slowly', async () => {
    const c = gh()
    fake.faults.push({
      method: 'POST',
      path: '/releases',
      status: 429,
      times: 1,
      headers: { 'retry-after': '0' },
    })
    fake.faults.push({ method: 'GET', path: '/releases', status: 200, times: 1, delayMs: 300 })
    await createRelease(c, { tag: 'v1.0.0' })
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(1)
    const t = Date.now()
    await c.call('list', (o) =>
      o.request('GET /repos/{owner}/{repo}/releases', { owner: 'acme', repo: 'app' }),
    )
    expect(Date.now() - t).toBeGreaterThanOrEqual(290)
    expect(fake.violations).toEqual([])
  })
})

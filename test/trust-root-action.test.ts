import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { forgeKey } from './helpers/forge.js'
import { forgeRoot, rootKey, rootPayload } from './helpers/forge-root.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { errorsOf, releaseFlow, signStep } from './helpers/release-flow.js'

// sign-release `trust-roots`: trust roots checked as a chain and uploaded beside the manifest.
let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const [a, b, c] = [21, 22, 23].map((i) => forgeKey(Buffer.alloc(32, i)))
const V1 = forgeRoot(rootPayload({ version: 1, keys: [rootKey(a!), rootKey(b!)], root_threshold: 2 }), [
  a!,
  b!,
])
const v2 = (signers: (typeof a)[]) =>
  forgeRoot(
    rootPayload({ version: 2, keys: [rootKey(b!), rootKey(c!)], root_threshold: 2 }),
    signers as never,
  )

describe('sign-release with trust-roots', () => {
  it('uploads trust-root.1.json and trust-root.2.json with the manifest when they verify as a chain', async () => {
    const f = releaseFlow(fake)
    writeFileSync(join(f.repo, 'trust-root.1.json'), V1)
    writeFileSync(join(f.repo, 'trust-root.2.json'), v2([a, b, c]))
    const run = await signStep(f, { 'trust-roots': 'trust-root.*.json' })
    expect(errorsOf(run)).toEqual([])
    expect(run.status).toBe(0)
    const names = fake.state.releases[0]!.assets.map((x) => x.name)
    expect(names).toEqual(
      expect.arrayContaining(['trust-root.1.json', 'trust-root.2.json', 'release_manifest.json']),
    )
    const asset = fake.state.releases[0]!.assets.find((x) => x.name === 'trust-root.1.json')!
    expect(asset.data.toString()).toBe(V1)
  })

  it('refuses a chain its clients would refuse (E_ROOT_THRESHOLD) and uploads nothing', async () => {
    const f = releaseFlow(fake)
    writeFileSync(join(f.repo, 'trust-root.1.json'), V1)
    writeFileSync(join(f.repo, 'trust-root.2.json'), v2([a, b]))
    const run = await signStep(f, { 'trust-roots': 'trust-root.*.json' })
    expect(run.status).not.toBe(0)
    expect(errorsOf(run).join('\n')).toContain('E_ROOT_THRESHOLD')
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('refuses a root named for another version (E_BAD_INPUT)', async () => {
    const f = releaseFlow(fake)
    writeFileSync(join(f.repo, 'trust-root.3.json'), V1)
    const run = await signStep(f, { 'trust-roots': 'trust-root.*.json' })
    expect(errorsOf(run).join('\n')).toContain('E_BAD_INPUT')
  })
})

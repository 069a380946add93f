import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkoutPinnedCommit, initAppRoot, parsePublicKey, updateToRelease } from '../src/index.js'
import { git, GIT_TEST_ENV } from './helpers/git-repo.js'
import { makeOrigin, signVersion } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

describe('updateToRelease (library)', () => {
  it('reports progress per step and lets an async health check refuse a release', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const appRoot = join(tempDir(), 'app')
    await initAppRoot({ appRoot, remote: o.bare, repository: 'acme/app' })
    const policy = { keys: [parsePublicKey(readFileSync(o.pubFile, 'utf8'), 'pub')] }
    const progress: [string, number][] = []
    const r = await updateToRelease({
      appRoot,
      manifest: await signVersion(o, '1.0.0'),
      policy,
      onProgress: (step, percent) => progress.push([step, percent]),
      healthCheck: async (dir) => {
        expect(readFileSync(join(dir, 'src/version.js'), 'utf8')).toContain('1.0.0')
        await Promise.resolve()
      },
    })
    expect(r.outcome).toBe('updated')
    expect(progress.map((p) => p[0])).toContain('verify-commit')
    expect(progress.map((p) => p[1])).toEqual([...progress.map((p) => p[1])].sort((a, b) => a - b))

    await expect(
      updateToRelease({
        appRoot,
        manifest: readFileSync(await signVersion(o, '2.0.0')),
        policy,
        healthCheck: () => Promise.reject(new Error('port 8080 did not answer')),
      }),
    ).rejects.toMatchObject({ code: 'E_HEALTH_FAILED' })
  })
})

describe('checkoutPinnedCommit', () => {
  it('verifies, fetches the pinned commit and checks it out in place; refuses before fetching otherwise', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const app = join(tempDir(), 'app')
    execFileSync('git', ['clone', '-q', '--branch', 'v1.0.0', o.bare, app], {
      env: GIT_TEST_ENV,
      stdio: 'ignore',
    })
    const trusted = { keys: [parsePublicKey(readFileSync(o.pubFile, 'utf8'), 'pub')] }
    const m2 = readFileSync(await signVersion(o, '2.0.0'))
    const v = await checkoutPinnedCommit(app, m2, trusted)
    expect(v.payload.version).toBe('2.0.0')
    expect(git(app, 'rev-parse', 'HEAD')).toBe(o.commits['2.0.0'])

    const other = { keys: [parsePublicKey(Buffer.from(o.key.publicKey).toString('base64'), 'other')] }
    const m1 = readFileSync(await signVersion(o, '1.0.0'))
    await expect(checkoutPinnedCommit(app, m1, other)).rejects.toMatchObject({ code: 'E_UNTRUSTED_KEY' })
    expect(git(app, 'rev-parse', 'HEAD')).toBe(o.commits['2.0.0'])
  })
})

import { describe, expect, it } from 'vitest'
import type { Release } from '../actions/github/index.js'
import { previousRelease } from '../actions/release-gate/src/previous-release.js'
import { parseReleaseVersion } from '../actions/release-gate/src/version.js'

let id = 0
const rel = (tag: string, o: Partial<Release> = {}): Release => ({
  id: ++id,
  tag_name: tag,
  html_url: '',
  upload_url: '',
  draft: false,
  prerelease: false,
  target_commitish: 'main',
  ...o,
})
const pick = (releases: Release[], version: string, prefix = 'v') =>
  previousRelease(releases, parseReleaseVersion(version, prefix, true), prefix)?.tag_name

describe('previousRelease: the release whose benchmarks.json is the baseline', () => {
  const releases = [
    rel('v2.0.0'),
    rel('v1.3.0', { draft: true }),
    rel('v1.3.0-rc.1', { prerelease: true }),
    rel('v1.2.1', { prerelease: true }), // a stable version marked prerelease on GitHub
    rel('nightly'),
    rel('app-v1.2.9'),
    rel('v1.2.0'),
    rel('v1.10.0-beta.1', { prerelease: true }),
    rel('v1.1.0'),
  ]

  it('a stable candidate: the newest published stable release below it, by SemVer not by order', () => {
    expect(pick(releases, '1.3.0')).toBe('v1.2.0')
    expect(pick(releases, '1.2.0')).toBe('v1.1.0')
    expect(pick(releases, '3.0.0')).toBe('v2.0.0')
  })

  it('a prerelease candidate: the newest published release below it, prereleases included', () => {
    expect(pick(releases, '1.3.0-rc.2')).toBe('v1.3.0-rc.1')
    expect(pick(releases, '1.11.0-rc.1')).toBe('v1.10.0-beta.1')
  })

  it('no release below the candidate, or only drafts and foreign tags: none', () => {
    expect(pick(releases, '1.0.0')).toBeUndefined()
    expect(pick([rel('v0.9.0', { draft: true }), rel('nightly')], '1.0.0')).toBeUndefined()
  })

  it('reads only tags with the prefix', () => {
    expect(pick(releases, '1.3.0', 'app-v')).toBe('app-v1.2.9')
  })
})

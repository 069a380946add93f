import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { initAppRoot, parsePublicKey, updateToRelease } from '../src/index.js'
import { hostBucket } from '../src/manifest/rollout-bucket.js'
import { evidenceLines, snapshotAppRoot } from './helpers/app-root.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

const START = '2026-05-01T12:00:00Z'
const PLAN = '10%@0m,50%@30m,100%@2h'
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000)

/** The first host id `host-N` whose bucket for `version` lies in [from, to). */
function hostIn(version: string, from: number, to: number): string {
  for (let n = 0; ; n++) {
    const b = hostBucket(`host-${n}`, version)
    if (b >= from && b < to) return `host-${n}`
  }
}

const current = (root: string) =>
  existsSync(join(root, 'current')) ? readlinkSync(join(root, 'current')) : undefined
const hasObject = (root: string, commit: string) =>
  spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: join(root, 'store.git') }).status === 0
const lastEvidence = (root: string) => evidenceLines(root).at(-1)!

async function appRootOn(o: Origin, first: string): Promise<string> {
  const appRoot = join(tempDir('relseal-app-'), 'app')
  await initAppRoot({ appRoot, remote: o.bare, repository: 'acme/app' })
  const r = await updateToRelease({ appRoot, manifest: first, policy: policyOf(o), hostId: 'any' })
  expect(r.outcome).toBe('updated')
  return appRoot
}

const policyOf = (o: Origin, now?: Date) => ({
  keys: [parsePublicKey(readFileSync(o.pubFile, 'utf8'), 'pub')],
  ...(now ? { now } : {}),
})

describe('a phased rollout across several app roots (library, injected clock)', () => {
  it('defers each host until its stage opens, fetching nothing, then updates it', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const first = await signVersion(o, '1.0.0')
    const phased = await signVersion(o, '2.0.0', ['--rollout', PLAN, '--rollout-start', START])
    const hosts = [
      { id: hostIn('2.0.0', 0, 1000), stage: 1, opens: START },
      { id: hostIn('2.0.0', 1000, 5000), stage: 2, opens: at(30).toISOString() },
      { id: hostIn('2.0.0', 5000, 10000), stage: 3, opens: at(120).toISOString() },
    ]
    const roots = await Promise.all(hosts.map(() => appRootOn(o, first)))
    const run = (i: number, now: Date) =>
      updateToRelease({
        appRoot: roots[i]!,
        manifest: phased,
        policy: policyOf(o, now),
        hostId: hosts[i]!.id,
      })

    // 10 minutes in: stage 1 is open, stages 2 and 3 are not.
    const before = roots.map((r) => snapshotAppRoot(r))
    const tenMinutes = [await run(0, at(10)), await run(1, at(10)), await run(2, at(10))]
    expect(tenMinutes.map((r) => r.outcome)).toEqual(['updated', 'deferred', 'deferred'])
    expect(current(roots[0]!)).toBe('releases/2.0.0')
    for (const i of [1, 2]) {
      expect(tenMinutes[i]!.deferredUntil).toBe(hosts[i]!.opens)
      expect(snapshotAppRoot(roots[i]!)).toEqual(before[i])
      expect(hasObject(roots[i]!, o.commits['2.0.0']!)).toBe(false)
      const ev = lastEvidence(roots[i]!)
      expect(ev).toMatchObject({
        outcome: 'deferred',
        deferred_until: hosts[i]!.opens,
        to: { version: '2.0.0' },
        from: { version: '1.0.0' },
        rollout: { stage: hosts[i]!.stage, percent: [10, 50, 100][hosts[i]!.stage - 1] },
      })
      // The host id stays on the host: evidence holds its bucket only.
      expect(JSON.stringify(ev)).not.toContain(hosts[i]!.id)
      // Verified first, then the rollout step, and no git step at all.
      expect((ev.steps as { step: string }[]).map((s) => s.step)).toEqual([
        'lock',
        'load',
        'verify',
        'rollout',
      ])
    }

    // Exactly when stage 2 opens, host 2 updates; host 3 still waits. Host 1 is up to date.
    expect((await run(1, at(30))).outcome).toBe('updated')
    expect(current(roots[1]!)).toBe('releases/2.0.0')
    expect((await run(2, at(119))).deferredUntil).toBe(hosts[2]!.opens)
    expect((await run(0, at(119))).outcome).toBe('up-to-date')
    expect(current(roots[2]!)).toBe('releases/1.0.0')

    // Two hours in, every stage is open.
    expect((await run(2, at(120))).outcome).toBe('updated')
    expect(current(roots[2]!)).toBe('releases/2.0.0')
  })

  it('ignoreRollout installs on a host whose stage is not open (the operator canary)', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const phased = await signVersion(o, '2.0.0', ['--rollout', PLAN, '--rollout-start', START])
    const appRoot = join(tempDir('relseal-app-'), 'app')
    await initAppRoot({ appRoot, remote: o.bare, repository: 'acme/app' })
    const late = hostIn('2.0.0', 5000, 10000)
    const r = await updateToRelease({
      appRoot,
      manifest: phased,
      policy: policyOf(o, at(0)),
      hostId: late,
      ignoreRollout: true,
    })
    expect(r.outcome).toBe('updated')
    expect(lastEvidence(appRoot)).toMatchObject({ outcome: 'updated', rollout: { ignored: true } })
  })
})

describe('relseal update with a phased release (CLI)', () => {
  it('exits 0 deferred with the opening time in text, --json and status; --ignore-rollout updates', async () => {
    const o = await makeOrigin(['1.0.0'])
    // A rollout that starts far in the future: the CLI runs on the real clock.
    const phased = await signVersion(o, '1.0.0', [
      '--rollout',
      '100%@1h',
      '--rollout-start',
      '2099-01-01T00:00:00Z',
    ])
    const root = join(tempDir('relseal-app-'), 'app')
    expect(
      (await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')).code,
    ).toBe(0)
    const update = (extra: string[]) =>
      runCli(
        [
          'update',
          '--app-root',
          root,
          '--manifest',
          phased,
          '--pubkey',
          o.pubFile,
          '--host-id',
          'web-01',
          ...extra,
        ],
        '/',
      )

    const text = await update([])
    expect(text.stderr).toBe('')
    expect(text.code).toBe(0)
    expect(text.stdout).toBe(
      "deferred: 1.0.0 rolls out in stages; this host's stage (stage 1, 100% of hosts) opens at 2099-01-01T01:00:00.000Z; nothing was fetched or changed\n",
    )
    const json = await update(['--json'])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({
      outcome: 'deferred',
      deferred_until: '2099-01-01T01:00:00.000Z',
      to: { version: '1.0.0', commit: o.commits['1.0.0'] },
    })
    expect(current(root)).toBeUndefined()

    const status = await runCli(['status', '--app-root', root], '/')
    expect(status.stdout).toMatch(/ deferred 1\.0\.0 until 2099-01-01T01:00:00\.000Z\n/)
    const statusJson = JSON.parse((await runCli(['status', '--app-root', root, '--json'], '/')).stdout) as {
      runs: { outcome: string; deferred_until?: string }[]
    }
    expect(statusJson.runs.at(-1)).toMatchObject({
      outcome: 'deferred',
      deferred_until: '2099-01-01T01:00:00.000Z',
    })

    const canary = await update(['--ignore-rollout'])
    expect(canary.code).toBe(0)
    expect(canary.stdout).toContain('updated 1.0.0')
    expect(current(root)).toBe('releases/1.0.0')
    // Already on that version: up to date, not deferred.
    expect((await update([])).stdout).toContain('up to date: 1.0.0')
  })

  it('refuses a bad host id with E_USAGE (CLI exit 2) and changes nothing', async () => {
    const o = await makeOrigin(['1.0.0'])
    const phased = await signVersion(o, '1.0.0', [
      '--rollout',
      '100%@1h',
      '--rollout-start',
      '2099-01-01T00:00:00Z',
    ])
    const root = join(tempDir('relseal-app-'), 'app')
    await initAppRoot({ appRoot: root, remote: o.bare, repository: 'acme/app' })
    const before = snapshotAppRoot(root)
    const r = await runCli(
      [
        'update',
        '--app-root',
        root,
        '--manifest',
        phased,
        '--pubkey',
        o.pubFile,
        '--host-id',
        'x'.repeat(257),
      ],
      '/',
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_USAGE')
    expect(r.stderr).toContain('--host-id')
    expect(snapshotAppRoot(root)).toEqual(before)
    // The library checks it when the release has a rollout: after verification, before any git command.
    await expect(
      updateToRelease({ appRoot: root, manifest: phased, policy: policyOf(o), hostId: 'web\n01' }),
    ).rejects.toMatchObject({ code: 'E_USAGE' })
    expect(snapshotAppRoot(root)).toEqual(before)
    expect(lastEvidence(root)).toMatchObject({ outcome: 'failed', error_code: 'E_USAGE' })
  })
})

describe('relseal sign --rollout', () => {
  it('writes schema v2 with the plan, start = signing time by default; v1 without it', async () => {
    const o = await makeOrigin(['1.0.0'])
    const payload = (path: string) =>
      JSON.parse(
        Buffer.from(
          (JSON.parse(readFileSync(path, 'utf8')) as { payload: string }).payload,
          'base64',
        ).toString(),
      ) as Record<string, unknown>
    const phased = payload(await signVersion(o, '1.0.0', ['--rollout', '10%@0m,100%@1d']))
    expect(phased.schema).toBe('https://relseal.dev/manifest/v2')
    expect(phased.rollout).toEqual({
      start: phased.created_at,
      stages: [
        { percent: 10, after: '0m' },
        { percent: 100, after: '1d' },
      ],
    })
    const plain = payload(await signVersion(o, '1.0.0'))
    expect(plain.schema).toBe('https://relseal.dev/manifest/v1')
    expect(Object.keys(plain)).not.toContain('rollout')
  })

  it.each([
    [['--rollout', '10%@0m,50%@1h'], /last stage/],
    [['--rollout-start', START], /--rollout-start needs --rollout/],
    [['--rollout', '100%@0m', '--rollout-start', 'tomorrow'], /--rollout-start is/],
    [['--rollout', '100%@2h', '--expires-in', '1h'], /never open/],
  ])('refuses %j with exit 2 and writes nothing', async (extra, message) => {
    const o = await makeOrigin(['1.0.0'])
    const out = join(o.out, 'refused.json')
    const r = await runCli(
      [
        'sign',
        '--key',
        o.keyFile,
        '--dir',
        o.work,
        '--tag',
        'v1.0.0',
        '--repository',
        'acme/app',
        '--out',
        out,
        ...extra,
      ],
      o.out,
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(existsSync(out)).toBe(false)
  })

  it('verify shows the signed plan, and a co-signer signs a phased manifest as it is', async () => {
    const o = await makeOrigin(['1.0.0'])
    const m = await signVersion(o, '1.0.0', ['--rollout', '10%@0m,100%@2h', '--rollout-start', START])
    const second = await runCli(['keygen', '--out', 'second'], o.out)
    expect(second.code).toBe(0)
    const cosign = await runCli(
      [
        'sign',
        '--append',
        '--key',
        join(o.out, 'second.key'),
        '--pubkey',
        o.pubFile,
        '--dir',
        o.work,
        '--repository',
        'acme/app',
        '--out',
        m,
      ],
      o.out,
    )
    expect(cosign.stderr).toBe('')
    expect(cosign.code).toBe(0)
    const v = await runCli(
      ['verify', m, '--pubkey', o.pubFile, '--pubkey', join(o.out, 'second.pub'), '--threshold', '2'],
      o.out,
    )
    expect(v.code).toBe(0)
    expect(v.stdout).toContain(
      'rollout:   10% from 2026-05-01T12:00:00.000Z, 100% from 2026-05-01T14:00:00.000Z\n',
    )
    const json = await runCli(['verify', m, '--pubkey', o.pubFile, '--json'], o.out)
    expect(JSON.parse(json.stdout)).toMatchObject({ rollout: { start: START } })
  })

  it('refuses --rollout with --append: a co-signer adds no facts', async () => {
    const o = await makeOrigin(['1.0.0'])
    const m = await signVersion(o, '1.0.0')
    const r = await runCli(
      [
        'sign',
        '--append',
        '--key',
        o.keyFile,
        '--pubkey',
        o.pubFile,
        '--dir',
        o.work,
        '--out',
        m,
        '--rollout',
        '100%@0m',
      ],
      o.out,
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--rollout')
  })
})

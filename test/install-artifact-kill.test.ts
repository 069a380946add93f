import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { installArtifact, parsePublicKey } from '../src/index.js'
import { makeArtifactReleases } from './helpers/artifacts.js'
import { tempDir } from './helpers/tmp.js'

const bin = new URL('../bin/relseal.js', import.meta.url).pathname

/** Every named point of an install that restarts and watches, in the order they are reached. */
const INSTALL_POINTS = [
  'before:lock',
  'before:load',
  'before:verify',
  'before:freeze',
  'before:download',
  'download:partial',
  'download:written',
  'before:swap',
  'swap:backed-up',
  'swap:pending',
  'swap:renamed',
  'before:prune',
  'before:restart',
  'before:watch',
  'watch:run-1',
]
/** The points of a swap back after the watch failed. */
const SWAP_BACK_POINTS = ['before:swap-back', 'swapback:pending', 'swapback:renamed', 'before:restart-old']

let fx: { pub: string; m1: Buffer; m2: Buffer; v1: Buffer; v2: Buffer }

beforeAll(async () => {
  // 3 MiB: the local copy goes in 1 MiB chunks, so download:partial leaves a partial PATH.new
  const r = await makeArtifactReleases(['1.0.0', '2.0.0'], { padBytes: 3 * 1024 * 1024 })
  fx = {
    pub: readFileSync(r.origin.pubFile, 'utf8'),
    m1: readFileSync(r.manifest('1.0.0')),
    m2: readFileSync(r.manifest('2.0.0')),
    v1: r.bytes['1.0.0']!,
    v2: r.bytes['2.0.0']!,
  }
}, 120_000)

/** A folder with 1.0.0 installed, and 2.0.0 signed beside its artifact in another. */
async function installedV1(): Promise<{ dir: string; target: string; m2: string; pub: string }> {
  const src = tempDir('relseal-src-')
  for (const [v, m, b] of [
    ['1', fx.m1, fx.v1],
    ['2', fx.m2, fx.v2],
  ] as const) {
    const d = join(src, v)
    rmSync(d, { recursive: true, force: true })
    spawnSync('mkdir', [d])
    writeFileSync(join(d, 'release_manifest.json'), m)
    writeFileSync(join(d, 'agent'), b)
  }
  writeFileSync(join(src, 'release.pub'), fx.pub)
  const dir = tempDir('relseal-bin-')
  const target = join(dir, 'agent')
  await installArtifact({
    manifest: join(src, '1', 'release_manifest.json'),
    policy: { keys: [parsePublicKey(fx.pub, 'pub')], repository: 'acme/app' },
    artifact: 'agent',
    target,
  })
  return { dir, target, m2: join(src, '2', 'release_manifest.json'), pub: join(src, 'release.pub') }
}

function run(t: { dir: string; m2: string; pub: string }, killAt?: string) {
  const args = [
    bin,
    'install-artifact',
    '--manifest',
    t.m2,
    '--pubkey',
    t.pub,
    '--artifact',
    'agent',
    '--to',
    'agent',
    '--restart-cmd',
    'true',
    // fails while the file fail-watch exists in the target's folder
    '--watch-cmd',
    'test ! -e fail-watch',
    '--watch-for',
    '100ms',
    '--watch-interval',
    '100ms',
  ]
  return spawnSync(process.execPath, args, {
    cwd: t.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...(killAt ? { RELSEAL_TEST_KILL_AT: killAt } : {}) },
  })
}

/** PATH is one of the two whole, verified files (never partial, never absent), executable. */
function whole(target: string): string {
  const bytes = readFileSync(target)
  expect(statSync(target).mode & 0o777).toBe(0o755)
  if (bytes.equals(fx.v1)) return '1.0.0'
  if (bytes.equals(fx.v2)) return '2.0.0'
  throw new Error(`${target} holds ${bytes.length} bytes that are neither version`)
}

function settled(t: { dir: string; target: string }, version: string): void {
  expect(whole(t.target)).toBe(version)
  const rec = JSON.parse(readFileSync(`${t.target}.relseal.json`, 'utf8')) as {
    current: { version: string }
    pending?: unknown
  }
  expect(rec.current.version).toBe(version)
  expect(rec.pending).toBeUndefined()
  expect(
    readdirSync(t.dir).filter((n) => n.endsWith('.new') || n.includes('.tmp-') || n.endsWith('.lock')),
  ).toEqual([])
}

describe('install-artifact killed at every step', () => {
  it.each(INSTALL_POINTS)(
    'SIGKILL at %s leaves a whole file at PATH, and the next run installs 2.0.0',
    { timeout: 120_000 },
    async (point) => {
      const t = await installedV1()
      const killed = run(t, point)
      expect(killed.signal, `${point}: ${killed.stderr}`).toBe('SIGKILL')
      whole(t.target)
      const next = run(t)
      expect(next.stderr).toBe('')
      expect(next.status).toBe(0)
      settled(t, '2.0.0')
      // whole-buffer toEqual on MiBs is slow in vitest; Buffer.equals is not
      expect(readFileSync(`${t.target}.bak-1.0.0`).equals(fx.v1)).toBe(true)
    },
  )

  it.each(SWAP_BACK_POINTS)(
    'SIGKILL at %s of a swap back leaves a whole file at PATH, and the next run settles',
    { timeout: 120_000 },
    async (point) => {
      const t = await installedV1()
      writeFileSync(join(t.dir, 'fail-watch'), '')
      const killed = run(t, point)
      expect(killed.signal, `${point}: ${killed.stderr}`).toBe('SIGKILL')
      whole(t.target)
      // still failing: the next run installs 2.0.0 again, sees the watch fail and swaps back (exit 4)
      const again = run(t)
      expect(again.status, again.stderr).toBe(4)
      expect(again.stdout).toContain('rolled back')
      settled(t, '1.0.0')
      rmSync(join(t.dir, 'fail-watch'))
      expect(run(t).status).toBe(0)
      settled(t, '2.0.0')
      expect(existsSync(join(t.dir, 'agent.bak-1.0.0'))).toBe(true)
    },
  )
})

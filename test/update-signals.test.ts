import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, readlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

const bin = new URL('../bin/relseal.js', import.meta.url).pathname

/** Polls `ready` every 20 ms for up to `ms`. */
async function until(ready: () => boolean, ms: number): Promise<void> {
  for (const start = Date.now(); !ready(); await sleep(20))
    if (Date.now() - start > ms) throw new Error('timed out waiting')
}

/** True when `pid` runs (a zombie left for a non-reaping init counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return false
  }
}

/** How many files under `dir` process `pid` has open (hashing threads each hold one). */
function openUnder(pid: number, dir: string): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${dir}/`)
      } catch {
        return false
      }
    }).length
  } catch {
    return 0
  }
}

/** True once process `pid` has a file under `dir` open (so it is past start-up and hashing). */
const hasOpenUnder = (pid: number, dir: string): boolean => openUnder(pid, dir) > 0

/** Runs the real binary, signals it once `ready(pid)`, and returns its exit code and the time it took. */
async function interrupt(args: string[], signal: NodeJS.Signals, ready: (pid: number) => boolean) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
  await until(() => ready(child.pid!), 30_000)
  const sent = Date.now()
  child.kill(signal)
  const code = await exited
  return { code, ms: Date.now() - sent, stderr }
}

/**
 * A folder of 2,000 sparse 1 MiB files: hashing them takes seconds, storing them takes nothing.
 * (Many files, not one large one: the hash pool hashes a batch at a time on the calling thread too,
 * and a signal is handled between batches.)
 */
function slowTree(): string {
  const dir = tempDir('relseal-slow-')
  for (let i = 0; i < 2000; i++) {
    writeFileSync(join(dir, `f${i}.bin`), '')
    truncateSync(join(dir, `f${i}.bin`), 1024 * 1024)
  }
  return dir
}

describe('signals end work', () => {
  it('SIGTERM stops update in its health command: children killed, lock released, exit 143; the next run succeeds', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = join(tempDir('relseal-app-'), 'app')
    await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
    const args = (m: string, extra: string[] = []) => [
      'update',
      '--app-root',
      root,
      '--manifest',
      m,
      '--pubkey',
      o.pubFile,
      ...extra,
    ]
    expect((await runCli(args(await signVersion(o, '1.0.0')), '/')).code).toBe(0)
    const pidFile = join(tempDir(), 'health.pid')
    const m2 = await signVersion(o, '2.0.0')
    const r = await interrupt(
      args(m2, ['--health-cmd', `echo $$ > ${pidFile}; exec sleep 60`]),
      'SIGTERM',
      () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'),
    )
    expect(r.code).toBe(143)
    expect(r.ms).toBeLessThan(5_000)
    const health = Number(readFileSync(pidFile, 'utf8'))
    await until(() => !running(health), 5_000)
    expect(existsSync(join(root, '.relseal/lock'))).toBe(false)
    expect(readlinkSync(join(root, 'current'))).toBe('releases/1.0.0')
    const next = spawnSync(process.execPath, [bin, ...args(m2)], { encoding: 'utf8' })
    expect(next.stderr).not.toContain('error')
    expect(next.status).toBe(0)
    expect(readlinkSync(join(root, 'current'))).toBe('releases/2.0.0')
  })

  it('SIGINT stops hash (exit 130) and SIGTERM stops verify --dir (exit 143) while they hash a large tree', async () => {
    const dir = slowTree()
    const hashed = await interrupt(['hash', dir], 'SIGINT', (pid) => hasOpenUnder(pid, dir))
    expect(hashed.code).toBe(130)
    expect(hashed.ms).toBeLessThan(5_000)

    const o = await makeOrigin(['1.0.0'])
    const m = await signVersion(o, '1.0.0')
    const verified = await interrupt(['verify', m, '--pubkey', o.pubFile, '--dir', dir], 'SIGTERM', (pid) =>
      hasOpenUnder(pid, dir),
    )
    expect(verified.code).toBe(143)
    expect(verified.ms).toBeLessThan(5_000)
  })

  it('SIGINT stops hash promptly while both threads read multi-GB files (the calling thread reads none)', async () => {
    // Three sparse 16 GiB files: each takes seconds to read. One worker takes two batches; before the
    // fix the calling thread read the third itself and handled the signal only after it.
    const dir = tempDir('relseal-huge-')
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(dir, `big${i}.bin`), '')
      truncateSync(join(dir, `big${i}.bin`), 16 * 1024 ** 3)
    }
    const hashed = await interrupt(['hash', dir], 'SIGINT', (pid) => openUnder(pid, dir) >= 2)
    expect(hashed.code).toBe(130)
    expect(hashed.ms).toBeLessThan(5_000)
  })
})

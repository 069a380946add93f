import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, readlinkSync, renameSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { parsePublicKey } from '../src/keys/index.js'
import { pollDelay, readPollState, runUpdateLoop, type PollRun } from '../src/update/poll.js'
import { evidenceLines } from './helpers/app-root.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

const bin = new URL('../bin/relseal.js', import.meta.url).pathname

async function appRoot(o: Origin): Promise<string> {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
  expect(r.code).toBe(0)
  return root
}

/** Polls `ready` every 50 ms for up to `ms` (a deadline for a hung test, not a speed assertion). */
async function until(ready: () => boolean, ms = 120_000): Promise<void> {
  for (const start = Date.now(); !ready(); await sleep(50))
    if (Date.now() - start > ms) throw new Error('timed out waiting')
}

/** "Publishes" a manifest: the release folder's file is replaced by rename, as a mirror sync would. */
function publish(from: string, to: string): void {
  copyFileSync(from, `${to}.tmp`)
  renameSync(`${to}.tmp`, to)
}

describe('relseal update --every', () => {
  it('updates once per period, picks up a release published between periods, and exits 0 on SIGTERM', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    const published = join(tempDir('relseal-release-folder-'), 'release_manifest.json')
    publish(await signVersion(o, '1.0.0'), published)
    const v2 = await signVersion(o, '2.0.0')
    const args = ['update', '--app-root', root, '--manifest', published, '--pubkey', o.pubFile]
    const child = spawn(process.execPath, [bin, ...args, '--every', '5s', '--jitter', '1s'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
    const lines = () => stdout.split('\n').filter((l) => l !== '')

    await until(() => lines().length >= 1)
    expect(lines()[0]).toMatch(/ updated 1\.0\.0 \(commit [0-9a-f]{40}\); run [0-9a-f-]{36}; next poll at /)
    publish(v2, published)
    await until(() => lines().length >= 2)
    // Between runs: poll.json names this process and the next poll; SIGTERM now ends it with 0.
    const state = readPollState(root)
    expect(state).toMatchObject({ pid: child.pid, every_ms: 5000, running: true })
    expect(state!.last_run.outcome).toBe('updated')
    const shown = await runCli(['status', '--app-root', root], '/')
    expect(shown.stdout).toContain(`poll:     every 5 s; next at ${state!.next_poll} (pid ${child.pid})`)
    child.kill('SIGTERM')
    expect(await exited, stderr).toBe(0)

    expect(lines()).toHaveLength(2)
    expect(lines()[1]).toContain('updated 1.0.0 -> 2.0.0')
    expect(stderr).toContain('stopped by SIGTERM between runs')
    expect(readlinkSync(join(root, 'current'))).toBe('releases/2.0.0')
    expect(evidenceLines(root).map((e) => [e.outcome, (e.to as { version: string }).version])).toEqual([
      ['updated', '1.0.0'],
      ['updated', '2.0.0'],
    ])
    expect(existsSync(join(root, '.relseal/poll.json'))).toBe(false)
    expect(readFileSync(join(root, 'current/src/version.js'), 'utf8')).toContain('2.0.0')
  })

  it('with --json prints one JSON object per run', async () => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const m = await signVersion(o, '1.0.0')
    const child = spawn(
      process.execPath,
      [bin, 'update', '--app-root', root, '--manifest', m, '--pubkey', o.pubFile, '--every', '1s', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
    await until(() => stdout.split('\n').length > 2) // two whole lines
    child.kill('SIGTERM')
    const code = await exited
    const runs = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    // The signal may land during the third run (exit 143, as for a single update) or between runs.
    expect([0, 143]).toContain(code)
    expect(runs[0]).toMatchObject({ outcome: 'updated', to: { version: '1.0.0' } })
    expect(runs[1]).toMatchObject({ outcome: 'up-to-date', to: { version: '1.0.0' } })
    expect(runs[1]!.next_poll).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(runs[0]!.run_id).not.toBe(runs[1]!.run_id)
  })

  it.each([
    [['--every', '500ms'], '--every'],
    [['--every', '5x'], '--every'],
    [['--every', '5s', '--jitter', '10s'], '--jitter'],
    [['--jitter', '1s'], '--jitter needs --every'],
  ])('refuses %j with E_USAGE before any run', async (extra, said) => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const m = await signVersion(o, '1.0.0')
    const r = await runCli(
      ['update', '--app-root', root, '--manifest', m, '--pubkey', o.pubFile, ...extra],
      '/',
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_USAGE')
    expect(r.stderr).toContain(said)
    expect(existsSync(join(root, '.relseal/evidence.jsonl'))).toBe(false)
  })
})

describe('runUpdateLoop', () => {
  it('backs off after network errors (doubling, capped at the period); a refusal or an update resets it', async () => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const good = readFileSync(await signVersion(o, '1.0.0'))
    const env = JSON.parse(good.toString()) as { signatures: { sig: string }[] }
    const sig = env.signatures[0]!.sig
    env.signatures[0]!.sig = (sig.startsWith('A') ? 'B' : 'A') + sig.slice(1)
    const tampered = Buffer.from(JSON.stringify(env))
    // What the release host does on each poll: drop the connection (E_NETWORK) or serve a manifest.
    const script = ['drop', 'drop', 'tampered', 'drop', 'drop', 'drop', 'drop', 'drop', 'good']
    const server = createServer((req, res) => {
      // Only the manifest follows the script; the release_withdrawn.json lookup beside it finds none.
      if (req.url !== '/release_manifest.json') return res.writeHead(404).end()
      const next = script.shift()
      if (next === 'drop') return req.socket.destroy()
      res.writeHead(200).end(next === 'good' ? good : tampered)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const stop = new AbortController()
    const waits: number[] = []
    const runs: PollRun[] = []
    try {
      await runUpdateLoop({
        appRoot: root,
        manifest: `http://127.0.0.1:${(server.address() as AddressInfo).port}/release_manifest.json`,
        policy: { keys: [parsePublicKey(readFileSync(o.pubFile, 'utf8'), 'release.pub')] },
        everyMs: 64_000,
        jitterMs: 1000,
        random: () => 0.5,
        signal: stop.signal,
        onRun: (r) => runs.push(r),
        sleep: (ms) => {
          waits.push(ms)
          if (script.length === 0) stop.abort()
          return Promise.resolve()
        },
      })
    } finally {
      server.close()
    }
    expect(runs.map((r) => [r.outcome, r.error_code ?? '-', r.retries])).toEqual([
      ['failed', 'E_NETWORK', 1],
      ['failed', 'E_NETWORK', 2],
      ['refused', 'E_BAD_SIGNATURE', 0],
      ...[1, 2, 3, 4, 5].map((n) => ['failed', 'E_NETWORK', n]),
      ['updated', '-', 0],
    ])
    // max(1 s, 64 s / 16) = 4 s, doubling up to the period; plus half the 1 s jitter.
    expect(waits).toEqual([4500, 8500, 64500, 4500, 8500, 16500, 32500, 64500, 64500])
    expect(readlinkSync(join(root, 'current'))).toBe('releases/1.0.0')
    expect(existsSync(join(root, '.relseal/poll.json'))).toBe(false) // removed when the loop ends
  })

  it('adds the jitter to the period, and stops on a mistake no run can fix', async () => {
    expect(pollDelay(300_000, 0, 60_000, () => 0.25)).toBe(315_000)
    expect(pollDelay(2000, 3, 0, () => 0)).toBe(2000)
    const stop = new AbortController()
    await expect(
      runUpdateLoop({
        appRoot: join(tempDir('relseal-none-'), 'app'),
        manifest: 'x',
        policy: { keys: [] },
        everyMs: 1000,
        signal: stop.signal,
      }),
    ).rejects.toMatchObject({ code: 'E_NOT_INITIALISED' })
  })
})

import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isRelsealError } from '../src/errors.js'
import { parseDurationMs } from '../src/manifest/duration.js'
import { restartApp, superviseAfterSwap, watchRelease, watchRuns } from '../src/update/supervise.js'
import { tempDir } from './helpers/tmp.js'

const started: number[] = []
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
})

const noSleep = () => Promise.resolve()
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [])

/** A counter file and a command that appends "<cwd>" to it and fails from run `failFrom` on. */
function countingCommand(dir: string, failFrom = Infinity): { command: string; log: string } {
  const log = join(dir, 'runs.log')
  const limit = Number.isFinite(failFrom) ? failFrom : 1_000_000
  return {
    log,
    command: `pwd -P >> '${log}'; n=$(wc -l < '${log}'); [ "$n" -lt ${limit} ] || { echo "probe $n failed" >&2; exit 7; }`,
  }
}

describe('restartApp', () => {
  it('runs the restart command in the given folder', async () => {
    const dir = realpathSync(tempDir())
    await restartApp(dir, { restartCommand: 'pwd -P > where' })
    expect(readFileSync(join(dir, 'where'), 'utf8').trim()).toBe(dir)
  })

  it('fails with E_RESTART_FAILED and the end of its output when the command fails', async () => {
    const err = await restartApp(tempDir(), { restartCommand: 'echo "port in use" >&2; exit 3' }).catch(
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ code: 'E_RESTART_FAILED' })
    expect((err as Error).message).toContain('port in use')
  })

  it('fails with E_RESTART_FAILED when the command outlives its timeout', async () => {
    await expect(
      restartApp(tempDir(), { restartCommand: 'sleep 30', restartTimeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: 'E_RESTART_FAILED',
    })
  })

  it('is done when the shell exits, though the app it started in the background keeps its output open', async () => {
    const dir = tempDir()
    // The background sleep inherits stdout and stderr: waiting for them to close would wait 60 s
    // and end in the timeout below.
    await restartApp(dir, { restartCommand: 'sleep 60 & echo $! > pid', restartTimeoutMs: 20_000 })
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'))
    started.push(pid)
    expect(() => process.kill(pid, 0)).not.toThrow() // the app still runs
  })
})

describe('watchRelease', () => {
  it('runs the watch command once per interval over the window, in the given folder', async () => {
    const dir = realpathSync(tempDir())
    const { command, log } = countingCommand(dir)
    const slept: number[] = []
    await watchRelease(dir, {
      watchCommand: command,
      watchForMs: 1000,
      watchIntervalMs: 250,
      sleep: (ms) => {
        slept.push(ms)
        return Promise.resolve()
      },
    })
    expect(lines(log)).toEqual([dir, dir, dir, dir])
    expect(slept).toHaveLength(4)
    expect(slept[0]).toBe(250) // the first run comes one interval after the restart
  })

  it('stops at the first failing run with E_WATCH_FAILED naming the run and its output', async () => {
    const dir = tempDir()
    const { command, log } = countingCommand(dir, 3)
    const err = await watchRelease(dir, {
      watchCommand: command,
      watchForMs: 10_000,
      watchIntervalMs: 1000,
      sleep: noSleep,
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'E_WATCH_FAILED', details: { run: 3, runs: 10 } })
    expect((err as Error).message).toContain('probe 3 failed')
    expect(lines(log)).toHaveLength(3)
  })

  it('fails a run that hangs past the watch timeout', async () => {
    await expect(
      watchRelease(tempDir(), { watchCommand: 'sleep 30', watchTimeoutMs: 300, sleep: noSleep }),
    ).rejects.toMatchObject({ code: 'E_WATCH_FAILED' })
  })

  it('runs at least once when the window is shorter than the interval', () => {
    expect(watchRuns({ watchForMs: 1000, watchIntervalMs: 5000 })).toBe(1)
    expect(watchRuns({})).toBe(12)
  })
})

describe('superviseAfterSwap', () => {
  /** Two "releases" and a pointer file naming the one that runs; the watch fails in `bad`. */
  function releases() {
    const root = realpathSync(tempDir())
    for (const r of ['good', 'bad']) writeFileSync(join(root, `${r}.ok`), r === 'good' ? '0' : '1')
    writeFileSync(join(root, 'current'), 'bad')
    const steps: string[] = []
    const swappedBackFor: string[] = []
    const restart = `echo "restart $(cat current)" >> log`
    const watch = `echo "watch $(cat current)" >> log; exit $(cat "$(cat current).ok")`
    return {
      root,
      steps,
      log: () => lines(join(root, 'log')),
      options: {
        restartCommand: restart,
        watchCommand: watch,
        watchForMs: 3000,
        watchIntervalMs: 1000,
        sleep: noSleep,
      },
      step: <T>(name: string, _message: string, fn: () => Promise<T>) => {
        steps.push(name)
        return fn()
      },
      swappedBackFor,
      swapBack: (failure: { code: string }) => {
        swappedBackFor.push(failure.code)
        writeFileSync(join(root, 'current'), 'good')
      },
    }
  }

  it('is healthy when the restart and every watch run pass', async () => {
    const r = releases()
    writeFileSync(join(r.root, 'current'), 'good')
    const result = await superviseAfterSwap({ restartCwd: r.root, watchCwd: () => r.root, ...r })
    expect(result).toEqual({ outcome: 'healthy' })
    expect(r.steps).toEqual(['restart', 'watch'])
    expect(r.log()).toEqual(['restart good', 'watch good', 'watch good', 'watch good'])
  })

  it('on a failing watch: swaps back, restarts, watches the old release once', async () => {
    const r = releases()
    const result = await superviseAfterSwap({ restartCwd: r.root, watchCwd: () => r.root, ...r })
    expect(result.outcome).toBe('rolled-back')
    expect(result.failure).toMatchObject({ code: 'E_WATCH_FAILED' })
    expect(result.afterRollback).toBe('healthy')
    expect(r.swappedBackFor).toEqual(['E_WATCH_FAILED'])
    expect(r.steps).toEqual(['restart', 'watch', 'swap-back', 'restart-old', 'watch-old'])
    expect(r.log()).toEqual(['restart bad', 'watch bad', 'restart good', 'watch good'])
  })

  it('treats a failing restart as a failure of the new release', async () => {
    const r = releases()
    writeFileSync(join(r.root, 'current'), 'good')
    const restartCommand = `echo "restart $(cat current)" >> log; [ "$(cat current)" = good ] || exit 1`
    writeFileSync(join(r.root, 'current'), 'bad')
    const result = await superviseAfterSwap({
      restartCwd: r.root,
      watchCwd: () => r.root,
      ...r,
      options: { ...r.options, restartCommand },
    })
    expect(result.failure).toMatchObject({ code: 'E_RESTART_FAILED' })
    expect(r.steps).toEqual(['restart', 'swap-back', 'restart-old', 'watch-old'])
    expect(r.log()).toEqual(['restart bad', 'restart good', 'watch good'])
  })

  it('reports the old release failing too, still rolled back', async () => {
    const r = releases()
    writeFileSync(join(r.root, 'good.ok'), '1')
    const result = await superviseAfterSwap({ restartCwd: r.root, watchCwd: () => r.root, ...r })
    expect(result.outcome).toBe('rolled-back')
    expect(isRelsealError(result.afterRollback, 'E_WATCH_FAILED')).toBe(true)
  })

  it('with nothing to swap back to: failed, nothing swapped or restarted again', async () => {
    const r = releases()
    const result = await superviseAfterSwap({
      restartCwd: r.root,
      watchCwd: () => r.root,
      options: r.options,
      step: r.step,
    })
    expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'E_WATCH_FAILED' } })
    expect(r.steps).toEqual(['restart', 'watch'])
    expect(readFileSync(join(r.root, 'current'), 'utf8')).toBe('bad')
  })

  it('with a watch command only: no restart, watch, and a rollback without restarts', async () => {
    const r = releases()
    const { restartCommand: _none, ...watchOnly } = r.options
    const result = await superviseAfterSwap({
      restartCwd: r.root,
      watchCwd: () => r.root,
      ...r,
      options: watchOnly,
    })
    expect(result.outcome).toBe('rolled-back')
    expect(r.steps).toEqual(['watch', 'swap-back', 'watch-old'])
  })
})

describe('parseDurationMs', () => {
  it('takes 60s, 5m and 250ms; refuses 0ms and 1.5s with E_USAGE', () => {
    expect(parseDurationMs('60s', '--watch-for')).toBe(60_000)
    expect(parseDurationMs('5m', '--watch-for')).toBe(300_000)
    expect(parseDurationMs('250ms', '--watch-interval')).toBe(250)
    expect(() => parseDurationMs('0ms', '--watch-interval')).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    )
    expect(() => parseDurationMs('1.5s', '--watch-interval')).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    )
  })

  it('is the one syntax of every timer flag: a bare number is seconds, d and w, bounds per flag', () => {
    expect(parseDurationMs('90', '--every')).toBe(90_000)
    expect(parseDurationMs('2d', '--watch-for')).toBe(172_800_000)
    expect(parseDurationMs('1w', '--every')).toBe(604_800_000)
    expect(parseDurationMs('0', '--jitter', { minMs: 0, maxMs: 5000 })).toBe(0)
    // past a week a Node timer would overflow (2^31 - 1 ms) and fire at once
    expect(() => parseDurationMs('30d', '--watch-for')).toThrow(/from 1ms to 1w; got "30d"/)
    expect(() => parseDurationMs('50ms', '--notify-timeout', { minMs: 100, maxMs: 120_000 })).toThrow(
      /--notify-timeout must be a duration .* from 100ms to 2m/,
    )
    expect(() => parseDurationMs('5x\u001b[2J', '--every')).toThrow(/got "5x\\x1b\[2J"$/)
  })
})

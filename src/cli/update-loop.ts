/**
 * The CLI side of `relseal update --every` and `--notify-cmd/--notify-url` (issue 16, items 2 and
 * 4): flags to options, one status line per run, and SIGTERM while waiting ending the loop with 0.
 */
import { setTimeout as sleepFor } from 'node:timers/promises'
import { RelsealError } from '../errors.js'
import { parseDurationMs } from '../manifest/duration.js'
import { escapeControls } from '../text/escape.js'
import { parseNotifyUrl, type NotifyOptions } from '../update/notify.js'
import { MIN_EVERY_MS, runUpdateLoop, type PollRun } from '../update/poll.js'
import type { UpdateOptions } from '../update/update.js'
import type { CliIO } from './io.js'
import { stopWhileIdle } from './signals.js'

/** Longest --every accepted: a week. */
const MAX_EVERY_MS = 7 * 24 * 3600_000

export interface LoopFlags {
  every?: string | undefined
  jitter?: string | undefined
  'notify-cmd'?: string | undefined
  'notify-url'?: string | undefined
  'notify-timeout'?: string | undefined
  json?: boolean | undefined
}

/** --notify-cmd, --notify-url (or env:NAME, so the secret stays out of `ps`), --notify-timeout. */
export function notifyFromFlags(values: LoopFlags, io: CliIO): NotifyOptions | undefined {
  const cmd = values['notify-cmd']
  let url = values['notify-url']
  if (url?.startsWith('env:')) {
    const name = url.slice(4)
    url = io.env[name]
    if (!url)
      throw new RelsealError(
        'E_USAGE',
        `--notify-url env:${name}: the environment variable ${name} is not set`,
      )
  }
  if (cmd === undefined && url === undefined) {
    if (values['notify-timeout'] !== undefined)
      throw new RelsealError('E_USAGE', '--notify-timeout needs --notify-cmd or --notify-url')
    return undefined
  }
  if (url !== undefined) parseNotifyUrl(url)
  const timeoutMs =
    values['notify-timeout'] === undefined
      ? undefined
      : parseDurationMs(values['notify-timeout'], '--notify-timeout', { minMs: 100, maxMs: 120_000 })
  return {
    ...(cmd !== undefined ? { command: cmd } : {}),
    ...(url !== undefined ? { url } : {}),
    ...(timeoutMs !== undefined ? { postTimeoutMs: timeoutMs, closeTimeoutMs: timeoutMs } : {}),
    onWarning: (m) => io.stderr.write(`relseal update: warning: ${escapeControls(m)}\n`),
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : JSON.stringify(e))

function statusLine(run: PollRun): string {
  const r = run.result
  const what =
    r?.outcome === 'updated'
      ? `updated${r.from ? ` ${r.from.version} ->` : ''} ${r.to.version} (commit ${r.to.commit})`
      : r?.outcome === 'up-to-date'
        ? `up to date: ${r.to.version}`
        : r
          ? `${run.outcome}: ${r.to.version}`
          : `${run.outcome} ${run.error_code ?? ''}: ${errorText(run.error)}`
  return escapeControls(`${run.time} ${what}; run ${run.run_id}; next poll at ${run.next_poll}`)
}

function jsonLine(run: PollRun): string {
  const r = run.result
  const e = run.error
  return JSON.stringify({
    outcome: run.outcome,
    run_id: run.run_id,
    time: run.time,
    ...(r ? { from: r.from, to: r.to, rollback_command: r.evidence.rollback_command } : {}),
    ...(run.error_code ? { error_code: run.error_code } : {}),
    ...(e !== undefined ? { error: errorText(e) } : {}),
    next_poll: run.next_poll,
  })
}

/**
 * `update --every`: runs until SIGTERM or SIGINT. A signal while waiting ends it with exit 0; a
 * signal during a run ends the process as it ends a single update (exit 143/130, src/cli/signals.ts).
 */
export async function runEvery(options: UpdateOptions, values: LoopFlags, io: CliIO): Promise<number> {
  const everyMs = parseDurationMs(values.every!, '--every', { minMs: MIN_EVERY_MS, maxMs: MAX_EVERY_MS })
  const jitterMs =
    values.jitter === undefined ? 0 : parseDurationMs(values.jitter, '--jitter', { minMs: 0, maxMs: everyMs })
  const notify = notifyFromFlags(values, io)
  const stop = new AbortController()
  await runUpdateLoop({
    ...options,
    everyMs,
    jitterMs,
    signal: stop.signal,
    ...(notify ? { notify } : {}),
    onRun: (run) => io.stdout.write(`${values.json ? jsonLine(run) : statusLine(run)}\n`),
    sleep: async (ms, signal) => {
      stopWhileIdle(stop)
      try {
        await sleepFor(ms, undefined, { signal }).catch(() => undefined)
      } finally {
        stopWhileIdle(undefined)
      }
    },
  })
  return 0
}

/**
 * Update notifications (issue 16, item 4; docs/updater.md "Notifications"): every run reports
 * `started`, each step with its percent, then how it ended (`updated`, `up-to-date`, `refused`,
 * `failed`, or an outcome a later step adds such as `rolled-back` or `deferred`) to a command and/or
 * a URL. Delivery is best effort and bounded: it never changes or holds up an update's outcome
 * beyond `closeTimeoutMs`.
 */
import { randomUUID } from 'node:crypto'
import { isRelsealError, RelsealError, REFUSAL_CODES } from '../errors.js'
import { isAllowedScheme } from '../net/url-policy.js'
import { appLayout } from './layout.js'
import { commandSink, urlSink, type Sink } from './notify-sinks.js'
import { readPointer } from './pointer.js'
import { updateToRelease, type UpdateOptions, type UpdateResult } from './update.js'

/** One JSON line on the notify command's stdin, and one POST body to the notify URL. */
export interface NotifyEvent {
  run_id: string
  /** ISO 8601, UTC. */
  time: string
  /** started, step, updated, up-to-date, refused, failed, rolled-back, deferred. */
  event: string
  step?: string
  percent?: number
  message: string
  /** The version `current` named when the run started. */
  from?: string
  /** The version the run ended on or refused (final events). */
  to?: string
  commit?: string
  error_code?: string
}

export interface NotifyOptions {
  /** `sh -c` command, run in the app root once per run, receiving the events on stdin. */
  command?: string
  /** https URL (http only to loopback) each event is POSTed to as JSON. Check it with parseNotifyUrl. */
  url?: string
  /** Milliseconds per POST (default 10 s). */
  postTimeoutMs?: number
  /** Milliseconds a run waits at its end for delivery (default 10 s); then the rest is dropped. */
  closeTimeoutMs?: number
  /** Told about delivery problems, at most once per sink and run (the CLI prints it on stderr). */
  onWarning?: (message: string) => void
}

export const DEFAULT_POST_TIMEOUT_MS = 10_000
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000

/**
 * A notify URL's printable form: its origin only. Secrets live in the path (Telegram's bot token,
 * Slack's webhook key) or the query, so neither is ever shown.
 */
export function maskNotifyUrl(url: URL): string {
  return url.pathname === '/' && url.search === '' ? url.origin : `${url.origin}/…`
}

/**
 * Checks a notify URL without ever echoing it (it carries a secret): a URL, https (plain http only
 * to loopback), no user name or password. E_USAGE or E_INSECURE_TRANSPORT.
 */
export function parseNotifyUrl(text: string, what = '--notify-url'): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new RelsealError('E_USAGE', `${what} is not a URL (it is not shown: it may hold a secret)`)
  }
  if (url.username !== '' || url.password !== '' || !isAllowedScheme(url)) {
    throw new RelsealError(
      'E_INSECURE_TRANSPORT',
      `${what} ${url.protocol}//${url.host}/… must be https with no user name or password in it ` +
        '(plain http only to 127.0.0.1, ::1 or localhost)',
    )
  }
  return url
}

/** The sinks of one run. `emit` never throws and never waits. */
export interface RunNotifier {
  emit(e: Omit<NotifyEvent, 'time'>): void
  close(): Promise<void>
}

/** Opens the command and URL sinks for one run (nothing when neither is set). */
export function openRunNotifier(o: NotifyOptions, cwd: string): RunNotifier {
  const warn = o.onWarning ?? (() => undefined)
  const sinks: Sink[] = []
  if (o.command !== undefined) sinks.push(commandSink(o.command, cwd, warn))
  if (o.url !== undefined) {
    const url = parseNotifyUrl(o.url)
    sinks.push(urlSink(url.href, maskNotifyUrl(url), o.postTimeoutMs ?? DEFAULT_POST_TIMEOUT_MS, warn))
  }
  return {
    emit(e) {
      const line = JSON.stringify({ ...e, time: new Date().toISOString() })
      for (const s of sinks) s.send(line)
    },
    async close() {
      const deadline = Date.now() + (o.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS)
      await Promise.all(sinks.map((s) => s.close(deadline)))
    },
  }
}

/** The final event of a run that threw: refused (exit 1) or failed. */
function endEventOf(e: unknown): Pick<NotifyEvent, 'event' | 'message' | 'error_code'> {
  const code = isRelsealError(e) ? e.code : undefined
  return {
    event: code !== undefined && REFUSAL_CODES.has(code) ? 'refused' : 'failed',
    message: e instanceof Error ? e.message : String(e),
    ...(code !== undefined ? { error_code: code } : {}),
  }
}

/**
 * updateToRelease with events: `started`, one `step` per step (with its percent), then the outcome.
 * Resolves or rejects as updateToRelease does, once delivery finished or its deadline passed.
 *
 * @example
 * await updateWithNotifications({ appRoot: '/srv/app', manifest: 'github:acme/app@latest', policy },
 *   { url: 'https://hooks.slack.com/services/…', onWarning: (m) => console.error(m) })
 */
export async function updateWithNotifications(
  o: UpdateOptions,
  notify: NotifyOptions,
): Promise<UpdateResult> {
  const runId = o.runId ?? randomUUID()
  const layout = appLayout(o.appRoot)
  const from = readPointer(layout.current)
  const base = { run_id: runId, ...(from !== undefined ? { from } : {}) }
  const n = openRunNotifier(notify, layout.root)
  n.emit({ ...base, event: 'started', message: `looking for a new release of ${layout.root}` })
  try {
    const r = await updateToRelease({
      ...o,
      runId,
      onProgress: (step, percent, message) => {
        o.onProgress?.(step, percent, message)
        n.emit({ ...base, event: 'step', step, percent, message })
      },
    })
    const to = { to: r.to.version, commit: r.to.commit }
    n.emit({ ...base, ...to, event: r.outcome, message: outcomeMessage(r) })
    return r
  } catch (e) {
    n.emit({ ...base, ...endEventOf(e) })
    throw e
  } finally {
    await n.close()
  }
}

function outcomeMessage(r: UpdateResult): string {
  if (r.outcome === 'up-to-date') return `up to date: ${r.to.version} is already running`
  if (r.outcome === 'updated') return `updated${r.from ? ` ${r.from.version} ->` : ''} ${r.to.version}`
  return `${String(r.outcome)}: ${r.to.version}`
}

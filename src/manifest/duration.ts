import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** Parses `90d`, `12h`, `30m`, `2w`, `45s` into seconds (signature expiries; timers use parseDurationMs). */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text)
  if (!m)
    throw new RelsealError(
      'E_USAGE',
      `${flag} must be a number and a unit (s, m, h, d or w), such as 90d; got ${JSON.stringify(text)}`,
    )
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!
  if (seconds === 0) throw new RelsealError('E_USAGE', `${flag} must be longer than zero`)
  return seconds
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/** Longest timer duration by default: a week (Node timers cannot wait past 2^31 - 1 ms, about 24 days). */
export const MAX_TIMER_MS = 7 * 86_400_000

/** `1w`, `2d`, `1h`, `90s`, `500ms`: the largest unit that divides `ms`. */
export function formatDurationMs(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'])
    if (ms !== 0 && ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`
  return `${ms}ms`
}

/**
 * The one parser of the CLI's timer flags (update --every, --jitter, --notify-timeout,
 * --restart-timeout, --watch-for, --watch-interval; install-artifact's): a whole number and a unit
 * (ms, s, m, h, d, w) such as `500ms`, `30s`, `5m`, `1h`; a bare number is seconds. Returns
 * milliseconds, from `minMs` (default 1: longer than zero) to `maxMs` (default a week), else E_USAGE.
 */
export function parseDurationMs(
  text: string,
  flag: string,
  bounds: { minMs?: number; maxMs?: number } = {},
): number {
  const { minMs = 1, maxMs = MAX_TIMER_MS } = bounds
  const m = /^(\d{1,9})(ms|s|m|h|d|w)?$/.exec(text)
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's']! : NaN
  if (!(ms >= minMs && ms <= maxMs))
    throw new RelsealError(
      'E_USAGE',
      `${flag} must be a duration such as 500ms, 30s, 5m or 1h (a bare number is seconds), ` +
        `from ${formatDurationMs(minMs)} to ${formatDurationMs(maxMs)}; got "${escapeUntrusted(text.slice(0, 100))}"`,
    )
  return ms
}

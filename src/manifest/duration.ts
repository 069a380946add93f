import { RelsealError } from '../errors.js'

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** Parses `90d`, `12h`, `30m`, `2w`, `45s` into seconds (parseDurationMs also takes `500ms`). */
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

/**
 * Parses a duration for timers into milliseconds: what parseDuration takes, or `250ms` (short
 * watch intervals in tests and demos).
 */
export function parseDurationMs(text: string, flag: string): number {
  const m = /^(\d{1,9})ms$/.exec(text)
  if (!m) return parseDuration(text, flag) * 1000
  if (Number(m[1]) === 0) throw new RelsealError('E_USAGE', `${flag} must be longer than zero`)
  return Number(m[1])
}

import { RelsealError } from '../errors.js'

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** Parses `90d`, `12h`, `30m`, `2w`, `45s` into seconds. */
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

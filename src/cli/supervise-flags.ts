import { RelsealError } from '../errors.js'
import { parseDurationMs } from '../manifest/duration.js'
import type { SuperviseOptions } from '../update/supervise.js'

type FlagValues = Record<string, string | boolean | string[] | undefined>

const DURATION_FLAGS = [
  ['restart-timeout', 'restart-cmd', 'restartTimeoutMs'],
  ['watch-for', 'watch-cmd', 'watchForMs'],
  ['watch-interval', 'watch-cmd', 'watchIntervalMs'],
] as const

/**
 * `--restart-cmd`, `--watch-cmd` and their durations (60s, 5m or 500ms), shared by `update` and
 * `install-artifact`: undefined when neither command is given; a duration without its command is
 * E_USAGE, so a typo never silently turns the watch off.
 */
export function superviseFromFlags(values: FlagValues): Omit<SuperviseOptions, 'killPoint'> | undefined {
  const text = (name: string) => values[name] as string | undefined
  const restart = text('restart-cmd')
  const watch = text('watch-cmd')
  const out: Omit<SuperviseOptions, 'killPoint'> = {
    ...(restart !== undefined ? { restartCommand: restart } : {}),
    ...(watch !== undefined ? { watchCommand: watch } : {}),
  }
  for (const [flag, needs, field] of DURATION_FLAGS) {
    const v = text(flag)
    if (v === undefined) continue
    if (text(needs) === undefined)
      throw new RelsealError('E_USAGE', `--${flag} needs --${needs}; add --${needs} CMD or drop --${flag}`)
    out[field] = parseDurationMs(v, `--${flag}`)
  }
  return restart === undefined && watch === undefined ? undefined : out
}

import { parseArgs, type ParseArgsConfig } from 'node:util'
import { RelsealError } from '../errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * Parses a command's arguments strictly; an unknown flag or a missing value becomes
 * `E_USAGE` with the command's usage line, so the CLI exits 2 with a hint.
 */
export function parseCommandArgs<O extends Options>(
  args: string[],
  options: O,
  usage: string,
  allowPositionals = true,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true })
  } catch (e) {
    throw new RelsealError('E_USAGE', `${(e as Error).message}\nusage: ${usage}`, { cause: e })
  }
}

/** Reads an integer flag, refusing anything that is not a whole number in range. */
export function parseIntegerFlag(
  value: string | undefined,
  flag: string,
  min: number,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new RelsealError(
      'E_USAGE',
      `${flag} must be a whole number >= ${min}, got ${JSON.stringify(value)}`,
    )
  }
  return Number(value)
}

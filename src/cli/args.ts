import { parseArgs, type ParseArgsConfig } from 'node:util'
import { RelsealError } from '../errors.js'
import { closestSpelling } from './spelling.js'

type NodeOption = NonNullable<ParseArgsConfig['options']>[string]

/**
 * One option of a command: node:util's parseArgs spec plus what `--help` shows. Every option
 * carries its `description` (test/cli-help.test.ts walks every command and fails on one that
 * does not) and, when it has one, the default in words.
 *
 * @example
 * threshold: { type: 'string', value: 'N', description: 'distinct trusted keys that must have signed', defaultText: '1' }
 */
export type OptionSpec = NodeOption & {
  /** What the option does, one line, shown by `--help`. */
  description?: string
  /** The default in words (`1`, `release_manifest.json`, `the tag at HEAD`). */
  defaultText?: string
  /** The value's placeholder in help (`DIR`, `N`); string options only. */
  value?: string
  /** Refused with E_USAGE, naming the option, when absent (unless --help is given). */
  required?: boolean
}
type Options = Record<string, OptionSpec>

type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>
>
type RequiredKeys<O> = { [K in keyof O]: O[K] extends { required: true } ? K : never }[keyof O]
type WithRequired<O extends Options> = Omit<Parsed<O>, 'values'> & {
  values: Parsed<O>['values'] & { [K in RequiredKeys<O> & keyof Parsed<O>['values']]-?: string }
  /** The full help text when --help or -h was given; the command prints it and exits 0. */
  help: string | undefined
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help and exit' }
export const MARK_UNDOCUMENTED = '(undocumented)'

/** The help text of a command: its usage, then every option with what it does and its default. */
export function formatHelp(usage: string, options: Options): string {
  const all: Options = { ...options, help: HELP_OPTION }
  const rows = Object.entries(all).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`
    const dflt = o.required
      ? 'required'
      : `default: ${o.defaultText ?? (o.type === 'boolean' ? 'off' : 'none')}`
    const repeat = o.multiple ? '; repeatable' : ''
    return [flag, `${o.description ?? MARK_UNDOCUMENTED} (${dflt}${repeat})`] as const
  })
  const width = Math.max(...rows.map(([f]) => f.length))
  return `usage: ${usage}\n\noptions:\n${rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`).join('\n')}\n`
}

function nodeOptions(options: Options): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, o] of Object.entries({ ...options, help: HELP_OPTION })) {
    out[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    }
  }
  return out
}

/** Names the first unknown option in `args`, with the closest valid spelling, or returns undefined. */
function unknownOption(args: string[], options: Options, usage: string): RelsealError | undefined {
  const { tokens } = parseArgs({ args, options: nodeOptions(options), strict: false, tokens: true })
  const names = [...Object.keys(options), 'help']
  for (const t of tokens) {
    if (t.kind !== 'option' || names.includes(t.name)) continue
    const guess = t.rawName.startsWith('--') ? closestSpelling(t.name, names) : undefined
    return new RelsealError(
      'E_USAGE',
      `unknown option ${t.rawName}${guess ? `; did you mean --${guess}?` : ''}\nusage: ${usage}\n` +
        `run with --help for every option`,
    )
  }
  return undefined
}

/**
 * Parses a command's arguments strictly. With --help it returns the help text (and checks
 * nothing else); an unknown option (with the closest valid spelling), a missing value or a
 * missing required option becomes `E_USAGE` naming it, so the CLI exits 2 with a hint.
 */
export function parseCommandArgs<O extends Options>(
  args: string[],
  options: O,
  usage: string,
  allowPositionals = true,
): WithRequired<O> {
  let parsed: Parsed<O>
  try {
    parsed = parseArgs({ args, options: nodeOptions(options), allowPositionals, strict: true }) as Parsed<O>
  } catch (e) {
    if (args.includes('--help') || args.includes('-h'))
      return { values: {}, positionals: [], help: formatHelp(usage, options) } as unknown as WithRequired<O>
    const unknown = unknownOption(args, options, usage)
    throw unknown ?? new RelsealError('E_USAGE', `${(e as Error).message}\nusage: ${usage}`, { cause: e })
  }
  const values = parsed.values as Record<string, unknown>
  if (values.help === true) return { ...parsed, help: formatHelp(usage, options) } as WithRequired<O>
  for (const [name, o] of Object.entries(options)) {
    if (o.required && values[name] === undefined) {
      throw new RelsealError(
        'E_USAGE',
        `missing required option --${name}${o.value ? ` ${o.value}` : ''}` +
          `${o.description ? ` (${o.description})` : ''}\nusage: ${usage}`,
      )
    }
  }
  return { ...parsed, help: undefined } as WithRequired<O>
}

/** Refuses a wrong number of positional arguments with E_USAGE naming what is missing or extra. */
export function expectPositionals(positionals: string[], names: string[], usage: string, optional = 0): void {
  const min = names.length - optional
  if (positionals.length < min) {
    throw new RelsealError('E_USAGE', `missing ${names[positionals.length]}\nusage: ${usage}`)
  }
  if (positionals.length > names.length) {
    throw new RelsealError(
      'E_USAGE',
      `unexpected argument ${JSON.stringify(positionals[names.length])}\nusage: ${usage}`,
    )
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

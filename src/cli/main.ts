import { readFileSync } from 'node:fs'
import { REFUSAL_CODES, RelsealError } from '../errors.js'
import { escapeControls } from '../text/escape.js'
import { COMMANDS } from './commands.js'
import { fromFileSystemError } from './fs-mistakes.js'
import { processIO, type CliIO } from './io.js'

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, refused: 1, usage: 2, failed: 3, rolledBack: 4 } as const

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length))
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return `usage: relseal <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nrun 'relseal help <command>' for a command's options; 'relseal --version' for the version\n`
}

/** The package's version, from the package.json beside src/ (or build/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

/** Failures after verification (CLI exit 3); a restart or watch failure with nothing to go back to is one. */
const FAILURE_CODES: ReadonlySet<string> = new Set([
  'E_UPDATE_FAILED',
  'E_INSTALL_FAILED',
  'E_HEALTH_FAILED',
  'E_RESTART_FAILED',
  'E_WATCH_FAILED',
])

/** Maps an error to the CLI's exit code: refusals 1, failures after verification 3, the rest 2. */
export function exitCodeFor(err: RelsealError): number {
  if (REFUSAL_CODES.has(err.code)) return EXIT.refused
  if (FAILURE_CODES.has(err.code)) return EXIT.failed
  return EXIT.usage
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  // `relseal help CMD` is `relseal CMD --help`, as with git and gh.
  const [name, ...rest] = argv[0] === 'help' && argv[1] !== undefined ? [argv[1], '--help'] : argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io[name === undefined ? 'stderr' : 'stdout'].write(usage())
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`relseal ${packageVersion()}\n`)
    return EXIT.ok
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (entry === undefined) {
    io.stderr.write(`relseal: unknown command ${JSON.stringify(name)}\n${usage()}`)
    return EXIT.usage
  }
  try {
    const command = await entry.load()
    return await command(rest, io)
  } catch (caught) {
    const e = fromFileSystemError(caught) ?? caught
    if (e instanceof RelsealError) {
      // Messages escape untrusted text where it enters; this catches anything that slipped through.
      io.stderr.write(`relseal ${name}: error ${e.code}: ${escapeControls(e.message)}\n`)
      return exitCodeFor(e)
    }
    io.stderr.write(
      `relseal ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    )
    return EXIT.usage
  }
}

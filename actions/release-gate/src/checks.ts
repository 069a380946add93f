import { RelsealError } from '../../../src/errors.js'
import { splitCommandLine } from './command-line.js'
import { runCommands } from './run-commands.js'
import type { Step } from './step.js'

/** One line of input checks: `audit: npm audit --omit=dev --audit-level=high`. */
export interface NamedCheck {
  name: string
  argv: string[]
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/

/**
 * The named checks, one per line: a name, a colon, a command (split and started like test-command,
 * never through a shell). Blank lines and `#` comments are skipped; names are unique.
 */
export function parseChecks(text: string): NamedCheck[] {
  const checks: NamedCheck[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const colon = line.indexOf(':')
    const name = colon < 0 ? '' : line.slice(0, colon).trim()
    const where = `line ${i + 1} of input checks`
    if (!NAME.test(name))
      throw new RelsealError(
        'E_USAGE',
        `${where} is ${JSON.stringify(line.slice(0, 120))}; write "name: command", the name in letters, digits, space, . _ - ` +
          '(e.g. "audit: npm audit --omit=dev --audit-level=high")',
      )
    if (checks.some((c) => c.name === name))
      throw new RelsealError(
        'E_USAGE',
        `${where}: the check name ${JSON.stringify(name)} is used twice; name each check once`,
      )
    const argv = splitCommandLine(line.slice(colon + 1), where)
    if (argv.length === 0)
      throw new RelsealError(
        'E_USAGE',
        `${where}: check ${JSON.stringify(name)} has no command after the colon`,
      )
    checks.push({ name, argv })
  })
  return checks
}

/**
 * Runs every check in order, each as its own step (a log group holding its output, a row in the
 * summary); the first that fails stops the release, before anything is created.
 */
export async function runChecks(checks: NamedCheck[], dir: string, step: Step): Promise<void> {
  for (const c of checks)
    await step(
      `check: ${c.name}`,
      () => runCommands([c.argv], dir, 'E_CHECK_FAILED', `check ${c.name}`),
      () => `\`${c.argv.join(' ')}\` passed`,
    )
}

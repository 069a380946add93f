import * as core from '@actions/core'
import { RelsealError } from '../../../src/errors.js'
import { parseDirection, parseTolerance, type BenchDirection } from '../../../src/bench/index.js'
import { parseCommands } from './command-line.js'

export interface BenchmarkInputs {
  /** mode check: the commands that write the report; empty: no benchmark gate in this step. */
  command: string[][]
  /** mode check: the report's path, relative to the workspace. */
  report: string
  tolerance: number
  direction: BenchDirection
  /** `previous-release`, or the path of a baseline report inside the repository. */
  baseline: string
}

/**
 * Reads the benchmark-* inputs once. In mode check, command and report come together or not at all
 * (mode publish refuses both: it runs no project code).
 */
export function readBenchmarkInputs(checkMode: boolean): BenchmarkInputs {
  const command = parseCommands(core.getInput('benchmark-command'), 'benchmark-command')
  const report = core.getInput('benchmark-report')
  if (checkMode && command.length > 0 && !report)
    throw new RelsealError(
      'E_USAGE',
      'benchmark-command is set but benchmark-report is empty; set it to the JSON report the command writes',
    )
  if (checkMode && report && command.length === 0)
    throw new RelsealError(
      'E_USAGE',
      'benchmark-report is set but benchmark-command is empty; the report must be written by this run, so give the command that writes it',
    )
  return {
    command,
    report,
    tolerance: parseTolerance(core.getInput('benchmark-tolerance') || '5%', 'input benchmark-tolerance'),
    direction: parseDirection(
      core.getInput('benchmark-direction') || 'smaller-is-better',
      'input benchmark-direction',
    ),
    baseline: core.getInput('benchmark-baseline') || 'previous-release',
  }
}

import { resolve } from 'node:path'
import {
  compareBenchmarks,
  formatBenchTable,
  parseBenchmarkReport,
  readBenchmarkReportBytes,
  parseDirection,
  parseTolerance,
  type BenchmarkEntry,
} from '../../bench/index.js'
import { expectPositionals, parseCommandArgs } from '../args.js'
import type { CliIO, Command } from '../io.js'

const USAGE =
  'relseal bench-compare --baseline FILE --candidate FILE [--tolerance 5%] [--direction smaller-is-better|bigger-is-better] [--json]'

function readReport(path: string, option: string, io: CliIO): BenchmarkEntry[] {
  return parseBenchmarkReport(readBenchmarkReportBytes(resolve(io.cwd, path), `${option} ${path}`), path)
}

/** `relseal bench-compare`: exit 0 no regression, 1 a regression, 2 usage or a bad report. */
export const run: Command = (args, io) => Promise.resolve(compare(args, io))

function compare(args: string[], io: CliIO): number {
  const { values, positionals, help } = parseCommandArgs(
    args,
    {
      baseline: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: "the previous release's report (github-action-benchmark custom JSON)",
      },
      candidate: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'the report of the version to release, same format',
      },
      tolerance: {
        type: 'string',
        value: 'PCT',
        description: 'how much worse a metric may get, as a percentage (0% for zero tolerance)',
        defaultText: '5%',
      },
      direction: {
        type: 'string',
        value: 'DIR',
        description: 'smaller-is-better (times, sizes) or bigger-is-better (throughput), for every metric',
        defaultText: 'smaller-is-better',
      },
      json: { type: 'boolean', description: 'print the comparison as JSON' },
    },
    USAGE,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  expectPositionals(positionals, [], USAGE)
  const tolerance = parseTolerance(values.tolerance ?? '5%', '--tolerance')
  const direction = parseDirection(values.direction ?? 'smaller-is-better', '--direction')
  const baseline = readReport(values.baseline, '--baseline', io)
  const candidate = readReport(values.candidate, '--candidate', io)
  const c = compareBenchmarks(baseline, candidate, { tolerance, direction })
  io.stdout.write(values.json ? `${JSON.stringify(c, null, 2)}\n` : formatBenchTable(c))
  return c.ok ? 0 : 1
}

import { openSync, closeSync, readSync, fstatSync } from 'node:fs'
import { resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import {
  compareBenchmarks,
  formatBenchTable,
  MAX_BENCHMARK_REPORT_BYTES,
  parseBenchmarkReport,
  parseDirection,
  parseTolerance,
  type BenchmarkEntry,
} from '../../bench/index.js'
import { expectPositionals, parseCommandArgs } from '../args.js'
import type { CliIO, Command } from '../io.js'

const USAGE =
  'relseal bench-compare --baseline FILE --candidate FILE [--tolerance 5%] [--direction smaller-is-better|bigger-is-better] [--json]'

/** Reads at most one byte past the cap, so a huge file is refused without being read whole. */
function readReport(path: string, option: string, io: CliIO): BenchmarkEntry[] {
  const file = resolve(io.cwd, path)
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_UNREADABLE'
    throw new RelsealError(code, `${option} ${path}: ${(e as Error).message}; give a benchmark report file`, {
      cause: e,
    })
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new RelsealError(
        'E_BAD_INPUT',
        `${option} ${path} is not a regular file; give a benchmark report file`,
      )
    const buf = Buffer.alloc(MAX_BENCHMARK_REPORT_BYTES + 1)
    let n = 0
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null)
    return parseBenchmarkReport(buf.subarray(0, n), path)
  } finally {
    closeSync(fd)
  }
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

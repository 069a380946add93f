export {
  parseBenchmarkReport,
  MAX_BENCHMARK_REPORT_BYTES,
  MAX_BENCHMARK_ENTRIES,
  type BenchmarkEntry,
  type BenchmarkRange,
} from './report.js'
export {
  compareBenchmarks,
  parseTolerance,
  parseDirection,
  formatBenchTable,
  formatChange,
  formatValue,
  formatTolerance,
  benchTableRows,
  BENCH_TABLE_HEADER,
  BENCH_DIRECTIONS,
  type BenchComparison,
  type BenchDirection,
  type BenchRow,
  type BenchVerdict,
} from './compare.js'
export { readBenchmarkReportBytes } from './read.js'

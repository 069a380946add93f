import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'

/**
 * A benchmark report in github-action-benchmark's `customSmallerIsBetter` / `customBiggerIsBetter`
 * format: a JSON array of `{ "name", "unit", "value", "range"?, "extra"? }`. Nothing else is read:
 * an unknown key, a duplicate name or a value that is not a finite number is refused.
 */
export interface BenchmarkEntry {
  name: string
  unit: string
  value: number
  /** The measurement's spread, when the report gives one (`"± 329"`, `"±1.5%"`). */
  range?: BenchmarkRange
}

export interface BenchmarkRange {
  amount: number
  /** `%`: a percentage of the value; otherwise an amount in the metric's unit. */
  relative: boolean
  text: string
}

/** Larger reports are refused: thousands of metrics fit in far less. */
export const MAX_BENCHMARK_REPORT_BYTES = 1024 * 1024
export const MAX_BENCHMARK_ENTRIES = 10_000
const MAX_NAME_CHARS = 256
const MAX_UNIT_CHARS = 64
const MAX_TEXT_CHARS = 1024
const KEYS = new Set(['name', 'unit', 'value', 'range', 'extra'])
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
/** `± 329`, `±1.5%`, `+/- 3`, `+- 0.2`, `3`: an optional ±, a non-negative decimal, an optional %. */
// eslint-disable-next-line security/detect-unsafe-regex -- each optional group starts with its own literal: linear
const RANGE = /^(?:±|\+\/-|\+-)?\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(%?)$/

/**
 * Parses a report, validating every entry; `file` names it in errors.
 *
 * @example
 * parseBenchmarkReport('[{"name":"startup","unit":"ms","value":41.5,"range":"± 2"}]', 'bench.json')
 * // [{ name: 'startup', unit: 'ms', value: 41.5, range: { amount: 2, relative: false, text: '± 2' } }]
 */
export function parseBenchmarkReport(data: string | Uint8Array, file: string): BenchmarkEntry[] {
  const shown = escapeUntrusted(file)
  const bad = (what: string) =>
    new RelsealError(
      'E_BAD_INPUT',
      `benchmark report ${shown}: ${what}; write a JSON array of {"name", "unit", "value", "range"?} ` +
        `(github-action-benchmark's customSmallerIsBetter format)`,
    )
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length
  if (size > MAX_BENCHMARK_REPORT_BYTES)
    throw bad(`it is ${size} bytes, over the ${MAX_BENCHMARK_REPORT_BYTES}-byte limit`)
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'))
  } catch (e) {
    throw bad(`it is not JSON (${e instanceof Error ? e.message : String(e)})`)
  }
  if (!Array.isArray(parsed)) throw bad('it is not a JSON array')
  if (parsed.length > MAX_BENCHMARK_ENTRIES)
    throw bad(`it has ${parsed.length} entries, over the limit of ${MAX_BENCHMARK_ENTRIES}`)
  const seen = new Set<string>()
  return parsed.map((raw: unknown, i) => {
    const entry = parseEntry(raw, (what) => bad(`entry ${i + 1}${what}`))
    if (seen.has(entry.name))
      throw bad(`entry ${i + 1}: name ${JSON.stringify(escapeUntrusted(entry.name))} appears twice`)
    seen.add(entry.name)
    return entry
  })
}

function parseEntry(raw: unknown, bad: (what: string) => RelsealError): BenchmarkEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(' is not an object')
  const o = raw as Record<string, unknown>
  const unknown = Object.keys(o).find((k) => !KEYS.has(k))
  if (unknown !== undefined) throw bad(` has an unknown key ${JSON.stringify(escapeUntrusted(unknown))}`)
  const text = (key: string, max: number, required: boolean): string | undefined => {
    const v = o[key]
    if (v === undefined && !required) return undefined
    if (typeof v !== 'string') throw bad(`: "${key}" must be a string`)
    if (v.length > max) throw bad(`: "${key}" is longer than ${max} characters`)
    if (CONTROL.test(v)) throw bad(`: "${key}" holds a control or bidi character`)
    return v
  }
  const name = text('name', MAX_NAME_CHARS, true)!
  const at = ` (${JSON.stringify(escapeUntrusted(name))})`
  if (name.trim() === '') throw bad(': "name" is empty')
  const unit = text('unit', MAX_UNIT_CHARS, true)!
  text('extra', MAX_TEXT_CHARS, false)
  const value = o.value
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw bad(
      `${at}: "value" must be a finite number, not ${escapeUntrusted(JSON.stringify(value) ?? 'undefined')}`,
    )
  const rangeText = text('range', MAX_TEXT_CHARS, false)
  if (rangeText === undefined) return { name, unit, value }
  const m = RANGE.exec(rangeText.trim())
  const amount = m ? Number(m[1]) : NaN
  if (!m || !Number.isFinite(amount))
    throw bad(`${at}: "range" ${JSON.stringify(escapeUntrusted(rangeText))} is not like "± 2" or "±1.5%"`)
  return { name, unit, value, range: { amount, relative: m[2] === '%', text: rangeText } }
}

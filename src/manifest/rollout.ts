/**
 * The phased rollout of schema v2 (docs/manifest-spec.md, "Phased rollout"): a start time and
 * stages of growing percentages of hosts, each opening a fixed time after the start. Every check
 * is one linear pass written by hand, as in grammar.ts.
 */
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import { isUtcTimestamp } from './grammar.js'

export interface RolloutStage {
  /** Hosts whose bucket is below percent × 100 (of 10,000) are in this stage's set; 1–100. */
  percent: number
  /** When the stage opens after `start`: `<digits><unit>`, unit s, m, h, d or w, e.g. `30m`. */
  after: string
}

/** A signed phased rollout: stage k opens at start + stages[k].after. */
export interface Rollout {
  start: string
  stages: RolloutStage[]
}

/** A rollout has at most this many stages. */
export const MAX_ROLLOUT_STAGES = 10
/** No stage opens later than this after the start (365 days). */
export const MAX_ROLLOUT_AFTER_SECONDS = 365 * 86400

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/**
 * Seconds of an `after` duration, or undefined when it is not `0` or a digit 1–9 followed by at
 * most 5 digits, then one unit of `s m h d w`, at most 365 days: one spelling per number.
 */
export function afterSeconds(s: string): number | undefined {
  if (s.length < 2 || s.length > 7) return undefined
  const unit = UNIT_SECONDS[s[s.length - 1]!]
  const digits = s.slice(0, -1)
  if (unit === undefined || (digits.length > 1 && digits[0] === '0')) return undefined
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
  }
  const seconds = Number(digits) * unit
  return seconds <= MAX_ROLLOUT_AFTER_SECONDS ? seconds : undefined
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** How errors name a place in the rollout, and the code they carry. */
interface Where {
  code: 'E_BAD_INPUT' | 'E_USAGE'
  /** The rollout itself ('') or one of its fields ('start', 'stages'). */
  field: (name: string) => string
  stage: (i: number, name: string) => string
}

const MANIFEST: Where = {
  code: 'E_BAD_INPUT',
  field: (n) => `manifest field rollout${n === '' ? '' : `.${n}`}`,
  stage: (i, n) => `manifest field rollout.stages[${i}]${n === '' ? '' : `.${n}`}`,
}

function fail(w: Where, where: string, why: string): never {
  throw new RelsealError(w.code, `${where} ${why}`)
}

function checkStage(s: unknown, i: number, w: Where, last: { percent: number; after: number }): RolloutStage {
  if (!isObject(s)) fail(w, w.stage(i, ''), 'must be an object { percent, after }')
  for (const k of Object.keys(s))
    if (k !== 'percent' && k !== 'after') fail(w, w.stage(i, escapeUntrusted(k, 40)), 'is not a stage field')
  const { percent, after } = s
  if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 100)
    fail(w, w.stage(i, 'percent'), 'must be a whole number from 1 to 100')
  if (percent <= last.percent)
    fail(w, w.stage(i, 'percent'), `must be larger than the previous stage's ${last.percent}`)
  const seconds = typeof after === 'string' ? afterSeconds(after) : undefined
  if (seconds === undefined)
    fail(
      w,
      w.stage(i, 'after'),
      'must be a duration such as 0m, 30m, 2h or 3d (units s, m, h, d, w; at most 365d)',
    )
  if (seconds < last.after) fail(w, w.stage(i, 'after'), "must not be earlier than the previous stage's")
  last.percent = percent
  last.after = seconds
  return { percent, after: after as string }
}

/** 1–10 stages, percents strictly increasing from 1 and ending at 100, `after` never decreasing. */
function checkStages(stages: unknown, w: Where): RolloutStage[] {
  if (!Array.isArray(stages) || stages.length < 1 || stages.length > MAX_ROLLOUT_STAGES)
    fail(w, w.field('stages'), `must be an array of 1 to ${MAX_ROLLOUT_STAGES} stages { percent, after }`)
  const last = { percent: 0, after: 0 }
  const out = stages.map((s: unknown, i) => checkStage(s, i, w, last))
  if (last.percent !== 100)
    fail(
      w,
      w.stage(out.length - 1, 'percent'),
      'must be 100 in the last stage, so that every host is reached',
    )
  return out
}

/** When stage `i` opens, in milliseconds since the epoch. */
export function stageOpensAt(rollout: Rollout, i: number): number {
  return Date.parse(rollout.start) + afterSeconds(rollout.stages[i]!.after)! * 1000
}

function checkRollout(v: unknown, w: Where, expiresAt: string | undefined): Rollout {
  if (!isObject(v)) fail(w, w.field(''), 'must be an object { start, stages }')
  for (const k of Object.keys(v))
    if (k !== 'start' && k !== 'stages') fail(w, w.field(escapeUntrusted(k, 40)), 'is not a rollout field')
  if (typeof v.start !== 'string' || !isUtcTimestamp(v.start))
    fail(w, w.field('start'), 'must be a real RFC 3339 UTC time ending in Z, such as 2026-01-01T00:00:00Z')
  const rollout = { start: v.start, stages: checkStages(v.stages, w) }
  const lastOpens = stageOpensAt(rollout, rollout.stages.length - 1)
  if (expiresAt !== undefined && lastOpens >= Date.parse(expiresAt))
    fail(
      w,
      w.field(''),
      `ends at ${new Date(lastOpens).toISOString()}, not before expires_at ${expiresAt}: the last stage would never open`,
    )
  return rollout
}

/**
 * The `rollout` field of a verified payload: required with schema v2 and refused with v1
 * (`payload.rollout`), so a v1 manifest stays v1 byte for byte and a v1 client refuses a phased
 * release instead of installing it everywhere at once.
 */
export function parsePayloadRollout(
  untrusted: unknown,
  isV2: boolean,
  expiresAt: string | undefined,
): Rollout | undefined {
  if (!isV2) {
    if (untrusted !== undefined)
      fail(MANIFEST, MANIFEST.field(''), 'needs schema "https://relseal.dev/manifest/v2"')
    return undefined
  }
  if (untrusted === undefined)
    fail(MANIFEST, MANIFEST.field(''), 'is missing: schema v2 is v1 plus a rollout')
  return checkRollout(untrusted, MANIFEST, expiresAt)
}

/**
 * Reads a rollout plan as the CLI and sign-release take it, `10%@0m,50%@30m,100%@2h`, starting at
 * `start` (an RFC 3339 UTC time); `what` names the flag or input in errors (E_USAGE).
 *
 * @example parseRolloutPlan('10%@0m,100%@2h', '2026-05-01T12:00:00Z', '--rollout')
 */
export function parseRolloutPlan(text: string, start: string, what: string, startWhat = what): Rollout {
  const w: Where = {
    code: 'E_USAGE',
    field: (n) => (n === '' ? what : `${what} ${n}`),
    stage: (i, n) => `${what} stage ${i + 1}${n === '' ? '' : ` ${n}`}`,
  }
  const items = text.split(',')
  if (text.length > 200 || items.length > MAX_ROLLOUT_STAGES)
    fail(
      w,
      what,
      `is longer than 200 characters or holds more than ${MAX_ROLLOUT_STAGES} stages; write it as 10%@0m,50%@30m,100%@2h`,
    )
  const stages = items.map((item, i) => {
    const [pct, after, extra] = item.trim().split('@')
    const digits = pct?.endsWith('%') ? pct.slice(0, -1) : ''
    if (after === undefined || extra !== undefined || !/^[1-9][0-9]{0,2}$/.test(digits))
      fail(
        w,
        w.stage(i, ''),
        `is ${JSON.stringify(escapeUntrusted(item, 40))}, not PERCENT%@AFTER such as 50%@30m`,
      )
    return { percent: Number(digits), after }
  })
  if (!isUtcTimestamp(start))
    fail(
      w,
      startWhat,
      `is ${JSON.stringify(escapeUntrusted(start, 40))}, not an RFC 3339 UTC time such as 2026-05-01T12:00:00Z`,
    )
  return checkRollout({ start, stages }, w, undefined)
}

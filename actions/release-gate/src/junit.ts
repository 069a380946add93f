import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { basename } from 'node:path'
import { RelsealError } from '../../../src/errors.js'

export type CaseStatus = 'passed' | 'failed' | 'errored' | 'skipped'

export interface JUnitCase {
  suite: string
  classname: string
  name: string
  status: CaseStatus
  message?: string
  file?: string
  line?: number
}

export interface JUnitTotals {
  passed: number
  failed: number
  errored: number
  skipped: number
  cases: JUnitCase[]
}

const MAX_MESSAGE_CHARS = 1000
const ARRAYS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped', 'flakyFailure', 'flakyError'])

type Node = Record<string, unknown>

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
})

const attr = (n: Node, name: string): string | undefined => {
  const v = n[`@_${name}`]
  return typeof v === 'string' ? v : undefined
}
const children = (n: Node, name: string): Node[] =>
  ((n[name] as unknown[] | undefined) ?? []).map((c) =>
    typeof c === 'object' && c !== null ? (c as Node) : {},
  )
const textOf = (n: Node): string => (typeof n['#text'] === 'string' ? n['#text'] : '')

/** vitest and others name the test file as classname; a dotted Java or Python class name is not a file. */
const looksLikeFile = (s: string) => /[/\\]/.test(s) || /\.(?:[cm]?[jt]sx?|py|go|java|kt|rb|rs|cs)$/.test(s)

/** The file and line a failure points at, from the case's attributes or from the failure's own text. */
function locate(tc: Node, classname: string, detail: string): { file?: string; line?: number } {
  const file = attr(tc, 'file') ?? (looksLikeFile(classname) ? classname : undefined)
  const lineAttr = Number(attr(tc, 'line'))
  if (Number.isInteger(lineAttr) && lineAttr > 0) return { ...(file ? { file } : {}), line: lineAttr }
  if (file) {
    const base = basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    // eslint-disable-next-line security/detect-non-literal-regexp -- escaped file name
    const m = new RegExp(`${base}:(\\d+)`).exec(detail)
    return m ? { file, line: Number(m[1]) } : { file }
  }
  // Go (`calc_test.go:12: …`) and Java (`(FooTest.java:42)`) name the file in the failure text.
  const m = /([\w./-]+\.(?:go|java|kt|py|rb|rs|cs|[cm]?[jt]sx?)):(\d+)/.exec(detail)
  return m ? { file: m[1]!, line: Number(m[2]) } : {}
}

function readCase(tc: Node, suite: string): JUnitCase {
  const classname = attr(tc, 'classname') ?? ''
  const name = attr(tc, 'name') ?? ''
  const failure = children(tc, 'failure')[0]
  const error = children(tc, 'error')[0]
  const status: CaseStatus = failure ? 'failed' : error ? 'errored' : 'skipped' in tc ? 'skipped' : 'passed'
  const c: JUnitCase = { suite, classname, name, status }
  const bad = failure ?? error
  if (bad) {
    const text = textOf(bad)
    const message = (attr(bad, 'message') || text.trim().split('\n')[0] || '').slice(0, MAX_MESSAGE_CHARS)
    if (message) c.message = message
    Object.assign(c, locate(tc, classname, `${attr(bad, 'message') ?? ''}\n${text}`))
  }
  return c
}

function walkSuite(suite: Node, out: JUnitCase[]): void {
  const name = attr(suite, 'name') ?? ''
  for (const tc of children(suite, 'testcase')) out.push(readCase(tc, name))
  for (const inner of children(suite, 'testsuite')) walkSuite(inner, out)
}

/**
 * Parses one JUnit XML report as vitest, jest-junit, pytest, Maven Surefire and go-junit-report write
 * it. A malformed report, another kind of XML, or a report with no test case is an error: a gate
 * must never pass on a report that says nothing.
 */
export function parseJUnit(xml: string, source: string): JUnitTotals {
  const valid = XMLValidator.validate(xml)
  if (valid !== true)
    throw new RelsealError(
      'E_BAD_INPUT',
      `JUnit report ${source} is not well-formed XML (line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}); was it cut off?`,
    )
  const doc = parser.parse(xml) as Node
  const cases: JUnitCase[] = []
  if (doc.testsuites !== undefined) {
    const root = typeof doc.testsuites === 'object' && doc.testsuites !== null ? (doc.testsuites as Node) : {}
    for (const s of children(root, 'testsuite')) walkSuite(s, cases)
  } else if (doc.testsuite !== undefined) {
    for (const s of children(doc, 'testsuite')) walkSuite(s, cases)
  } else
    throw new RelsealError(
      'E_BAD_INPUT',
      `${source} is not a JUnit report: its root element is neither <testsuites> nor <testsuite>`,
    )
  if (cases.length === 0)
    throw new RelsealError('E_BAD_INPUT', `JUnit report ${source} holds no test case; did the tests run?`)
  return totalsOf(cases)
}

function totalsOf(cases: JUnitCase[]): JUnitTotals {
  const count = (s: CaseStatus) => cases.filter((c) => c.status === s).length
  return {
    passed: count('passed'),
    failed: count('failed'),
    errored: count('errored'),
    skipped: count('skipped'),
    cases,
  }
}

/** Sums several reports. */
export function mergeTotals(all: JUnitTotals[]): JUnitTotals {
  return totalsOf(all.flatMap((t) => t.cases))
}

/** passed / (passed + failed + errored); skipped cases are left out. NaN when nothing ran. */
export function passRate(t: JUnitTotals): number {
  const ran = t.passed + t.failed + t.errored
  return ran === 0 ? NaN : t.passed / ran
}

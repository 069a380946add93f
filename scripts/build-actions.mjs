// Bundles every action under actions/*/ (src/index.ts → dist/index.js) with @vercel/ncc, and
// writes dist/package.json so Node loads the ESM bundle as a module (TOOLCHAIN.md).
//
// The library starts its hashing threads from a file beside the module (src/tree/*-worker.ts,
// looked up as `./<name>.js` next to import.meta.url, which in a bundle is dist/index.js). Without
// that file a bundle hashes on one thread; so each worker a bundle names is bundled too, as
// dist/<name>.js, and the actions hash as fast as the CLI does.
//
// Then every .js file of dist/ is minified by esbuild (whitespace and syntax; names are kept, so stack
// traces still read): ncc's --minify covers index.js only, not the chunks, and a runner compiles the
// whole chunk before the action can go on (sign-release's was 1.6 MB, ~0.1 s of CPU). esbuild is a
// pinned devDependency, so the output is the same on every machine (CI rebuilds and diffs dist/).
// Usage: node scripts/build-actions.mjs [name...]
import { transformSync } from 'esbuild'
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const wanted = process.argv.slice(2)
const actionsDir = join(root, 'actions')
const actions = (existsSync(actionsDir) ? readdirSync(actionsDir, { withFileTypes: true }) : [])
  .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'src', 'index.ts')))
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))

const ncc = (cwd, entry, out, ...extra) =>
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'), 'build', entry, '-o', out, '-q', ...extra],
    { cwd, stdio: 'inherit' },
  )

const treeDir = join(root, 'src', 'tree')
// The worker modules, by the name the library looks them up with (hash-worker.ts → 'hash-worker').
const workers = readdirSync(treeDir)
  .filter((f) => f.endsWith('-worker.ts'))
  .map((f) => f.slice(0, -'.ts'.length))

for (const name of actions) {
  const dir = join(root, 'actions', name)
  const dist = join(dir, 'dist')
  // ncc never deletes: without this, a chunk from an older build would stay and be committed.
  rmSync(dist, { recursive: true, force: true })
  ncc(dir, 'src/index.ts', 'dist', '--license', 'licenses.txt')
  writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n')
  // The bundle and its chunks (a dynamic import() becomes dist/<id>.index.js).
  const bundle = readdirSync(dist)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(dist, f), 'utf8'))
    .join('\n')
  for (const worker of workers) {
    // The library builds the name at run time (['hash-worker', 'js'].join('.')) so that ncc does
    // not relocate the TypeScript source as an asset; that is the string looked for here.
    if (!bundle.includes(`'${worker}', 'js'`)) continue
    const out = mkdtempSync(join(tmpdir(), 'relseal-worker-'))
    try {
      ncc(root, join('src', 'tree', `${worker}.ts`), out)
      renameSync(join(out, 'index.js'), join(dist, `${worker}.js`))
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }
  for (const f of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
    const file = join(dist, f)
    const { code } = transformSync(readFileSync(file, 'utf8'), {
      loader: 'js',
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'inline',
      target: 'node20',
    })
    writeFileSync(file, code)
  }
  console.log(`built actions/${name}/dist`)
}

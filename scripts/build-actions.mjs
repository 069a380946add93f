// Bundles every action under actions/*/ (src/index.ts → dist/index.js) with @vercel/ncc, and
// writes dist/package.json so Node loads the ESM bundle as a module (TOOLCHAIN.md).
// Usage: node scripts/build-actions.mjs [name...]
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const wanted = process.argv.slice(2)
const actionsDir = join(root, 'actions')
const actions = (existsSync(actionsDir) ? readdirSync(actionsDir, { withFileTypes: true }) : [])
  .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'src', 'index.ts')))
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))

for (const name of actions) {
  const dir = join(root, 'actions', name)
  // ncc never deletes: without this, a chunk from an older build would stay and be committed.
  rmSync(join(dir, 'dist'), { recursive: true, force: true })
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      'src/index.ts',
      '-o',
      'dist',
      '--license',
      'licenses.txt',
      '-q',
    ],
    { cwd: dir, stdio: 'inherit' },
  )
  writeFileSync(join(dir, 'dist', 'package.json'), '{ "type": "module" }\n')
  console.log(`built actions/${name}/dist`)
}

import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The install path README.md gives a newcomer: `npm pack`, then `npm install <tarball>` in their
// own project. One pack and one install, shared by every assertion below (the install needs the
// registry, or npm's cache, for tweetnacl and semver).
const repo = new URL('..', import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }
const tsc = join(repo, 'node_modules/typescript/bin/tsc')
let work = ''
let consumer = ''

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout }
}

/** The README's "The library" code block, as a consumer would copy it. */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## The library\n'))
  const m = /```ts\n([\s\S]*?)\n```/.exec(section)
  if (!m?.[1]) throw new Error('README.md has no ```ts block under "## The library"')
  return m[1]
}

beforeAll(() => {
  if (!existsSync(join(repo, 'build/index.js'))) throw new Error('run `npm run build` first (npm test does)')
  work = mkdtempSync(join(tmpdir(), 'relseal-pack-'))
  // --ignore-scripts: build/ is already fresh (pretest), and a second tsc run would rewrite it
  // under the feet of tests running the CLI in parallel.
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: repo })
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error('npm pack wrote no tarball')
  consumer = join(work, 'consumer')
  mkdirSync(consumer)
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
  )
  const r = run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)],
    consumer,
  )
  if (r.status !== 0) throw new Error(`npm install of the packed tarball failed:\n${r.out}`)
}, 240_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('a project that installs the packed tarball', () => {
  it('gets the relseal command (npx relseal --version prints the package version)', () => {
    const r = run('npx', ['--no-install', 'relseal', '--version'], consumer)
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(`relseal ${pkg.version}`)
  })

  it('imports the library as an ES module', () => {
    const r = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('relseal'); console.log(typeof m.verifyManifest)",
      ],
      consumer,
    )
    expect(r.out).toBe('function\n')
  })

  it('requires the library from CommonJS', () => {
    const r = run(
      process.execPath,
      ['--input-type=commonjs', '-e', "console.log(typeof require('relseal').verifyManifest)"],
      consumer,
    )
    expect(r.out).toBe('function\n')
  })

  it("typechecks the README's library example against the shipped declarations", () => {
    writeFileSync(join(consumer, 'updater.ts'), readmeLibraryExample())
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
        },
        files: ['updater.ts'],
      }),
    )
    const r = run(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer)
    expect(r.out).toBe('')
    expect(r.status).toBe(0)
  })

  it('ships its LICENSE and no source maps (they would name src/, which is not shipped)', () => {
    const build = join(consumer, 'node_modules/relseal/build')
    const maps = readdirSync(build, { recursive: true }).filter((f) => String(f).endsWith('.map'))
    expect(maps).toEqual([])
    expect(existsSync(join(consumer, 'node_modules/relseal/LICENSE'))).toBe(true)
  })
})

// An update between two versions of a large tree (the hash benchmark's generated 30,000-file tree),
// beside the time to hash that tree alone. The updater's evidence log records each step's
// duration, so one run gives its own overhead beyond fetch, hashing and checkout (target < 20%).
// Usage: node bench/run.mjs update [--repo DIR]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { smallFileTree } from './trees.mjs'

const root = new URL('..', import.meta.url).pathname
const relseal = join(root, 'bin/relseal.js')
const i = process.argv.indexOf('--repo')
// Default: the generated 30,000-file tree of the hash bench (made here if missing; no network).
const repo = i > 0 ? process.argv[i + 1] : smallFileTree()
if (!existsSync(join(repo, '.git'))) {
  console.error(`no checkout at ${repo}: pass --repo DIR of a git checkout`)
  process.exit(2)
}
const work = mkdtempSync(join(tmpdir(), 'relseal-bench-update-'))
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 }).trim()
const cli = (...args) => {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [relseal, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`relseal ${args[0]} failed: ${r.stderr}`)
  return { out: r.stdout, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}
try {
  const head = git(repo, 'rev-parse', 'HEAD')
  const files = git(repo, 'ls-files').split('\n').length
  // two versions of the same real tree: HEAD and HEAD with a change on top, in a bare origin
  const origin = join(work, 'origin.git')
  git(work, 'clone', '-q', '--bare', '--no-local', repo, origin)
  cli('keygen', '--out', join(work, 'k'))
  const sign = (commit, version) =>
    cli(
      'sign',
      '--key',
      join(work, 'k.key'),
      '--dir',
      origin,
      '--commit',
      commit,
      '--tag',
      `v${version}`,
      '--version',
      version,
      '--repository',
      'bench/large',
      '--out',
      join(work, `${version}.json`),
      '--files-out',
      join(work, `${version}.sha256`),
    )
  const parent = git(repo, 'rev-parse', 'HEAD~20')
  sign(parent, '1.0.0')
  sign(head, '2.0.0')
  const app = join(work, 'app')
  cli('init', '--app-root', app, '--remote', origin)
  const update = (v) =>
    cli('update', '--app-root', app, '--manifest', join(work, `${v}.json`), '--pubkey', join(work, 'k.pub'))
  update('1.0.0')
  const u = update('2.0.0')
  const run = readFileSync(join(app, '.relseal/evidence.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .at(-1)
  const ms = Object.fromEntries(run.steps.map((s) => [s.step, s.duration_ms]))
  const core = ms.fetch + ms['verify-commit'] + ms.worktree + ms['verify-worktree']
  const total = run.steps.reduce((n, s) => n + s.duration_ms, 0)
  const hashAlone = cli('hash', join(app, 'current')).seconds
  console.log(
    `tree: ${repo} (${files} files), update 1.0.0 -> 2.0.0 (${parent.slice(0, 8)} -> ${head.slice(0, 8)})`,
  )
  for (const [step, d] of Object.entries(ms)) console.log(`  ${step.padEnd(16)} ${String(d).padStart(6)} ms`)
  console.log(`  relseal update, whole process:     ${u.seconds.toFixed(3)} s`)
  console.log(`  relseal hash of the tree alone:    ${hashAlone.toFixed(3)} s`)
  console.log(`  fetch + hash x2 + checkout:        ${(core / 1000).toFixed(3)} s`)
  console.log(
    `  updater's own overhead (in steps): ${(((total - core) / total) * 100).toFixed(1)}% (target < 20%)`,
  )
  console.log(
    `  process overhead beyond steps:     ${(u.seconds - total / 1000).toFixed(3)} s (node start, CLI)`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}

// relseal hash vs `git ls-files -z | xargs -0 sha256sum` (also -P2) vs folder-hash, on
// (a) a checkout of a large public repository with tens of thousands of small files and
// (b) a generated tree of a few large files, against the two-core SHA-256 limit measured in the
// same run. Each tool runs once on the warm tree (after one warm-up pass); ratios come from
// that one run. Peak memory is the child's max RSS (getrusage through /usr/bin/time or node).
//
// (a) needs a checkout: `node bench/run.mjs hash --repo DIR`, or it clones the default
// repository given by RELSEAL_BENCH_REPO_URL (https://github.com/tldr-pages/tldr) into bench/.work/.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

const root = new URL('..', import.meta.url).pathname
const work = join(root, 'bench/.work')
const relseal = join(root, 'bin/relseal.js')
mkdirSync(work, { recursive: true })

function arg(name) {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}

/** Runs a shell-free command (or `sh -c` for pipelines) and returns seconds and peak RSS (MB). */
function measure(cmd, args, cwd) {
  const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', ['-f', '%M', cmd, ...args]] : [cmd, args]
  const start = process.hrtime.bigint()
  const r = spawnSync(timeBin[0], timeBin[1], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  const rss = existsSync('/usr/bin/time') ? Number(r.stderr.trim().split('\n').at(-1)) / 1024 : NaN
  return { seconds, rssMB: rss }
}

function repoTree() {
  const given = arg('--repo')
  if (given) return given
  const dir = join(work, 'large-repo')
  if (!existsSync(join(dir, '.git'))) {
    const url = process.env.RELSEAL_BENCH_REPO_URL ?? 'https://github.com/tldr-pages/tldr'
    execFileSync('git', ['clone', '-q', '--depth', '1', url, dir], { stdio: 'inherit' })
  }
  return dir
}

function largeFileTree() {
  const dir = join(work, 'large-files')
  if (!existsSync(join(dir, 'f3.bin'))) {
    mkdirSync(dir, { recursive: true })
    const block = Buffer.alloc(16 << 20)
    for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24
    for (let f = 0; f < 4; f++) {
      const parts = []
      for (let k = 0; k < 16; k++) parts.push(block) // 256 MiB a file, 1 GiB in all
      writeFileSync(join(dir, `f${f}.bin`), Buffer.concat(parts))
    }
  }
  return dir
}

/** Aggregate SHA-256 throughput of two threads over in-memory buffers: the machine's limit. */
async function twoCoreShaLimit() {
  const code = `
    const { createHash } = require('node:crypto'); const { parentPort } = require('node:worker_threads');
    const buf = Buffer.alloc(64 << 20, 7); const t = process.hrtime.bigint(); let n = 0;
    while (Number(process.hrtime.bigint() - t) < 2e9) { createHash('sha256').update(buf).digest(); n += buf.length }
    parentPort.postMessage(n / (Number(process.hrtime.bigint() - t) / 1e9))`
  const rates = await Promise.all(
    [0, 1].map(() => new Promise((resolve) => new Worker(code, { eval: true }).once('message', resolve))),
  )
  return rates.reduce((a, b) => a + b, 0)
}

function row(name, r, base) {
  const ratio = base ? (base.seconds / r.seconds).toFixed(2) + 'x' : ''
  console.log(
    `  ${name.padEnd(44)} ${r.seconds.toFixed(3).padStart(8)} s  ${r.rssMB.toFixed(0).padStart(5)} MB  ${ratio}`,
  )
}

/** The regular files git tracks (symlinks would make sha256sum fail on linked directories). */
function regularFileList(dir, gitTree) {
  const listFile = join(work, `files-${gitTree ? 'git' : 'find'}.lst`)
  const out = gitTree
    ? execFileSync('git', ['ls-files', '-s', '-z'], { cwd: dir, maxBuffer: 1 << 28 })
        .toString('utf8')
        .split('\0')
        .filter((rec) => /^100(644|755) /.test(rec))
        .map((rec) => rec.slice(rec.indexOf('\t') + 1))
    : execFileSync('find', ['.', '-type', 'f', '-print0'], { cwd: dir })
        .toString('utf8')
        .split('\0')
        .filter(Boolean)
  writeFileSync(listFile, out.join('\0') + '\0')
  return listFile
}

function compare(dir, gitTree) {
  const list = `cat ${regularFileList(dir, gitTree)}`
  const runs = {
    relseal: () => measure(process.execPath, [relseal, 'hash', dir, ...(gitTree ? [] : ['--plain'])], dir),
    sha256sum: () => measure('sh', ['-c', `${list} | xargs -0 sha256sum > /dev/null`], dir),
    sha256sumP2: () =>
      measure('sh', ['-c', `${list} | xargs -0 -P2 -n ${gitTree ? 2000 : 1} sha256sum > /dev/null`], dir),
    folderHash: () =>
      measure(
        process.execPath,
        [
          '-e',
          `require('folder-hash').hashElement(${JSON.stringify(dir)}, { algo: 'sha256', folders: { exclude: ['.git'] } })`,
        ],
        root,
      ),
  }
  measure(process.execPath, [relseal, 'hash', dir, ...(gitTree ? [] : ['--plain'])], dir) // warm the page cache
  const r = Object.fromEntries(Object.entries(runs).map(([k, f]) => [k, f()]))
  return r
}

console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`)
const repo = repoTree()
const files =
  execFileSync('git', ['ls-files', '-z'], { cwd: repo, maxBuffer: 1 << 28 })
    .toString()
    .split('\0').length - 1
console.log(`\n(a) ${repo}: ${files} tracked files`)
const a = compare(repo, true)
row('git ls-files -z | xargs -0 sha256sum', a.sha256sum)
row('... | xargs -0 -P2 sha256sum', a.sha256sumP2)
row('folder-hash (sha256)', a.folderHash)
row('relseal hash', a.relseal)
console.log(
  `  relseal vs xargs sha256sum:     ${(a.sha256sum.seconds / a.relseal.seconds).toFixed(2)}x faster (target >= 4)`,
)
console.log(
  `  relseal vs xargs -P2 sha256sum: ${(a.sha256sumP2.seconds / a.relseal.seconds).toFixed(2)}x faster (target >= 2.5)`,
)
console.log(
  `  relseal vs folder-hash:         ${(a.folderHash.seconds / a.relseal.seconds).toFixed(2)}x faster`,
)

const big = largeFileTree()
console.log(`\n(b) ${big}: 4 files of 256 MiB`)
const limit = await twoCoreShaLimit()
const b = compare(big, false)
row('find | xargs -0 sha256sum', b.sha256sum)
row('find | xargs -0 -P2 sha256sum', b.sha256sumP2)
row('folder-hash (sha256)', b.folderHash)
row('relseal hash', b.relseal)
const rate = (1 << 30) / b.relseal.seconds
console.log(`  two-core SHA-256 limit (in memory): ${(limit / 1e9).toFixed(2)} GB/s`)
console.log(
  `  relseal hash: ${(rate / 1e9).toFixed(2)} GB/s = ${((100 * rate) / limit).toFixed(0)}% of the limit (target >= 75%)`,
)
console.log(
  `  peak RSS: (a) ${a.relseal.rssMB.toFixed(0)} MB, (b) ${b.relseal.rssMB.toFixed(0)} MB (target < 150 MB)`,
)

// relseal hash (working tree and --rev HEAD) beside coreutils, on trees the bench generates (no
// network; bench/trees.mjs):
//   (a) 30,000 files of 0.5–16 KiB, (b) 38,000 files of 0.3–1 KiB: against `xargs -0 sha256sum`
//       (target: 1.5x faster) and `xargs -0 -n500 -P2 sha256sum` (target: at least as fast);
//   beside them the simplest fast path (bench/prototype-loop.mjs, 1 and 2 threads, no checks);
//   (c) 6 files of 160 MiB: against the two-core SHA-256 limit measured in the same rounds (the
//       same bytes hashed from memory by two threads; target: 75 % of it).
// Peak RSS of every relseal run stays under 150 MB (the largest of the process and its git
// children, as /usr/bin/time reports it).
//
// The machine may be shared, so every command runs ROUNDS times, the commands of a tree alternating
// within each round (in a rotating order), and medians are compared; load averages are printed
// before and after. Usage: node bench/run.mjs hash [--rounds N] [--only small|tiny|large] [--keep-env]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { LARGE_FILE_BYTES, LARGE_FILES, largeFileTree, smallFileTree, tinyFileTree, work } from './trees.mjs'

const root = new URL('..', import.meta.url).pathname
const relseal = join(root, 'bin/relseal.js')
const prototype = join(root, 'bench/prototype-loop.mjs')
const arg = (name) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const ROUNDS = Number(arg('--rounds') ?? 7)
const only = arg('--only')
const hasTime = existsSync('/usr/bin/time')
// Every command runs without NODE_EXTRA_CA_CERTS: where it is set (this workplace sets it), each
// Node process reads and parses that CA bundle at start, about 50 ms that a user's machine does
// not spend and that no command here needs (nothing makes a TLS connection). Pass --keep-env to
// measure with the environment as it is.
const keepEnv = process.argv.includes('--keep-env')
const benchEnv = { ...process.env }
if (!keepEnv) delete benchEnv.NODE_EXTRA_CA_CERTS
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')

/** Runs a command once: wall seconds, CPU seconds (user + system) and peak RSS in MB. */
function measure(cmd, args, cwd) {
  const [bin, argv] = hasTime ? ['/usr/bin/time', ['-f', '%M %U %S', cmd, ...args]] : [cmd, args]
  const start = process.hrtime.bigint()
  const r = spawnSync(bin, argv, { cwd, env: benchEnv, encoding: 'utf8', maxBuffer: 1 << 30 })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  const [rss, user, sys] = hasTime ? r.stderr.trim().split('\n').at(-1).split(' ').map(Number) : []
  return { seconds, cpu: user + sys, rssMB: rss / 1024, stdout: r.stdout }
}

/** Runs every command ROUNDS times, alternating; returns per command the medians and peak RSS. */
function compare(commands, cwd) {
  const names = Object.keys(commands)
  const runs = Object.fromEntries(names.map((n) => [n, []]))
  for (const n of names) measure(...commands[n], cwd) // warm the page cache and git's
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(round + k) % names.length]
      runs[n].push(measure(...commands[n], cwd))
    }
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        seconds: median(runs[n].map((r) => r.seconds)),
        cpu: median(runs[n].map((r) => r.cpu)),
        rssMB: Math.max(...runs[n].map((r) => r.rssMB)),
        spread: `${Math.min(...runs[n].map((r) => r.seconds)).toFixed(2)}–${Math.max(...runs[n].map((r) => r.seconds)).toFixed(2)}`,
      },
    ]),
  )
}

function row(name, r) {
  console.log(
    `  ${name.padEnd(40)} ${r.seconds.toFixed(3).padStart(7)} s (${r.spread.padStart(9)})  cpu ${r.cpu.toFixed(2).padStart(5)} s  ${r.rssMB.toFixed(0).padStart(4)} MB`,
  )
}

const verdicts = []
function target(label, ok, detail) {
  verdicts.push(ok)
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${label.padEnd(52)} ${detail}`)
}

/** The tracked regular files as a NUL-separated list for xargs (what sha256sum can read). */
function fileList(dir, name) {
  const list = join(work, `${name}.lst`)
  const paths = execFileSync('git', ['ls-files', '-s', '-z'], { cwd: dir, maxBuffer: 1 << 28 })
    .toString('utf8')
    .split('\0')
    .filter((rec) => /^100(644|755) /.test(rec))
    .map((rec) => rec.slice(rec.indexOf('\t') + 1))
  writeFileSync(list, paths.join('\0') + '\0')
  return { list, count: paths.length }
}

/**
 * The system-call floor (bench/syscall-floor.c), compiled with the system's cc when it has one:
 * what no hasher of a small-file tree can go below on this machine.
 */
function syscallFloor() {
  const out = join(work, 'syscall-floor')
  try {
    execFileSync('cc', ['-O2', '-pthread', '-o', out, join(root, 'bench/syscall-floor.c')], {
      stdio: 'ignore',
    })
    return out
  } catch {
    console.log('(no C compiler: the system-call floor row is left out)')
    return undefined
  }
}

/**
 * The blobs of HEAD's tree as cat-file input: all of them, and in two halves (the ids in turn, as
 * relseal shares them between its two cat-file processes), for the floor of `--rev`: git printing
 * the blobs into a pipe that `cat` empties, which no reader of git's object store goes below.
 */
function blobLists(dir, name) {
  const ids = execFileSync('git', ['ls-tree', '-r', '-z', 'HEAD'], { cwd: dir, maxBuffer: 1 << 28 })
    .toString('latin1')
    .split('\0')
    .filter((rec) => / blob /.test(rec.slice(0, rec.indexOf('\t'))))
    .map((rec) => rec.split(' ')[2].split('\t')[0])
  const write = (suffix, xs) => {
    const file = join(work, `${name}.${suffix}`)
    writeFileSync(file, xs.join('\n') + '\n')
    return file
  }
  return {
    all: write('oids', ids),
    halves: [0, 1].map((h) =>
      write(
        `oids.${h}`,
        ids.filter((_, k) => Math.floor(k / 64) % 2 === h),
      ),
    ),
  }
}

/** `git cat-file --batch` with relseal's pack windows (they keep git's RSS down) over `list`. */
const catFile = (list) =>
  `git -c core.packedGitWindowSize=32m -c core.packedGitLimit=96m cat-file --batch --buffer < ${list}`

function smallFiles(name, dir) {
  const floor = syscallFloor()
  const { list, count } = fileList(dir, name)
  const blobs = blobLists(dir, name)
  console.log(`\n(${name}) ${dir}: ${count} files; load ${load()}`)
  const r = compare(
    {
      sha256sum: ['sh', ['-c', `xargs -0 sha256sum < ${list} > /dev/null`]],
      sha256sumP2: ['sh', ['-c', `xargs -0 -n500 -P2 sha256sum < ${list} > /dev/null`]],
      relseal: [process.execPath, [relseal, 'hash', dir]],
      relsealRev: [process.execPath, [relseal, 'hash', dir, '--rev', 'HEAD']],
      loop1: [process.execPath, [prototype, dir]],
      loop2: [process.execPath, [prototype, dir, '--threads', '2']],
      lean2: [process.execPath, [prototype, dir, '--threads', '2', '--lean']],
      nodeStart: [process.execPath, ['-e', '0']],
      ...(floor ? { floor: [floor, [list, '2']] } : {}),
      gitOnly: ['sh', ['-c', `${catFile(blobs.all)} > /dev/null`]],
      gitPipe1: ['sh', ['-c', `${catFile(blobs.all)} | cat > /dev/null`]],
      gitPipe2: [
        'sh',
        ['-c', blobs.halves.map((h) => `${catFile(h)} | cat > /dev/null &`).join(' ') + ' wait'],
      ],
    },
    dir,
  )
  row('xargs -0 sha256sum', r.sha256sum)
  row('xargs -0 -n500 -P2 sha256sum', r.sha256sumP2)
  row('relseal hash', r.relseal)
  row('relseal hash --rev HEAD', r.relsealRev)
  row('prototype loop, 1 thread (no checks)', r.loop1)
  row('prototype loop, 2 threads (no checks)', r.loop2)
  row('prototype, 2 threads, lean + fstat', r.lean2)
  row('node -e 0 (start-up alone, for scale)', r.nodeStart)
  if (r.floor) row('C: open/read/fstat/close, 2 thr, no hash', r.floor)
  row('--rev floor: git cat-file > /dev/null', r.gitOnly)
  row('--rev floor: git cat-file | cat', r.gitPipe1)
  row('--rev floor: 2 x (git cat-file | cat)', r.gitPipe2)
  for (const [label, x] of [
    ['relseal hash', r.relseal],
    ['relseal hash --rev HEAD', r.relsealRev],
  ]) {
    const vsSum = r.sha256sum.seconds / x.seconds
    const vsP2 = r.sha256sumP2.seconds / x.seconds
    target(`${label} vs xargs sha256sum (>= 1.5x)`, vsSum >= 1.5, `${vsSum.toFixed(2)}x`)
    target(`${label} vs xargs -P2 sha256sum (>= 1.0x)`, vsP2 >= 1, `${vsP2.toFixed(2)}x`)
    target(`${label} peak RSS (< 150 MB)`, x.rssMB < 150, `${x.rssMB.toFixed(0)} MB`)
  }
  const revVsTree = r.relseal.seconds / r.relsealRev.seconds
  target(
    '--rev not slower than the working tree (>= 1.0x)',
    revVsTree >= 0.97,
    `${revVsTree.toFixed(2)}x (3% noise allowed)`,
  )
  console.log(`  load after: ${load()}`)
}

async function largeFiles() {
  const dir = largeFileTree()
  const bytes = LARGE_FILES * LARGE_FILE_BYTES
  console.log(`\n(large) ${dir}: ${LARGE_FILES} files of ${LARGE_FILE_BYTES >> 20} MiB; load ${load()}`)
  const files = Array.from({ length: LARGE_FILES }, (_, i) => `f${i}.bin`).join(' ')
  const r = compare(
    {
      limit: [process.execPath, [join(root, 'bench/sha-limit.mjs'), String(bytes)]],
      sha256sum: ['sh', ['-c', `sha256sum ${files} > /dev/null`]],
      sha256sumP2: ['sh', ['-c', `printf '%s\\n' ${files} | xargs -n1 -P2 sha256sum > /dev/null`]],
      relseal: [process.execPath, [relseal, 'hash', dir, '--plain']],
    },
    dir,
  )
  // The limit is a process hashing the same number of bytes from memory on two threads, timed in
  // the same alternating rounds as the rest (bench/sha-limit.mjs), so load shifts hit both alike.
  const limit = bytes / r.limit.seconds
  row('sha256sum (one process)', r.sha256sum)
  row('xargs -n1 -P2 sha256sum', r.sha256sumP2)
  row('relseal hash --plain', r.relseal)
  row('two-core SHA-256 limit (memory, 2 threads)', r.limit)
  const rate = bytes / r.relseal.seconds
  console.log(
    `  two-core SHA-256 limit (same bytes from memory, 2 threads, process start included): ${(limit / 1e9).toFixed(2)} GB/s`,
  )
  target(
    'relseal hash: share of the two-core limit (>= 75%)',
    rate >= 0.75 * limit,
    `${(rate / 1e9).toFixed(2)} GB/s = ${((100 * rate) / limit).toFixed(0)}%`,
  )
  target('relseal hash peak RSS (< 150 MB)', r.relseal.rssMB < 150, `${r.relseal.rssMB.toFixed(0)} MB`)
  console.log(`  load after: ${load()}`)
}

console.log(
  `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}; ${ROUNDS} rounds, medians`,
)
if (process.env.NODE_EXTRA_CA_CERTS !== undefined)
  console.log(
    keepEnv
      ? 'NODE_EXTRA_CA_CERTS is set and kept (--keep-env): every node start loads that CA bundle'
      : 'NODE_EXTRA_CA_CERTS is set here: commands run without it (see the top of bench/hash.mjs; --keep-env keeps it)',
  )
if (!only || only === 'small') smallFiles('small', smallFileTree())
if (!only || only === 'tiny') smallFiles('tiny', tinyFileTree())
if (!only || only === 'large') await largeFiles()
const passed = verdicts.filter(Boolean).length
console.log(`\n${passed} of ${verdicts.length} targets met`)
process.exitCode = passed === verdicts.length ? 0 : 1

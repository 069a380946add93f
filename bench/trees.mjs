// Generated benchmark trees (no network): committed git repositories under bench/.work/, made once
// and reused. Contents come from a fixed-seed generator, so every run hashes the same bytes.
//   small: 30,000 files of 0.5–16 KiB (≈ 240 MB) in 300 directories
//   tiny:  38,000 files of 0.3–1 KiB in 380 directories
//   large: 6 files of 160 MiB (plain directory)
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
export const work = join(root, 'bench/.work')

/** xorshift32: a fixed sequence, so the trees are identical on every machine. */
function random(seed) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 0x100000000
  }
}

function git(dir, args) {
  execFileSync('git', ['-c', 'gc.auto=0', ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    maxBuffer: 1 << 28,
  })
}

function makeRepo(name, files, minBytes, maxBytes, seed) {
  const dir = join(work, name)
  if (existsSync(join(dir, '.done'))) return dir
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const rnd = random(seed)
  // One pool of random bytes; each file is a slice at a random offset, with its index stamped in
  // so that no two files are equal (git would store equal blobs once).
  const pool = Buffer.alloc(1 << 20)
  for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(rnd() * 256)
  const perDir = 100
  for (let i = 0; i < files; i++) {
    const d = join(dir, `d${String(Math.floor(i / perDir)).padStart(4, '0')}`)
    if (i % perDir === 0) mkdirSync(d, { recursive: true })
    const size = minBytes + Math.floor(rnd() * (maxBytes - minBytes + 1))
    const at = Math.floor(rnd() * (pool.length - size))
    const body = Buffer.from(pool.subarray(at, at + size))
    body.write(`${name} ${i}\n`, 0, 'latin1')
    writeFileSync(join(d, `f${i}.txt`), body, { mode: i % 97 === 0 ? 0o755 : 0o644 })
  }
  git(dir, ['init', '-q'])
  git(dir, ['add', '-A'])
  git(dir, [
    '-c',
    'user.name=bench',
    '-c',
    'user.email=bench@example.invalid',
    'commit',
    '-q',
    '--no-gpg-sign',
    '-m',
    'bench tree',
  ])
  // Packed, as in a clone.
  git(dir, ['repack', '-a', '-d', '-q'])
  writeFileSync(join(dir, '.git/info/exclude'), '.done\n')
  writeFileSync(join(dir, '.done'), '')
  return dir
}

export const smallFileTree = () => makeRepo('small-files', 30_000, 512, 16 * 1024, 20)
export const tinyFileTree = () => makeRepo('tiny-files', 38_000, 300, 1024, 38)

export const LARGE_FILES = 6
export const LARGE_FILE_BYTES = 160 * 1024 * 1024

export function largeFileTree() {
  const dir = join(work, 'large-files-6x160')
  if (existsSync(join(dir, `f${LARGE_FILES - 1}.bin`))) return dir
  mkdirSync(dir, { recursive: true })
  const block = Buffer.alloc(16 << 20)
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24
  for (let f = 0; f < LARGE_FILES; f++) {
    const parts = []
    for (let k = 0; k < LARGE_FILE_BYTES / block.length; k++) parts.push(block)
    writeFileSync(join(dir, `f${f}.bin`), Buffer.concat(parts))
  }
  return dir
}

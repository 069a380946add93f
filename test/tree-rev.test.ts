import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { hashCommitTree } from '../src/tree/from-git-rev.js'
import { hashTree } from '../src/tree/index.js'
import { RAW_EXECUTABLE, RAW_SYMLINK } from '../src/tree/raw-tree.js'
import { digestHex } from '../src/tree/read-file.js'
import { git, makeRepo, type TreeSpec } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

const bin = new URL('../bin/relseal.js', import.meta.url).pathname
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** 400 files of 0..4 KiB, a 3 MiB blob (more than one read of git's output), an executable, links. */
function mixedTree(): { spec: TreeSpec; big: Buffer } {
  const big = randomBytes(3 * 1024 * 1024 + 17)
  const spec: TreeSpec = {
    'big.bin': big,
    empty: '',
    'bin/run.sh': { exec: '#!/bin/sh\necho hi\n' },
    'link-to-big': { symlink: 'big.bin' },
    'sub/link-up': { symlink: '../empty' },
  }
  for (let i = 0; i < 400; i++) spec[`d${i % 7}/f${i}.txt`] = randomBytes((i * 37) % 4096)
  return { spec, big }
}

describe('hashCommitTree (relseal hash --rev)', () => {
  it('refuses a symlink whose target no checkout could hold, naming it, before holding it whole', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' })
    const target = join(repo, 'target')
    writeFileSync(target, 'x/'.repeat(3000)) // 6000 bytes: symlink(2) itself refuses this
    const oid = git(repo, 'hash-object', '-w', target).trim()
    rmSync(target)
    git(repo, 'update-index', '--add', '--cacheinfo', `120000,${oid},long-link`)
    git(repo, 'commit', '-q', '-m', 'a link git can store but not check out')
    const commit = git(repo, 'rev-parse', 'HEAD').trim()
    await expect(hashTree({ dir: repo, rev: commit })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(/^"long-link" is a symlink whose target is 6000 bytes/),
    })
    // At the cap the link is read as before (and judged by the symlink rule: this one stays inside).
    writeFileSync(target, 'a/'.repeat(2048))
    const atCap = git(repo, 'hash-object', '-w', target).trim()
    rmSync(target)
    git(repo, 'update-index', '--cacheinfo', `120000,${atCap},long-link`)
    git(repo, 'commit', '-q', '-m', 'a link of 4096 bytes')
    const hashed = await hashTree({ dir: repo, rev: git(repo, 'rev-parse', 'HEAD').trim() })
    expect(hashed.entries.find((e) => e.path === 'long-link')).toMatchObject({ kind: 'symlink', size: 4096 })
  })

  it('gives the same entries reading git output directly and through events, each the SHA-256 of the bytes', async () => {
    const { spec, big } = mixedTree()
    const repo = makeRepo(spec)
    const commit = git(repo, 'rev-parse', 'HEAD')
    const seen: { files: number; bytes: number }[] = []
    const ways: string[] = []
    const took = (way: string): number => ways.push(way)
    const direct = await hashCommitTree(repo, commit, '', undefined, (p) => seen.push(p), { took })
    const events = await hashCommitTree(repo, commit, '', undefined, undefined, { events: true, took })
    expect(ways).toEqual(['direct', 'events'])
    expect(events).toEqual(direct)
    const { raw, digests, fileOf } = direct
    expect(raw.paths).toHaveLength(405)
    let bytes = 0
    raw.paths.forEach((path, i) => {
      const link = raw.fixed.get(i)
      if (link !== undefined) {
        expect(raw.kinds[i], path).toBe(RAW_SYMLINK)
        bytes += (link as Buffer).length
        return
      }
      const f = fileOf![i]!
      expect(digestHex(digests, f), path).toBe(sha256(readFileSync(join(repo, path))))
      bytes += digests.sizes[f]!
    })
    const at = raw.paths.indexOf('big.bin')
    expect(digests.sizes[fileOf![at]!]).toBe(big.length)
    expect(digestHex(digests, fileOf![at]!)).toBe(sha256(big))
    expect(raw.fixed.get(raw.paths.indexOf('link-to-big'))).toEqual(Buffer.from('big.bin'))
    expect(raw.kinds[raw.paths.indexOf('bin/run.sh')]).toBe(RAW_EXECUTABLE)
    // Progress ends with every blob and every byte.
    expect(seen.at(-1)).toEqual({ files: 405, bytes })
  })

  it('hashes from a subdirectory with filters as the working tree does', async () => {
    const { spec } = mixedTree()
    const repo = makeRepo(spec)
    const sub = join(repo, 'd3')
    const options = { exclude: ['**/f1*.txt'] }
    const rev = await hashTree({ dir: sub, rev: 'HEAD', ...options })
    const work = await hashTree({ dir: sub, ...options })
    expect(rev.entries).toEqual(work.entries)
    expect(rev.files).toBeGreaterThan(20)
    expect(rev.entries.every((e) => !e.path.startsWith('d3/') && !/^f1/.test(e.path))).toBe(true)
  })

  it('refuses a missing object with E_GIT naming its path and id, either way of reading', async () => {
    const { spec } = mixedTree()
    const repo = makeRepo(spec)
    const commit = git(repo, 'rev-parse', 'HEAD')
    const oid = git(repo, 'rev-parse', 'HEAD:d5/f250.txt')
    rmSync(join(repo, '.git', 'objects', oid.slice(0, 2), oid.slice(2)))
    for (const events of [false, true]) {
      const failed = hashCommitTree(repo, commit, '', undefined, undefined, { events })
      await expect(failed).rejects.toMatchObject({ code: 'E_GIT' })
      await expect(failed).rejects.toThrow(`object ${oid} ("d5/f250.txt") is missing`)
    }
    await expect(hashTree({ dir: repo, rev: 'HEAD' })).rejects.toThrow('"d5/f250.txt"')
  })
})

/** The real git on PATH (the fake one below hands every command to it). */
function realGit(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, 'git'))) return join(dir, 'git')
  }
  throw new Error('git is not on PATH')
}

/** Parent pid of every process, from /proc. */
function parents(): Map<number, number> {
  const map = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1')
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      /* ended while we looked */
    }
  }
  return map
}

function descendantsOf(root: number): number[] {
  const all = parents()
  const found: number[] = []
  for (let queue = [root]; queue.length > 0;) {
    const p = queue.pop()!
    for (const [pid, ppid] of all) {
      if (ppid === p) {
        found.push(pid)
        queue.push(pid)
      }
    }
  }
  return found
}

/** True when `pid` runs (a zombie counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return false
  }
}

const commOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim()
  } catch {
    return ''
  }
}

describe.runIf(process.platform === 'linux')('relseal hash --rev and signals', () => {
  it('SIGINT while cat-file works ends the run with 130 and leaves no git process behind', async () => {
    const repo = makeRepo(mixedTree().spec)
    // A git whose cat-file takes its time (as on a huge pack): every other command is the real git.
    const fake = tempDir('relseal-fake-git-')
    mkdirSync(join(fake, 'bin'))
    writeFileSync(
      join(fake, 'bin', 'git'),
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = cat-file ] && sleep 60; done\nexec '${realGit()}' "$@"\n`,
    )
    chmodSync(join(fake, 'bin', 'git'), 0o755)
    const child = spawn(process.execPath, [bin, 'hash', repo, '--rev', 'HEAD'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PATH: `${join(fake, 'bin')}:${process.env.PATH ?? ''}` },
    })
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
    // Both cat-file processes are up (each a shell sleeping before it runs git).
    let below: number[]
    for (const start = Date.now(); ; await sleep(20)) {
      below = descendantsOf(child.pid!)
      if (below.filter((p) => commOf(p) === 'sleep').length === 2) break
      if (Date.now() - start > 30_000) throw new Error(`cat-file never started: ${stderr}`)
    }
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toContain('stopped by SIGINT')
    for (const start = Date.now(); below.some(running) && Date.now() - start < 5000;) await sleep(20)
    expect(below.filter(running)).toEqual([])
  })
})

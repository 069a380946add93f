import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { hashTree } from '../src/tree/index.js'
import { makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

function capture(cwd: string, stderrIsTTY = false) {
  const out = { stdout: '', stderr: '' }
  const io = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env: {},
    cwd,
    stderrIsTTY,
  }
  return { io, out }
}

describe('relseal hash', () => {
  it('prints the code hash alone, the file manifest with --files, a summary with --json', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n', 'b/c.txt': 'c\n' })
    const tree = await hashTree({ dir: repo })
    let c = capture(repo)
    expect(await main(['hash'], c.io)).toBe(0)
    expect(c.out.stdout).toBe(`${tree.codeHash}\n`)
    c = capture('/')
    expect(await main(['hash', repo, '--files'], c.io)).toBe(0)
    expect(c.out.stdout).toBe(tree.fileManifest)
    c = capture('/')
    expect(await main(['hash', repo, '--json', '--rev', 'HEAD'], c.io)).toBe(0)
    expect(JSON.parse(c.out.stdout)).toEqual({
      code_hash: tree.codeHash,
      file_manifest_hash: tree.fileManifestHash,
      files: 2,
      bytes: 4,
    })
    expect(c.out.stderr).toBe('')
  })

  it('exits 2 with the error code on bad input', async () => {
    const c = capture('/')
    expect(await main(['hash', tempDir(), '--rev', 'HEAD'], c.io)).toBe(2)
    expect(c.out.stderr).toContain('E_NOT_A_REPO')
    const u = capture('/')
    expect(await main(['hash', '--bogus'], u.io)).toBe(2)
    expect(u.out.stderr).toContain('E_USAGE')
  })

  it('runs as the installed binary', () => {
    const repo = makeRepo({ x: 'x' })
    const r = spawnSync(
      process.execPath,
      [new URL('../bin/relseal.js', import.meta.url).pathname, 'hash', repo, '--json'],
      {
        encoding: 'utf8',
      },
    )
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 1, bytes: 1 })
  })

  it('as the installed binary, hashes a tree named from elsewhere as hashTree does, and names a missing file', async () => {
    // The binary works from the tree's directory while hashing (relative paths); what it prints
    // must not depend on that.
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`d${i % 7}/f${i}`, `${i}\n`]))
    const repo = makeRepo({ ...files, 'x y/z': 'z\n' })
    const tree = await hashTree({ dir: repo })
    const elsewhere = tempDir()
    const bin = new URL('../bin/relseal.js', import.meta.url).pathname
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'hash', ...args], { cwd: elsewhere, encoding: 'utf8' })
    const files_ = run(repo, '--files')
    expect(files_.status).toBe(0)
    expect(files_.stdout).toBe(tree.fileManifest)
    const relative = spawnSync(process.execPath, [bin, 'hash', '..'], {
      cwd: join(repo, 'd0'),
      encoding: 'utf8',
    })
    expect(relative.stdout).toBe(`${tree.codeHash}\n`)
    rmSync(join(repo, 'd3/f3'))
    const missing = run(repo)
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('d3/f3 does not exist')
  })
})

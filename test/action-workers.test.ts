import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { HASH_WORKER_TAG, type WorkerRequest, type WorkerResponse } from '../src/tree/hash-worker.js'
import { tempDir } from './helpers/tmp.js'

// The library starts hashing threads from `hash-worker.js` beside the module; in an action that
// module is dist/index.js, so a bundle without dist/hash-worker.js hashes on one thread
// (scripts/build-actions.mjs bundles the worker beside every action that names it).
const actionsDir = join(import.meta.dirname, '..', 'actions')
const bundles = readdirSync(actionsDir)
  .map((name) => ({ name, dist: join(actionsDir, name, 'dist') }))
  .filter(({ dist }) => existsSync(join(dist, 'index.js')))
  // The bundle and its chunks (dist/<id>.index.js, from a dynamic import()).
  .filter(({ dist }) =>
    readdirSync(dist)
      .filter((f) => f.endsWith('.js') && f !== 'hash-worker.js')
      .some((f) => readFileSync(join(dist, f), 'utf8').includes(`'hash-worker', 'js'`)),
  )

describe('action bundles ship their hashing thread', () => {
  it('finds the actions that hash trees', () => {
    expect(bundles.map((b) => b.name).sort()).toEqual(['release-gate', 'sign-release', 'verify-manifest'])
  })

  it.each(bundles)('$name: dist/hash-worker.js hashes files as sha256sum does', async ({ dist }) => {
    const file = join(dist, 'hash-worker.js')
    expect(existsSync(file)).toBe(true)
    const dir = tempDir()
    const paths = ['a.txt', 'b.bin'].map((n) => join(dir, n))
    writeFileSync(paths[0]!, 'hello\n')
    writeFileSync(paths[1]!, Buffer.alloc(3 << 20, 7), { mode: 0o755 })
    const expected = execFileSync('sha256sum', paths, { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.slice(0, 64))
      .join('')
    const worker = new Worker(file, { workerData: HASH_WORKER_TAG })
    try {
      const answer = await new Promise<WorkerResponse>((resolve, reject) => {
        worker.once('message', resolve).once('error', reject)
        worker.postMessage({ batch: 0, abs: paths.join('\0'), where: 'a.txt\0b.bin' } satisfies WorkerRequest)
      })
      if ('error' in answer) throw new Error(answer.error.message)
      expect(answer.hex).toBe(expected)
      expect([...answer.sizes]).toEqual([6, 3 << 20])
      expect([...answer.executable]).toEqual([0, 1])
    } finally {
      await worker.terminate()
    }
  })
})

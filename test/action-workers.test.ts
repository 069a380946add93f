import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import {
  CONTROL_SLOTS,
  HASH_WORKER_TAG,
  type WorkerJob,
  type WorkerResponse,
} from '../src/tree/hash-worker.js'
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
      // (minified: the quotes and spacing of the bundle's own text are not kept)
      .some((f) => /['"]hash-worker['"], ?['"]js['"]/.test(readFileSync(join(dist, f), 'utf8'))),
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
    const shared = (bytes: number) => new SharedArrayBuffer(bytes)
    const job: WorkerJob = {
      base: `${dir}/`,
      paths: 'a.txt\0b.bin\0',
      batchFiles: 2,
      control: shared(CONTROL_SLOTS * 4),
      bytes: shared(8),
      batchDone: shared(4),
      slot: 0,
      hex: shared(2 * 64),
      sizes: shared(2 * 8),
      executable: shared(2),
    }
    const worker = new Worker(file, { workerData: HASH_WORKER_TAG })
    try {
      const answer = await new Promise<WorkerResponse>((resolve, reject) => {
        worker.once('message', resolve).once('error', reject)
        worker.postMessage(job)
      })
      if ('error' in answer) throw new Error(answer.error.message)
      expect(Buffer.from(job.hex).toString('latin1')).toBe(expected)
      expect([...new Float64Array(job.sizes)]).toEqual([6, 3 << 20])
      expect([...new Uint8Array(job.executable)]).toEqual([0, 1])
    } finally {
      await worker.terminate()
    }
  })
})

import { resolve } from 'node:path'
import { hashTree, type TreeHash } from '../../../src/tree/index.js'

/** A hash of `commit` in `dir` started before the rest of the action was loaded. */
export interface EarlyHash {
  dir: string
  commit: string
  result: Promise<TreeHash>
}

const FULL_COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/** An input as @actions/core reads it (INPUT_<NAME>, trimmed), without loading @actions/core. */
const input = (env: NodeJS.ProcessEnv, name: string): string =>
  (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()

/**
 * Starts hashing the commit the action will sign, from the object store, before the rest of the
 * action (the GitHub client and its HTTP stack, about a quarter of a second to load) is loaded:
 * git and the hashing threads work while this thread loads it. Only a full commit id is hashed
 * early; anything else (and a withdrawal, which hashes nothing) waits for the inputs to be read
 * and checked as usual. `sign` uses the result only when the checked inputs name the same
 * directory and commit; hashing only reads, so a run whose inputs are refused has lost nothing.
 */
export function startEarlyHash(env: NodeJS.ProcessEnv = process.env): EarlyHash | undefined {
  if (input(env, 'withdrawal') !== '') return undefined
  const commit = input(env, 'commit') || env.GITHUB_SHA || ''
  if (!FULL_COMMIT_ID.test(commit)) return undefined
  const dir = resolve(env.GITHUB_WORKSPACE || process.cwd(), input(env, 'path') || '.')
  const result = hashTree({ dir, rev: commit })
  result.catch(() => {
    /* awaited by sign when it is used; an unused early hash's failure means nothing */
  })
  return { dir, commit, result }
}

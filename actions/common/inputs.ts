import * as core from '@actions/core'
import { readFileSync, realpathSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { isRelsealError, REFUSAL_CODES, RelsealError } from '../../src/errors.js'
import { escapeControls } from '../../src/text/escape.js'

/** The allowed_signers path when the tag must be SSH-signed by a maintainer, else undefined. */
export function requiredSignersPath(): string | undefined {
  const path = core.getInput('allowed-signers')
  if (!core.getBooleanInput('require-signed-tag')) return undefined
  if (!path)
    throw new RelsealError(
      'E_USAGE',
      'require-signed-tag is true but allowed-signers is empty; set it to the allowed_signers file in the repository',
    )
  return path
}

/** The github-token input, masked before anything can print it. */
export function readToken(): string {
  const token = core.getInput('github-token')
  if (token) core.setSecret(token)
  return token
}

/**
 * An action's top level: read inputs, do the work, set outputs. Every failure, Error or not, fails
 * the step with one error annotation carrying its code (as core.setFailed does); causes go to debug.
 */
export async function runAction<T>(
  readInputs: () => T,
  work: (inputs: T) => Promise<Record<string, string>>,
): Promise<void> {
  try {
    const outputs = await work(readInputs())
    for (const [k, v] of Object.entries(outputs)) core.setOutput(k, v)
  } catch (e) {
    // Escaped: the message may quote text from an unverified manifest or a server.
    const message = escapeControls(e instanceof Error ? e.message : String(e))
    if (e instanceof Error && e.cause instanceof Error) core.debug(`cause: ${e.cause.message}`)
    // One error annotation, titled with the code: a refusal reads differently from a broken setup.
    const title = isRelsealError(e)
      ? `relseal ${REFUSAL_CODES.has(e.code) ? 'refused' : 'failed'}: ${e.code}`
      : 'relseal failed'
    core.error(isRelsealError(e) ? `${e.code}: ${message}` : message, { title })
    // core.ExitCode.Failure, written out: GitHub's local runner (@github/local-action) stubs
    // @actions/core without ExitCode.
    process.exitCode = 1
  }
}

/**
 * Reads a file named by an input as a path inside the repository checkout `dir`; a path that leaves
 * the checkout (`../`, an absolute path elsewhere, a symlink out) or does not exist is an error.
 */
export function readRepoFile(dir: string, rel: string, input: string): string {
  const root = realpathSync(dir)
  let file: string
  try {
    file = realpathSync(resolve(root, rel))
  } catch {
    throw new RelsealError('E_NOT_FOUND', `input ${input}: ${rel} does not exist in the repository checkout`)
  }
  const inside = relative(root, file)
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
    throw new RelsealError(
      'E_BAD_INPUT',
      `input ${input}: ${rel} is outside the repository checkout; give a path inside the repository`,
    )
  return readFileSync(file, 'utf8')
}

import * as core from '@actions/core'
import { isRelsealError, RelsealError } from '../../src/errors.js'

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
 * An action's top level: read inputs, do the work, set outputs. Every failure, Error or not, goes
 * to core.setFailed with its code, so the step fails with one clear annotation; causes go to debug.
 */
export async function runAction<T>(
  readInputs: () => T,
  work: (inputs: T) => Promise<Record<string, string>>,
): Promise<void> {
  try {
    const outputs = await work(readInputs())
    for (const [k, v] of Object.entries(outputs)) core.setOutput(k, v)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    if (e instanceof Error && e.cause instanceof Error) core.debug(`cause: ${e.cause.message}`)
    core.setFailed(isRelsealError(e) ? `${e.code}: ${message}` : message)
  }
}

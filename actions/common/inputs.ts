import * as core from '@actions/core'
import { isRelsealError, REFUSAL_CODES, RelsealError } from '../../src/errors.js'

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
    const message = e instanceof Error ? e.message : String(e)
    if (e instanceof Error && e.cause instanceof Error) core.debug(`cause: ${e.cause.message}`)
    // One error annotation, titled with the code: a refusal reads differently from a broken setup.
    const title = isRelsealError(e)
      ? `relseal ${REFUSAL_CODES.has(e.code) ? 'refused' : 'failed'}: ${e.code}`
      : 'relseal failed'
    core.error(isRelsealError(e) ? `${e.code}: ${message}` : message, { title })
    process.exitCode = core.ExitCode.Failure
  }
}

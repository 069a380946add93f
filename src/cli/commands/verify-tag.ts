import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import { verifySignedTag } from '../../tag/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal verify-tag --repo DIR TAG --allowed-signers FILE [--json]'

/** `relseal verify-tag`: exit 0 good, 1 refused, 2 usage. */
export const run: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      repo: { type: 'string' },
      'allowed-signers': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  )
  if (values.help || positionals.length !== 1 || !values['allowed-signers']) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return values.help ? 0 : 2
  }
  let allowedSigners: string
  try {
    allowedSigners = readFileSync(resolve(io.cwd, values['allowed-signers']), 'utf8')
  } catch (e) {
    throw new RelsealError('E_NOT_FOUND', `cannot read the allowed signers file: ${(e as Error).message}`, {
      cause: e,
    })
  }
  const v = await verifySignedTag({
    repoDir: resolve(io.cwd, values.repo ?? '.'),
    tag: positionals[0]!,
    allowedSigners,
  })
  if (values.json) io.stdout.write(`${JSON.stringify({ verified: true, ...v }, null, 2)}\n`)
  else
    io.stdout.write(
      `good signature on tag ${v.tag}\ncommit:      ${v.commit}\nprincipal:   ${v.principal}\nfingerprint: ${v.fingerprint}\n`,
    )
  return 0
}

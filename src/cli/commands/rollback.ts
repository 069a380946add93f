import { resolve } from 'node:path'
import { rollback } from '../../update/index.js'
import { parseCommandArgs, parseIntegerFlag } from '../args.js'
import type { Command } from '../io.js'
import { loadPublicKey } from '../key-input.js'

const USAGE = 'relseal rollback --app-root DIR --pubkey KEY... [--threshold N] [--repository OWNER/NAME]'

/**
 * `relseal rollback`: back to the newest installed release older than current, after re-verifying
 * it against its stored signed manifest with the same keys as `update`. Exit 1 when that fails,
 * 2 when there is nothing older.
 */
export const run: Command = async (args, io) => {
  const { values } = parseCommandArgs(
    args,
    {
      'app-root': { type: 'string' },
      pubkey: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      repository: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    false,
  )
  if (values.help || !values['app-root'] || !values.pubkey) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const { from, to } = await rollback({
    appRoot: resolve(io.cwd, values['app-root']),
    policy: {
      keys: values.pubkey.map((k) => loadPublicKey(k, io)),
      threshold: parseIntegerFlag(values.threshold, '--threshold', 1, 1),
      ...(values.repository ? { repository: values.repository } : {}),
    },
  })
  io.stdout.write(
    `rolled back ${from.version} -> ${to.version} (signature and tree re-verified: ${to.code_hash})\n`,
  )
  return 0
}

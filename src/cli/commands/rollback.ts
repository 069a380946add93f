import { resolve } from 'node:path'
import { rollback } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal rollback --app-root DIR'

/** `relseal rollback`: back to the rollback release, after re-verifying its tree. */
export const run: Command = async (args, io) => {
  const { values } = parseCommandArgs(
    args,
    { 'app-root': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
    false,
  )
  if (values.help || !values['app-root']) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const { from, to } = await rollback({ appRoot: resolve(io.cwd, values['app-root']) })
  io.stdout.write(`rolled back ${from.version} -> ${to.version} (tree re-verified: ${to.code_hash})\n`)
  return 0
}

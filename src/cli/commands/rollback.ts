import { resolve } from 'node:path'
import { rollback } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal rollback --app-root DIR [--json]'

/** `relseal rollback`: back to the rollback release, after re-verifying its tree. */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      'app-root': {
        type: 'string',
        value: 'DIR',
        required: true,
        description: 'the app root made by relseal init',
      },
      json: { type: 'boolean', description: 'print the result as JSON' },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  const { from, to } = await rollback({ appRoot: resolve(io.cwd, values['app-root']) })
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ rolled_back: true, from, to }, null, 2)}\n`)
    return 0
  }
  io.stdout.write(`rolled back ${from.version} -> ${to.version} (tree re-verified: ${to.code_hash})\n`)
  return 0
}

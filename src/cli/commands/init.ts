import { resolve } from 'node:path'
import { initAppRoot } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal init --app-root DIR --remote URL'

/** `relseal init`: prepares an app root; fetches nothing. */
export const run: Command = async (args, io) => {
  const { values } = parseCommandArgs(
    args,
    { 'app-root': { type: 'string' }, remote: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
    false,
  )
  if (values.help || !values['app-root'] || !values.remote) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const root = resolve(io.cwd, values['app-root'])
  await initAppRoot({ appRoot: root, remote: values.remote })
  io.stdout.write(
    `initialised ${root} (remote ${values.remote}); nothing fetched: objects arrive only through verified updates\n`,
  )
  return 0
}

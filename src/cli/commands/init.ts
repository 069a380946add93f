import { resolve } from 'node:path'
import { initAppRoot } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal init --app-root DIR --remote URL [--repository OWNER/NAME] [--offline]'

/** `relseal init`: prepares an app root; checks the remote answers; fetches nothing. */
export const run: Command = async (args, io) => {
  const { values } = parseCommandArgs(
    args,
    {
      'app-root': { type: 'string' },
      remote: { type: 'string' },
      repository: { type: 'string' },
      offline: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    false,
  )
  if (values.help || !values['app-root'] || !values.remote) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const root = resolve(io.cwd, values['app-root'])
  const config = await initAppRoot({
    appRoot: root,
    remote: values.remote,
    cwd: io.cwd,
    ...(values.repository === undefined ? {} : { repository: values.repository }),
    offline: Boolean(values.offline),
  })
  io.stdout.write(
    `initialised ${root} for ${config.repository} (remote ${config.remote}); nothing fetched: objects arrive only through verified updates\n`,
  )
  return 0
}

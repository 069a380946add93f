import { resolve } from 'node:path'
import { initAppRoot } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal init --app-root DIR --remote URL'

/** `relseal init`: prepares an app root; fetches nothing. */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      'app-root': {
        type: 'string',
        value: 'DIR',
        required: true,
        description: 'the folder that will hold the releases, `current` and the evidence log',
      },
      remote: {
        type: 'string',
        value: 'URL',
        required: true,
        description: 'the git URL updates fetch pinned commits from',
      },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  const root = resolve(io.cwd, values['app-root'])
  await initAppRoot({ appRoot: root, remote: values.remote })
  io.stdout.write(
    `initialised ${root} (remote ${values.remote}); nothing fetched: objects arrive only through verified updates\n`,
  )
  return 0
}

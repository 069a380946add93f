import { resolve } from 'node:path'
import { initAppRoot } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal init --app-root DIR --remote URL [--json]'

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
      json: { type: 'boolean', description: 'print the result as JSON' },
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
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ initialised: true, app_root: root, remote: values.remote }, null, 2)}\n`,
    )
    return 0
  }
  io.stdout.write(
    `initialised ${root} (remote ${values.remote}); nothing fetched: objects arrive only through verified updates\n`,
  )
  return 0
}

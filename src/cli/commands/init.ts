import { resolve } from 'node:path'
import { readTrustRootFile } from '../../trust/trust-root.js'
import { initAppRoot } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE =
  'relseal init --app-root DIR --remote URL [--repository OWNER/NAME] [--trust-root FILE] [--shared LIST] [--offline] [--json]'

/** `relseal init`: prepares an app root; checks the remote answers; fetches nothing. */
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
        description:
          'the git URL updates fetch pinned commits from: https://, ssh://, user@host:path or a local path',
      },
      repository: {
        type: 'string',
        value: 'OWNER/NAME',
        description: 'the GitHub repository releases are signed for; every update refuses any other',
        defaultText: 'derived from a GitHub remote URL, else required',
      },
      'trust-root': {
        type: 'string',
        value: 'FILE',
        description:
          'pin this signed trust root (trust-root.1.json); updates then verify with its keys instead of --pubkey',
        defaultText: 'none: updates take --pubkey',
      },
      shared: {
        type: 'string',
        value: 'LIST',
        description:
          'comma-separated entries of <app-root>/shared/ linked into every release before install (db,.env,logs/; a trailing / makes a folder, file:NAME a file)',
        defaultText: 'none',
      },
      offline: {
        type: 'boolean',
        description: 'skip the check that the remote answers (git ls-remote)',
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
  const config = await initAppRoot({
    appRoot: root,
    remote: values.remote,
    cwd: io.cwd,
    ...(values.repository === undefined ? {} : { repository: values.repository }),
    offline: Boolean(values.offline),
    ...(values.shared === undefined ? {} : { shared: values.shared.split(',').map((n) => n.trim()) }),
    ...(values['trust-root'] === undefined
      ? {}
      : { trustRoot: await readTrustRootFile(resolve(io.cwd, values['trust-root'])) }),
  })
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ initialised: true, app_root: root, repository: config.repository, remote: config.remote, shared: config.shared ?? [] }, null, 2)}\n`,
    )
    return 0
  }
  io.stdout.write(
    `initialised ${root} for ${config.repository} (remote ${config.remote}); nothing fetched: objects arrive only through verified updates\n` +
      (config.shared ? `shared entries under ${root}/shared: ${config.shared.join(', ')}\n` : ''),
  )
  return 0
}

import { resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import { rollback, rollbackArtifact } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'
import { policyFromFlags } from '../key-input.js'

const USAGE =
  'relseal rollback --app-root DIR [--pubkey KEY]... [--threshold N] [--repository OWNER/NAME] [--json]\n' +
  '       relseal rollback --artifact PATH [--json]'

/**
 * `relseal rollback`: back to the newest installed release older than current, after re-verifying
 * it against its stored signed manifest with the same keys as `update`. Exit 1 when that fails,
 * 2 when there is nothing older.
 */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      'app-root': {
        type: 'string',
        value: 'DIR',
        description: 'the app root made by relseal init',
        defaultText: 'required unless --artifact',
      },
      artifact: {
        type: 'string',
        value: 'PATH',
        description:
          'instead of an app root: put back the newest backup PATH.bak-<version> older than the installed version, after re-checking its recorded SHA-256',
      },
      pubkey: {
        type: 'string',
        multiple: true,
        value: 'KEY',
        description:
          "a trusted public key (as for update): the older release's stored manifest is verified again with it",
        defaultText: 'required unless the app root has a trust root: init --trust-root',
      },
      threshold: {
        type: 'string',
        value: 'N',
        description: 'how many distinct trusted keys must have signed',
        defaultText: '1',
      },
      repository: {
        type: 'string',
        value: 'OWNER/NAME',
        description: "must repeat the app root's repository (recorded once on app roots made before it was)",
        defaultText: 'the recorded repository',
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
  if (values.artifact !== undefined) return rollbackFile(values, io)
  if (values['app-root'] === undefined)
    throw new RelsealError(
      'E_USAGE',
      `missing required option --app-root DIR (or --artifact PATH)\nusage: ${USAGE}`,
    )
  const { from, to } = await rollback({
    appRoot: resolve(io.cwd, values['app-root']),
    policy: policyFromFlags(values, io),
  })
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ rolled_back: true, from, to }, null, 2)}\n`)
    return 0
  }
  io.stdout.write(
    `rolled back ${from.version} -> ${to.version} (signature and tree re-verified: ${to.code_hash})\n`,
  )
  return 0
}

/** `rollback --artifact PATH`: a file installed by install-artifact, not an app root. */
async function rollbackFile(
  values: {
    artifact?: string
    'app-root'?: string
    pubkey?: string[]
    threshold?: string
    repository?: string
    json?: boolean
  },
  io: Parameters<Command>[1],
): Promise<number> {
  if (values['app-root'] !== undefined || values.pubkey || values.threshold || values.repository)
    throw new RelsealError(
      'E_USAGE',
      '--artifact PATH takes no --app-root, --pubkey, --threshold or --repository: the backup is checked against the digest recorded ' +
        `when its signed manifest verified\nusage: ${USAGE}`,
    )
  const { from, to } = await rollbackArtifact({ target: resolve(io.cwd, values.artifact!) })
  if (values.json) io.stdout.write(`${JSON.stringify({ rolled_back: true, from, to }, null, 2)}\n`)
  else
    io.stdout.write(
      `rolled back ${from.version} -> ${to.version} (backup re-verified: sha256 ${to.sha256})\n`,
    )
  return 0
}

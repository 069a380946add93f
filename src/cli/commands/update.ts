import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseTagPrefix } from '../../manifest/index.js'
import { updateToRelease } from '../../update/index.js'
import { parseCommandArgs, parseIntegerFlag } from '../args.js'
import type { Command } from '../io.js'
import { loadPublicKey } from '../key-input.js'

const USAGE =
  'relseal update --app-root DIR --manifest SRC --pubkey KEY... [--threshold N] [--repository OWNER/NAME] ' +
  '[--install-cmd CMD] [--health-cmd CMD] [--health-timeout S] [--keep N] [--allow-downgrade] [--allowed-signers FILE] [--api-url URL] [--tag-prefix P]'

/** `relseal update`: exit 0 updated or up to date, 1 refused, 2 usage, 3 failed after verification. */
export const run: Command = async (args, io) => {
  const { values } = parseCommandArgs(
    args,
    {
      'app-root': { type: 'string' },
      manifest: { type: 'string' },
      pubkey: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      repository: { type: 'string' },
      'tag-prefix': { type: 'string' },
      'install-cmd': { type: 'string' },
      'health-cmd': { type: 'string' },
      'health-timeout': { type: 'string' },
      keep: { type: 'string' },
      'allow-downgrade': { type: 'boolean' },
      'api-url': { type: 'string' },
      'allowed-signers': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    false,
  )
  if (values.help || !values['app-root'] || !values.manifest || !values.pubkey) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const manifest = /^(https?|github):/.test(values.manifest)
    ? values.manifest
    : resolve(io.cwd, values.manifest)
  // RELSEAL_TEST_KILL_AT=<point> makes the process SIGKILL itself there: the crash-safety test's hook.
  const killAt = io.env.RELSEAL_TEST_KILL_AT
  const apiUrl = values['api-url'] ?? io.env.GITHUB_API_URL
  const token = io.env.GITHUB_TOKEN
  const result = await updateToRelease({
    appRoot: resolve(io.cwd, values['app-root']),
    manifest,
    policy: {
      keys: values.pubkey.map((k) => loadPublicKey(k, io)),
      threshold: parseIntegerFlag(values.threshold, '--threshold', 1, 1),
      ...(values.repository ? { repository: values.repository } : {}),
      ...(values['tag-prefix'] ? { tagPrefix: parseTagPrefix(values['tag-prefix'], '--tag-prefix') } : {}),
    },
    ...(values['install-cmd'] ? { installCommand: values['install-cmd'] } : {}),
    ...(values['health-cmd'] ? { healthCommand: values['health-cmd'] } : {}),
    healthTimeoutMs: parseIntegerFlag(values['health-timeout'], '--health-timeout', 1, 60) * 1000,
    keep: parseIntegerFlag(values.keep, '--keep', 1, 3),
    allowDowngrade: Boolean(values['allow-downgrade']),
    ...(values['allowed-signers']
      ? { allowedSigners: readFileSync(resolve(io.cwd, values['allowed-signers']), 'utf8') }
      : {}),
    source: { ...(apiUrl ? { apiUrl } : {}), ...(token ? { token } : {}) },
    onProgress: (step, percent, message) =>
      io.stderr.write(`[${String(percent).padStart(3)}%] ${step}: ${message}\n`),
    ...(killAt ? { killPoint: (p: string) => p === killAt && process.kill(process.pid, 'SIGKILL') } : {}),
  })
  const r = result.to
  const back = result.evidence.rollback_command
  io.stdout.write(
    result.outcome === 'up-to-date'
      ? `up to date: ${r.version} (commit ${r.commit}, ${r.code_hash}) is already running\n`
      : `updated${result.from ? ` ${result.from.version} ->` : ''} ${r.version} (commit ${r.commit})\n` +
          (back ? `roll back with: ${back}\n` : ''),
  )
  return 0
}

import { resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import { installArtifact } from '../../update/index.js'
import { escapeUntrusted } from '../../text/escape.js'
import { parseCommandArgs, parseIntegerFlag } from '../args.js'
import { PROGRESS_OPTIONS } from '../common-options.js'
import type { Command } from '../io.js'
import { policyFromFlags } from '../key-input.js'
import { EXIT } from '../main.js'
import { superviseFromFlags } from '../supervise-flags.js'

const USAGE =
  'relseal install-artifact --manifest SRC --pubkey KEY... --artifact NAME --to PATH [--repository OWNER/NAME] ' +
  '[--threshold N] [--mode OCTAL] [--keep N] [--allow-downgrade] [--download-timeout S] [--api-url URL] ' +
  '[--restart-cmd CMD] [--restart-timeout DURATION] [--watch-cmd CMD] [--watch-for DURATION] [--watch-interval DURATION] [--progress | --quiet] [--json]'

function parseMode(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^0?[0-7]{3,4}$/.test(value))
    throw new RelsealError(
      'E_USAGE',
      `--mode must be an octal file mode such as 755 or 0755, got ${JSON.stringify(value)}`,
    )
  return parseInt(value, 8)
}

/** `relseal install-artifact`: exit 0 installed or up to date, 1 refused, 2 usage, 3 failed, 4 rolled back. */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      manifest: {
        type: 'string',
        value: 'SRC',
        required: true,
        description:
          'the manifest: a file (the artifact is the file of that name beside it), an https URL (the URL beside it) or github:OWNER/REPO@TAG|latest (a release asset)',
      },
      pubkey: {
        type: 'string',
        multiple: true,
        value: 'KEY',
        required: true,
        description: 'a trusted public key: file, env:NAME, or inline base64 / ssh-ed25519 line',
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
        description:
          'the repository the releases are signed for; required at the first install, then recorded',
        defaultText: 'the one recorded in PATH.relseal.json',
      },
      artifact: {
        type: 'string',
        value: 'NAME',
        required: true,
        description: 'the artifact name the signed manifest lists',
      },
      to: {
        type: 'string',
        value: 'PATH',
        required: true,
        description:
          'where it is installed; PATH.new, PATH.bak-<version> and PATH.relseal.json sit beside it',
      },
      mode: {
        type: 'string',
        value: 'OCTAL',
        description: 'file mode of the installed file',
        defaultText: "the replaced file's, else 755",
      },
      keep: { type: 'string', value: 'N', description: 'backups kept beside PATH', defaultText: '2' },
      'allow-downgrade': {
        type: 'boolean',
        description:
          'accept a lower version than the installed one (never the same version with other bytes)',
      },
      'download-timeout': {
        type: 'string',
        value: 'S',
        description: 'seconds the manifest download, and then the artifact download, may take',
        defaultText: '30 for the manifest, 300 for the artifact',
      },
      'api-url': {
        type: 'string',
        value: 'URL',
        description: 'the GitHub API for github: sources',
        defaultText: '$GITHUB_API_URL, else https://api.github.com',
      },
      'restart-cmd': {
        type: 'string',
        value: 'CMD',
        description: "run (sh -c) in PATH's folder after the swap, and again after a swap back",
      },
      'restart-timeout': {
        type: 'string',
        value: 'DURATION',
        description: 'how long the restart command may take (30s, 2m, 500ms)',
        defaultText: '60s',
      },
      'watch-cmd': {
        type: 'string',
        value: 'CMD',
        description: 'run (sh -c) repeatedly after the restart; a failure puts the old file back (exit 4)',
      },
      'watch-for': {
        type: 'string',
        value: 'DURATION',
        description: 'how long to keep running the watch command (one run per interval)',
        defaultText: '60s',
      },
      'watch-interval': {
        type: 'string',
        value: 'DURATION',
        description: 'time between watch runs; the first run comes one interval after the restart',
        defaultText: '5s',
      },
      ...PROGRESS_OPTIONS,
      json: { type: 'boolean', description: 'print the result as JSON' },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  const manifest = /^(https?|github):/.test(values.manifest)
    ? values.manifest
    : resolve(io.cwd, values.manifest)
  const apiUrl = values['api-url'] ?? io.env.GITHUB_API_URL
  const token = io.env.GITHUB_TOKEN
  const timeout = values['download-timeout']
  const superviseWith = superviseFromFlags(values)
  // RELSEAL_TEST_KILL_AT=<point> makes the process SIGKILL itself there: the crash-safety test's hook.
  const killAt = io.env.RELSEAL_TEST_KILL_AT
  const mode = parseMode(values.mode)
  const r = await installArtifact({
    manifest,
    policy: policyFromFlags(values, io),
    artifact: values.artifact,
    target: resolve(io.cwd, values.to),
    ...(mode !== undefined ? { mode } : {}),
    keep: parseIntegerFlag(values.keep, '--keep', 1, 2),
    allowDowngrade: Boolean(values['allow-downgrade']),
    source: {
      ...(apiUrl ? { apiUrl } : {}),
      ...(token ? { token } : {}),
      ...(timeout !== undefined
        ? { deadlineMs: parseIntegerFlag(timeout, '--download-timeout', 1, 300) * 1000 }
        : {}),
    },
    ...(superviseWith ? { supervise: superviseWith } : {}),
    ...(!values.quiet && (values.progress || io.stderrIsTTY)
      ? {
          onProgress: (step: string, percent: number, message: string) =>
            io.stderr.write(`[${String(percent).padStart(3)}%] ${step}: ${message}\n`),
        }
      : {}),
    ...(killAt ? { killPoint: (p: string) => p === killAt && process.kill(process.pid, 'SIGKILL') } : {}),
  })
  if (values.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
  else {
    const name = escapeUntrusted(values.artifact)
    io.stdout.write(
      r.outcome === 'up-to-date'
        ? `up to date: ${name} ${r.to.version} (sha256 ${r.to.sha256}) is installed\n`
        : r.outcome === 'rolled-back'
          ? `rolled back: ${name} ${r.to.version} failed after the restart (${escapeUntrusted(r.failure ?? '')}); ${r.from?.version} is back in place\n`
          : `installed ${name}${r.from ? ` ${r.from.version} ->` : ''} ${r.to.version} (sha256 ${r.to.sha256})\n` +
            (r.backup ? `kept the replaced file as ${r.backup}\n` : ''),
    )
  }
  return r.outcome === 'rolled-back' ? EXIT.rolledBack : 0
}

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import semver from 'semver'
import { RelsealError } from '../../errors.js'
import { isHostId, parseTagPrefix } from '../../manifest/index.js'
import { escapeControls, escapeUntrusted, jsonForTerminal } from '../../text/escape.js'
import { updateToRelease, type UpdateOptions, type UpdateResult } from '../../update/index.js'
import { updateWithNotifications } from '../../update/notify.js'
import { parseCommandArgs, parseIntegerFlag } from '../args.js'
import { PROGRESS_OPTIONS, TAG_PREFIX_OPTION } from '../common-options.js'
import type { Command } from '../io.js'
import { policyFromFlags } from '../key-input.js'
import { EXIT } from '../main.js'
import { superviseFromFlags } from '../supervise-flags.js'
import { notifyFromFlags, runEvery } from '../update-loop.js'

const USAGE =
  'relseal update --app-root DIR --manifest SRC [--pubkey KEY]... [--threshold N] [--repository OWNER/NAME] ' +
  '[--from-artifact NAME] [--install-cmd CMD] [--health-cmd CMD] [--health-timeout S] ' +
  '[--restart-cmd CMD] [--restart-timeout DURATION] [--watch-cmd CMD] [--watch-for DURATION] [--watch-interval DURATION] [--retry-failed VERSION] ' +
  '[--keep N] [--allow-downgrade] [--allowed-signers FILE] [--host-id ID] [--ignore-rollout] [--api-url URL] [--tag-prefix P] ' +
  '[--every DURATION [--jitter DURATION]] [--notify-cmd CMD] [--notify-url URL] [--notify-timeout DURATION] [--progress | --quiet] [--json]'

/**
 * `relseal update`: exit 0 updated, up to date or deferred, 1 refused, 2 usage, 3 failed after
 * verification, 4 rolled back (the new release failed its restart or watch, or the running
 * release was withdrawn).
 */
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
      manifest: {
        type: 'string',
        value: 'SRC',
        required: true,
        description: 'the manifest: a file, an https URL or github:OWNER/REPO@TAG|latest',
      },
      'from-artifact': {
        type: 'string',
        value: 'NAME',
        description:
          'install the release from this signed .tar.gz artifact of the manifest, extracted into releases/<version> (no git worktree); its SHA-256 is matched before extraction',
        defaultText: 'a git worktree of the signed commit',
      },
      pubkey: {
        type: 'string',
        multiple: true,
        value: 'KEY',
        description:
          'a trusted public key: file, env:NAME, or inline base64 / ssh-ed25519 line; not with a trust root',
        defaultText: 'required unless the app root has a trust root: init --trust-root',
      },
      threshold: {
        type: 'string',
        value: 'N',
        description: 'how many distinct trusted keys must have signed (not with a trust root)',
        defaultText: "1, or the trust root's",
      },
      repository: {
        type: 'string',
        value: 'OWNER/NAME',
        description: "must repeat the app root's repository (recorded once on app roots made before it was)",
        defaultText: 'the recorded repository',
      },
      ...TAG_PREFIX_OPTION,
      'install-cmd': {
        type: 'string',
        value: 'CMD',
        description: 'run in the new release before the health check (sh -c)',
      },
      'health-cmd': {
        type: 'string',
        value: 'CMD',
        description: 'must exit 0 in the new release before the swap (sh -c)',
      },
      'health-timeout': {
        type: 'string',
        value: 'S',
        description: 'seconds the health command may take',
        defaultText: '60',
      },
      // After the swap (issue 16): restart, watch, automatic rollback.
      'restart-cmd': {
        type: 'string',
        value: 'CMD',
        description: 'run in the app root after the swap to restart the app (sh -c); a failure rolls back',
      },
      'restart-timeout': {
        type: 'string',
        value: 'DURATION',
        description: 'how long the restart command may take (30s, 2m)',
        defaultText: '60s',
      },
      'watch-cmd': {
        type: 'string',
        value: 'CMD',
        description:
          'run in current after the restart, every interval; the first failure rolls back (exit 4)',
      },
      'watch-for': {
        type: 'string',
        value: 'DURATION',
        description: 'how long the new release is watched',
        defaultText: '60s',
      },
      'watch-interval': {
        type: 'string',
        value: 'DURATION',
        description: 'time between watch runs (500ms, 5s)',
        defaultText: '5s',
      },
      'retry-failed': {
        type: 'string',
        value: 'VERSION',
        description: 'install VERSION although it failed and was rolled back here before',
      },
      keep: { type: 'string', value: 'N', description: 'releases kept on disk', defaultText: '3' },
      'allow-downgrade': {
        type: 'boolean',
        description: 'accept a lower version than the running one (never the same version with other code)',
      },
      'host-id': {
        type: 'string',
        value: 'ID',
        description:
          "this host's stable id for a phased rollout (hashed with the version into its bucket, never sent anywhere)",
        defaultText: 'the content of /etc/machine-id',
      },
      'ignore-rollout': {
        type: 'boolean',
        description:
          "install even when this host's rollout stage is not open yet (the operator's own canaries)",
      },
      'api-url': {
        type: 'string',
        value: 'URL',
        description: 'the GitHub API for github: sources',
        defaultText: '$GITHUB_API_URL, else https://api.github.com',
      },
      'allowed-signers': {
        type: 'string',
        value: 'FILE',
        description: "require the manifest's tag to be SSH-signed by a signer in this allowed_signers file",
      },
      // Issue 16, items 2 and 4: polling and notifications (src/cli/update-loop.ts).
      every: {
        type: 'string',
        value: 'DURATION',
        description:
          'keep running: one update every DURATION (30s, 5m, 1h; at least 1s), one status line per run; SIGTERM between runs exits 0',
        defaultText: 'one update, then exit',
      },
      jitter: {
        type: 'string',
        value: 'DURATION',
        description: 'with --every: add up to DURATION at random to every wait (at most the period)',
        defaultText: '0',
      },
      'notify-cmd': {
        type: 'string',
        value: 'CMD',
        description: 'run once per update in the app root (sh -c); it reads one JSON event per line on stdin',
      },
      'notify-url': {
        type: 'string',
        value: 'URL',
        description:
          'POST every event as JSON to this https URL (http only to loopback), or env:NAME; never printed past its origin',
      },
      'notify-timeout': {
        type: 'string',
        value: 'DURATION',
        description: 'how long one POST, and the delivery at the end of a run, may take',
        defaultText: '10s',
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
  // Checked before anything runs, even for a release without a rollout, so a typo shows at once.
  if (values['host-id'] !== undefined && !isHostId(values['host-id']))
    throw new RelsealError('E_USAGE', '--host-id must be 1 to 256 bytes without control characters')
  const manifest = /^(https?|github):/.test(values.manifest)
    ? values.manifest
    : resolve(io.cwd, values.manifest)
  // RELSEAL_TEST_KILL_AT=<point> makes the process SIGKILL itself there: the crash-safety test's hook.
  const killAt = io.env.RELSEAL_TEST_KILL_AT
  const supervised = superviseAndRetry(values)
  const apiUrl = values['api-url'] ?? io.env.GITHUB_API_URL
  const token = io.env.GITHUB_TOKEN
  const options: UpdateOptions = {
    appRoot: resolve(io.cwd, values['app-root']),
    manifest,
    policy: {
      ...policyFromFlags(values, io),
      ...(values['tag-prefix'] ? { tagPrefix: parseTagPrefix(values['tag-prefix'], '--tag-prefix') } : {}),
    },
    ...(values['from-artifact'] !== undefined ? { fromArtifact: values['from-artifact'] } : {}),
    ...(values['install-cmd'] ? { installCommand: values['install-cmd'] } : {}),
    ...(values['health-cmd'] ? { healthCommand: values['health-cmd'] } : {}),
    healthTimeoutMs: parseIntegerFlag(values['health-timeout'], '--health-timeout', 1, 60) * 1000,
    ...supervised,
    keep: parseIntegerFlag(values.keep, '--keep', 1, 3),
    allowDowngrade: Boolean(values['allow-downgrade']),
    ...(values['allowed-signers']
      ? { allowedSigners: readFileSync(resolve(io.cwd, values['allowed-signers']), 'utf8') }
      : {}),
    ...(values['host-id'] !== undefined ? { hostId: values['host-id'] } : {}),
    ignoreRollout: Boolean(values['ignore-rollout']),
    source: { ...(apiUrl ? { apiUrl } : {}), ...(token ? { token } : {}) },
    ...(!values.quiet && (values.progress || io.stderrIsTTY)
      ? {
          onProgress: (step: string, percent: number, message: string) =>
            io.stderr.write(`[${String(percent).padStart(3)}%] ${step}: ${message}\n`),
        }
      : {}),
    ...(killAt ? { killPoint: (p: string) => p === killAt && process.kill(process.pid, 'SIGKILL') } : {}),
  }
  if (values.every !== undefined) return runEvery(options, values, io)
  if (values.jitter !== undefined) throw new RelsealError('E_USAGE', '--jitter needs --every')
  const notify = notifyFromFlags(values, io)
  const result = notify ? await updateWithNotifications(options, notify) : await updateToRelease(options)
  const r = result.to
  const back = result.evidence.rollback_command
  const code = result.outcome === 'rolled-back' ? EXIT.rolledBack : EXIT.ok
  const withdrawal = result.evidence.withdrawal
  if (values.json) {
    const { outcome, runId, from, to, deferredUntil, evidence } = result
    const failure = evidence.error_code
      ? { error_code: evidence.error_code, error: evidence.error }
      : undefined
    const json = {
      outcome,
      run_id: runId,
      from,
      to,
      rollback_command: back,
      deferred_until: deferredUntil,
      withdrawal,
      ...(outcome === 'rolled-back' && !withdrawal ? { failure } : {}),
      // after a rollback with --restart-cmd/--watch-cmd: how the older release did (issue 16)
      ...(outcome === 'rolled-back' ? { after_rollback: evidence.after_rollback } : {}),
    }
    io.stdout.write(`${jsonForTerminal(json)}\n`)
    return code
  }
  if (result.outcome === 'deferred') {
    const place = result.evidence.rollout
    const stage = place && 'stage' in place ? ` (stage ${place.stage}, ${place.percent}% of hosts)` : ''
    io.stdout.write(
      `deferred: ${r.version} rolls out in stages; this host's stage${stage} opens at ${result.deferredUntil}; ` +
        'nothing was fetched or changed\n',
    )
    return code
  }
  if (result.outcome === 'rolled-back' && withdrawal) {
    io.stdout.write(
      `rolled back ${result.from?.version ?? '?'} -> ${r.version} (commit ${r.commit}): ` +
        `${result.from?.version ?? 'the running release'} is withdrawn by its publisher, reason: ${escapeUntrusted(withdrawal.reason)}\n` +
        afterRollbackText(r.version, result.evidence.after_rollback),
    )
    return code
  }
  if (result.outcome === 'rolled-back') {
    io.stdout.write(rolledBackText(result))
    return code
  }
  io.stdout.write(
    result.outcome === 'up-to-date'
      ? `up to date: ${r.version} (commit ${r.commit}, ${r.code_hash}) is already running\n`
      : `updated${result.from ? ` ${result.from.version} ->` : ''} ${r.version} (commit ${r.commit})\n` +
          (back ? `roll back with: ${back}\n` : ''),
  )
  return 0
}

/** The update options of --restart-cmd .. --retry-failed (durations as 60s, 5m or 500ms). */
function superviseAndRetry(values: Record<string, string | boolean | string[] | undefined>): {
  supervise?: UpdateOptions['supervise']
  retryFailed?: string
} {
  const supervise = superviseFromFlags(values)
  const retry = values['retry-failed'] as string | undefined
  return {
    ...(supervise ? { supervise } : {}),
    ...(retry !== undefined ? { retryFailed: parseVersionFlag(retry) } : {}),
  }
}

function parseVersionFlag(text: string): string {
  if (semver.valid(text) !== text)
    throw new RelsealError(
      'E_USAGE',
      `--retry-failed takes a version as relseal status lists it, such as 1.4.2; got ${JSON.stringify(escapeUntrusted(text))}`,
    )
  return text
}

/** What a rolled-back run prints: what failed, where current is now, and how that release does. */
function rolledBackText(result: UpdateResult): string {
  const e = result.evidence
  const after = e.after_rollback
  const back = e.rolled_back_to?.version ?? 'the previous release'
  return (
    `rolled back: ${result.to.version} failed after the swap (${e.error_code}); current is ${back} again\n` +
    `${escapeControls(e.error ?? '')}\n` +
    (afterRollbackText(back, after) || `${back} restarted and passed its watch\n`) +
    `${result.to.version} is kept in releases/${result.to.version} for inspection and will not be installed again ` +
    `unless retried with --retry-failed ${result.to.version}\n`
  )
}

/** How the older release did after a rollback (restart-old, watch-old); '' when they did not run. */
function afterRollbackText(back: string, after: UpdateResult['evidence']['after_rollback']): string {
  if (after === undefined) return ''
  return after === 'healthy'
    ? `${back} restarted and passed its watch\n`
    : `warning: ${back} failed too after the rollback (${after.error_code}): ${escapeControls(after.error)}\n`
}

import { resolve } from 'node:path'
import { escapeUntrusted, jsonForTerminal } from '../../text/escape.js'
import { status, type AppStatus, type EvidenceRecord } from '../../update/index.js'
import { parseCommandArgs, parseIntegerFlag } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal status --app-root DIR [--runs N] [--json]'

/** The most runs status shows (read from the end of evidence.jsonl, itself bounded in bytes). */
const MAX_RUNS = 100

/** `relseal status`: current, rollback, failed releases and the last runs with their outcomes. */
export const run: Command = (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      'app-root': {
        type: 'string',
        value: 'DIR',
        required: true,
        description: 'the app root made by relseal init',
      },
      runs: {
        type: 'string',
        value: 'N',
        description: `how many last runs to show (at most ${MAX_RUNS})`,
        defaultText: '5',
      },
      json: { type: 'boolean', description: 'print the status as JSON' },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return Promise.resolve(0)
  }
  const runs = parseIntegerFlag(values.runs, '--runs', 1, 5)
  const s = status({ appRoot: resolve(io.cwd, values['app-root']), runs: Math.min(runs, MAX_RUNS) })
  io.stdout.write(values.json ? `${jsonForTerminal(s)}\n` : statusText(s))
  return Promise.resolve(0)
}

function statusText(s: AppStatus): string {
  const rel = (r: typeof s.current) =>
    r
      ? `${r.version} (${made(r)}, commit ${r.commit}, ${r.code_hash}, keys ${r.key_ids.map((k) => k.slice(0, 16)).join(', ')})`
      : 'none'
  const failedNow = s.failed.some((f) => f.version === s.current?.version)
  let out =
    `app root: ${s.appRoot}\nremote:   ${s.remote}\nrepository: ${s.repository ?? 'not recorded (pass --repository once to update)'}\n` +
    `current:  ${rel(s.current)}${failedNow ? ' FAILED after its swap: check it, or run relseal rollback' : ''}\n` +
    (s.rollback ? `rollback: ${rel(s.rollback)}\n` : '') +
    supervisingText(s.supervising)
  if (s.failed.length > 0) out += 'failed (not installed again unless retried with --retry-failed VERSION):\n'
  for (const f of s.failed)
    out +=
      `  ${f.version} (commit ${f.commit}) at ${f.time}, ${f.step}: ${f.error_code}` +
      `${f.on_disk ? `, kept in releases/${f.version}` : ''}\n    ${escapeUntrusted(f.error.split('\n')[0] ?? '')}\n`
  if (s.releases.length > 0)
    out += `releases: ${s.releases.map((r) => `${r.version} ${r.kind === 'tarball' ? `tarball ${escapeUntrusted(r.artifact ?? '?')}` : 'git'}`).join(', ')}\n`
  out += 'last runs:\n'
  for (const r of s.runs) out += `  ${runLine(r)}\n`
  // Issue 16: the poll loop's next run, when `update --every` runs (or ran and was killed).
  if (s.poll)
    out += `poll:     every ${s.poll.every_ms / 1000} s; ${s.poll.running ? `next at ${s.poll.next_poll} (pid ${s.poll.pid})` : `not running (pid ${s.poll.pid} is gone)`}; last ${s.poll.last_run.outcome}\n`
  return out
}

/** How a release was made: a git worktree, or a signed tarball (issue 17, item 2). */
function made(r: NonNullable<AppStatus['current']>): string {
  return r.kind === 'tarball' && r.artifact
    ? `tarball ${escapeUntrusted(r.artifact.name)} sha256 ${r.artifact.sha256.slice(0, 16)}`
    : 'git'
}

/** Issue 16: an update killed while it restarted, watched or rolled back a release. */
function supervisingText(p: AppStatus['supervising']): string {
  if (p === undefined) return ''
  const what = p.failure
    ? `failed (${p.failure.error_code}); its rollback${p.from ? ` to ${p.from}` : ''} did not finish`
    : 'was not judged: its restart or watch did not finish'
  return escapeUntrusted(
    `pending:  ${p.version} (swapped at ${p.started}${p.from ? ` from ${p.from}` : ''}) ${what}; ` +
      'the next update with --restart-cmd/--watch-cmd finishes it, or run relseal rollback',
    600,
  ).concat('\n')
}

/** One run: time, outcome, versions, the error code, and for a rollback where current went. */
function runLine(r: EvidenceRecord): string {
  const versions = `${r.from ? ` ${r.from.version} ->` : ''}${r.to ? ` ${r.to.version}` : ''}`
  const code = r.error_code ? ` (${r.error_code})` : ''
  const after = r.after_rollback
  const back =
    r.outcome === 'rolled-back' && r.rolled_back_to
      ? `, back on ${r.rolled_back_to.version}${after && after !== 'healthy' ? ` which failed too (${after.error_code})` : ''}`
      : ''
  const until = r.deferred_until ? ` until ${r.deferred_until}` : ''
  return escapeUntrusted(`${r.time} ${r.outcome}${versions}${until}${code}${back}`, 400)
}

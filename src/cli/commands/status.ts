import { resolve } from 'node:path'
import { status } from '../../update/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'
import { jsonForTerminal } from '../../text/escape.js'

const USAGE = 'relseal status --app-root DIR [--json]'

/** `relseal status`: current, rollback, installed manifest and the last runs. */
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
      json: { type: 'boolean', description: 'print the status as JSON' },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return Promise.resolve(0)
  }
  const s = status({ appRoot: resolve(io.cwd, values['app-root']) })
  if (values.json) io.stdout.write(`${jsonForTerminal(s)}\n`)
  else {
    const rel = (r: typeof s.current) =>
      r
        ? `${r.version} (commit ${r.commit}, ${r.code_hash}, keys ${r.key_ids.map((k) => k.slice(0, 16)).join(', ')})`
        : 'none'
    io.stdout.write(
      `app root: ${s.appRoot}\nremote:   ${s.remote}\nrepository: ${s.repository ?? 'not recorded (pass --repository once to update)'}\n` +
        `current:  ${rel(s.current)}\n${s.rollback ? `rollback: ${rel(s.rollback)}\n` : ''}last runs:\n`,
    )
    for (const r of s.runs)
      io.stdout.write(
        `  ${r.time} ${r.outcome}${r.to ? ` -> ${r.to.version}` : ''}${r.deferred_until ? ` until ${r.deferred_until}` : ''}` +
          `${r.error_code ? ` (${r.error_code})` : ''}\n`,
      )
    // Issue 16: the poll loop's next run, when `update --every` runs (or ran and was killed).
    if (s.poll)
      io.stdout.write(
        `poll:     every ${s.poll.every_ms / 1000} s; ${s.poll.running ? `next at ${s.poll.next_poll} (pid ${s.poll.pid})` : `not running (pid ${s.poll.pid} is gone)`}; last ${s.poll.last_run.outcome}\n`,
      )
  }
  return Promise.resolve(0)
}

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runDemo } from '../../demo/run-demo.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal demo [--keep]'

/** `relseal demo` (npm start): the whole chain on an embedded default, offline, in a temp folder. */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      keep: {
        type: 'boolean',
        description: 'keep the temp folder (repositories, keys, app root) and print its path',
        defaultText: 'off: removed afterwards',
      },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  const work = mkdtempSync(join(tmpdir(), 'relseal-demo-'))
  const started = Date.now()
  let n = 0
  try {
    io.stdout.write('relseal demo: a signed release chain on an embedded default (no network, no GitHub)\n\n')
    await runDemo(work, (step) => {
      io.stdout.write(`${++n}. ${step.title}\n${step.detail.replace(/^/gm, '   ')}\n`)
    })
    io.stdout.write(
      `\nproven in ${((Date.now() - started) / 1000).toFixed(1)} s: each release is pinned to a commit and its tree, ` +
        `signed with Ed25519 and verified before checkout; a manifest changed after signing is refused and nothing is touched.\n`,
    )
  } finally {
    if (values.keep) io.stdout.write(`\nkept: ${work}\n`)
    else rmSync(work, { recursive: true, force: true })
  }
  return 0
}

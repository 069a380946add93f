import { hashTree } from '../../tree/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE =
  'relseal hash [DIR] [--rev REV] [--plain] [--files] [--json] [--include GLOB]... [--exclude GLOB]...'

/** `relseal hash`: prints the code hash, the file manifest (--files) or a JSON summary (--json). */
export const run: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      rev: { type: 'string' },
      plain: { type: 'boolean' },
      files: { type: 'boolean' },
      json: { type: 'boolean' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  )
  if (values.help) {
    io.stdout.write(`usage: ${USAGE}\n`)
    return 0
  }
  if (positionals.length > 1) {
    io.stderr.write(`relseal hash: one directory at most\nusage: ${USAGE}\n`)
    return 2
  }
  let lastShown = 0
  const progress = io.stderrIsTTY
    ? (p: { files: number; bytes: number }) => {
        const now = Date.now()
        if (now - lastShown < 200) return
        lastShown = now
        io.stderr.write(`\rhashing: ${p.files} files, ${(p.bytes / 1e6).toFixed(1)} MB`)
      }
    : undefined
  const tree = await hashTree({
    dir: positionals[0] ?? io.cwd,
    ...(values.rev === undefined ? {} : { rev: values.rev }),
    ...(values.plain ? { source: 'plain' as const } : {}),
    ...(values.include ? { include: values.include } : {}),
    ...(values.exclude ? { exclude: values.exclude } : {}),
    ...(progress ? { onProgress: progress } : {}),
  })
  if (progress && lastShown > 0) io.stderr.write('\r\x1b[K')
  if (values.json) {
    const out = {
      code_hash: tree.codeHash,
      file_manifest_hash: tree.fileManifestHash,
      files: tree.files,
      bytes: tree.bytes,
    }
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  } else if (values.files) io.stdout.write(tree.fileManifest)
  else io.stdout.write(`${tree.codeHash}\n`)
  return 0
}

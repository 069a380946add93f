import { resolve } from 'node:path'
import { hashTree } from '../../tree/index.js'
import { expectPositionals, parseCommandArgs } from '../args.js'
import { PROGRESS_OPTIONS } from '../common-options.js'
import type { Command } from '../io.js'

const USAGE =
  'relseal hash [DIR] [--rev REV] [--plain] [--files] [--json] [--include GLOB]... [--exclude GLOB]... [--progress | --quiet]'

/** `relseal hash`: prints the code hash, the file manifest (--files) or a JSON summary (--json). */
export const run: Command = async (args, io) => {
  const { values, positionals, help } = parseCommandArgs(
    args,
    {
      rev: {
        type: 'string',
        value: 'REV',
        description: 'hash this commit, read from the object store, not the working tree',
        defaultText: 'the working tree',
      },
      plain: {
        type: 'boolean',
        description: 'hash DIR as a plain directory (every file), even inside a git repository',
        defaultText: 'off: in a repository, what git tracks',
      },
      files: {
        type: 'boolean',
        description: 'print the file manifest (sha256sum format), not the code hash',
      },
      json: {
        type: 'boolean',
        description: 'print code hash, file manifest hash, file and byte counts as JSON',
      },
      include: {
        type: 'string',
        multiple: true,
        value: 'GLOB',
        description: 'hash only the paths that match GLOB',
        defaultText: 'every path',
      },
      exclude: {
        type: 'string',
        multiple: true,
        value: 'GLOB',
        description: 'leave out the paths that match GLOB',
      },
      ...PROGRESS_OPTIONS,
    },
    USAGE,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  expectPositionals(positionals, ['DIR'], USAGE, 1)
  let lastShown = 0
  // On a terminal one line redrawn in place; elsewhere (--progress) a plain line per update.
  const progress =
    !values.quiet && (values.progress || io.stderrIsTTY)
      ? (p: { files: number; bytes: number }) => {
          const now = Date.now()
          if (now - lastShown < 200) return
          lastShown = now
          const line = `hashing: ${p.files} files, ${(p.bytes / 1e6).toFixed(1)} MB`
          io.stderr.write(io.stderrIsTTY ? `\r${line}` : `${line}\n`)
        }
      : undefined
  const dir = resolve(positionals[0] ?? io.cwd)
  // The installed command works from the tree's directory while hashing it: hashTree then opens its
  // files by short relative paths, which the kernel looks up faster than long absolute ones.
  const leave = values.rev === undefined ? io.enterDirectory?.(dir) : undefined
  let tree
  try {
    tree = await hashTree({
      dir,
      ...(values.rev === undefined ? {} : { rev: values.rev }),
      ...(values.plain ? { source: 'plain' as const } : {}),
      ...(values.include ? { include: values.include } : {}),
      ...(values.exclude ? { exclude: values.exclude } : {}),
      ...(progress ? { onProgress: progress } : {}),
    })
  } finally {
    leave?.()
  }
  if (progress && lastShown > 0 && io.stderrIsTTY) io.stderr.write('\r\x1b[K')
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

import { readManifestFile } from '../../manifest/index.js'
import { parseEnvelope } from '../../manifest/dsse.js'
import { parseStrictJson } from '../../manifest/strict-json.js'
import { escapeControls, escapeUntrusted } from '../../text/escape.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'
import { resolve } from 'node:path'

const USAGE = 'relseal inspect MANIFEST'

/** `relseal inspect`: shows an envelope's payload and signers, clearly marked as NOT verified. */
export const run: Command = async (args, io) => {
  const { positionals, values } = parseCommandArgs(args, { help: { type: 'boolean', short: 'h' } }, USAGE)
  if (values.help || positionals.length !== 1) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return values.help ? 0 : 2
  }
  const env = parseEnvelope(await readManifestFile(resolve(io.cwd, positionals[0]!)))
  const untrusted = parseStrictJson(env.untrustedPayload.toString('utf8'), 'the manifest payload')
  // Nothing here is authenticated: every piece is escaped before it reaches the terminal.
  const keyids = env.signatures.map((s) => (s.keyid ? escapeUntrusted(s.keyid) : '(no key id)'))
  io.stdout.write(
    '# NOT VERIFIED: this shows what the manifest claims; nothing below is checked.\n' +
      '# Verify it with: relseal verify MANIFEST --pubkey KEY\n' +
      `# payloadType: ${escapeUntrusted(env.payloadType)}\n` +
      `# signatures: ${keyids.join(', ') || 'none'}\n` +
      `${escapeControls(JSON.stringify(untrusted, null, 2))}\n`,
  )
  return 0
}

import { readManifestFile } from '../../manifest/index.js'
import { parseEnvelope } from '../../manifest/dsse.js'
import { parseStrictJson } from '../../manifest/strict-json.js'
import { escapeControls, escapeUntrusted } from '../../text/escape.js'
import { expectPositionals, parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'
import { resolve } from 'node:path'

const USAGE = 'relseal inspect MANIFEST'

/** `relseal inspect`: shows an envelope's payload and signers, clearly marked as NOT verified. */
export const run: Command = async (args, io) => {
  const { positionals, help } = parseCommandArgs(args, {}, USAGE)
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  expectPositionals(positionals, ['MANIFEST'], USAGE)
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

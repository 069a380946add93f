import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { isRelsealError, RelsealError } from '../../errors.js'
import { verifySignedTag } from '../../tag/index.js'
import { expectPositionals, parseCommandArgs } from '../args.js'
import type { CliIO, Command } from '../io.js'

const USAGE = 'relseal verify-tag --repo DIR TAG --allowed-signers FILE [--json]'

function readAllowedSigners(path: string, io: CliIO): string {
  try {
    return readFileSync(resolve(io.cwd, path), 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_UNREADABLE'
    throw new RelsealError(code, `cannot read the allowed signers file ${path}: ${(e as Error).message}`, {
      cause: e,
    })
  }
}

/** `relseal verify-tag`: exit 0 good, 1 not verified (as git verify-tag), 2 usage. */
export const run: Command = async (args, io) => {
  const { values, positionals, help } = parseCommandArgs(
    args,
    {
      repo: { type: 'string', value: 'DIR', description: 'the git repository holding TAG', defaultText: '.' },
      'allowed-signers': {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'an ssh-keygen allowed_signers file (as gpg.ssh.allowedSignersFile)',
      },
      json: { type: 'boolean', description: 'print the result as JSON' },
    },
    USAGE,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  expectPositionals(positionals, ['TAG'], USAGE)
  const repoDir = resolve(io.cwd, values.repo ?? '.')
  if (!existsSync(repoDir) || !statSync(repoDir).isDirectory())
    throw new RelsealError(
      'E_NOT_FOUND',
      `--repo ${repoDir} is not a folder; pass the repository that holds the tag`,
    )
  let v
  try {
    v = await verifySignedTag({
      repoDir,
      tag: positionals[0]!,
      allowedSigners: readAllowedSigners(values['allowed-signers'], io),
    })
  } catch (e) {
    // git verify-tag exits 1 for every tag it does not verify, a missing tag and an unreadable or
    // malformed allowed_signers file included; so does this command (2 stays for usage mistakes).
    if (!isRelsealError(e) || !['E_NOT_FOUND', 'E_BAD_INPUT', 'E_UNREADABLE'].includes(e.code)) throw e
    io.stderr.write(`relseal verify-tag: error ${e.code}: ${e.message}\n`)
    return 1
  }
  if (values.json) io.stdout.write(`${JSON.stringify({ verified: true, ...v }, null, 2)}\n`)
  else
    io.stdout.write(
      `good signature on tag ${v.tag}\ncommit:      ${v.commit}\nprincipal:   ${v.principal}\nfingerprint: ${v.fingerprint}\n`,
    )
  return 0
}

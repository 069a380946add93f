import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { git } from './helpers/git-repo.js'
import { makeOrigin, signVersion } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

describe('relseal update --allowed-signers', () => {
  it('refuses a validly signed manifest whose tag is unsigned, and installs one whose tag a maintainer signed', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const keys = tempDir('relseal-ssh-')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'maintainer', '-f', join(keys, 'm')])
    const allowed = join(keys, 'allowed_signers')
    writeFileSync(allowed, `test@relseal.invalid ${readFileSync(join(keys, 'm.pub'), 'utf8')}`)
    // v2.0.0 becomes an SSH-signed annotated tag on the origin; v1.0.0 stays a lightweight tag
    git(
      o.work,
      '-c',
      'gpg.format=ssh',
      '-c',
      `user.signingKey=${join(keys, 'm')}`,
      'tag',
      '-f',
      '-s',
      'v2.0.0',
      '-m',
      'v2.0.0',
      'v2.0.0^{commit}',
    )
    git(o.work, 'push', '-q', '-f', o.bare, 'refs/tags/v2.0.0')

    const root = join(tempDir(), 'app')
    await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
    const update = (m: string) =>
      runCli(
        ['update', '--app-root', root, '--manifest', m, '--pubkey', o.pubFile, '--allowed-signers', allowed],
        '/',
      )

    const unsigned = await update(await signVersion(o, '1.0.0'))
    expect(unsigned.code).toBe(1)
    expect(unsigned.stderr).toContain('E_TAG_UNSIGNED')
    expect(readdirSync(join(root, 'releases'))).toEqual([])

    const signed = await update(await signVersion(o, '2.0.0'))
    expect(signed.stderr).not.toContain('error')
    expect(signed.code).toBe(0)
    expect(readlinkSync(join(root, 'current'))).toBe('releases/2.0.0')
    const log = readFileSync(join(root, '.relseal/evidence.jsonl'), 'utf8').trim().split('\n')
    const last = JSON.parse(log.at(-1)!) as { tag_signer: { principal: string; fingerprint: string } }
    const fp = execFileSync('ssh-keygen', ['-l', '-f', join(keys, 'm.pub')], { encoding: 'utf8' }).split(
      ' ',
    )[1]
    expect(last.tag_signer).toEqual({ principal: 'test@relseal.invalid', fingerprint: fp })
  })
})

import { execFileSync } from 'node:child_process'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { remoteAuthEnv, remoteTags } from '../actions/release-gate/src/tags.js'
import { isRelsealError } from '../src/errors.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

/** A throw-away self-signed certificate for 127.0.0.1 (git refuses plain http remotes). */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = tempDir()
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }
}

describe('release-gate: git credentials for origin', () => {
  it('sends the token to the GitHub server only, through the environment, never into .git/config', async () => {
    const seen: (string | undefined)[] = []
    const server = createServer(selfSigned(), (req, res) => {
      seen.push(req.headers.authorization)
      res.writeHead(404).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    process.env.GIT_SSL_NO_VERIFY = '1' // the test's certificate is its own; git's env, not config
    try {
      const repo = makeRepo()
      git(repo, 'remote', 'add', 'origin', `${url}/acme/app.git`)
      const auth = remoteAuthEnv('tok-123', url, `${url}/acme/app.git`)
      const err = await remoteTags(repo, auth).catch((e: unknown) => e)
      expect(isRelsealError(err, 'E_GIT')).toBe(true)
      expect(seen[0]).toBe(`basic ${Buffer.from('x-access-token:tok-123').toString('base64')}`)
      expect(readFileSync(join(repo, '.git/config'), 'utf8')).not.toContain('AUTHORIZATION')
      // Another host never gets it; and no token, no header.
      expect(remoteAuthEnv('tok-123', 'https://github.com', `${url}/acme/app.git`)).toEqual({})
      expect(
        remoteAuthEnv('tok-123', 'https://github.com', 'https://github.com.evil.example/acme/app.git'),
      ).toEqual({})
      expect(remoteAuthEnv('', url, `${url}/acme/app.git`)).toEqual({})
    } finally {
      delete process.env.GIT_SSL_NO_VERIFY
      server.close()
    }
  })
})

import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sshAgentSigner } from '../src/keys/index.js'
import { MANIFEST_PAYLOAD_TYPE, preAuthEncoding } from '../src/manifest/index.js'
import { runCli } from './helpers/cli.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

const running: ChildProcess[] = []
const servers: Server[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.kill('SIGTERM')
  for (const s of servers.splice(0)) s.close()
})

/** A real OpenSSH agent on its own socket, with an ssh-keygen Ed25519 key added by ssh-add. */
async function agentWithKey(comment = 'maintainer@laptop') {
  const dir = tempDir('relseal-agent-')
  const sock = join(dir, 'agent.sock')
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
  running.push(agent)
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50))
  const key = join(dir, 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', key])
  const env = { ...process.env, SSH_AUTH_SOCK: sock }
  execFileSync('ssh-add', ['-q', key], { env, stdio: 'ignore' })
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${key}.pub`])
    .toString()
    .split(' ')[1]!
  return { dir, sock, key, fingerprint, pubLine: readFileSync(`${key}.pub`, 'utf8') }
}

/** SPKI PEM of an ssh-ed25519 public line: the blob's last 32 bytes behind the RFC 8410 prefix. */
function spkiPemOf(pubLine: string): string {
  const blob = Buffer.from(pubLine.split(' ')[1]!, 'base64')
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), blob.subarray(-32)])
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`
}

function releaseRepo(): string {
  const repo = makeRepo({ 'src/app.js': 'console.log(1)\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', 'v1.0.0')
  return repo
}

describe('ssh-agent: signer against a real ssh-agent', () => {
  it('signs a manifest by fingerprint; openssl and relseal verify it', async () => {
    const a = await agentWithKey()
    const repo = releaseRepo()
    const s = await runCli(['sign', '--key', `ssh-agent:${a.fingerprint}`], repo, { SSH_AUTH_SOCK: a.sock })
    expect(s.stderr).toBe('')
    expect(s.code).toBe(0)
    const env = JSON.parse(readFileSync(join(repo, 'release_manifest.json'), 'utf8')) as {
      payload: string
      signatures: { sig: string }[]
    }
    writeFileSync(join(a.dir, 'pub.pem'), spkiPemOf(a.pubLine))
    writeFileSync(
      join(a.dir, 'pae'),
      preAuthEncoding(MANIFEST_PAYLOAD_TYPE, Buffer.from(env.payload, 'base64')),
    )
    writeFileSync(join(a.dir, 'sig'), Buffer.from(env.signatures[0]!.sig, 'base64'))
    const out = execFileSync('openssl', [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      join(a.dir, 'pub.pem'),
      '-rawin',
      '-in',
      join(a.dir, 'pae'),
      '-sigfile',
      join(a.dir, 'sig'),
    ]).toString()
    expect(out).toContain('Signature Verified Successfully')
    // relseal verify takes the ssh-ed25519 line itself as --pubkey.
    writeFileSync(join(a.dir, 'maintainer.pub'), a.pubLine)
    const v = await runCli(
      ['verify', 'release_manifest.json', '--pubkey', join(a.dir, 'maintainer.pub'), '--dir', '.'],
      repo,
    )
    expect(v.code).toBe(0)
  })

  it('co-signs with --append, selecting the key by its comment', async () => {
    const a = await agentWithKey('cosigner key')
    const repo = releaseRepo()
    const ci = tempDir()
    expect((await runCli(['keygen', '--out', join(ci, 'ci')], repo)).code).toBe(0)
    expect((await runCli(['sign', '--key', join(ci, 'ci.key')], repo)).code).toBe(0)
    const c = await runCli(
      ['sign', '--append', '--key', 'ssh-agent:cosigner key', '--pubkey', join(ci, 'ci.pub')],
      repo,
      { SSH_AUTH_SOCK: a.sock },
    )
    expect(c.stderr).toBe('')
    expect(c.code).toBe(0)
    writeFileSync(join(a.dir, 'm.pub'), a.pubLine)
    const v = await runCli(
      [
        'verify',
        'release_manifest.json',
        '--pubkey',
        join(ci, 'ci.pub'),
        '--pubkey',
        join(a.dir, 'm.pub'),
        '--threshold',
        '2',
      ],
      repo,
    )
    expect(v.code).toBe(0)
  })

  it('refuses a fingerprint the agent does not hold with E_BAD_KEY, writing nothing', async () => {
    const a = await agentWithKey()
    const repo = releaseRepo()
    const before = readdirSync(repo).sort()
    const r = await runCli(
      ['sign', '--key', 'ssh-agent:SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      repo,
      {
        SSH_AUTH_SOCK: a.sock,
      },
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_BAD_KEY')
    expect(readdirSync(repo).sort()).toEqual(before)
  })

  it('refuses a non-Ed25519 agent key with E_BAD_KEY', async () => {
    const a = await agentWithKey()
    const rsa = join(a.dir, 'id_rsa')
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'rsa key', '-f', rsa])
    execFileSync('ssh-add', ['-q', rsa], { env: { ...process.env, SSH_AUTH_SOCK: a.sock }, stdio: 'ignore' })
    await expect(sshAgentSigner({ socket: a.sock, select: 'rsa key' })).rejects.toMatchObject({
      code: 'E_BAD_KEY',
    })
  })

  it('refuses without SSH_AUTH_SOCK with E_SIGNER_FAILED', async () => {
    const r = await runCli(['sign', '--key', 'ssh-agent:x'], releaseRepo(), {})
    expect(r.stderr).toContain('E_SIGNER_FAILED')
  })
})

describe('a hostile or broken agent', () => {
  /** An agent that lists the real key `pubLine` but answers every sign request with `answer`. */
  async function fakeAgent(pubLine: string, answer: (frame: Buffer) => Buffer | undefined): Promise<string> {
    const sock = join(tempDir('relseal-fake-agent-'), 's')
    const blob = Buffer.from(pubLine.split(' ')[1]!, 'base64')
    const str = (b: Buffer) => Buffer.concat([u32(b.length), b])
    const u32 = (n: number) => {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(n)
      return b
    }
    const server = createServer((c) => {
      c.on('data', (d) => {
        if (d[4] === 11) {
          const body = Buffer.concat([Buffer.from([12]), u32(1), str(blob), str(Buffer.from('k'))])
          c.write(Buffer.concat([u32(body.length), body]))
        } else {
          const out = answer(d)
          if (out) c.write(out)
        }
      })
    })
    servers.push(server)
    await new Promise<void>((r) => server.listen(sock, r))
    return sock
  }
  const frame = (type: number, body: Buffer) => {
    const h = Buffer.alloc(5)
    h.writeUInt32BE(body.length + 1)
    h[4] = type
    return Buffer.concat([h, body])
  }
  const sigBlob = (sig: Buffer) => {
    const s = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b])
    return s(Buffer.concat([s(Buffer.from('ssh-ed25519')), s(sig)]))
  }

  it('refuses a signature that does not verify (E_SIGNER_FAILED)', async () => {
    const a = await agentWithKey()
    const sock = await fakeAgent(a.pubLine, () => frame(14, sigBlob(Buffer.alloc(64, 9))))
    const repo = releaseRepo()
    const before = readdirSync(repo).sort()
    const r = await runCli(['sign', '--key', `ssh-agent:${a.fingerprint}`], repo, { SSH_AUTH_SOCK: sock })
    expect(r.stderr).toContain('E_SIGNER_FAILED')
    expect(readdirSync(repo).sort()).toEqual(before)
  })

  it('refuses an announced 4 GiB answer without waiting for it (E_SIGNER_FAILED)', async () => {
    const a = await agentWithKey()
    const sock = await fakeAgent(a.pubLine, () => Buffer.from([0xff, 0xff, 0xff, 0xff, 14]))
    const signer = await sshAgentSigner({ socket: sock, select: a.fingerprint })
    await expect(signer.sign(new Uint8Array([1]))).rejects.toMatchObject({
      code: 'E_SIGNER_FAILED',
      details: { reason: 'protocol' },
    })
  })

  it('refuses SSH_AGENT_FAILURE and a silent agent (deadline) with E_SIGNER_FAILED', async () => {
    const a = await agentWithKey()
    const failing = await fakeAgent(a.pubLine, () => frame(5, Buffer.alloc(0)))
    const s1 = await sshAgentSigner({ socket: failing, select: a.fingerprint })
    await expect(s1.sign(new Uint8Array([1]))).rejects.toMatchObject({ code: 'E_SIGNER_FAILED' })
    const silent = await fakeAgent(a.pubLine, () => undefined)
    const s2 = await sshAgentSigner({ socket: silent, select: a.fingerprint, timeoutMs: 300 })
    await expect(s2.sign(new Uint8Array([1]))).rejects.toMatchObject({
      code: 'E_SIGNER_FAILED',
      details: { reason: 'timeout' },
    })
  })
})

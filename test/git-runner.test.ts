import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { deadlineFor, NETWORK_DEADLINES_MS, runGit } from '../src/git/git.js'
import { hashTree } from '../src/tree/index.js'
import { git, makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()
const PINNED = [
  'protocol.allow=never',
  'protocol.https.allow=always',
  'protocol.ssh.allow=always',
  'protocol.file.allow=always',
  'protocol.ext.allow=never',
  'protocol.fd.allow=never',
]

const savedEnv = { ...process.env }
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k]
  Object.assign(process.env, savedEnv)
})

interface Call {
  argv: string[]
  env: { fromUser: string; noSystem: string; global: string }
}

/**
 * A `git` placed first on PATH that records its argv and the environment that matters, then runs
 * the real git. Only the outermost call is recorded (git's own sub-gits inherit the marker).
 */
function gitShim(): { path: string; calls: () => Call[] } {
  const dir = tempDir('relseal-shim-')
  const log = join(dir, 'calls.log')
  writeFileSync(
    join(dir, 'git'),
    `#!/bin/sh
if [ -z "$RELSEAL_SHIM_SEEN" ]; then
  { printf 'A'; for a in "$@"; do printf '\\037%s' "$a"; done
    printf '\\036%s\\037%s\\037%s\\n' "$GIT_PROTOCOL_FROM_USER" "$GIT_CONFIG_NOSYSTEM" "$GIT_CONFIG_GLOBAL"; } >> '${log}'
fi
RELSEAL_SHIM_SEEN=1 exec '${REAL_GIT}' "$@"
`,
  )
  chmodSync(join(dir, 'git'), 0o755)
  const calls = () =>
    (existsSync(log) ? readFileSync(log, 'utf8') : '')
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => {
        const [args = '', env = ''] = line.split('\x1e')
        const [fromUser = '', noSystem = '', global = ''] = env.split('\x1f')
        return { argv: args.split('\x1f').slice(1), env: { fromUser, noSystem, global } }
      })
  return { path: `${dir}:${process.env.PATH}`, calls }
}

/** True while `pid` runs (a zombie, killed but not yet reaped by whoever adopted it, does not). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

const configOf = (argv: string[]) => argv.flatMap((a, i) => (argv[i - 1] === '-c' ? [a] : []))
const subcommand = (argv: string[]) => argv.find((a, i) => !a.startsWith('-') && argv[i - 1] !== '-c')

describe('every git command relseal runs', () => {
  it('pins the protocols, and the updater ignores system and global config (relseal demo, through a git shim)', () => {
    const shim = gitShim()
    const r = spawnSync(process.execPath, [new URL('../bin/relseal.js', import.meta.url).pathname, 'demo'], {
      encoding: 'utf8',
      env: { PATH: shim.path, HOME: process.env.HOME },
    })
    expect(r.status).toBe(0)
    const calls = shim.calls()
    const commands = new Set(calls.map((c) => subcommand(c.argv)))
    // The demo runs the whole chain: origin, hashing, signing, init, fetch, worktree, verify.
    for (const c of ['init', 'fetch', 'worktree', 'ls-tree', 'cat-file', 'ls-files'])
      expect(commands).toContain(c)
    for (const call of calls) {
      expect(configOf(call.argv)).toEqual(expect.arrayContaining(PINNED))
      expect(call.env.fromUser).toBe('0')
    }
    // The updater's commands (fetch, worktree) never pass ambientConfig: isolated by default.
    const updater = calls.filter((c) => ['fetch', 'worktree', 'update-ref'].includes(subcommand(c.argv)!))
    expect(updater.length).toBeGreaterThan(0)
    for (const call of updater) expect(call.env).toMatchObject({ noSystem: '1', global: '/dev/null' })
  })
})

describe('when the ambient config allows ext:: (protocol.ext.allow=always)', () => {
  function attackRemote(): { store: string; pwned: string; remote: string; env: NodeJS.ProcessEnv } {
    const dir = tempDir()
    const store = join(dir, 'store.git')
    execFileSync(REAL_GIT, ['init', '-q', '--bare', store])
    const pwned = join(dir, 'PWNED')
    const globalConfig = join(dir, 'gitconfig')
    writeFileSync(globalConfig, '[protocol "ext"]\n\tallow = always\n')
    const env = { ...process.env, GIT_CONFIG_GLOBAL: globalConfig, GIT_CONFIG_NOSYSTEM: '1' }
    return { store, pwned, remote: `ext::sh -c touch% ${pwned}`, env }
  }

  it('is a real attack: plain git with that config runs the command', () => {
    const { store, pwned, remote, env } = attackRemote()
    spawnSync(REAL_GIT, ['fetch', '-q', remote, 'refs/heads/main'], { cwd: store, env })
    expect(existsSync(pwned)).toBe(true)
  })

  it("the updater's fetch never runs it, from a global config or GIT_CONFIG_COUNT, isolated or not", async () => {
    const { store, pwned, remote, env } = attackRemote()
    Object.assign(process.env, env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'protocol.ext.allow',
      GIT_CONFIG_VALUE_0: 'always',
    })
    const fetch = ['fetch', '-q', '--no-tags', '--end-of-options', remote, '+refs/tags/v1:refs/relseal/v1']
    await expect(runGit(fetch, { cwd: store })).rejects.toMatchObject({ code: 'E_GIT' })
    await expect(runGit(fetch, { cwd: store, ambientConfig: true })).rejects.toMatchObject({ code: 'E_GIT' })
    await expect(runGit(['ls-remote', '--end-of-options', remote], { cwd: store })).rejects.toMatchObject({
      code: 'E_GIT',
    })
    expect(existsSync(pwned)).toBe(false)
  })

  it('keeps a credential the caller passes as GIT_CONFIG_COUNT in env (release-gate)', async () => {
    const repo = makeRepo()
    const env = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'relseal.probe', GIT_CONFIG_VALUE_0: 'kept' }
    process.env.GIT_CONFIG_COUNT = '1'
    process.env.GIT_CONFIG_KEY_0 = 'relseal.ambient'
    process.env.GIT_CONFIG_VALUE_0 = 'dropped'
    const r = await runGit(['config', '--get', 'relseal.probe'], { cwd: repo, env })
    expect(r.stdout.toString().trim()).toBe('kept')
    const ambient = await runGit(['config', '--get', 'relseal.ambient'], { cwd: repo, okCodes: [0, 1] })
    expect(ambient.code).toBe(1)
  })
})

describe('when the global config redirects a remote (url.<evil>.insteadOf)', () => {
  it("the updater's fetch still reads the remote it was given", async () => {
    const good = makeRepo({ 'who.txt': 'good\n' })
    const evil = makeRepo({ 'who.txt': 'evil\n' })
    const dir = tempDir()
    const globalConfig = join(dir, 'gitconfig')
    writeFileSync(globalConfig, `[url "${evil}"]\n\tinsteadOf = ${good}\n`)
    const store = join(dir, 'store.git')
    execFileSync(REAL_GIT, ['init', '-q', '--bare', store])
    Object.assign(process.env, { GIT_CONFIG_GLOBAL: globalConfig, GIT_CONFIG_NOSYSTEM: '1' })
    // plain git follows the redirect: the attack is real
    execFileSync(REAL_GIT, ['fetch', '-q', good, '+main:refs/plain'], { cwd: store })
    expect(git(store, 'rev-parse', 'refs/plain')).toBe(git(evil, 'rev-parse', 'HEAD'))
    await runGit(['fetch', '-q', '--no-tags', '--end-of-options', good, '+main:refs/relseal'], { cwd: store })
    expect(git(store, 'rev-parse', 'refs/relseal')).toBe(git(good, 'rev-parse', 'HEAD'))
  })
})

describe('isolated git in a checkout owned by someone else (a runner container)', () => {
  it('still honours the ambient safe.directory, and nothing else of the global config', async () => {
    const repo = makeRepo()
    const globalConfig = join(tempDir(), 'gitconfig')
    writeFileSync(globalConfig, `[safe]\n\tdirectory = ${repo}\n[relseal]\n\tprobe = global\n`)
    process.env.GIT_TEST_ASSUME_DIFFERENT_OWNER = '1'
    process.env.GIT_CONFIG_GLOBAL = '/dev/null'
    await expect(runGit(['rev-parse', 'HEAD'], { cwd: repo })).rejects.toMatchObject({ code: 'E_GIT' })
    process.env.GIT_CONFIG_GLOBAL = globalConfig
    const head = await runGit(['rev-parse', 'HEAD'], { cwd: repo })
    expect(head.stdout.toString().trim()).toBe(git(repo, 'rev-parse', 'HEAD'))
    const probe = await runGit(['config', '--get', 'relseal.probe'], { cwd: repo, okCodes: [0, 1] })
    expect(probe.code).toBe(1)
  })
})

describe('a remote that never answers', () => {
  let server: Server | undefined
  afterEach(() => server?.close())

  /** A TCP server that accepts and stays silent; resolves each connection's close. */
  async function silentServer(): Promise<{ port: number; closed: Promise<void>[] }> {
    const closed: Promise<void>[] = []
    server = createServer((socket: Socket) => {
      closed.push(new Promise((resolve) => socket.on('close', () => resolve())))
      socket.on('error', () => {})
      socket.resume() // read (and drop) the TLS hello, so the peer's close is seen
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    return { port: typeof address === 'object' && address ? address.port : 0, closed }
  }

  it('ends a fetch over https at its deadline with E_TIMEOUT naming the remote, and kills git-remote-https too', async () => {
    const { port, closed } = await silentServer()
    const store = tempDir()
    git(store, 'init', '-q', '--bare')
    const remote = `https://user:secret@127.0.0.1:${port}/acme/app.git`
    const started = Date.now()
    const p = runGit(['fetch', '-q', '--end-of-options', remote, 'refs/tags/v1'], {
      cwd: store,
      timeoutMs: 1500,
    })
    await expect(p).rejects.toMatchObject({
      code: 'E_TIMEOUT',
      details: { remote: `https://***@127.0.0.1:${port}/acme/app.git` },
    })
    await expect(p).rejects.not.toHaveProperty('message', expect.stringContaining('secret'))
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(closed.length).toBeGreaterThan(0)
    // The helper held the connection; the server sees it closed only if the helper died too.
    await Promise.race([
      Promise.all(closed),
      new Promise((_, reject) => setTimeout(() => reject(new Error('git-remote-https outlived git')), 3000)),
    ])
  })

  it('ends an ssh fetch whose ssh command never answers, and kills that command', async () => {
    const dir = tempDir()
    const pidFile = join(dir, 'ssh.pid')
    const fakeSsh = join(dir, 'fake-ssh')
    writeFileSync(fakeSsh, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 300\n`)
    chmodSync(fakeSsh, 0o755)
    const store = join(dir, 'store.git')
    git(dir, 'init', '-q', '--bare', store)
    const p = runGit(['ls-remote', '--end-of-options', 'ssh://git@example.invalid/acme/app.git'], {
      cwd: store,
      env: { GIT_SSH_COMMAND: fakeSsh },
      timeoutMs: 1500,
    })
    await expect(p).rejects.toMatchObject({
      code: 'E_TIMEOUT',
      details: { remote: 'ssh://***@example.invalid/acme/app.git' },
    })
    const pid = Number(readFileSync(pidFile, 'utf8'))
    await new Promise((r) => setTimeout(r, 300))
    expect(isRunning(pid)).toBe(false)
  })

  it('gives network commands a deadline by default, and none to local ones', () => {
    expect(deadlineFor(['fetch', '-q', 'origin'], {})).toBe(NETWORK_DEADLINES_MS.fetch)
    expect(NETWORK_DEADLINES_MS.fetch).toBe(600_000)
    expect(deadlineFor(['-c', 'a=b', 'ls-remote', 'origin'], {})).toBe(60_000)
    expect(deadlineFor(['clone', 'x', 'y'], {})).toBeGreaterThan(0)
    expect(deadlineFor(['push', 'origin'], {})).toBeGreaterThan(0)
    expect(deadlineFor(['fetch'], { timeoutMs: 5 })).toBe(5)
    expect(deadlineFor(['rev-parse', 'HEAD'], {})).toBeUndefined()
    expect(deadlineFor(['constructor'], {})).toBeUndefined()
  })
})

describe('an inherited GIT_DIR (relseal run from a git hook)', () => {
  it('does not point git at another repository than the one asked about', async () => {
    const a = makeRepo({ 'a.txt': 'a\n' })
    const b = makeRepo({ 'b.txt': 'b\n' })
    process.env.GIT_DIR = join(b, '.git')
    const tree = await hashTree({ dir: a })
    expect(tree.entries.map((e) => e.path)).toEqual(['a.txt'])
  })
})

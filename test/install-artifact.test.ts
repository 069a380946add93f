import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  installArtifact,
  parsePublicKey,
  rollbackArtifact,
  type InstallArtifactOptions,
} from '../src/index.js'
import { makeArtifactReleases, type ArtifactReleases } from './helpers/artifacts.js'
import { runCli } from './helpers/cli.js'
import { tempDir } from './helpers/tmp.js'

/** Every file in a folder with its bytes and mode: a refused install must leave this unchanged. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const n of readdirSync(dir).sort()) {
    const st = statSync(join(dir, n))
    out[n] = `${(st.mode & 0o7777).toString(8)} ${readFileSync(join(dir, n)).toString('base64')}`
  }
  return out
}

function setup(r: ArtifactReleases) {
  const dir = tempDir('relseal-bin-')
  const target = join(dir, 'agent')
  const policy = {
    keys: [parsePublicKey(readFileSync(r.origin.pubFile, 'utf8'), 'release.pub')],
    repository: 'acme/app',
  }
  const install = (v: string, over: Partial<InstallArtifactOptions> = {}) =>
    installArtifact({ manifest: r.manifest(v), policy, artifact: 'agent', target, ...over })
  return { dir, target, policy, install }
}

const record = (target: string) =>
  JSON.parse(readFileSync(`${target}.relseal.json`, 'utf8')) as {
    current?: { version: string; sha256: string }
    backups: { version: string }[]
  }

describe('install-artifact from a local manifest', () => {
  it('installs, replaces a running binary (it keeps running, the old bytes are the backup) and is idempotent', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0'])
    const { target, install } = setup(r)
    const first = await install('1.0.0')
    expect(first).toMatchObject({ outcome: 'installed', to: { version: '1.0.0' } })
    expect(readFileSync(target)).toEqual(r.bytes['1.0.0'])
    expect(statSync(target).mode & 0o777).toBe(0o755)
    expect(execFileSync(process.execPath, [target, '--version'], { encoding: 'utf8' })).toBe('1.0.0\n')
    chmodSync(target, 0o750)
    const inode = statSync(target).ino

    const running = spawn(process.execPath, [target], { stdio: ['ignore', 'pipe', 'ignore'] })
    try {
      await new Promise((res) => running.stdout.once('data', res))
      const second = await install('2.0.0')
      expect(second).toMatchObject({
        outcome: 'installed',
        from: { version: '1.0.0' },
        to: { version: '2.0.0' },
      })
      expect(second.backup).toBe(`${target}.bak-1.0.0`)
      expect(running.exitCode).toBe(null)
      expect(() => process.kill(running.pid!, 0)).not.toThrow()
    } finally {
      running.kill('SIGKILL')
    }
    expect(readFileSync(target)).toEqual(r.bytes['2.0.0'])
    expect(statSync(target).mode & 0o777).toBe(0o750)
    expect(readFileSync(`${target}.bak-1.0.0`)).toEqual(r.bytes['1.0.0'])
    expect(statSync(`${target}.bak-1.0.0`).ino).toBe(inode)
    expect(execFileSync(process.execPath, [target, '--version'], { encoding: 'utf8' })).toBe('2.0.0\n')
    expect(record(target)).toMatchObject({ current: { version: '2.0.0' }, backups: [{ version: '1.0.0' }] })
    expect(existsSync(`${target}.new`)).toBe(false)
    expect(existsSync(`${target}.relseal.lock`)).toBe(false)

    expect(await install('2.0.0')).toMatchObject({ outcome: 'up-to-date', to: { version: '2.0.0' } })
  })

  it('keeps --keep backups and rolls back to the newest older one after re-checking its digest', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0', '3.0.0'])
    const { dir, target, install } = setup(r)
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await install(v, { keep: 1 })
    expect(readdirSync(dir).filter((n) => n.includes('.bak-'))).toEqual(['agent.bak-2.0.0'])
    const back = await rollbackArtifact({ target })
    expect(back).toMatchObject({ from: { version: '3.0.0' }, to: { version: '2.0.0' } })
    expect(readFileSync(target)).toEqual(r.bytes['2.0.0'])
    expect(record(target).current?.version).toBe('2.0.0')
    await expect(rollbackArtifact({ target })).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
    // forward again: 3.0.0 is newer than the running 2.0.0
    expect(await install('3.0.0')).toMatchObject({ outcome: 'installed', to: { version: '3.0.0' } })
  })

  it('refuses a backup that changed on disk, leaving the target as it was', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0'])
    const { dir, target, install } = setup(r)
    await install('1.0.0')
    await install('2.0.0')
    // a new file under the backup's name (not an edit in place: that would change the target too)
    writeFileSync(`${target}.bak-1.0.0.x`, 'evil\n')
    execFileSync('mv', [`${target}.bak-1.0.0.x`, `${target}.bak-1.0.0`])
    const before = snapshot(dir)
    await expect(rollbackArtifact({ target })).rejects.toMatchObject({ code: 'E_TREE_MISMATCH' })
    expect(snapshot(dir)).toEqual(before)
  })
})

describe('when the download or the manifest is not what was signed', () => {
  it('refuses a tampered artifact (E_TREE_MISMATCH) with the target and its folder untouched', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0'])
    const { dir, install } = setup(r)
    await install('1.0.0')
    const agent = join(r.dirs['2.0.0']!, 'agent')
    const bytes = readFileSync(agent)
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 1, bytes.length - 2)
    writeFileSync(agent, bytes)
    const before = snapshot(dir)
    await expect(install('2.0.0')).rejects.toMatchObject({ code: 'E_TREE_MISMATCH' })
    expect(snapshot(dir)).toEqual(before)
    writeFileSync(agent, Buffer.concat([r.bytes['2.0.0']!, Buffer.from('more')]))
    await expect(install('2.0.0')).rejects.toMatchObject({ code: 'E_TREE_MISMATCH' })
    writeFileSync(agent, r.bytes['2.0.0']!.subarray(0, 10))
    await expect(install('2.0.0')).rejects.toMatchObject({ code: 'E_TREE_MISMATCH' })
    expect(snapshot(dir)).toEqual(before)
  })

  it('refuses an unlisted artifact, a key it does not trust, a downgrade and a reused version', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0'])
    const { dir, target, install, policy } = setup(r)
    await install('2.0.0')
    const before = snapshot(dir)
    await expect(install('2.0.0', { artifact: 'other' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' })
    const stranger = { keys: [parsePublicKey(Buffer.from(r.origin.key.publicKey).toString('base64'), 'x')] }
    await expect(install('2.0.0', { policy: { ...stranger, repository: 'acme/app' } })).rejects.toMatchObject(
      {
        code: 'E_UNTRUSTED_KEY',
      },
    )
    await expect(install('1.0.0')).rejects.toMatchObject({ code: 'E_DOWNGRADE' })
    await expect(install('2.0.0', { policy: { ...policy, repository: 'acme/other' } })).rejects.toMatchObject(
      {
        code: 'E_USAGE',
      },
    )
    expect(snapshot(dir)).toEqual(before)
    expect(await install('1.0.0', { allowDowngrade: true })).toMatchObject({ outcome: 'installed' })
    // 2.0.0 again, signed over other bytes: never, whatever the flags
    const other = await makeArtifactReleases(['2.0.0'], { padBytes: 10 })
    const otherPolicy = {
      keys: [parsePublicKey(readFileSync(other.origin.pubFile, 'utf8'), 'p')],
      repository: 'acme/app',
    }
    await expect(
      installArtifact({
        manifest: other.manifest('2.0.0'),
        policy: otherPolicy,
        artifact: 'agent',
        target,
        allowDowngrade: true,
      }),
    ).rejects.toMatchObject({ code: 'E_VERSION_REUSED' })
  })

  it('asks for --repository at the first install', async () => {
    const r = await makeArtifactReleases(['1.0.0'])
    const { dir, install, policy } = setup(r)
    await expect(install('1.0.0', { policy: { keys: policy.keys } })).rejects.toMatchObject({
      code: 'E_USAGE',
    })
    expect(readdirSync(dir)).toEqual([])
  })

  it('refuses to go on when the target holds bytes it did not install', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0'])
    const { target, install } = setup(r)
    await install('1.0.0')
    writeFileSync(target, 'replaced by hand\n')
    await expect(install('2.0.0')).rejects.toMatchObject({ code: 'E_TREE_MISMATCH' })
    expect(readFileSync(target, 'utf8')).toBe('replaced by hand\n')
  })

  it('adopts an unrecorded file at the target, keeping it as .bak-unrecorded', async () => {
    const r = await makeArtifactReleases(['1.0.0'])
    const { target, install } = setup(r)
    writeFileSync(target, 'hand-installed\n', { mode: 0o700 })
    await install('1.0.0')
    expect(readFileSync(`${target}.bak-unrecorded`, 'utf8')).toBe('hand-installed\n')
    expect(statSync(target).mode & 0o777).toBe(0o700)
  })
})

describe('restart and watch after the swap', () => {
  const fast = { watchForMs: 10, watchIntervalMs: 10, sleep: () => Promise.resolve() }

  it('swaps the old file back when the new one fails its watch (outcome rolled-back)', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0'])
    const { target, install } = setup(r)
    await install('1.0.0')
    // passes only while 1.0.0 is in place
    const supervise = { ...fast, restartCommand: 'true', watchCommand: `grep -q "'1.0.0'" agent` }
    const res = await install('2.0.0', { supervise })
    expect(res).toMatchObject({
      outcome: 'rolled-back',
      from: { version: '1.0.0' },
      to: { version: '2.0.0' },
    })
    expect(res.afterRollback).toBe('healthy')
    expect(res.failure).toContain('E_WATCH_FAILED')
    expect(readFileSync(target)).toEqual(r.bytes['1.0.0'])
    expect(record(target)).toMatchObject({ current: { version: '1.0.0' } })
    expect(record(target)).not.toHaveProperty('unwatched')
  })

  it('fails with E_UPDATE_FAILED when there is nothing to go back to, and watches again next time', async () => {
    const r = await makeArtifactReleases(['1.0.0'])
    const { dir, target, install } = setup(r)
    const supervise = { ...fast, watchCommand: 'test -e healthy' }
    await expect(install('1.0.0', { supervise })).rejects.toMatchObject({ code: 'E_UPDATE_FAILED' })
    expect(readFileSync(target)).toEqual(r.bytes['1.0.0'])
    expect(record(target)).toMatchObject({ unwatched: true })
    writeFileSync(join(dir, 'healthy'), '')
    expect(await install('1.0.0', { supervise })).toMatchObject({ outcome: 'up-to-date' })
    expect(record(target)).not.toHaveProperty('unwatched')
  })
})

describe('on Windows', () => {
  it('refuses with E_UNSUPPORTED_PLATFORM before touching anything', async () => {
    const r = await makeArtifactReleases(['1.0.0'])
    const { dir, target, install } = setup(r)
    await expect(install('1.0.0', { platform: 'win32' })).rejects.toMatchObject({
      code: 'E_UNSUPPORTED_PLATFORM',
    })
    await expect(rollbackArtifact({ target, platform: 'win32' })).rejects.toMatchObject({
      code: 'E_UNSUPPORTED_PLATFORM',
    })
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('relseal install-artifact and rollback --artifact (CLI)', () => {
  it('installs with --mode, rolls back, and refuses mistakes with exit 2', async () => {
    const r = await makeArtifactReleases(['1.0.0', '2.0.0'])
    const dir = tempDir('relseal-bin-')
    const cli = (v: string, extra: string[] = []) =>
      runCli(
        [
          'install-artifact',
          '--manifest',
          r.manifest(v),
          '--pubkey',
          r.origin.pubFile,
          '--artifact',
          'agent',
          '--to',
          'agent',
          ...extra,
        ],
        dir,
      )
    expect((await cli('1.0.0')).code).toBe(2) // no --repository at the first install
    const one = await cli('1.0.0', ['--repository', 'acme/app', '--mode', '700'])
    expect(one.stdout).toContain('installed agent 1.0.0')
    expect(one.code).toBe(0)
    expect(statSync(join(dir, 'agent')).mode & 0o777).toBe(0o700)
    expect((await cli('2.0.0', ['--mode', '9'])).code).toBe(2)
    const two = await cli('2.0.0', ['--json'])
    expect(two.code).toBe(0)
    expect(JSON.parse(two.stdout)).toMatchObject({
      outcome: 'installed',
      backup: join(dir, 'agent.bak-1.0.0'),
    })
    const back = await runCli(['rollback', '--artifact', 'agent'], dir)
    expect(back.stdout).toContain('rolled back 2.0.0 -> 1.0.0')
    expect(back.code).toBe(0)
    expect((await runCli(['rollback', '--artifact', 'agent', '--app-root', '.'], dir)).code).toBe(2)
    // a missing folder, a folder as the target: exit 2 with a code
    for (const to of ['nowhere/agent', '.']) {
      const bad = await cli('2.0.0', ['--to', to])
      expect(bad.stderr).toMatch(/^relseal install-artifact: error E_[A-Z_]+: \S/)
      expect(bad.code).toBe(2)
    }
    expect((await runCli(['rollback'], dir)).code).toBe(2)
  })
})

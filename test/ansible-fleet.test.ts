import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { evidenceLines } from './helpers/app-root.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

// deploy/ansible run for real by Debian's ansible-core (ansible-playbook, builtin modules only),
// in an environment of its own: its config, home and temp folders live in the test's temp folder,
// so ~/.ansible, /etc/ansible and ANSIBLE_* variables of the caller are never read.

const repo = fileURLToPath(new URL('..', import.meta.url))
const ansibleDir = join(repo, 'deploy/ansible')
const playbook = join(ansibleDir, 'rolling-update.yml')
const relsealBin = join(repo, 'bin/relseal.js')
/** A deadline against a hung ansible-playbook only (never a speed assertion); the test's own is longer. */
const PLAYBOOK_DEADLINE_MS = 420_000
const TEST_TIMEOUT_MS = 900_000

/**
 * Fails the calling test (never skips it) when ansible-playbook or build/ is missing. Called by each
 * test rather than in beforeAll, which would leave the tests reported as skipped.
 */
function needAnsible(): void {
  const probe = spawnSync('ansible-playbook', ['--version'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
  })
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'ansible-playbook was not found or does not run: these tests run deploy/ansible for real. ' +
        'Install ansible-core (Debian/Ubuntu: apt-get install ansible-core; .ci/run installs it). ' +
        `${probe.error?.message ?? probe.stderr}`,
    )
  }
  if (!existsSync(join(repo, 'build/cli/main.js'))) {
    throw new Error('build/ is missing: run `npm run build` (npm test does it) before this test')
  }
}

/** ansible.cfg, home and temp folders in `dir`; returns the environment to run ansible with. */
function isolatedAnsible(dir: string): NodeJS.ProcessEnv {
  const home = join(dir, 'home')
  mkdirSync(home, { recursive: true })
  const cfg = join(dir, 'ansible.cfg')
  writeFileSync(
    cfg,
    [
      '[defaults]',
      `roles_path = ${join(ansibleDir, 'roles')}`,
      `collections_path = ${join(dir, 'collections')}`,
      `local_tmp = ${join(dir, 'tmp-local')}`,
      `remote_tmp = ${join(dir, 'tmp-remote')}`,
      'retry_files_enabled = False',
      'nocolor = True',
      'interpreter_python = /usr/bin/python3',
      'stdout_callback = default',
      'forks = 10',
      'localhost_warning = False',
      '[inventory]',
      'unparsed_is_failed = True', // an inventory that does not parse is an error, not a warning
      '',
    ].join('\n'),
  )
  return {
    PATH: process.env.PATH,
    HOME: home,
    ANSIBLE_CONFIG: cfg,
    ANSIBLE_HOME: join(home, '.ansible'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_LOCAL_TEMP: join(dir, 'tmp-local'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'tmp-remote'),
    // ansible-core refuses to start unless the locale's encoding is UTF-8.
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
  }
}

/**
 * Runs ansible-playbook without blocking the test worker. `output` is its stdout (the default
 * callback's task results and recap); `log` adds stderr (warnings) for failure messages.
 */
function ansiblePlaybook(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  return new Promise<{ code: number | null; output: string; log: string }>((done, fail) => {
    // A process group of its own, so that the deadline also ends its workers and the relseal they run.
    const child = spawn('ansible-playbook', args, {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const deadline = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), PLAYBOOK_DEADLINE_MS)
    child.on('error', fail)
    child.on('close', (code, signal) => {
      clearTimeout(deadline)
      const log = `${stdout}\n--- stderr ---\n${stderr}`
      if (signal !== null)
        fail(
          new Error(`ansible-playbook ended by ${signal} (hang guard: ${PLAYBOOK_DEADLINE_MS} ms):\n${log}`),
        )
      else done({ code, output: stdout, log })
    })
  })
}

/** The PLAY RECAP counters per host (a host that was never attempted has no line). */
function recap(output: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  const tail = output.slice(output.lastIndexOf('PLAY RECAP'))
  for (const m of tail.matchAll(/^(\S+)\s+:\s+(.*)$/gm)) {
    out[m[1]!] = Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((c) => [c[1]!, Number(c[2])]))
  }
  return out
}

const current = (root: string) => readlinkSync(join(root, 'current'))

function writeInventory(dir: string, vars: Record<string, unknown>, hosts: Record<string, object>): string {
  const path = join(dir, 'inventory.json') // JSON is YAML: ansible's yaml inventory plugin reads it
  const all = { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3', ...vars }
  writeFileSync(path, JSON.stringify({ all: { vars: all, children: { app_servers: { hosts } } } }, null, 2))
  return path
}

async function appRootOn(o: Origin, root: string, manifest: string): Promise<void> {
  const init = await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
  expect(init.code, init.stderr).toBe(0)
  const first = await runCli(
    ['update', '--app-root', root, '--manifest', manifest, '--pubkey', o.pubFile, '--repository', 'acme/app'],
    '/',
  )
  expect(first.code, first.stderr).toBe(0)
}

describe('deploy/ansible: rolling update with the relseal_update role', () => {
  it(
    'passes ansible-playbook --syntax-check, and the example inventory names the hosts of the play',
    async () => {
      needAnsible()
      const dir = tempDir('relseal-ansible-')
      const env = isolatedAnsible(dir)
      const example = join(ansibleDir, 'inventory.example.yml')
      const syntax = await ansiblePlaybook(['--syntax-check', '-i', example, playbook], env, dir)
      expect(syntax.code, syntax.log).toBe(0)
      expect(syntax.output).toContain('playbook: ')
      const hosts = await ansiblePlaybook(['--list-hosts', '-i', example, playbook], env, dir)
      expect(hosts.code, hosts.log).toBe(0)
      expect(hosts.output).toContain('hosts (3):') // listed in no fixed order
      for (const h of ['app1', 'app2', 'app3']) expect(hosts.output).toContain(`${h}.example.net`)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'updates hosts one by one and stops at the first failed health check, leaving the rest untouched',
    async () => {
      needAnsible()
      const o = await makeOrigin(['1.0.0', '2.0.0'])
      const m1 = await signVersion(o, '1.0.0')
      const m2 = await signVersion(o, '2.0.0')
      const dir = tempDir('relseal-ansible-')
      const roots: Record<string, string> = {}
      for (const h of ['h1', 'h2', 'h3', 'h4']) {
        roots[h] = join(dir, 'hosts', h, 'app')
        await appRootOn(o, roots[h], m1)
      }
      const inventory = writeInventory(
        dir,
        {
          relseal_bin: [process.execPath, relsealBin],
          relseal_manifest: m2,
          relseal_pubkeys: [o.pubFile],
          relseal_repository: 'acme/app',
          relseal_health_cmd: 'test -f src/version.js',
        },
        {
          h1: { relseal_app_root: roots.h1 },
          h2: { relseal_app_root: roots.h2 },
          h3: {
            relseal_app_root: roots.h3,
            relseal_health_cmd: "echo 'no answer on port 8080' >&2; exit 1",
          },
          h4: { relseal_app_root: roots.h4 },
        },
      )

      const r = await ansiblePlaybook(
        ['-i', inventory, playbook, '-e', JSON.stringify({ relseal_serial: 1 })],
        isolatedAnsible(dir),
        dir,
      )

      expect(r.code, r.log).toBe(2) // ansible-playbook: one or more hosts failed
      const counts = recap(r.output)
      expect(counts.h1, r.log).toMatchObject({ changed: 1, failed: 0 })
      expect(counts.h2, r.log).toMatchObject({ changed: 1, failed: 0 })
      expect(counts.h3, r.log).toMatchObject({ changed: 0, failed: 1 })
      expect(counts.h4, r.log).toBeUndefined() // never attempted
      expect(r.output).toMatch(/fatal: \[h3\].*E_HEALTH_FAILED.*no answer on port 8080/)
      expect(r.output).toContain('relseal updated: 1.0.0 -> 2.0.0')

      for (const h of ['h1', 'h2']) {
        expect(current(roots[h]!)).toBe('releases/2.0.0')
        expect(evidenceLines(roots[h]!).at(-1)).toMatchObject({
          outcome: 'updated',
          to: { version: '2.0.0' },
        })
      }
      expect(current(roots.h3!)).toBe('releases/1.0.0')
      expect(existsSync(join(roots.h3!, 'releases/2.0.0'))).toBe(false)
      expect(evidenceLines(roots.h3!).at(-1)).toMatchObject({
        outcome: 'failed',
        error_code: 'E_HEALTH_FAILED',
      })
      expect(current(roots.h4!)).toBe('releases/1.0.0')
      expect(evidenceLines(roots.h4!).map((e) => e.outcome)).toEqual(['updated']) // only the first install
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'maps every outcome and exit code of relseal update --json to ok, changed or failed',
    async () => {
      needAnsible()
      // A stand-in for relseal that answers per host as `relseal update --json` does (JSON on
      // stdout, "relseal update: error CODE: ..." on stderr), including outcomes other parts of
      // relseal add (deferred: exit 0; rolled-back: exit 4), and records the argv it was given.
      const dir = tempDir('relseal-ansible-')
      const stub = join(dir, 'relseal-stub.sh')
      writeFileSync(
        stub,
        'printf "%s\\n" "$@" > "$STUB_ARGV"\nprintf "%s" "$STUB_STDOUT"\nprintf "%s" "$STUB_STDERR" >&2\nexit "$STUB_EXIT"\n',
      )
      const answer =
        (exit: number, stdout: string, stderr = '') =>
        (host: string) => ({
          relseal_environment: {
            STUB_ARGV: join(dir, `${host}.argv`),
            STUB_EXIT: String(exit),
            STUB_STDOUT: stdout,
            STUB_STDERR: stderr,
          },
        })
      const json = (outcome: string) =>
        JSON.stringify({ outcome, run_id: 'r', from: null, to: { version: '2.0.0' } })
      const hosts = {
        updated: answer(0, json('updated')),
        uptodate: answer(0, json('up-to-date')),
        deferred: answer(0, json('deferred')),
        rolledback: answer(4, json('rolled-back')),
        refused: answer(1, '', 'relseal update: error E_BAD_SIGNATURE: the signature does not verify'),
        usage: answer(2, '', 'relseal update: error E_LOCKED: another update holds the lock'),
        failed: answer(3, '', 'relseal update: error E_UPDATE_FAILED: git fetch failed'),
        notjson: answer(0, 'updated 1.0.0 -> 2.0.0'),
        unknown: answer(0, json('surprise')),
        // In the batch after the one with the failures: max_fail_percentage 0 must stop the play first.
        later: answer(0, json('updated')),
      }
      const inventory = writeInventory(
        dir,
        {
          relseal_bin: `/bin/sh ${stub}`,
          relseal_manifest: 'github:acme/app@latest',
          relseal_app_root: '/srv/app',
          relseal_pubkeys: ['/etc/app/release.pub', 'ssh-ed25519 AAAAC3Nz key with spaces'],
          relseal_health_cmd: `curl -fsS 'http://127.0.0.1:8080/health' -o /dev/null`,
          relseal_keep: 2,
          relseal_extra_args: ['--tag-prefix', 'app-v'],
        },
        Object.fromEntries(Object.entries(hosts).map(([h, vars]) => [h, vars(h)])),
      )
      const env = isolatedAnsible(dir)
      const oneBatch = ['-e', JSON.stringify({ relseal_serial: '100%' })]
      const others = Object.keys(hosts).filter((h) => h !== 'later')

      const good = await ansiblePlaybook(
        ['-i', inventory, playbook, ...oneBatch, '--limit', 'updated,uptodate,deferred'],
        env,
        dir,
      )
      expect(good.code, good.log).toBe(0)
      expect(recap(good.output)).toMatchObject({
        updated: { changed: 1, failed: 0 },
        uptodate: { changed: 0, failed: 0 },
        deferred: { changed: 0, failed: 0 },
      })
      expect(good.output).toContain('relseal deferred: 2.0.0')
      expect(readFileSync(join(dir, 'updated.argv'), 'utf8').split('\n').slice(0, -1)).toEqual([
        'update',
        '--json',
        '--quiet',
        '--app-root=/srv/app',
        '--manifest=github:acme/app@latest',
        '--pubkey=/etc/app/release.pub',
        '--pubkey=ssh-ed25519 AAAAC3Nz key with spaces',
        `--health-cmd=curl -fsS 'http://127.0.0.1:8080/health' -o /dev/null`,
        '--keep=2',
        '--tag-prefix',
        'app-v',
      ])

      // One batch of every host but `later`, then a batch of `later` alone.
      const all = await ansiblePlaybook(
        ['-i', inventory, playbook, '-e', JSON.stringify({ relseal_serial: [others.length, '100%'] })],
        env,
        dir,
      )
      expect(all.code, all.log).toBe(2)
      const counts = recap(all.output)
      expect(counts.later, all.log).toBeUndefined()
      expect(existsSync(join(dir, 'later.argv'))).toBe(false)
      for (const h of ['updated', 'uptodate', 'deferred']) expect(counts[h], h).toMatchObject({ failed: 0 })
      for (const h of ['rolledback', 'refused', 'usage', 'failed', 'notjson', 'unknown']) {
        expect(counts[h], `${h}\n${all.log}`).toMatchObject({ failed: 1 })
      }
      // The error line relseal printed is in the failed host's result.
      expect(all.output).toMatch(/fatal: \[refused\].*E_BAD_SIGNATURE: the signature does not verify/)
      expect(all.output).toMatch(/fatal: \[failed\].*E_UPDATE_FAILED/)
    },
    TEST_TIMEOUT_MS,
  )
})

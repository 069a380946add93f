import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { generateKeyPair } from '../../src/keys/ed25519.js'
import { keyIdOf } from '../../src/keys/key-id.js'
import { runCli } from './cli.js'
import { commitAll, git, GIT_TEST_ENV, makeRepo, writeTree } from './git-repo.js'
import type { Origin } from './origin.js'
import { tempDir } from './tmp.js'

/**
 * A real app for the supervisor tests: each release holds server.js, a node HTTP server on
 * 127.0.0.1 with an ephemeral port that answers its version and writes its port to the file named
 * by argv[2]. A release listed in `crashing` exits 300 ms after it started listening.
 */
function serverSource(version: string, crashes: boolean): string {
  return [
    "const { createServer } = require('node:http')",
    "const { writeFileSync } = require('node:fs')",
    `const server = createServer((_req, res) => res.end('${version}'))`,
    "server.listen(0, '127.0.0.1', () => {",
    "  writeFileSync(process.argv[2] + '.tmp', String(server.address().port))",
    "  require('node:fs').renameSync(process.argv[2] + '.tmp', process.argv[2])",
    crashes ? "  setTimeout(() => { console.error('crashed'); process.exit(1) }, 300)" : '',
    '})',
    '',
  ].join('\n')
}

/** A bare origin with one commit per version, each a release of the app. */
export async function makeAppOrigin(versions: string[], crashing: string[]): Promise<Origin> {
  const work = makeRepo({ 'package.json': '{"name":"app"}\n' })
  const commits: Record<string, string> = {}
  for (const v of versions) {
    writeTree(work, { 'server.js': serverSource(v, crashing.includes(v)) })
    commits[v] = commitAll(work, `release ${v}`)
    git(work, 'tag', `v${v}`)
  }
  const bare = join(tempDir('relseal-origin-'), 'origin.git')
  execFileSync('git', ['clone', '-q', '--bare', work, bare], { env: GIT_TEST_ENV })
  const out = tempDir('relseal-manifests-')
  const kg = await runCli(['keygen', '--out', 'release'], out)
  if (kg.code !== 0) throw new Error(kg.stderr)
  const kp = generateKeyPair() // unused by these tests; Origin carries one
  return {
    bare,
    work,
    commits,
    keyFile: join(out, 'release.key'),
    pubFile: join(out, 'release.pub'),
    key: { ...kp, keyId: keyIdOf(kp.publicKey) },
    out,
  }
}

/** Pid files of the apps the tests started; every app still running is killed after each test. */
const pidFiles: string[] = []
afterEach(() => {
  for (const f of pidFiles.splice(0)) {
    if (!existsSync(f)) continue
    try {
      process.kill(Number(readFileSync(f, 'utf8')), 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
})

/**
 * Writes restart.sh and probe.js into `dir` (outside the app root) and returns the --restart-cmd
 * and --watch-cmd for an app root: restart stops the app the pid file names and starts
 * `current/server.js` in the background, then waits for its port; the probe asks it for a page.
 */
export function appCommands(dir: string): {
  restart: string
  watch: string
  pidFile: string
  portFile: string
} {
  const pidFile = join(dir, 'app.pid')
  const portFile = join(dir, 'app.port')
  pidFiles.push(pidFile)
  writeFileSync(
    join(dir, 'restart.sh'),
    [
      `if [ -f '${pidFile}' ]; then kill "$(cat '${pidFile}')" 2>/dev/null; fi`,
      `rm -f '${portFile}'`,
      `nohup node current/server.js '${portFile}' >> '${join(dir, 'app.log')}' 2>&1 &`,
      `echo $! > '${pidFile}'`,
      `i=0; while [ ! -s '${portFile}' ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`,
      `[ -s '${portFile}' ] || { echo 'the app did not start' >&2; exit 1; }`,
      '',
    ].join('\n'),
  )
  writeFileSync(
    join(dir, 'probe.js'),
    [
      "const port = require('node:fs').readFileSync(process.argv[2], 'utf8')",
      "fetch('http://127.0.0.1:' + port + '/', { signal: AbortSignal.timeout(5000) })",
      '  .then((r) => process.exit(r.ok ? 0 : 1), (e) => { console.error(String(e)); process.exit(1) })',
      '',
    ].join('\n'),
  )
  return {
    restart: `sh '${join(dir, 'restart.sh')}'`,
    watch: `node '${join(dir, 'probe.js')}' '${portFile}'`,
    pidFile,
    portFile,
  }
}

/** What the running app answers. */
export async function appAnswer(portFile: string): Promise<string> {
  const port = readFileSync(portFile, 'utf8')
  const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) })
  return r.text()
}

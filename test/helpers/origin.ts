import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { keyIdOf } from '../../src/keys/key-id.js'
import { generateKeyPair } from '../../src/keys/ed25519.js'
import type { SigningKey } from '../../src/keys/index.js'
import { runCli } from './cli.js'
import { commitAll, git, GIT_TEST_ENV, makeRepo, writeTree } from './git-repo.js'
import { tempDir } from './tmp.js'

export interface Origin {
  /** A bare repository: the remote the app root fetches from. */
  bare: string
  /** The working clone the versions were committed in. */
  work: string
  commits: Record<string, string>
  keyFile: string
  pubFile: string
  key: SigningKey
  /** Where manifests are written. */
  out: string
}

/** A bare origin with one tagged commit per version, and a signing key pair on disk. */
export async function makeOrigin(versions = ['1.0.0', '2.0.0', '3.0.0']): Promise<Origin> {
  const work = makeRepo({ 'package.json': '{"name":"app"}\n' })
  const commits: Record<string, string> = {}
  for (const v of versions) {
    writeTree(work, {
      'src/version.js': `export const version = '${v}'\n`,
      [`notes/${v}.md`]: `release ${v}\n`,
    })
    commits[v] = commitAll(work, `release ${v}`)
    git(work, 'tag', `v${v}`)
  }
  const bare = join(tempDir('relseal-origin-'), 'origin.git')
  execFileSync('git', ['clone', '-q', '--bare', work, bare], { env: GIT_TEST_ENV })
  const out = tempDir('relseal-manifests-')
  const kg = await runCli(['keygen', '--out', 'release'], out)
  if (kg.code !== 0) throw new Error(kg.stderr)
  const kp = generateKeyPair()
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

/** Signs version `v` with the real `relseal sign` command; returns the manifest path. */
export async function signVersion(o: Origin, v: string, extra: string[] = []): Promise<string> {
  const path = join(o.out, `v${v}.release_manifest.json`)
  const r = await runCli(
    [
      'sign',
      '--key',
      o.keyFile,
      '--dir',
      o.work,
      '--commit',
      o.commits[v]!,
      '--tag',
      `v${v}`,
      '--version',
      v,
      '--repository',
      'acme/app',
      '--out',
      path,
      ...extra,
    ],
    o.out,
  )
  if (r.code !== 0) throw new Error(r.stderr)
  return path
}

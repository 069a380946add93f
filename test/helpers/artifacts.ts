import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from './cli.js'
import { makeOrigin, type Origin } from './origin.js'
import { tempDir } from './tmp.js'

/** A small Node program standing in for a self-updating binary: prints its version, or keeps running. */
export function agentScript(version: string, padBytes = 0): string {
  return (
    '#!/usr/bin/env node\n' +
    `const version = '${version}'\n` +
    "if (process.argv[2] === '--version') console.log(version)\n" +
    "else { console.log('ready ' + version); setInterval(() => {}, 1000) }\n" +
    (padBytes > 0 ? `/* ${'x'.repeat(padBytes)} */\n` : '')
  )
}

export interface ArtifactReleases {
  origin: Origin
  /** version -> folder holding release_manifest.json and the artifacts it lists */
  dirs: Record<string, string>
  manifest: (v: string) => string
  bytes: Record<string, Buffer>
}

/**
 * One signed release per version (the real `relseal sign --artifact`), each in its own folder
 * beside its artifacts: `agent` (agentScript) plus any extra files made by `extra(version, dir)`.
 */
export async function makeArtifactReleases(
  versions: string[],
  o: { padBytes?: number; extra?: (v: string, dir: string) => string[] } = {},
): Promise<ArtifactReleases> {
  const origin = await makeOrigin(versions)
  const root = tempDir('relseal-artifacts-')
  const dirs: Record<string, string> = {}
  const bytes: Record<string, Buffer> = {}
  for (const v of versions) {
    const dir = join(root, `v${v}`)
    mkdirSync(dir)
    bytes[v] = Buffer.from(agentScript(v, o.padBytes ?? 0))
    writeFileSync(join(dir, 'agent'), bytes[v])
    const artifacts = ['agent', ...(o.extra?.(v, dir) ?? [])].flatMap((a) => ['--artifact', join(dir, a)])
    const r = await runCli(
      [
        'sign',
        '--key',
        origin.keyFile,
        '--dir',
        origin.work,
        '--commit',
        origin.commits[v]!,
        '--tag',
        `v${v}`,
        '--version',
        v,
        '--repository',
        'acme/app',
        '--out',
        join(dir, 'release_manifest.json'),
        ...artifacts,
      ],
      dir,
    )
    if (r.code !== 0) throw new Error(r.stderr)
    dirs[v] = dir
  }
  return { origin, dirs, bytes, manifest: (v) => join(dirs[v]!, 'release_manifest.json') }
}

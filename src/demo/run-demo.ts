import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isRelsealError } from '../errors.js'
import { generateKeyPair, keyIdOf, type SigningKey } from '../keys/index.js'
import { MANIFEST_SCHEMA, signManifest, verifyManifest, verifyTree } from '../manifest/index.js'
import { hashTree } from '../tree/index.js'
import { initAppRoot, updateToRelease } from '../update/index.js'
import { readlinkSync, readdirSync } from 'node:fs'
import { createDemoOrigin, DEMO_VERSIONS } from './origin.js'

export interface DemoStep {
  title: string
  detail: string
}

/** Hash of every file under a folder, to show that a refusal changed nothing. */
function snapshot(files: string[]): string {
  const h = createHash('sha256')
  for (const f of files) h.update(f).update(readFileSync(f))
  return h.digest('hex')
}

async function signRelease(
  origin: string,
  releases: string,
  version: string,
  key: SigningKey,
): Promise<string> {
  const tag = `v${version}`
  const tree = await hashTree({ dir: origin, rev: tag })
  const envelope = signManifest(
    {
      schema: MANIFEST_SCHEMA,
      repository: 'demo/app',
      tag,
      version,
      commit: tree.commit!,
      code_hash: tree.codeHash,
      file_manifest_hash: tree.fileManifestHash,
      file_count: tree.files,
      artifacts: [],
      created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    [key],
  )
  const dir = join(releases, tag)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'release_manifest.json'), envelope)
  writeFileSync(join(dir, 'release_files.sha256'), tree.fileManifest)
  return join(dir, 'release_manifest.json')
}

/**
 * The whole chain on an embedded default, offline: an origin with two tagged versions, a fresh
 * key, both releases signed into a local release folder, verification of the newest against the
 * pinned commit, and a tampered manifest refused with nothing changed. Reports each step.
 */
export async function runDemo(workDir: string, report: (step: DemoStep) => void): Promise<void> {
  const origin = await createDemoOrigin(join(workDir, 'origin'))
  report({
    title: 'origin repository',
    detail: `${origin} with tags ${DEMO_VERSIONS.map((v) => `v${v.version}`).join(', ')}`,
  })

  const kp = generateKeyPair()
  const key: SigningKey = { ...kp, keyId: keyIdOf(kp.publicKey) }
  report({ title: 'fresh signing key', detail: `Ed25519, key id ${key.keyId}` })

  const releases = join(workDir, 'releases')
  const manifests: string[] = []
  for (const v of DEMO_VERSIONS) manifests.push(await signRelease(origin, releases, v.version, key))
  report({ title: 'releases signed', detail: manifests.join('\n') })

  const newest = manifests.at(-1)!
  const verified = verifyManifest(readFileSync(newest), { keys: [key], repository: 'demo/app' })
  const tree = await hashTree({ dir: origin, rev: verified.payload.commit })
  verifyTree(verified.payload, tree)
  report({
    title: 'verified before checkout',
    detail: `${verified.payload.tag} pins commit ${verified.payload.commit}; its tree hashes to ${tree.codeHash}, as signed`,
  })

  const app = join(workDir, 'app')
  await initAppRoot({ appRoot: app, remote: origin, repository: 'demo/app' })
  const policy = { keys: [key], repository: 'demo/app' }
  for (const m of manifests) {
    const r = await updateToRelease({
      appRoot: app,
      manifest: m,
      policy,
      healthCommand: 'test -f src/server.js',
    })
    report({
      title: `app updated to ${r.to.version}`,
      detail: `${r.from ? `from ${r.from.version}, ` : ''}current -> ${readlinkSync(join(app, 'current'))}, health check passed; rollback: ${r.evidence.rollback_command ?? 'none (first release)'}`,
    })
  }

  const tampered = join(workDir, 'tampered_manifest.json')
  const env = JSON.parse(readFileSync(newest, 'utf8')) as { payload: string }
  const payload = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { commit: string }
  payload.commit = '0'.repeat(40) // point the release at another commit, keep the signature
  writeFileSync(
    tampered,
    JSON.stringify({ ...env, payload: Buffer.from(JSON.stringify(payload)).toString('base64') }),
  )
  const files = [...manifests, tampered]
  const before = snapshot(files)
  let refusal: unknown
  try {
    verifyManifest(readFileSync(tampered), { keys: [key] })
  } catch (e) {
    refusal = e
  }
  if (!isRelsealError(refusal, 'E_BAD_SIGNATURE')) {
    throw new Error('the tampered manifest was not refused with E_BAD_SIGNATURE: this must never happen', {
      cause: refusal,
    })
  }
  const appBefore = `${readlinkSync(join(app, 'current'))}|${readdirSync(join(app, 'releases')).join(',')}`
  const refused = await updateToRelease({ appRoot: app, manifest: tampered, policy }).catch((e: unknown) => e)
  const appAfter = `${readlinkSync(join(app, 'current'))}|${readdirSync(join(app, 'releases')).join(',')}`
  if (!isRelsealError(refused, 'E_BAD_SIGNATURE') || appAfter !== appBefore) {
    throw new Error('the updater did not refuse the tampered manifest, or changed the app', {
      cause: refused,
    })
  }
  const unchanged = snapshot(files) === before
  report({
    title: 'tampered manifest refused',
    detail: `${refusal.code}: ${refusal.message}\nthe updater refused it too; app still runs ${appAfter.split('|')[0]}; files unchanged: ${unchanged ? 'yes' : 'NO'}`,
  })
  if (!unchanged) throw new Error('a refused manifest changed files')
}

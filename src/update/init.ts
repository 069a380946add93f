import { existsSync, mkdirSync } from 'node:fs'
import { RelsealError } from '../errors.js'
import { assertSafeRef, runGit } from '../git/git.js'
import { writeFileAtomic } from './atomic-file.js'
import { appLayout, type AppConfig } from './layout.js'

/**
 * Prepares an app root: a bare object store, releases/, the state folder and the recorded
 * remote. Fetches nothing: objects arrive only through verified updates.
 *
 * @example await initAppRoot({ appRoot: '/srv/app', remote: 'https://github.com/acme/app.git' })
 */
export async function initAppRoot(o: { appRoot: string; remote: string }): Promise<void> {
  const layout = appLayout(o.appRoot)
  assertSafeRef(o.remote, 'remote URL')
  if (existsSync(layout.config)) {
    throw new RelsealError('E_EXISTS', `${layout.root} is already a relseal app root; nothing was changed`)
  }
  for (const dir of [layout.root, layout.releases, layout.state, layout.manifests])
    mkdirSync(dir, { recursive: true })
  if (!existsSync(layout.store)) await runGit(['init', '-q', '--bare', layout.store], { cwd: layout.root })
  const config: AppConfig = { remote: o.remote }
  writeFileAtomic(layout.config, `${JSON.stringify(config, null, 2)}\n`)
}

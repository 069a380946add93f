import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { RelsealError } from '../errors.js'
import { runGit } from '../git/git.js'
import { verifyTrustRootChain } from '../trust/trust-root.js'
import { writeFileAtomic } from './atomic-file.js'
import { appLayout, type AppConfig } from './layout.js'
import { normalizeRemote, parseRepository, repositoryFromRemote, sameRepository } from './remote.js'
import { ensureSharedEntries, formatSharedEntries, parseSharedEntries, sharedDir } from './shared.js'
import { assertRootRepository } from './trust-root-store.js'

/** How long `init` waits for the remote to answer `git ls-remote`. */
export const REMOTE_CHECK_TIMEOUT_MS = 30_000

export interface InitOptions {
  appRoot: string
  /** https://, ssh://, scp-like ssh, or a local path (made absolute against `cwd`). */
  remote: string
  /** owner/name the releases are signed for; derived from a GitHub remote URL when absent. */
  repository?: string
  /** Skip the check that the remote answers (`git ls-remote`). */
  offline?: boolean
  /** Base for a relative local remote (default: the process's working directory). */
  cwd?: string
  /**
   * The bytes of the app's first trust root (trust-root.1.json, or any later version the app
   * pins). It must be signed by its own root_threshold and unexpired; it is stored as
   * .relseal/trust-root.json, and updates then verify with it instead of --pubkey keys.
   */
  trustRoot?: Uint8Array
  /**
   * Shared entries (`db`, `.env`, `logs/`, `file:secret`): made under `<app-root>/shared/` now,
   * recorded in config.json, and linked into every new release before its install command.
   */
  shared?: readonly string[]
}

function chooseRepository(remote: string, given: string | undefined): string {
  const derived = repositoryFromRemote(remote)
  if (given === undefined) {
    if (derived !== undefined) return derived
    throw new RelsealError(
      'E_USAGE',
      `cannot tell which GitHub repository ${remote} is; pass --repository OWNER/NAME (the repository the releases are signed for)`,
    )
  }
  parseRepository(given, '--repository')
  if (derived !== undefined && !sameRepository(derived, given)) {
    throw new RelsealError(
      'E_USAGE',
      `--repository ${given} contradicts the remote ${remote}, which is ${derived}; pass the repository the remote serves`,
    )
  }
  return given
}

async function checkRemoteAnswers(remote: string): Promise<void> {
  try {
    await runGit(['ls-remote', '--end-of-options', remote, 'HEAD'], {
      cwd: tmpdir(),
      timeoutMs: REMOTE_CHECK_TIMEOUT_MS,
    })
  } catch (e) {
    throw new RelsealError(
      'E_NETWORK',
      `the remote ${remote} did not answer git ls-remote within ${REMOTE_CHECK_TIMEOUT_MS / 1000} s ` +
        `(${e instanceof Error ? e.message : String(e)}); check the URL and your access, or pass --offline to record it unchecked`,
      { cause: e },
    )
  }
}

/**
 * Prepares an app root: a bare object store, releases/, the state folder, the recorded remote and
 * the repository its releases are signed for. Fetches nothing: objects arrive only through
 * verified updates. Returns the recorded config.
 *
 * @example await initAppRoot({ appRoot: '/srv/app', remote: 'https://github.com/acme/app.git' })
 */
export async function initAppRoot(o: InitOptions): Promise<AppConfig> {
  const layout = appLayout(o.appRoot)
  const remote = normalizeRemote(o.remote, o.cwd ?? process.cwd())
  const root = o.trustRoot === undefined ? undefined : verifyTrustRootChain([o.trustRoot]).at(-1)!
  const repository = chooseRepository(remote, o.repository ?? root?.payload.repository)
  if (root !== undefined) assertRootRepository(root, repository)
  if (existsSync(layout.config)) {
    throw new RelsealError('E_EXISTS', `${layout.root} is already a relseal app root; nothing was changed`)
  }
  const shared = parseSharedEntries(o.shared ?? [], sharedDir(layout))
  if (!o.offline) await checkRemoteAnswers(remote)
  for (const dir of [layout.root, layout.releases, layout.state, layout.manifests])
    mkdirSync(dir, { recursive: true })
  if (!existsSync(layout.store)) await runGit(['init', '-q', '--bare', layout.store], { cwd: layout.root })
  // The trust root first: the config's existence is what makes this an app root.
  if (root !== undefined) writeFileAtomic(layout.trustRoot, root.bytes)
  if (shared.length > 0) ensureSharedEntries(layout, shared)
  const config: AppConfig = {
    remote,
    repository,
    ...(shared.length > 0 ? { shared: formatSharedEntries(shared) } : {}),
  }
  writeFileAtomic(layout.config, `${JSON.stringify(config, null, 2)}\n`)
  return config
}

import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RelsealError } from '../errors.js'

// owner/name as GitHub spells them (the payload's repository rule, docs/manifest-spec.md).
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/
// git's "<transport>::<address>" form runs a remote helper (ext:: runs a shell command, fd:: uses fds).
const TRANSPORT_HELPER = /^[A-Za-z0-9+.-]+::/
const SCP_PREFIX = /^[A-Za-z0-9._@-]+$/

/** scp-like ssh, [user@]host:path: a ':' before any '/' (git's own rule), a plain user and host. */
function isScpLike(remote: string): boolean {
  const colon = remote.indexOf(':')
  const slash = remote.indexOf('/')
  if (colon <= 0 || (slash !== -1 && slash < colon) || colon === remote.length - 1) return false
  const prefix = remote.slice(0, colon)
  return SCP_PREFIX.test(prefix) && prefix.indexOf('@') === prefix.lastIndexOf('@') && !prefix.endsWith('@')
}

function refuse(remote: string, why: string): RelsealError {
  return new RelsealError(
    'E_BAD_INPUT',
    `remote ${JSON.stringify(remote)} ${why}; use https://HOST/OWNER/REPO.git, ssh://git@HOST/OWNER/REPO.git, ` +
      `git@HOST:OWNER/REPO.git or an absolute path to a local repository`,
  )
}

/**
 * Checks a remote before `init` records it (issue 23, item 4): https://, ssh://, scp-like ssh and
 * local paths (made absolute against `cwd`; file:// too) only. `ext::`, `fd::` and every other
 * `<transport>::`, options (a leading '-'), control characters, http:// and git:// are refused.
 *
 * @example normalizeRemote('../origin.git', '/srv/work') // '/srv/origin.git'
 */
export function normalizeRemote(remote: string, cwd: string): string {
  if (remote === '' || remote.startsWith('-')) throw refuse(remote, 'is empty or starts with "-" (an option)')
  if (CONTROL_CHARS.test(remote)) throw refuse(remote, 'holds control characters')
  if (TRANSPORT_HELPER.test(remote)) throw refuse(remote, 'names a git remote helper ("<transport>::")')
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(remote)?.[1]?.toLowerCase()
  if (scheme === 'https' || scheme === 'ssh') {
    let url: URL
    try {
      url = new URL(remote)
    } catch {
      throw refuse(remote, 'is not a valid URL')
    }
    if (url.hostname === '' || url.hostname.startsWith('-')) throw refuse(remote, 'has no usable host')
    return remote
  }
  if (scheme === 'file') {
    let path: string
    try {
      path = fileURLToPath(remote)
    } catch {
      throw refuse(remote, 'is not a valid file:// URL')
    }
    return path
  }
  if (scheme !== undefined) throw refuse(remote, `uses ${scheme}://, which relseal does not fetch over`)
  if (isScpLike(remote)) return remote
  return isAbsolute(remote) ? resolve(remote) : resolve(cwd, remote)
}

/** owner/name from a GitHub remote URL (https, ssh:// or scp-like), or undefined. */
export function repositoryFromRemote(remote: string): string | undefined {
  let host: string
  let path: string
  const scp = isScpLike(remote) && !remote.includes('://')
  if (scp) {
    const at = remote.indexOf('@')
    const colon = remote.indexOf(':')
    host = remote.slice(at < colon ? at + 1 : 0, colon)
    path = remote.slice(colon + 1)
  } else {
    let url: URL
    try {
      url = new URL(remote)
    } catch {
      return undefined
    }
    if (url.protocol !== 'https:' && url.protocol !== 'ssh:') return undefined
    if (url.port !== '' || url.search !== '' || url.hash !== '') return undefined
    host = url.hostname
    path = url.pathname.slice(1)
  }
  if (host.toLowerCase() !== 'github.com') return undefined
  path = path.replace(/\/$/, '').replace(/\.git$/, '')
  return REPOSITORY.test(path) ? path : undefined
}

/** Validates an owner/name given on the command line or to the library. */
export function parseRepository(value: string, what: string): string {
  if (!REPOSITORY.test(value)) {
    throw new RelsealError(
      'E_USAGE',
      `${what} ${JSON.stringify(value)} is not OWNER/NAME as GitHub spells them (for example acme/app)`,
    )
  }
  return value
}

/** True when two owner/name values name the same repository (GitHub names are case-insensitive). */
export function sameRepository(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

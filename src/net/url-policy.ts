/**
 * Which URLs relseal's one HTTP fetcher may talk to (ARCHITECTURE.md, "Growing it": src/net/):
 * https everywhere, plain http only to this machine, redirects only within an origin or, for
 * release asset downloads, to GitHub's asset storage hosts.
 */
import { isIPv4 } from 'node:net'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'

/** Hosts GitHub redirects release asset downloads to (api.github.com → storage, pre-signed URL). */
export const GITHUB_ASSET_HOSTS: readonly string[] = [
  'objects.githubusercontent.com',
  'release-assets.githubusercontent.com',
  'github-releases.githubusercontent.com',
]

/** True for 127.0.0.0/8, ::1 and `localhost`: the only hosts plain http may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase()
  return h === 'localhost' || h === '[::1]' || h === '::1' || (isIPv4(h) && h.startsWith('127.'))
}

/** True when `url` may be fetched at all: https, or http to a loopback host. */
export function isAllowedScheme(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
}

/**
 * Parses a URL relseal is asked to fetch and refuses, before any connection, anything but https
 * (plain http only to loopback, for tests and local mirrors). E_INSECURE_TRANSPORT.
 *
 * @example checkFetchUrl('https://api.github.com', '--api-url')
 */
export function checkFetchUrl(text: string, what: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new RelsealError('E_USAGE', `${what} "${escapeUntrusted(text)}" is not a URL`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new RelsealError(
      'E_INSECURE_TRANSPORT',
      `${what} ${url.origin} carries a user name or password in the URL; pass a token through GITHUB_TOKEN instead`,
    )
  }
  if (!isAllowedScheme(url)) {
    throw new RelsealError(
      'E_INSECURE_TRANSPORT',
      `${what} ${url.protocol === 'http:' ? url.origin : `"${escapeUntrusted(text)}"`} is not https; ` +
        'relseal fetches over https only (plain http only from 127.0.0.1, ::1 or localhost): use the https:// URL',
    )
  }
  return url
}

/**
 * Where a redirect may lead: the same origin, or for an asset download one of GitHub's asset
 * hosts (over https). Anything else is refused (E_INSECURE_TRANSPORT) without being contacted.
 */
export function checkRedirect(
  from: URL,
  location: string,
  o: { assetHosts: readonly string[] | undefined; what: string },
): URL {
  let to: URL
  try {
    to = new URL(location, from)
  } catch {
    throw new RelsealError(
      'E_NETWORK',
      `${o.what}: ${from.origin} redirected to "${escapeUntrusted(location)}", which is not a URL`,
    )
  }
  const sameOrigin = to.origin === from.origin
  const assetHost =
    o.assetHosts !== undefined && o.assetHosts.includes(to.hostname.toLowerCase()) && isAllowedScheme(to)
  if ((!sameOrigin && !assetHost) || to.username !== '' || to.password !== '') {
    throw new RelsealError(
      'E_INSECURE_TRANSPORT',
      `${o.what}: ${from.origin} redirected to another server (${escapeUntrusted(to.origin)}), which relseal does not follow; ` +
        'download from the server that publishes the file',
      { details: { from: from.origin, to: to.origin } },
    )
  }
  return to
}

import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'

/**
 * Refuses on Windows: there a running .exe cannot be renamed over, and a rename over an open file
 * fails, so the sequence cannot be atomic; docs/artifacts.md says what to do instead.
 */
export function assertAtomicPlatform(platform: NodeJS.Platform, target: string): void {
  if (platform === 'win32')
    throw new RelsealError(
      'E_UNSUPPORTED_PLATFORM',
      `relseal cannot replace ${escapeUntrusted(target)} atomically on Windows (a running .exe cannot be replaced, ` +
        'and a rename over an open file fails); stop the service and follow the rename sequence in docs/artifacts.md',
    )
}

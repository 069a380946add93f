import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { MAX_WITHDRAWAL_BYTES, readWithdrawalFile, WITHDRAWAL_ASSET } from '../manifest/index.js'
import { expectOk, fetchPinned } from '../net/index.js'

/**
 * The withdrawal statement published beside a manifest source (docs/updater.md, "Withdrawing a
 * release"), unverified, or undefined when there is none:
 * - a manifest file: `release_withdrawn.json` in the same folder;
 * - an https manifest URL: `release_withdrawn.json` resolved against it; HTTP 404 means none, any
 *   other failure stops the update (fail closed: a halt must not be lost to a flaky server).
 * github: sources find it among the release's assets (manifest-source.ts).
 */
export async function withdrawalBeside(
  src: string,
  isUrl: boolean,
  deadlineMs: number | undefined,
): Promise<Uint8Array | undefined> {
  if (!isUrl) {
    const path = join(dirname(src), WITHDRAWAL_ASSET)
    return existsSync(path) ? readWithdrawalFile(path) : undefined
  }
  const what = `${WITHDRAWAL_ASSET} beside the manifest`
  const res = await fetchPinned({
    url: new URL(WITHDRAWAL_ASSET, src).href,
    what,
    maxBytes: MAX_WITHDRAWAL_BYTES,
    headers: { 'user-agent': 'relseal' },
    ...(deadlineMs ? { deadlineMs } : {}),
  })
  if (res.status === 404) return undefined
  return expectOk(res, what).body
}

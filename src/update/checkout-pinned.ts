import { verifyManifest, verifyTree, type VerifiedManifest } from '../manifest/index.js'
import { assertSafeRef, runGit } from '../git/git.js'
import { hashTree } from '../tree/index.js'
import type { TrustPolicy } from '../trust/policy.js'
import { verifyTagForCommit } from '../tag/index.js'

/**
 * For apps that run from one checkout: verify the manifest, fetch only its pinned commit from
 * `remote` (default origin), verify that commit's tree from the object store, then check it out
 * in place and verify the working tree. Nothing is fetched before the signature verifies. With
 * `allowedSigners`, the manifest's tag must also be SSH-signed by an allowed signer and point at the commit.
 *
 * @example await checkoutPinnedCommit('/srv/app', readFileSync('release_manifest.json'), { keys: [trusted] })
 */
export async function checkoutPinnedCommit(
  repoDir: string,
  manifest: Uint8Array,
  policy: TrustPolicy,
  options: { remote?: string; allowedSigners?: string } = {},
): Promise<VerifiedManifest> {
  const verified = verifyManifest(manifest, policy)
  const { commit, tag } = verified.payload
  const remote = assertSafeRef(options.remote ?? 'origin', 'remote')
  if (options.allowedSigners !== undefined) {
    const ref = `refs/relseal/tags/${tag}`
    await runGit(['fetch', '-q', '--no-tags', '--end-of-options', remote, `+refs/tags/${tag}:${ref}`], {
      cwd: repoDir,
    })
    await verifyTagForCommit({ repoDir, tag, ref, commit, allowedSigners: options.allowedSigners })
  }
  await runGit(['fetch', '-q', '--no-tags', '--end-of-options', remote, commit], { cwd: repoDir })
  verifyTree(verified.payload, await hashTree({ dir: repoDir, rev: commit }))
  await runGit(['checkout', '-q', '--detach', commit, '--'], { cwd: repoDir })
  verifyTree(verified.payload, await hashTree({ dir: repoDir }))
  return verified
}

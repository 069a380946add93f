import { RelsealError } from '../errors.js'
import { probeRepo, resolveCommit } from '../tree/git-repo.js'
import { repoDefaults, resolveTagCommit, tagsPointingAt } from './git-defaults.js'
import { assertTagMatchesVersion, parseTagPrefix, releaseVersionOfTag } from './tag-version.js'

/** What a signature binds besides the bytes: the repository, the tag, its version and commit. */
export interface ReleaseFacts {
  repository: string
  tag: string
  version: string
  /** The tag's commit, peeled through annotated tags; full id. */
  commit: string
}

export interface ResolveReleaseOptions {
  /** The repository's checkout (or a bare repository). */
  dir: string
  /** The release tag; default: the tag pointing at `commit` (or HEAD). */
  tag?: string
  /** When given, the tag must point at it. */
  commit?: string
  /** When given, the tag must name it; default: the version the tag names. */
  version?: string
  /** owner/name; default: from the origin remote's GitHub URL. */
  repository?: string
  /** Tags are `<tagPrefix><version>`; default '' means `v<version>` or `<version>`. */
  tagPrefix?: string
}

/** The tag to sign when none was named: one of the commit's tags that names a version, if any. */
async function defaultTag(dir: string, commit: string, prefix: string): Promise<string> {
  const tags = await tagsPointingAt(dir, commit)
  const tag = tags.find((t) => releaseVersionOfTag(t, prefix) !== undefined) ?? tags[0]
  if (tag === undefined)
    throw new RelsealError(
      'E_USAGE',
      `no tag points at commit ${commit}; tag the release (git tag v1.2.3) or pass --tag`,
    )
  return tag
}

/**
 * Resolves what a signer signs from the repository itself, never from HEAD alone: the tag's
 * commit (E_UNKNOWN_REV when the tag does not exist, E_TAG_MISMATCH when it points elsewhere than
 * `commit`), the version it names (E_TAG_VERSION_MISMATCH), and the repository.
 *
 * @example const facts = await resolveRelease({ dir: '.', tag: 'v1.0.0' }) // v1.0.0's commit, even with HEAD at v1.1.0
 */
export async function resolveRelease(o: ResolveReleaseOptions): Promise<ReleaseFacts> {
  const prefix = parseTagPrefix(o.tagPrefix ?? '', 'tag prefix')
  if ((await probeRepo(o.dir)) === undefined)
    throw new RelsealError(
      'E_NOT_A_REPO',
      `${o.dir} is not a git repository; a manifest pins a tagged commit, so sign in the release's repository (--dir)`,
    )
  const wanted = o.commit === undefined ? undefined : await resolveCommit(o.dir, o.commit)
  const tag = o.tag ?? (await defaultTag(o.dir, wanted ?? (await resolveCommit(o.dir, 'HEAD')), prefix))
  const commit = await resolveTagCommit(o.dir, tag)
  if (wanted !== undefined && wanted !== commit)
    throw new RelsealError(
      'E_TAG_MISMATCH',
      `tag ${tag} points at commit ${commit}, not at ${wanted}; sign the commit the tag names (drop --commit), or pass the right tag`,
      { details: { tag, tag_commit: commit, commit: wanted } },
    )
  const version = o.version ?? releaseVersionOfTag(tag, prefix)
  if (version === undefined)
    throw new RelsealError(
      'E_TAG_VERSION_MISMATCH',
      `tag ${JSON.stringify(tag)} names no version: release tags are ${prefix === '' ? 'v1.2.3 or 1.2.3' : `${prefix}1.2.3`}; ` +
        `pass --tag-prefix for prefixed tags such as app-v1.2.3`,
      { details: { tag, tag_prefix: prefix } },
    )
  assertTagMatchesVersion(tag, version, prefix)
  const repository = o.repository ?? (await repoDefaults(o.dir)).repository
  if (repository === undefined)
    throw new RelsealError(
      'E_USAGE',
      `the repository is unknown: ${o.dir} has no GitHub origin remote; pass --repository OWNER/NAME`,
    )
  return { repository, tag, version, commit }
}

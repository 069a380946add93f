/**
 * relseal: signed, verifiable GitHub releases for software that updates itself.
 *
 * The public API of the library that Node apps import. Everything exported here is
 * free of `@actions/*` and Octokit.
 */
export { RelsealError, isRelsealError, type RelsealErrorCode } from './errors.js'
export {
  hashTree,
  hashFile,
  parseFileManifest,
  diffFileManifests,
  codeHashOf,
  type HashTreeOptions,
  type TreeHash,
  type TreeEntry,
  type EntryKind,
} from './tree/index.js'

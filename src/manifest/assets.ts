/** The signed manifest, as a release asset: what sign-release uploads and updaters look for. */
export const MANIFEST_ASSET = 'release_manifest.json'
/** The sha256sum-format list of the tree's files, uploaded beside the manifest. */
export const FILES_ASSET = 'release_files.sha256'

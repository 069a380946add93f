export { MANIFEST_ASSET, FILES_ASSET } from './assets.js'
export { MANIFEST_PAYLOAD_TYPE, MAX_MANIFEST_BYTES, preAuthEncoding, parseEnvelope } from './dsse.js'
export {
  MANIFEST_FIELDS,
  MANIFEST_SCHEMA,
  parsePayload,
  serializePayload,
  isStrictSemver,
  type ManifestPayload,
  type ManifestArtifact,
  type ManifestBuilder,
} from './payload.js'
export { signManifest, appendSignature } from './sign.js'
export { verifyManifest, readManifestFile, type VerifiedManifest } from './verify.js'
export { verifyTree, verifyArtifacts } from './verify-tree.js'

export { verifySignedTag, verifyTagForCommit, type VerifiedTag, type VerifyTagOptions } from './verify-tag.js'
export { parseAllowedSigners, type AllowedSigner } from './allowed-signers.js'
export { parseSshSignature, sshFingerprint, verifySshSignature } from './sshsig.js'

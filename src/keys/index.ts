export {
  parsePublicKey,
  parseSigningKey,
  decodeStrictBase64,
  type PublicKeyInfo,
  type SigningKey,
} from './key-formats.js'
export { keyIdOf } from './key-id.js'
export { generateKeyPair, keyPairFromSeed, verifyDetached, signDetached } from './ed25519.js'
export {
  fileSigner,
  asSigner,
  signChecked,
  checkFreshSignature,
  type Signer,
  type SignerOrKey,
} from './signer.js'
export {
  execSigner,
  parseExecCommand,
  EXEC_SIGNER_TIMEOUT_MS,
  type ExecSignerOptions,
} from './exec-signer.js'
export { sshAgentSigner, sshFingerprint, type SshAgentSignerOptions } from './ssh-agent-signer.js'
export { pkcs11Signer, parsePkcs11Uri, type Pkcs11Uri, type Pkcs11SignerOptions } from './pkcs11-signer.js'

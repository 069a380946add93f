import type { Command } from './io.js'

/**
 * The `relseal` sub-commands. Each lives in its own module under ./commands/ and is
 * loaded only when called, so `relseal hash` does not pay for the updater.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: {
    summary: 'run the whole chain on an embedded default, offline',
    load: async () => (await import('./commands/demo.js')).run,
  },
  hash: {
    summary: 'print the code hash or file manifest of a tree',
    load: async () => (await import('./commands/hash.js')).run,
  },
  keygen: {
    summary: 'create an Ed25519 signing key pair',
    load: async () => (await import('./commands/keygen.js')).run,
  },
  sign: {
    summary: 'sign a release manifest pinned to a commit',
    load: async () => (await import('./commands/sign.js')).run,
  },
  verify: {
    summary: 'verify a release manifest with trusted keys',
    load: async () => (await import('./commands/verify.js')).run,
  },
  inspect: {
    summary: 'show a manifest payload (NOT verified)',
    load: async () => (await import('./commands/inspect.js')).run,
  },
  init: {
    summary: 'prepare an app root for verified updates',
    load: async () => (await import('./commands/init.js')).run,
  },
  update: {
    summary: 'verify a manifest and install its pinned release atomically',
    load: async () => (await import('./commands/update.js')).run,
  },
  withdraw: {
    summary: 'sign a withdrawal of a released version: hosts refuse it and roll back from it',
    load: async () => (await import('./commands/withdraw.js')).run,
  },
  'install-artifact': {
    summary: 'verify a manifest and install one signed artifact (binary, tarball) at a path',
    load: async () => (await import('./commands/install-artifact.js')).run,
  },
  rollback: {
    summary: 'return to the previous release after re-verifying it',
    load: async () => (await import('./commands/rollback.js')).run,
  },
  status: {
    summary: 'show current and rollback releases and the last runs',
    load: async () => (await import('./commands/status.js')).run,
  },
  trust: {
    summary: 'make, sign and verify trust roots (key rotation and revocation)',
    load: async () => (await import('./commands/trust.js')).run,
  },
  'bench-compare': {
    summary: 'compare two benchmark reports; exit 1 on a regression',
    load: async () => (await import('./commands/bench-compare.js')).run,
  },
  'verify-tag': {
    summary: 'verify an SSH-signed git tag against allowed_signers',
    load: async () => (await import('./commands/verify-tag.js')).run,
  },
}

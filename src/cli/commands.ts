import type { Command } from './io.js'

/**
 * The `relseal` sub-commands. Each lives in its own module under ./commands/ and is
 * loaded only when called, so `relseal hash` does not pay for the updater.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  hash: {
    summary: 'print the code hash or file manifest of a tree',
    load: async () => (await import('./commands/hash.js')).run,
  },
}

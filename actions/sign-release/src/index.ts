import { startEarlyHash } from './early.js'

// Hashing starts first; the rest of the action (bundled as a separate chunk) loads meanwhile.
const early = startEarlyHash()
const { run } = await import('./main.js')
await run(early)
// A refused run ends now rather than when an early hash nobody uses is done; its git processes
// end on their next write to the closed pipe.
if (early !== undefined && process.exitCode) process.exit()

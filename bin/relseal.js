#!/usr/bin/env node
// The `relseal` command. All logic lives in the compiled library (build/), built by `npm ci`
// (the prepare script) or `npm run build`.
import { main } from '../build/cli/main.js'
import { installSignalHandlers } from '../build/cli/signals.js'

installSignalHandlers()
process.exitCode = await main(process.argv.slice(2))

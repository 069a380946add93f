import { readInputs } from './inputs.js'
import { run } from './main.js'

await run(() => readInputs())

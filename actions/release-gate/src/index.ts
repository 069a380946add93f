import { runAction } from '../../common/inputs.js'
import { readInputs } from './inputs.js'
import { gate } from './main.js'

await runAction(() => readInputs(), gate)

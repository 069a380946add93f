import { runAction } from '../../common/inputs.js'
import { readInputs } from './inputs.js'
import { sign } from './main.js'

await runAction(() => readInputs(), sign)

import { runAction } from '../../common/inputs.js'
import { readInputs } from './inputs.js'
import { verify } from './main.js'

await runAction(() => readInputs(), verify)

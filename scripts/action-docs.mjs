// Writes each action's inputs and outputs into README.md as tables, between the markers
// <!-- action-docs:NAME --> and <!-- /action-docs:NAME -->, from actions/NAME/action.yml.
// test/action-docs.test.ts checks the tables against action.yml, so run this after changing one:
//   node scripts/action-docs.mjs && npx prettier --write README.md
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

const root = new URL('..', import.meta.url).pathname

/** One table cell: a single line, pipes escaped. */
const cell = (s) =>
  String(s ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\|/g, '\\|')

/** The Markdown tables of one action.yml. */
export function renderActionDocs(spec) {
  const inputs = Object.entries(spec.inputs ?? {}).map(
    ([name, i]) =>
      `| \`${name}\` | ${i.required ? 'yes' : 'no'} | ${i.default === undefined || i.default === '' ? '' : `\`${cell(i.default)}\``} | ${cell(i.description)} |`,
  )
  const outputs = Object.entries(spec.outputs ?? {}).map(
    ([name, o]) => `| \`${name}\` | ${cell(o.description)} |`,
  )
  return [
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '| output | description |',
    '| --- | --- |',
    ...outputs,
  ].join('\n')
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const readmePath = join(root, 'README.md')
  let readme = readFileSync(readmePath, 'utf8')
  for (const name of readdirSync(join(root, 'actions'))) {
    const file = join(root, 'actions', name, 'action.yml')
    if (!existsSync(file)) continue
    const [open, close] = [`<!-- action-docs:${name} -->`, `<!-- /action-docs:${name} -->`]
    const a = readme.indexOf(open)
    const b = readme.indexOf(close)
    if (a < 0 || b < a) {
      console.error(`README.md has no ${open} … ${close} section for actions/${name}`)
      process.exitCode = 1
      continue
    }
    const tables = renderActionDocs(parse(readFileSync(file, 'utf8')))
    readme = `${readme.slice(0, a + open.length)}\n\n${tables}\n\n${readme.slice(b)}`
  }
  writeFileSync(readmePath, readme)
}

import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const root = new URL('..', import.meta.url).pathname
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const actions = readdirSync(join(root, 'actions')).filter((n) =>
  existsSync(join(root, 'actions', n, 'action.yml')),
)

interface ActionSpec {
  inputs?: Record<string, { required?: boolean; default?: string; description?: string }>
  outputs?: Record<string, { description?: string }>
}

/** The rows of the README table whose header starts with `first`, in the action's section, as cells. */
function tableRows(section: string, first: string): string[][] {
  const lines = section.split('\n')
  const start = lines.findIndex((l) => l.split('|')[1]?.trim() === first)
  if (start < 0) return []
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    )
  }
  return rows
}

const unquote = (c: string) => c.replace(/^`(.*)`$/, '$1')
const oneLine = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')

describe('README action tables match action.yml', () => {
  it('documents every action', () => {
    expect(actions.sort()).toEqual(['release-gate', 'sign-release', 'verify-manifest'])
  })

  it.each(actions)('actions/%s: every input with its required flag, default and description', (name) => {
    const spec = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8')) as ActionSpec
    const open = readme.indexOf(`<!-- action-docs:${name} -->`)
    const close = readme.indexOf(`<!-- /action-docs:${name} -->`)
    expect(open, `README.md needs an action-docs:${name} section`).toBeGreaterThan(0)
    const section = readme.slice(open, close)
    const documented = tableRows(section, 'input').map(([n, req, def, desc]) => ({
      name: unquote(n!),
      required: req === 'yes',
      default: unquote(def!),
      description: desc,
    }))
    const declared = Object.entries(spec.inputs ?? {}).map(([n, i]) => ({
      name: n,
      required: Boolean(i.required),
      default: i.default ?? '',
      description: oneLine(i.description),
    }))
    expect(documented).toEqual(declared)
    const outputs = tableRows(section, 'output').map(([n, desc]) => ({
      name: unquote(n!),
      description: desc,
    }))
    expect(outputs).toEqual(
      Object.entries(spec.outputs ?? {}).map(([n, o]) => ({ name: n, description: oneLine(o.description) })),
    )
  })

  it('the check notices a missing row', () => {
    const section =
      '| input | required | default | description |\n| --- | --- | --- | --- |\n| `a` | no | | x |\n'
    expect(tableRows(section, 'input')).toHaveLength(1)
    expect(tableRows(section.replace(/\| `a`.*\n/, ''), 'input')).toHaveLength(0)
  })
})

import * as core from '@actions/core'
import { escapeHtml as esc } from '../../common/html.js'
import type { ManifestPayload } from '../../../src/manifest/index.js'

export interface Check {
  what: string
  ok: boolean
  detail: string
}

/** The job summary: what was verified (or why it was refused), check by check. */
export async function writeSummary(checks: Check[], p: ManifestPayload | undefined): Promise<void> {
  const s = core.summary.addHeading(
    p ? `relseal: verified ${esc(p.repository)} ${esc(p.tag)}` : 'relseal: manifest refused',
    2,
  )
  if (p)
    s.addList([
      `version ${esc(p.version)}`,
      `commit <code>${esc(p.commit)}</code>`,
      `code hash <code>${esc(p.code_hash)}</code>`,
    ])
  s.addTable([
    [
      { data: 'check', header: true },
      { data: 'result', header: true },
      { data: 'detail', header: true },
    ],
    ...checks.map((c) => [{ data: esc(c.what) }, { data: c.ok ? '✅' : '❌' }, { data: esc(c.detail) }]),
  ])
  await s.write()
}

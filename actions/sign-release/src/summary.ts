import * as core from '@actions/core'
import { escapeHtml as esc } from '../../common/html.js'
import { stageOpensAt, type ManifestPayload, type Rollout } from '../../../src/manifest/index.js'

/** `10 % from 2026-05-01T12:00:00Z, …`: when each stage of a phased rollout opens. */
const stagesText = (r: Rollout): string =>
  r.stages
    .map((s, i) => `${s.percent} % from ${new Date(stageOpensAt(r, i)).toISOString().replace('.000Z', 'Z')}`)
    .join('<br>')

/** One job summary: heading, then what was signed. */
export async function writeSummary(
  p: ManifestPayload,
  keyId: string,
  releaseUrl: string | undefined,
): Promise<void> {
  const rows = [
    [{ data: 'version', header: true }, { data: esc(p.version) }],
    [{ data: 'tag', header: true }, { data: esc(p.tag) }],
    [{ data: 'commit', header: true }, { data: `<code>${esc(p.commit)}</code>` }],
    [{ data: 'code hash', header: true }, { data: `<code>${esc(p.code_hash)}</code>` }],
    [{ data: 'key id', header: true }, { data: `<code>${esc(keyId)}</code>` }],
    [{ data: 'files', header: true }, { data: String(p.file_count) }],
    [
      { data: 'artifacts', header: true },
      {
        data:
          p.artifacts.map((a) => `${esc(a.name)} (${a.size} bytes, <code>${a.sha256}</code>)`).join('<br>') ||
          'none',
      },
    ],
    ...(p.rollout ? [[{ data: 'rollout', header: true }, { data: stagesText(p.rollout) }]] : []),
    [
      { data: 'release', header: true },
      { data: releaseUrl ? `<a href="${esc(releaseUrl)}">${esc(releaseUrl)}</a>` : 'not uploaded' },
    ],
  ]
  await core.summary
    .addHeading(`relseal: signed ${esc(p.repository)} ${esc(p.tag)}`, 2)
    .addTable(rows)
    .write()
}

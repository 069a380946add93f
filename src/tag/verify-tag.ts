import { RelsealError } from '../errors.js'
import { assertSafeRef, runGit } from '../git/git.js'
import { parseAllowedSigners, type AllowedSigner } from './allowed-signers.js'
import { parseSshSignature, SSHSIG_BEGIN, sshFingerprint, verifySshSignature } from './sshsig.js'

export interface VerifiedTag {
  tag: string
  /** The commit the tag points at (peeled). */
  commit: string
  principal: string
  /** ssh-keygen's form: `SHA256:…`. */
  fingerprint: string
}

export interface VerifyTagOptions {
  repoDir: string
  tag: string
  /** The allowed_signers file's text. */
  allowedSigners: string
  /** Where the tag object is read from (default refs/tags/<tag>). */
  ref?: string
}

interface TagObject {
  raw: Buffer
  taggerTime: Date | undefined
  commit: string
}

async function readTag(repoDir: string, tag: string, ref: string): Promise<TagObject> {
  const resolved = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', ref], {
    cwd: repoDir,
    okCodes: [0, 1, 128],
  })
  const oid = resolved.stdout.toString('utf8').trim()
  if (resolved.code !== 0 || oid === '')
    throw new RelsealError('E_NOT_FOUND', `tag ${tag} does not exist in ${repoDir}; fetch it first`)
  const type = (await runGit(['cat-file', '-t', oid], { cwd: repoDir })).stdout.toString('utf8').trim()
  if (type !== 'tag') {
    throw new RelsealError(
      'E_TAG_UNSIGNED',
      `tag ${tag} is a lightweight tag: it has no tag object, so no signature; create it with git tag -s`,
    )
  }
  const raw = (await runGit(['cat-file', 'tag', oid], { cwd: repoDir })).stdout
  const commit = (
    await runGit(['rev-parse', '--verify', '--end-of-options', `${oid}^{commit}`], { cwd: repoDir })
  ).stdout
    .toString('utf8')
    .trim()
  const header = raw.subarray(0, Math.max(0, raw.indexOf('\n\n'))).toString('utf8')
  return { raw, commit, taggerTime: taggerTime(header) }
}

/**
 * The time of the `tagger NAME <EMAIL> SECONDS +ZZZZ` header line, read field by field from the
 * end of the line (a tag object is untrusted input: no backtracking pattern runs over it).
 */
function taggerTime(header: string): Date | undefined {
  const line = header.split('\n').find((l) => l.startsWith('tagger '))
  const fields = line?.split(' ') ?? []
  const seconds = fields.at(-2) ?? ''
  const zone = fields.at(-1) ?? ''
  const digits = (s: string) => s !== '' && [...s].every((c) => c >= '0' && c <= '9')
  const zoneOk = zone.length === 5 && (zone[0] === '+' || zone[0] === '-') && digits(zone.slice(1))
  if (fields.length < 4 || !digits(seconds) || !zoneOk) return undefined
  return new Date(Number(seconds) * 1000)
}

function validAt(s: AllowedSigner, when: Date): boolean {
  return (!s.validAfter || when >= s.validAfter) && (!s.validBefore || when <= s.validBefore)
}

/**
 * Verifies an SSH-signed annotated tag the way `git verify-tag` does with
 * gpg.ssh.allowedSignersFile: the SSHSIG over the tag object in namespace `git`, by a key that the
 * allowed_signers file lists for that namespace and that is valid at the tag's time.
 *
 * @example const { principal, fingerprint } = await verifySignedTag({ repoDir: '.', tag: 'v1.2.3', allowedSigners })
 */
export async function verifySignedTag(o: VerifyTagOptions): Promise<VerifiedTag> {
  assertSafeRef(o.tag, 'tag')
  const t = await readTag(o.repoDir, o.tag, o.ref ?? `refs/tags/${o.tag}`)
  const text = t.raw.toString('utf8')
  if (text.includes('-----BEGIN PGP SIGNATURE-----')) {
    throw new RelsealError(
      'E_TAG_BAD_SIGNATURE',
      `tag ${o.tag} is signed with GPG; relseal verifies SSH tag signatures: sign with git -c gpg.format=ssh tag -s`,
    )
  }
  const at = t.raw.indexOf(SSHSIG_BEGIN)
  if (at < 0)
    throw new RelsealError(
      'E_TAG_UNSIGNED',
      `tag ${o.tag} is annotated but not signed; create it with git tag -s (gpg.format=ssh)`,
    )
  const sig = parseSshSignature(t.raw.subarray(at).toString('utf8'))
  const fingerprint = sshFingerprint(sig.publicKeyBlob)
  if (!verifySshSignature(sig, t.raw.subarray(0, at), 'git')) {
    throw new RelsealError(
      'E_TAG_BAD_SIGNATURE',
      `the signature of tag ${o.tag} (key ${fingerprint}) does not verify: the tag was altered after signing`,
    )
  }
  const when = t.taggerTime ?? new Date()
  const entries = parseAllowedSigners(o.allowedSigners, 'allowed_signers').filter((e) =>
    e.publicKeyBlob.equals(sig.publicKeyBlob),
  )
  if (entries.some((e) => e.certAuthority)) {
    throw new RelsealError(
      'E_TAG_UNTRUSTED',
      `allowed_signers lists key ${fingerprint} as a cert-authority; relseal does not verify SSH certificates: list the key itself`,
    )
  }
  const usable = entries.filter((e) => (!e.namespaces || e.namespaces.includes('git')) && validAt(e, when))
  if (usable.length === 0) {
    const why =
      entries.length === 0
        ? 'is not listed'
        : 'is listed, but not for namespace "git" or not valid at the tag time ' + when.toISOString()
    throw new RelsealError(
      'E_TAG_UNTRUSTED',
      `tag ${o.tag} has a valid signature, but its key ${fingerprint} ${why} in allowed_signers; add the maintainer's key`,
    )
  }
  return { tag: o.tag, commit: t.commit, principal: usable[0]!.principals.join(','), fingerprint }
}

/** Verifies the tag and that it points at `commit` (E_TAG_MISMATCH otherwise). */
export async function verifyTagForCommit(o: VerifyTagOptions & { commit: string }): Promise<VerifiedTag> {
  const v = await verifySignedTag(o)
  if (v.commit !== o.commit) {
    throw new RelsealError(
      'E_TAG_MISMATCH',
      `tag ${o.tag} points at ${v.commit}, but the manifest pins ${o.commit}; do not install this release`,
    )
  }
  return v
}

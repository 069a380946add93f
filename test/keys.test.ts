import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import nacl from 'tweetnacl'
import { describe, expect, it } from 'vitest'
import { verifyDetached } from '../src/keys/ed25519.js'
import { parsePublicKey, parseSigningKey } from '../src/keys/index.js'
import {
  MANIFEST_PAYLOAD_TYPE,
  preAuthEncoding,
  signManifest,
  verifyManifest,
} from '../src/manifest/index.js'
import { testKey, testPayload } from './helpers/manifest.js'
import { tempDir } from './helpers/tmp.js'

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8' })
}

function opensslKeyPair(dir: string): { priv: string; pub: string } {
  openssl(['genpkey', '-algorithm', 'ed25519', '-out', 'k.pem'], dir)
  openssl(['pkey', '-in', 'k.pem', '-pubout', '-out', 'k.pub.pem'], dir)
  return { priv: readFileSync(join(dir, 'k.pem'), 'utf8'), pub: readFileSync(join(dir, 'k.pub.pem'), 'utf8') }
}

describe('key formats', () => {
  it('reads PKCS#8 and SPKI PEM as openssl writes them, to the same key id', () => {
    const { priv, pub } = opensslKeyPair(tempDir())
    const signing = parseSigningKey(priv, 'k.pem')
    expect(parsePublicKey(pub, 'k.pub.pem').keyId).toBe(signing.keyId)
  })

  describe('when a private key is given where a public key belongs', () => {
    it.each([
      ['PKCS#8 PEM', () => opensslKeyPair(tempDir()).priv],
      ['a 64-byte tweetnacl secret key', () => Buffer.from(testKey(3).secretKey).toString('base64')],
      [
        'an OpenSSH private key',
        () => {
          const dir = tempDir()
          execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')])
          return readFileSync(join(dir, 'id'), 'utf8')
        },
      ],
    ])('refuses %s with E_BAD_KEY', (_n, make) => {
      expect(() => parsePublicKey(make(), 'the test input')).toThrow(
        expect.objectContaining({ code: 'E_BAD_KEY', details: { private: true } }),
      )
    })
  })

  describe('a passphrase-encrypted PKCS#8 key (openssl pkcs8 -topk8 -v2 aes-256-cbc)', () => {
    function encrypted(): { text: string; keyId: string } {
      const dir = tempDir()
      const { priv } = opensslKeyPair(dir)
      execFileSync(
        'openssl',
        ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'k.pem', '-out', 'enc.pem', '-passout', 'env:PASS'],
        { cwd: dir, env: { ...process.env, PASS: 'correct horse' } },
      )
      return { text: readFileSync(join(dir, 'enc.pem'), 'utf8'), keyId: parseSigningKey(priv, 'k.pem').keyId }
    }

    it('is read with its passphrase, to the same key id', () => {
      const { text, keyId } = encrypted()
      expect(text).toContain('BEGIN ENCRYPTED PRIVATE KEY')
      expect(parseSigningKey(text, 'enc.pem', 'correct horse').keyId).toBe(keyId)
    })

    it('is refused with E_BAD_KEY without a passphrase or with a wrong one', () => {
      const { text } = encrypted()
      expect(() => parseSigningKey(text, 'enc.pem')).toThrow(expect.objectContaining({ code: 'E_BAD_KEY' }))
      expect(() => parseSigningKey(text, 'enc.pem', 'wrong')).toThrow(
        expect.objectContaining({ code: 'E_BAD_KEY' }),
      )
    })
  })

  it('reads ssh-keygen Ed25519 keys: public line and unencrypted private key', () => {
    const dir = tempDir()
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ci@example', '-f', join(dir, 'id')])
    const signing = parseSigningKey(readFileSync(join(dir, 'id'), 'utf8'), 'id')
    const pub = parsePublicKey(readFileSync(join(dir, 'id.pub'), 'utf8'), 'id.pub')
    expect(pub.keyId).toBe(signing.keyId)
  })

  it('refuses an encrypted OpenSSH key, saying how to decrypt it', () => {
    const dir = tempDir()
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'passphrase', '-f', join(dir, 'id')])
    const text = readFileSync(join(dir, 'id'), 'utf8')
    expect(() => parseSigningKey(text, 'id')).toThrow(expect.objectContaining({ code: 'E_BAD_KEY' }))
    expect(() => parseSigningKey(text, 'id')).toThrow(/ssh-keygen -p/)
  })

  it('reads raw base64: 32-byte seed, 64-byte tweetnacl secret key, 32-byte public key', () => {
    const k = testKey(7)
    const seed = Buffer.from(k.secretKey.subarray(0, 32)).toString('base64')
    expect(parseSigningKey(seed, 'env').keyId).toBe(k.keyId)
    expect(parseSigningKey(Buffer.from(k.secretKey).toString('base64'), 'env').keyId).toBe(k.keyId)
    expect(parsePublicKey(Buffer.from(k.publicKey).toString('base64'), 'input').keyId).toBe(k.keyId)
  })

  it.each([
    ['an RSA key', () => opensslRsa()],
    ['a wrong-length raw key', () => Buffer.alloc(31, 9).toString('base64')],
    ['text that is no key', () => 'my secret passphrase'],
    [
      'a 64-byte key whose halves disagree',
      () => Buffer.concat([Buffer.alloc(32, 1), Buffer.alloc(32, 2)]).toString('base64'),
    ],
  ])('refuses %s with E_BAD_KEY, listing the accepted forms and never echoing the material', (_n, make) => {
    const text = make()
    let err: unknown
    try {
      parseSigningKey(text, 'the test input')
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'E_BAD_KEY' })
    const message = (err as Error).message
    expect(message).toContain('accepted forms')
    expect(message).not.toContain(text.trim().slice(0, 24))
  })

  it('refuses a public key given where a signing key is needed', () => {
    expect(() => parseSigningKey(Buffer.from(testKey(1).publicKey).toString('hex'), 'x')).toThrow(
      expect.objectContaining({ code: 'E_BAD_KEY' }),
    )
  })
})

describe('small-order public keys', () => {
  const identity = Buffer.from('01' + '00'.repeat(31), 'hex')

  it('refuses them as trusted keys (E_BAD_KEY)', () => {
    expect(() => parsePublicKey(identity.toString('base64'), 'input')).toThrow(
      expect.objectContaining({ code: 'E_BAD_KEY' }),
    )
  })

  it('rejects the forgery that tweetnacl alone accepts under the identity key', () => {
    // R = identity, S = 0 satisfies [S]B = R + [k]A for A = identity, for every message.
    const forged = Buffer.concat([identity, Buffer.alloc(32)])
    const msg = Buffer.from('any message')
    expect(nacl.sign.detached.verify(msg, forged, identity)).toBe(true)
    expect(verifyDetached(identity, msg, forged)).toBe(false)
  })
})

describe('interoperability with openssl', () => {
  it('openssl pkeyutl -verify -rawin accepts a relseal signature over the PAE bytes', () => {
    const dir = tempDir()
    const { priv } = opensslKeyPair(dir)
    const key = parseSigningKey(priv, 'k.pem')
    const env = JSON.parse(Buffer.from(signManifest(testPayload(), [key])).toString()) as {
      payload: string
      signatures: { sig: string }[]
    }
    writeFileSync(
      join(dir, 'pae.bin'),
      preAuthEncoding(MANIFEST_PAYLOAD_TYPE, Buffer.from(env.payload, 'base64')),
    )
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(env.signatures[0]!.sig, 'base64'))
    const out = openssl(
      [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        'k.pub.pem',
        '-rawin',
        '-in',
        'pae.bin',
        '-sigfile',
        'sig.bin',
      ],
      dir,
    )
    expect(out).toContain('Signature Verified Successfully')
  })

  it('relseal verifies a manifest whose signature openssl made', () => {
    const dir = tempDir()
    const { priv } = opensslKeyPair(dir)
    const key = parseSigningKey(priv, 'k.pem')
    const payload = Buffer.from(JSON.stringify(testPayload()))
    writeFileSync(join(dir, 'pae.bin'), preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload))
    execFileSync(
      'openssl',
      ['pkeyutl', '-sign', '-inkey', 'k.pem', '-rawin', '-in', 'pae.bin', '-out', 'sig.bin'],
      { cwd: dir },
    )
    const env = {
      payloadType: MANIFEST_PAYLOAD_TYPE,
      payload: payload.toString('base64'),
      signatures: [{ keyid: key.keyId, sig: readFileSync(join(dir, 'sig.bin')).toString('base64') }],
    }
    const v = verifyManifest(Buffer.from(JSON.stringify(env)), {
      keys: [key],
      now: new Date('2026-02-01T00:00:00Z'),
    })
    expect(v.payload.version).toBe('1.2.3')
  })
})

function opensslRsa(): string {
  const dir = tempDir()
  openssl(['genpkey', '-algorithm', 'rsa', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'rsa.pem'], dir)
  return readFileSync(join(dir, 'rsa.pem'), 'utf8')
}

export const id = 399;
export const ids = [399];
export const modules = {

/***/ 2399:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// UNUSED EXPORTS: sign

// EXTERNAL MODULE: ../../node_modules/@actions/core/lib/core.js + 12 modules
var core = __webpack_require__(8947);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ../../src/errors.ts
var errors = __webpack_require__(6378);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ../../node_modules/tweetnacl/nacl-fast.js
var nacl_fast = __webpack_require__(9384);
var nacl_fast_default = /*#__PURE__*/__webpack_require__.n(nacl_fast);
;// CONCATENATED MODULE: ../../src/keys/ed25519.ts
/**
 * The one tweetnacl wrapper. Everything in relseal that signs or verifies Ed25519 goes
 * through these three functions, which add the checks tweetnacl leaves out (RFC 8032
 * section 5.1.7: S must be below the group order L, so signatures are not malleable).
 */


const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SEED_BYTES = 32;
const ED25519_SECRET_KEY_BYTES = 64;
const ed25519_ED25519_SIGNATURE_BYTES = 64;
/** The order of the Ed25519 base point. */
const GROUP_ORDER_L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** A PKCS#8 Ed25519 private key is this DER prefix followed by the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/**
 * Derives the key pair of a 32-byte seed (deterministic, RFC 8032 section 5.1.5). The public half
 * comes from node:crypto (OpenSSL), as verification does: tweetnacl's scalar multiplication takes
 * about 100 ms in a fresh process (its code is not yet optimised), which an action paid before
 * signing anything. The bytes are the same (test/ed25519.test.ts compares both).
 */
function keyPairFromSeed(seed) {
    if (seed.length !== ED25519_SEED_BYTES) {
        const kp = nacl_fast_default().sign.keyPair.fromSeed(seed); // throws tweetnacl's own error for a bad size
        return { publicKey: kp.publicKey, secretKey: kp.secretKey };
    }
    const privateKey = (0,external_node_crypto_.createPrivateKey)({
        key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
        format: 'der',
        type: 'pkcs8',
    });
    const x = (0,external_node_crypto_.createPublicKey)(privateKey).export({ format: 'jwk' }).x ?? '';
    const publicKey = new Uint8Array(Buffer.from(x, 'base64url'));
    const secretKey = new Uint8Array(ED25519_SECRET_KEY_BYTES);
    secretKey.set(seed);
    secretKey.set(publicKey, ED25519_SEED_BYTES);
    return { publicKey, secretKey };
}
/** A fresh random key pair. */
function generateKeyPair() {
    const kp = nacl.sign.keyPair();
    return { publicKey: kp.publicKey, secretKey: kp.secretKey };
}
/** Signs `message` with a 64-byte tweetnacl secret key. */
function ed25519_signDetached(secretKey, message) {
    return nacl_fast_default().sign.detached(message, secretKey);
}
function littleEndianToBigInt(bytes) {
    let n = 0n;
    for (let i = bytes.length - 1; i >= 0; i--)
        n = (n << 8n) | BigInt(bytes[i] ?? 0);
    return n;
}
/** True when the signature's S half is a canonical scalar (S < L). */
function hasCanonicalScalar(signature) {
    return littleEndianToBigInt(signature.subarray(32, 64)) < GROUP_ORDER_L;
}
const FIELD_P = 2n ** 255n - 19n;
// The small-order points of Curve25519 in Edwards form, sign bit cleared (libsodium's blocklist):
// a "public key" among them verifies forged signatures for many messages.
const SMALL_ORDER_POINTS = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Buffer.from(h, 'hex'));
/**
 * True for a public key no honest signer has: a small-order point, or a non-canonical
 * encoding (y >= p). Signatures under such keys are refused.
 */
function ed25519_isWeakPublicKey(publicKey) {
    if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
        return true;
    const y = Buffer.from(publicKey);
    y[31] = (y[31] ?? 0) & 0x7f;
    if (littleEndianToBigInt(y) >= FIELD_P)
        return true;
    return SMALL_ORDER_POINTS.some((p) => p.equals(y));
}
/**
 * Verifies an Ed25519 signature strictly: wrong lengths, non-canonical S and weak public keys are
 * rejected before the curve arithmetic runs. Never throws for malformed input; returns false.
 *
 * The arithmetic is node:crypto's (OpenSSL, RFC 8032 pure Ed25519, cofactorless like tweetnacl):
 * tweetnacl needs about 100 ms to verify a 1 MiB manifest, OpenSSL about 4, and a verifier may
 * have to check 16 signatures against each trusted key (docs/manifest-spec.md, step 4).
 */
function ed25519_verifyDetached(publicKey, message, signature) {
    if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ed25519_ED25519_SIGNATURE_BYTES)
        return false;
    if (!hasCanonicalScalar(signature) || ed25519_isWeakPublicKey(publicKey))
        return false;
    try {
        const key = (0,external_node_crypto_.createPublicKey)({
            key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
            format: 'jwk',
        });
        return (0,external_node_crypto_.verify)(null, message, key, signature);
    }
    catch {
        return false;
    }
}

;// CONCATENATED MODULE: ../../src/keys/key-id.ts

/**
 * The key id of an Ed25519 public key: the lower-case hex SHA-256 of its 32 raw bytes
 * (docs/manifest-spec.md, "Keys"). Shown the same way everywhere.
 *
 * @example keyIdOf(publicKey) // '3f5a…' (64 hex digits)
 */
function key_id_keyIdOf(publicKey) {
    return (0,external_node_crypto_.createHash)('sha256').update(publicKey).digest('hex');
}

;// CONCATENATED MODULE: ../../src/text/base64.ts
/**
 * Base64 checks written as one pass over the text, never a regular expression: a backtracking
 * pattern over 200 untrusted characters can run for hours (issue 23).
 */
/** What a character is in base64: 0 not base64, 1 both alphabets, 2 standard only, 3 URL-safe only. */
function alphabetOf(c) {
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))
        return 1;
    if (c === 0x2b || c === 0x2f)
        return 2; // + /
    if (c === 0x2d || c === 0x5f)
        return 3; // - _
    return 0;
}
/**
 * True when `text` is base64 of the form asked for, checked in linear time:
 * - `dsse`: the standard or the URL-safe alphabet (not both in one string), padding optional,
 *   but if present one or two `=` that complete a group of four (DSSE protocol.md);
 * - `strict`: the standard alphabet, padded to a multiple of four.
 * Either way no whitespace, and never a length that leaves one character in the last group.
 */
function isBase64(text, form) {
    let end = text.length;
    let pad = 0;
    while (pad < 2 && end > 0 && text.charCodeAt(end - 1) === 0x3d) {
        end--;
        pad++;
    }
    let standard = false;
    let urlSafe = false;
    for (let i = 0; i < end; i++) {
        const a = alphabetOf(text.charCodeAt(i));
        if (a === 0)
            return false;
        if (a === 2)
            standard = true;
        else if (a === 3)
            urlSafe = true;
    }
    if (standard && urlSafe)
        return false;
    if (form === 'strict' && urlSafe)
        return false;
    if (end % 4 === 1)
        return false;
    if ((pad > 0 || form === 'strict') && (end + pad) % 4 !== 0)
        return false;
    return true;
}
/** Decodes text that {@link isBase64} accepted (Node's decoder reads both alphabets). */
function decodeCheckedBase64(text) {
    return Buffer.from(text, 'base64');
}

;// CONCATENATED MODULE: ../../src/keys/ssh-format.ts

/** Reads SSH wire-format values (RFC 4251 section 5) from a buffer, refusing truncation. */
class ssh_format_SshReader {
    buf;
    what;
    pos = 0;
    constructor(buf, what) {
        this.buf = buf;
        this.what = what;
    }
    uint32() {
        if (this.pos + 4 > this.buf.length)
            throw this.truncated();
        const v = this.buf.readUInt32BE(this.pos);
        this.pos += 4;
        return v;
    }
    bytes() {
        const len = this.uint32();
        if (this.pos + len > this.buf.length)
            throw this.truncated();
        const v = this.buf.subarray(this.pos, this.pos + len);
        this.pos += len;
        return v;
    }
    string() {
        return this.bytes().toString('utf8');
    }
    raw(n) {
        if (this.pos + n > this.buf.length)
            throw this.truncated();
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
    }
    get remaining() {
        return this.buf.length - this.pos;
    }
    truncated() {
        return new errors/* RelsealError */.Ng('E_BAD_KEY', `${this.what} is truncated or malformed`);
    }
}
/** Encodes SSH wire-format strings. */
function ssh_format_sshString(value) {
    const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
}
/** The `ssh-ed25519` public key blob. */
function sshEd25519Blob(publicKey) {
    return Buffer.concat([ssh_format_sshString('ssh-ed25519'), ssh_format_sshString(Buffer.from(publicKey))]);
}

;// CONCATENATED MODULE: ../../src/keys/key-formats.ts






const ACCEPTED = 'accepted forms: PKCS#8 / SPKI PEM (openssl genpkey -algorithm ed25519), an OpenSSH Ed25519 key ' +
    '(ssh-ed25519 AAAA… public line, or an unencrypted OPENSSH PRIVATE KEY), or raw base64 ' +
    '(32-byte seed or public key, 64-byte tweetnacl secret key)';
function badKey(source, what) {
    // Never echo the material itself: it may be a secret.
    return new errors/* RelsealError */.Ng('E_BAD_KEY', `the key from ${source} ${what}; ${ACCEPTED}`);
}
/** Decodes standard base64 strictly (alphabet and padding), or returns undefined. */
function decodeStrictBase64(text) {
    return isBase64(text, 'strict') ? decodeCheckedBase64(text) : undefined;
}
function fromSeed(seed) {
    const kp = keyPairFromSeed(seed);
    return { publicKey: kp.publicKey, secretKey: kp.secretKey, keyId: key_id_keyIdOf(kp.publicKey) };
}
function checkedPublic(publicKey, source) {
    if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
        throw badKey(source, `holds ${publicKey.length} bytes, not 32`);
    if (ed25519_isWeakPublicKey(publicKey))
        throw badKey(source, 'is a small-order or non-canonical Ed25519 point, which no real key is');
    return { publicKey: Uint8Array.from(publicKey), keyId: key_id_keyIdOf(publicKey) };
}
function jwkBytes(value) {
    return Buffer.from(value ?? '', 'base64url');
}
function parsePem(text, source, want, passphrase) {
    const isPrivate = text.includes('PRIVATE KEY-----');
    if (!isPrivate && want === 'private')
        throw badKey(source, 'is a public key, but a private (signing) key is needed');
    const encrypted = text.includes('ENCRYPTED PRIVATE KEY');
    if (encrypted && passphrase === undefined) {
        throw new errors/* RelsealError */.Ng('E_BAD_KEY', `the key from ${source} is passphrase-encrypted; give its passphrase (the CLI reads ` +
            'RELSEAL_KEY_PASSPHRASE or asks on the terminal)');
    }
    let key;
    try {
        key = isPrivate
            ? (0,external_node_crypto_.createPrivateKey)({ key: text, format: 'pem', ...(encrypted ? { passphrase } : {}) })
            : (0,external_node_crypto_.createPublicKey)({ key: text, format: 'pem' });
    }
    catch (e) {
        if (encrypted)
            throw new errors/* RelsealError */.Ng('E_BAD_KEY', `the key from ${source} cannot be decrypted with the passphrase given`, {
                cause: e,
            });
        throw badKey(source, 'is not a readable PEM key');
    }
    if (key.asymmetricKeyType !== 'ed25519')
        throw badKey(source, `is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
    const jwk = key.export({ format: 'jwk' });
    if (isPrivate)
        return fromSeed(jwkBytes(jwk.d));
    return checkedPublic(jwkBytes(jwk.x), source);
}
function parseOpenSshPrivate(text, source) {
    const body = text.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, '').replace(/\s+/g, '');
    const raw = decodeStrictBase64(body);
    const magic = Buffer.from('openssh-key-v1\0', 'latin1');
    if (!raw || !raw.subarray(0, magic.length).equals(magic))
        throw badKey(source, 'is not a readable OpenSSH private key');
    const r = new ssh_format_SshReader(raw.subarray(magic.length), `the OpenSSH key from ${source}`);
    const cipher = r.string();
    r.string(); // kdf name
    r.bytes(); // kdf options
    if (cipher !== 'none') {
        throw badKey(source, 'is passphrase-protected; decrypt a copy first with `ssh-keygen -p -N "" -f COPY_OF_KEY`');
    }
    if (r.uint32() !== 1)
        throw badKey(source, 'holds more than one key');
    r.bytes(); // public key blob
    const priv = new ssh_format_SshReader(r.bytes(), `the OpenSSH key from ${source}`);
    if (priv.uint32() !== priv.uint32())
        throw badKey(source, 'fails its check bytes');
    const type = priv.string();
    if (type !== 'ssh-ed25519')
        throw badKey(source, `is a ${type} key, not Ed25519`);
    const pub = priv.bytes();
    const secret = priv.bytes();
    const key = fromSeed(secret.subarray(0, 32));
    if (secret.length !== 64 || !Buffer.from(key.publicKey).equals(pub))
        throw badKey(source, 'has a public half that does not match');
    return key;
}
function parseSshPublicLine(text, source) {
    const [type, b64] = text.trim().split(/\s+/);
    const blob = decodeStrictBase64(b64 ?? '');
    if (type !== 'ssh-ed25519' || !blob)
        throw badKey(source, `is an SSH ${type ?? ''} key line, but only ssh-ed25519 is supported`);
    const r = new ssh_format_SshReader(blob, `the SSH public key from ${source}`);
    if (r.string() !== 'ssh-ed25519')
        throw badKey(source, 'has a key blob that is not ssh-ed25519');
    return checkedPublic(r.bytes(), source);
}
function parseAny(text, source, want, passphrase) {
    const t = text.trim();
    if (t.includes('-----BEGIN OPENSSH PRIVATE KEY-----'))
        return parseOpenSshPrivate(t, source);
    if (t.startsWith('-----BEGIN '))
        return parsePem(t, source, want, passphrase);
    if (/^(ssh-|ecdsa-|sk-)/.test(t)) {
        if (want === 'private')
            throw badKey(source, 'is an SSH public key line, but a private (signing) key is needed');
        return parseSshPublicLine(t, source);
    }
    const raw = decodeStrictBase64(t);
    if (!raw)
        throw badKey(source, 'is not PEM, OpenSSH or valid base64');
    if (raw.length === 64) {
        const key = fromSeed(raw.subarray(0, 32));
        if (!Buffer.from(key.publicKey).equals(raw.subarray(32)))
            throw badKey(source, 'is 64 bytes whose public half does not match its seed');
        return key;
    }
    if (raw.length !== 32)
        throw badKey(source, `decodes to ${raw.length} bytes, not 32 or 64`);
    return want === 'private' ? fromSeed(raw) : checkedPublic(raw, source);
}
/**
 * Parses an Ed25519 signing key in any accepted form (see ACCEPTED), or a passphrase-encrypted
 * PKCS#8 PEM (`relseal keygen --encrypt`, `openssl pkcs8 -topk8 -v2 aes-256-cbc`) with
 * `passphrase`. `source` names where it came from in errors; the key material never appears.
 *
 * @example const key = parseSigningKey(readFileSync('release.key', 'utf8'), 'release.key')
 */
function parseSigningKey(text, source, passphrase) {
    const key = parseAny(text, source, 'private', passphrase);
    if (!('secretKey' in key))
        throw badKey(source, 'is a public key, but a private (signing) key is needed');
    return key;
}
function privateWherePublicBelongs(source) {
    return new errors/* RelsealError */.Ng('E_BAD_KEY', `the key from ${source} is a private key, where a public key belongs; pass the public key ` +
        '(the .pub file relseal keygen writes beside the .key) and keep the private key out of ' +
        'trust settings, variables and command lines', { details: { private: true } });
}
/**
 * Parses an Ed25519 public key in any accepted form. A private key is refused (E_BAD_KEY): where
 * a public key belongs, a private one is a secret about to be spread. Raw 32-byte base64 is read
 * as a public key.
 *
 * @example const trusted = parsePublicKey('ssh-ed25519 AAAAC3Nz… ci', 'workflow input')
 */
function key_formats_parsePublicKey(text, source) {
    if (text.includes('PRIVATE KEY-----'))
        throw privateWherePublicBelongs(source);
    const key = parseAny(text, source, 'public');
    if ('secretKey' in key)
        throw privateWherePublicBelongs(source);
    return { publicKey: key.publicKey, keyId: key.keyId };
}

;// CONCATENATED MODULE: ../../src/keys/signer.ts
/**
 * The one signing interface (issue 21): "here are the bytes (the DSSE PAE), give me a 64-byte
 * Ed25519 signature; this is my public key". A key file is one implementation; an ssh-agent and
 * an external command (exec:) are others. Whoever signs, the signature is verified against the
 * signer's public key before anyone uses it, so a signer that returns garbage or another key's
 * signature is refused before anything is written or uploaded.
 */


/**
 * A signer over a private key held in memory (a key file, env:NAME or a secret).
 *
 * @example const signer = fileSigner(parseSigningKey(readFileSync('release.key', 'utf8'), 'release.key'))
 */
function fileSigner(key, description = 'the signing key') {
    return {
        keyId: key.keyId,
        publicKey: key.publicKey,
        description,
        sign: (message) => Promise.resolve(ed25519_signDetached(key.secretKey, message)),
    };
}
function signer_asSigner(k) {
    return 'sign' in k ? k : fileSigner(k);
}
/**
 * Refuses a signature that is not a valid Ed25519 signature by `expected` over `message`
 * (wrong length, another key's, garbage), with E_SIGNER_FAILED.
 */
function checkFreshSignature(expected, message, signature) {
    const who = expected.description ?? `key ${expected.keyId}`;
    if (signature.length !== ed25519_ED25519_SIGNATURE_BYTES)
        throw new errors/* RelsealError */.Ng('E_SIGNER_FAILED', `${who} returned ${signature.length} bytes, not a ${ed25519_ED25519_SIGNATURE_BYTES}-byte Ed25519 signature; nothing was written`, { details: { keyid: expected.keyId, reason: 'length' } });
    if (!ed25519_verifyDetached(expected.publicKey, message, signature))
        throw new errors/* RelsealError */.Ng('E_SIGNER_FAILED', `${who} returned a signature that does not verify under public key ${expected.keyId}; ` +
            'it signed with another key or returned garbage; check that the public key belongs to the signer. Nothing was written', { details: { keyid: expected.keyId, reason: 'verify' } });
    return signature;
}
/** Signs with a key in memory and checks the result, synchronously (file keys only). */
function signer_signWithKeyChecked(key, message) {
    return checkFreshSignature(key, message, signDetached(key.secretKey, message));
}
/**
 * Asks any signer for a signature and verifies it against the signer's public key before
 * returning it (issue 21: every signature is checked right after it is made).
 */
async function signer_signChecked(signer, message) {
    let signature;
    try {
        signature = await signer.sign(message);
    }
    catch (e) {
        if (e instanceof errors/* RelsealError */.Ng)
            throw e;
        throw new errors/* RelsealError */.Ng('E_SIGNER_FAILED', `${signer.description} failed to sign: ${e.message}`, {
            cause: e,
        });
    }
    return checkFreshSignature(signer, message, signature);
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ../../src/keys/exec-signer.ts
/**
 * `exec:COMMAND`: an external program signs (a cloud KMS CLI, a script around a token). It gets
 * the bytes to sign (the PAE) on stdin and must print the 64-byte Ed25519 signature on stdout,
 * raw or base64. Its output is bounded, it has a deadline, and whatever it returns is checked
 * against the public key the user named (signChecked) before it is used.
 */




const EXEC_SIGNER_TIMEOUT_MS = 60_000;
/** More output than a base64 signature and a newline can only be a mistake. */
const MAX_SIGNER_STDOUT_BYTES = 4096;
const MAX_STDERR_SHOWN_CHARS = 300;
/**
 * Splits `exec:` text into argv at spaces and tabs; no quoting, no shell. A command that needs
 * either goes in a script (or is written `sh -c …` inside one).
 */
function parseExecCommand(text) {
    const argv = text.split(/[ \t]+/).filter((a) => a !== '');
    if (argv.length === 0)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'exec: needs a command, e.g. exec:./kms-sign.sh or exec:node signer.mjs');
    return argv;
}
const failed = (argv, why, reason, cause) => new errors/* RelsealError */.Ng('E_SIGNER_FAILED', `signing command ${JSON.stringify(argv[0])} ${why}; nothing was written`, {
    details: { reason },
    ...(cause !== undefined ? { cause } : {}),
});
/** Control characters and escapes out of a command's stderr before it goes into a message. */
const printable = (s) => s
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim()
    .slice(0, MAX_STDERR_SHOWN_CHARS);
/** 64 raw bytes, or base64 of 64 bytes with surrounding whitespace. */
function parseSignatureOutput(out, argv) {
    if (out.length === ed25519_ED25519_SIGNATURE_BYTES)
        return new Uint8Array(out);
    const decoded = decodeStrictBase64(out.toString('latin1').trim());
    if (decoded?.length === ed25519_ED25519_SIGNATURE_BYTES)
        return new Uint8Array(decoded);
    throw failed(argv, `printed ${out.length} bytes, neither a raw ${ed25519_ED25519_SIGNATURE_BYTES}-byte signature nor its base64`, 'output');
}
function runSigner(o, message) {
    const { argv } = o;
    return new Promise((resolvePromise, reject) => {
        const child = (0,external_node_child_process_.spawn)(argv[0], argv.slice(1), {
            stdio: ['pipe', 'pipe', 'pipe'],
            ...(o.env ? { env: o.env } : {}),
            ...(o.cwd ? { cwd: o.cwd } : {}),
        });
        const out = [];
        let outBytes = 0;
        let err = '';
        let settled = false;
        const finish = (f) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            f();
        };
        const timeoutMs = o.timeoutMs ?? EXEC_SIGNER_TIMEOUT_MS;
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            finish(() => reject(failed(argv, `did not answer within ${timeoutMs} ms`, 'timeout')));
        }, timeoutMs);
        child.stdout.on('data', (d) => {
            outBytes += d.length;
            if (outBytes > MAX_SIGNER_STDOUT_BYTES) {
                child.kill('SIGKILL');
                finish(() => reject(failed(argv, `printed more than ${MAX_SIGNER_STDOUT_BYTES} bytes`, 'output')));
            }
            else
                out.push(d);
        });
        child.stderr.on('data', (d) => {
            if (err.length < 4 * MAX_STDERR_SHOWN_CHARS)
                err += d.toString('utf8');
        });
        child.on('error', (e) => finish(() => reject(failed(argv, `could not be started (${e.message})`, 'spawn', e))));
        // A command that exits without reading stdin closes the pipe: EPIPE is its answer, not ours.
        child.stdin.on('error', () => undefined);
        child.on('close', (code, signal) => finish(() => {
            if (code !== 0) {
                const tail = printable(err);
                reject(failed(argv, `exited with ${signal ?? `status ${code}`}${tail ? `: ${tail}` : ''}`, 'exit'));
                return;
            }
            try {
                resolvePromise(parseSignatureOutput(Buffer.concat(out), argv));
            }
            catch (e) {
                reject(e instanceof Error ? e : new Error(String(e)));
            }
        }));
        child.stdin.end(Buffer.from(message));
    });
}
/**
 * A Signer that runs a command for each signature.
 *
 * @example execSigner({ argv: parseExecCommand('./kms-sign.sh'), publicKey: parsePublicKey(pem, 'release.pub') })
 */
function execSigner(o) {
    if (o.argv.length === 0)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'exec: needs a command');
    return {
        keyId: o.publicKey.keyId,
        publicKey: o.publicKey.publicKey,
        description: `signing command ${JSON.stringify(o.argv[0])}`,
        sign: (message) => runSigner(o, message),
    };
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ../../src/keys/ssh-agent-signer.ts
/**
 * `ssh-agent:SELECTOR`: signs through an OpenSSH agent (draft-miller-ssh-agent), so the key may
 * live in the agent, on a FIDO/PIV token behind it, or on another machine (agent forwarding).
 * An `ssh-ed25519` agent signature is a plain RFC 8032 signature over the data (draft section
 * 4.5; RFC 8709 section 6), so the PAE is sent as the data and the signature is used as is.
 * Everything read from the socket is bounded: frame length, key count, and a deadline.
 */






// draft-miller-ssh-agent section 6.1
const SSH_AGENT_FAILURE = 5;
const SSH2_AGENTC_REQUEST_IDENTITIES = 11;
const SSH2_AGENT_IDENTITIES_ANSWER = 12;
const SSH2_AGENTC_SIGN_REQUEST = 13;
const SSH2_AGENT_SIGN_RESPONSE = 14;
/** OpenSSH's own limit on an agent message (AGENT_MAX_LEN, 256 KiB). */
const MAX_AGENT_MESSAGE_BYTES = (/* unused pure expression or super */ null && (256 * 1024));
const MAX_AGENT_IDENTITIES = 1024;
const SSH_AGENT_TIMEOUT_MS = 120_000;
const agentError = (why, reason, cause) => new RelsealError('E_SIGNER_FAILED', `ssh-agent: ${why}; nothing was written`, {
    details: { reason },
    ...(cause !== undefined ? { cause } : {}),
});
/** One request, one answer: a fresh connection each time, closed afterwards. */
function agentRequest(socket, type, body, timeoutMs) {
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(body.length + 1);
    frame[4] = type;
    if (body.length + 1 > MAX_AGENT_MESSAGE_BYTES)
        return Promise.reject(agentError(`the request is ${body.length + 1} bytes, more than an agent accepts (${MAX_AGENT_MESSAGE_BYTES})`, 'size'));
    return new Promise((resolvePromise, reject) => {
        const conn = createConnection(socket);
        const chunks = [];
        let have = 0;
        const done = (f) => {
            clearTimeout(timer);
            conn.destroy();
            f();
        };
        const timer = setTimeout(() => done(() => reject(agentError(`no answer within ${timeoutMs} ms`, 'timeout'))), timeoutMs);
        conn.on('error', (e) => done(() => reject(agentError(`cannot talk to the agent at ${socket} (${e.message}); is SSH_AUTH_SOCK right?`, 'connect', e))));
        conn.on('data', (d) => {
            chunks.push(d);
            have += d.length;
            if (have < 4)
                return;
            const head = Buffer.concat(chunks);
            const len = head.readUInt32BE(0);
            if (len < 1 || len > MAX_AGENT_MESSAGE_BYTES)
                return done(() => reject(agentError(`the agent announced a ${len}-byte answer`, 'protocol')));
            if (have > 4 + len)
                return done(() => reject(agentError('the agent sent more than one answer', 'protocol')));
            if (have === 4 + len)
                done(() => resolvePromise(new SshReader(head.subarray(4), 'the ssh-agent answer')));
        });
        conn.on('end', () => done(() => reject(agentError('the agent closed the connection before answering', 'protocol'))));
        conn.write(Buffer.concat([frame, body]));
    });
}
/** `SHA256:` and unpadded base64 of the key blob's SHA-256, as ssh-keygen -l prints it. */
function sshFingerprint(blob) {
    return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
async function listIdentities(o, timeoutMs) {
    const r = await agentRequest(o.socket, SSH2_AGENTC_REQUEST_IDENTITIES, Buffer.alloc(0), timeoutMs);
    const type = r.raw(1)[0];
    if (type !== SSH2_AGENT_IDENTITIES_ANSWER)
        throw agentError(`the agent answered message type ${type} to a list request`, 'protocol');
    const n = r.uint32();
    if (n > MAX_AGENT_IDENTITIES)
        throw agentError(`the agent claims ${n} keys`, 'protocol');
    const ids = [];
    for (let i = 0; i < n; i++) {
        const blob = r.bytes();
        ids.push({ blob: Buffer.from(blob), comment: r.string(), fingerprint: sshFingerprint(blob) });
    }
    return ids;
}
function ed25519PublicOf(blob) {
    try {
        const r = new SshReader(blob, 'an agent key');
        if (r.string() !== 'ssh-ed25519')
            return undefined;
        const key = r.bytes();
        return key.length === 32 && r.remaining === 0 && !isWeakPublicKey(key) ? new Uint8Array(key) : undefined;
    }
    catch {
        return undefined;
    }
}
async function agentSign(o, blob, data, timeoutMs) {
    const body = Buffer.concat([sshString(blob), sshString(Buffer.from(data)), Buffer.alloc(4)]); // flags 0
    const r = await agentRequest(o.socket, SSH2_AGENTC_SIGN_REQUEST, body, timeoutMs);
    const type = r.raw(1)[0];
    if (type === SSH_AGENT_FAILURE)
        throw agentError('the agent refused to sign (locked, confirmation denied, or the data is too large)', 'refused');
    if (type !== SSH2_AGENT_SIGN_RESPONSE)
        throw agentError(`the agent answered message type ${type} to a sign request`, 'protocol');
    const sig = new SshReader(r.bytes(), 'the ssh-agent signature');
    const alg = sig.string();
    if (alg !== 'ssh-ed25519')
        throw agentError(`the agent signed with ${JSON.stringify(alg)}, not ssh-ed25519`, 'protocol');
    return new Uint8Array(sig.bytes());
}
/**
 * Finds the Ed25519 key `select` names in the agent and returns a Signer for it. The agent is
 * asked for its keys first, so the public key (and key id) is known before anything is signed.
 *
 * @example const signer = await sshAgentSigner({ socket: process.env.SSH_AUTH_SOCK!, select: 'SHA256:abc…' })
 */
async function sshAgentSigner(o) {
    const timeoutMs = o.timeoutMs ?? SSH_AGENT_TIMEOUT_MS;
    const ids = await listIdentities(o, timeoutMs);
    const matching = ids.filter((i) => i.fingerprint === o.select || i.comment === o.select);
    if (matching.length !== 1)
        throw new RelsealError('E_BAD_KEY', `ssh-agent holds ${matching.length === 0 ? 'no' : matching.length} key${matching.length === 1 ? '' : 's'} ` +
            `with fingerprint or comment ${JSON.stringify(o.select)}; \`ssh-add -l\` lists them (${ids.length} loaded); ` +
            'name one by its SHA256: fingerprint', { details: { loaded: ids.map((i) => i.fingerprint) } });
    const id = matching[0];
    const publicKey = ed25519PublicOf(id.blob);
    if (publicKey === undefined)
        throw new RelsealError('E_BAD_KEY', `ssh-agent key ${id.fingerprint} is not an Ed25519 (ssh-ed25519) key; relseal signs with Ed25519 only`);
    return {
        keyId: keyIdOf(publicKey),
        publicKey,
        description: `ssh-agent key ${id.fingerprint}`,
        sign: (message) => agentSign(o, id.blob, message, timeoutMs),
    };
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
;// CONCATENATED MODULE: ../../src/keys/pkcs11-signer.ts
/**
 * `pkcs11:` (RFC 7512): an Ed25519 key on a PKCS#11 token (a hardware token, an HSM, SoftHSM)
 * signs with CKM_EDDSA. The token is driven through OpenSC's `pkcs11-tool` as a subprocess (no
 * native code in relseal): the public key is read from the token first (the key id must be known
 * before signing), then each signature is one `pkcs11-tool --sign --mechanism EDDSA`. The PIN goes
 * to the child in an environment variable (`--pin env:…`), never on a command line.
 */







const PKCS11_TIMEOUT_MS = 120_000;
const MAX_URI_CHARS = 4096;
const PIN_ENV = 'RELSEAL_PKCS11_TOOL_PIN';
const PATH_ATTRS = {
    token: 'token',
    object: 'object',
    id: 'id',
    'slot-id': 'slotId',
};
const bad = (why) => new RelsealError('E_BAD_KEY', `the pkcs11: URI ${why} (RFC 7512; e.g. pkcs11:token=release;object=relseal)`);
/** RFC 7512 section 2.3: percent-encoded octets; anything else malformed is refused. */
function pctDecode(text) {
    const out = [];
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 0x25) {
            out.push(...Buffer.from(text[i], 'utf8'));
            continue;
        }
        const hex = text.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex))
            throw bad(`has a malformed %-escape at character ${i}`);
        out.push(parseInt(hex, 16));
        i += 2;
    }
    return Buffer.from(out);
}
/**
 * Parses `pkcs11:path?query`. Path attributes token, object, id, slot-id, type=private; query
 * attribute module-path. A PIN in the URI (pin-value, pin-source) is refused: it would sit in
 * process listings and shell history; the CLI takes it from RELSEAL_PKCS11_PIN.
 */
function parsePkcs11Uri(uri) {
    if (!uri.startsWith('pkcs11:'))
        throw bad('does not start with pkcs11:');
    if (uri.length > MAX_URI_CHARS)
        throw bad(`is longer than ${MAX_URI_CHARS} characters`);
    const [path = '', query = '', ...extra] = uri.slice(7).split('?');
    if (extra.length > 0)
        throw bad('has more than one ?');
    const out = {};
    for (const [part, sep] of [
        [path, ';'],
        [query, '&'],
    ]) {
        for (const attr of part === '' ? [] : part.split(sep)) {
            const eq = attr.indexOf('=');
            const name = eq < 0 ? attr : attr.slice(0, eq);
            const value = pctDecode(eq < 0 ? '' : attr.slice(eq + 1));
            if (sep === ';' && name === 'type') {
                if (value.toString() !== 'private')
                    throw bad(`names type=${value.toString()}; the signing key is type=private`);
            }
            else if (sep === ';' && PATH_ATTRS[name]) {
                const key = PATH_ATTRS[name];
                if (out[key] !== undefined)
                    throw bad(`gives ${name} twice`);
                out[key] = key === 'id' ? value : value.toString('utf8');
            }
            else if (sep === '&' && name === 'module-path')
                out.modulePath = value.toString('utf8');
            else if (name === 'pin-value' || name === 'pin-source')
                throw bad(`carries ${name}; set the PIN in RELSEAL_PKCS11_PIN instead, never in the URI`);
            else
                throw bad(`has attribute ${JSON.stringify(name)}, which relseal does not use`);
        }
    }
    if (out.object === undefined && out.id === undefined)
        throw bad('names no key: give object= (label) or id=');
    return out;
}
function selectors(o) {
    const module = o.modulePath ?? o.uri.modulePath;
    if (module === undefined)
        throw new RelsealError('E_USAGE', 'a pkcs11: key needs the PKCS#11 module: --pkcs11-module /usr/lib/softhsm/libsofthsm2.so, or module-path= in the URI');
    const u = o.uri;
    return [
        '--module',
        module,
        ...(u.token !== undefined ? ['--token-label', u.token] : []),
        ...(u.slotId !== undefined ? ['--slot', u.slotId] : []),
        ...(u.id !== undefined ? ['--id', u.id.toString('hex')] : []),
        ...(u.object !== undefined ? ['--label', u.object] : []),
    ];
}
function runTool(o, args, what) {
    const timeoutMs = o.timeoutMs ?? PKCS11_TIMEOUT_MS;
    const env = { ...(o.env ?? process.env), ...(o.pin !== undefined ? { [PIN_ENV]: o.pin } : {}) };
    return new Promise((resolvePromise, reject) => {
        execFile(o.tool ?? 'pkcs11-tool', args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 }, (err, _stdout, stderr) => {
            if (!err)
                return resolvePromise();
            const tail = String(stderr)
                .replace(/[^\x20-\x7e]+/g, ' ')
                .trim()
                .slice(-300);
            reject(new RelsealError('E_SIGNER_FAILED', `pkcs11-tool could not ${what}${err.killed ? ` within ${timeoutMs} ms` : ''}: ${tail || err.message}; nothing was written`, { cause: err, details: { reason: err.killed ? 'timeout' : 'exit' } }));
        });
    });
}
/** Runs `f` with a private temp folder, removed afterwards whatever happens. */
async function withTemp(f) {
    const dir = mkdtempSync(join(tmpdir(), 'relseal-pkcs11-'));
    try {
        return await f(dir);
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
/**
 * Finds the key the URI names on the token, reads its public key, and returns a Signer.
 *
 * @example await pkcs11Signer({ uri: parsePkcs11Uri('pkcs11:token=release;object=relseal'), modulePath, pin })
 */
async function pkcs11Signer(o) {
    const sel = selectors(o);
    const publicKey = await withTemp(async (dir) => {
        const out = join(dir, 'pub');
        await runTool(o, [...sel, '--read-object', '--type', 'pubkey', '-o', out], 'read the public key');
        // OpenSC writes an Ed25519 public key as SPKI PEM; parsePublicKey refuses anything else.
        return parsePublicKey(readFileSync(out, 'utf8'), `the token's public key ${o.uri.object ?? ''}`.trim());
    });
    const description = `PKCS#11 key ${o.uri.object ?? o.uri.id?.toString('hex') ?? ''}`.trim();
    const login = o.pin !== undefined ? ['--login', '--pin', `env:${PIN_ENV}`] : ['--login'];
    return {
        ...publicKey,
        description,
        sign: (message) => withTemp(async (dir) => {
            writeFileSync(join(dir, 'in'), message, { mode: 0o600 });
            await runTool(o, [...sel, ...login, '--sign', '--mechanism', 'EDDSA', '-i', join(dir, 'in'), '-o', join(dir, 'sig')], 'sign');
            const sig = readFileSync(join(dir, 'sig'));
            if (sig.length !== ED25519_SIGNATURE_BYTES)
                throw new RelsealError('E_SIGNER_FAILED', `${description} returned ${sig.length} bytes, not a signature`);
            return new Uint8Array(sig);
        }),
    };
}

;// CONCATENATED MODULE: ../../src/keys/index.ts








;// CONCATENATED MODULE: ../../src/manifest/duration.ts


const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** Parses `90d`, `12h`, `30m`, `2w`, `45s` into seconds (signature expiries; timers use parseDurationMs). */
function parseDuration(text, flag) {
    const m = /^(\d{1,6})([smhdw])$/.exec(text);
    if (!m)
        throw new errors/* RelsealError */.Ng('E_USAGE', `${flag} must be a number and a unit (s, m, h, d or w), such as 90d; got ${JSON.stringify(text)}`);
    const seconds = Number(m[1]) * UNIT_SECONDS[m[2]];
    if (seconds === 0)
        throw new errors/* RelsealError */.Ng('E_USAGE', `${flag} must be longer than zero`);
    return seconds;
}
const UNIT_MS = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3600_000,
    d: 86_400_000,
    w: 604_800_000,
};
/** Longest timer duration by default: a week (Node timers cannot wait past 2^31 - 1 ms, about 24 days). */
const MAX_TIMER_MS = (/* unused pure expression or super */ null && (7 * 86_400_000));
/** `1w`, `2d`, `1h`, `90s`, `500ms`: the largest unit that divides `ms`. */
function formatDurationMs(ms) {
    for (const unit of ['w', 'd', 'h', 'm', 's'])
        if (ms !== 0 && ms % UNIT_MS[unit] === 0)
            return `${ms / UNIT_MS[unit]}${unit}`;
    return `${ms}ms`;
}
/**
 * The one parser of the CLI's timer flags (update --every, --jitter, --notify-timeout,
 * --restart-timeout, --watch-for, --watch-interval; install-artifact's): a whole number and a unit
 * (ms, s, m, h, d, w) such as `500ms`, `30s`, `5m`, `1h`; a bare number is seconds. Returns
 * milliseconds, from `minMs` (default 1: longer than zero) to `maxMs` (default a week), else E_USAGE.
 */
function parseDurationMs(text, flag, bounds = {}) {
    const { minMs = 1, maxMs = MAX_TIMER_MS } = bounds;
    const m = /^(\d{1,9})(ms|s|m|h|d|w)?$/.exec(text);
    const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's'] : NaN;
    if (!(ms >= minMs && ms <= maxMs))
        throw new RelsealError('E_USAGE', `${flag} must be a duration such as 500ms, 30s, 5m or 1h (a bare number is seconds), ` +
            `from ${formatDurationMs(minMs)} to ${formatDurationMs(maxMs)}; got "${escapeUntrusted(text.slice(0, 100))}"`);
    return ms;
}

;// CONCATENATED MODULE: ../../src/manifest/assets.ts
/** The signed manifest, as a release asset: what sign-release uploads and updaters look for. */
const MANIFEST_ASSET = 'release_manifest.json';
/** The sha256sum-format list of the tree's files, uploaded beside the manifest. */
const FILES_ASSET = 'release_files.sha256';

;// CONCATENATED MODULE: ../../src/text/escape.ts
/**
 * Untrusted text (key ids, tag names, payload types, anything read from an unverified envelope or
 * a server) is shown through this one function before it reaches a terminal, a log or an
 * annotation: a key id holding `ESC [ 2 J` or a newline must not clear a screen or forge a log line.
 */
/** Longest untrusted text shown in a message; the rest is cut with "…". */
const MAX_SHOWN_CHARS = 200;
function hex(cp, width) {
    return cp.toString(16).padStart(width, '0');
}
function needsEscape(cp) {
    return (cp < 0x20 || // C0 controls, including newline and ESC
        (cp >= 0x7f && cp <= 0x9f) || // DEL and C1 controls (0x9b is a one-byte CSI)
        cp === 0x2028 ||
        cp === 0x2029 || // line and paragraph separators
        (cp >= 0x200b && cp <= 0x200f) || // zero-width and direction marks
        (cp >= 0x202a && cp <= 0x202e) || // bidi embeddings and overrides
        (cp >= 0x2066 && cp <= 0x2069) || // bidi isolates
        cp === 0xfeff ||
        (cp >= 0xd800 && cp <= 0xdfff) // an unpaired surrogate
    );
}
/**
 * Escapes untrusted text for display: control, bidi and invisible characters become `\xHH` or
 * `\uHHHH`, a backslash becomes `\\`, and text longer than `maxChars` is cut with "…". Linear time.
 *
 * @example escapeUntrusted('v1\x1b[2J') // 'v1\\x1b[2J'
 */
function escape_escapeUntrusted(text, maxChars = MAX_SHOWN_CHARS) {
    return escapeChars(text, maxChars, true);
}
function escapeChars(text, maxChars, backslash) {
    let out = '';
    let shown = 0;
    for (const ch of text) {
        if (shown >= maxChars)
            return `${out}…`;
        const cp = ch.codePointAt(0);
        // The backslash is doubled so every escape reads back unambiguously.
        if (cp === 0x5c && backslash)
            out += '\\\\';
        else if (needsEscape(cp))
            out += cp < 0x100 ? `\\x${hex(cp, 2)}` : `\\u${hex(cp, 4)}`;
        else
            out += ch;
        shown++;
    }
    return out;
}
/**
 * The last line of defence for a whole message or a pretty-printed block: newlines are kept,
 * other control, bidi and invisible characters escaped, backslashes left alone (the message may
 * already hold escapeUntrusted output, which must not be escaped twice). No length cut.
 */
function escapeControls(text) {
    return text
        .split('\n')
        .map((line) => escapeChars(line, Number.POSITIVE_INFINITY, false))
        .join('\n');
}
/**
 * JSON for a terminal or a log: JSON.stringify (which escapes C0 controls and lone surrogates),
 * then every other character escapeUntrusted would escape (DEL, C1 controls, bidi and invisible
 * characters) written as a `\uHHHH` escape. Still valid JSON with the very same value.
 *
 * @example jsonForTerminal({ reason: 'a\u202eb' }) // '{"reason":"a\\u202eb"}'
 */
function jsonForTerminal(value, indent = 2) {
    let out = '';
    for (const ch of JSON.stringify(value, null, indent)) {
        const cp = ch.codePointAt(0);
        out += cp >= 0x7f && needsEscape(cp) ? `\\u${hex(cp, 4)}` : ch;
    }
    return out;
}

;// CONCATENATED MODULE: ../../src/manifest/strict-json.ts


/**
 * Arrays and objects nest at most this deep. A manifest needs 3; V8 takes most of a second to
 * build (and then refuse) 1 MiB of unclosed `[`, so depth is checked before JSON.parse runs.
 */
const MAX_JSON_DEPTH = 32;
/**
 * An object has at most this many members (a manifest's largest has 13). JSON.parse needs most of
 * a second for one object of 100,000 members, so this too is checked before it runs.
 */
const MAX_JSON_OBJECT_MEMBERS = 1000;
/**
 * Parses JSON like JSON.parse, but refuses what JSON.parse silently accepts and a signed
 * document must not hold: duplicate object keys (JSON.parse keeps the last one, so two
 * readers could see two different values), a byte-order mark, and `\u` escapes of unpaired
 * surrogates (not Unicode text). Linear time: JSON.parse, then one scan of the text.
 */
function parseStrictJson(text, what, o = {}) {
    const fail = (why, at) => {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${what} is not valid JSON: ${why} at offset ${at}`);
    };
    if (text.charCodeAt(0) === 0xfeff)
        fail('a byte-order mark', 0);
    checkShape(text, fail);
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (e) {
        // V8's message quotes the offending text, which is untrusted.
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${what} is not valid JSON (${escape_escapeUntrusted(e.message)}); was it truncated?`, { cause: e });
    }
    // JSON.parse has validated the syntax; one linear scan now finds repeated keys per object.
    const stack = [];
    let expectKey = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '{' || c === '[') {
            stack.push({ object: c === '{', keys: new Set() });
            expectKey = c === '{';
        }
        else if (c === '}' || c === ']')
            stack.pop();
        else if (c === ',')
            expectKey = stack.at(-1)?.object ?? false;
        else if (c === '"') {
            const { end, escaped } = stringEnd(text, i);
            const str = escaped ? JSON.parse(text.slice(i, end + 1)) : text.slice(i + 1, end);
            if (escaped && !isWellFormed(str))
                fail('a \\u escape of an unpaired surrogate', i);
            if (expectKey) {
                const keys = stack.at(-1).keys;
                if (keys.has(str))
                    fail(`the key "${escape_escapeUntrusted(str)}" appears twice in one object`, i);
                keys.add(str);
                expectKey = false;
            }
            i = end;
        }
        else if (o.integersOnly && (c === '-' || (c !== undefined && c >= '0' && c <= '9'))) {
            i = integerEnd(text, i, fail);
        }
    }
    return value;
}
/**
 * Refuses nesting deeper than MAX_JSON_DEPTH and objects with more than MAX_JSON_OBJECT_MEMBERS
 * members, counting brackets and colons outside strings, before JSON.parse builds anything.
 */
function checkShape(text, fail) {
    const members = []; // per open bracket: members so far, or -1 for an array
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"')
            i = stringEnd(text, i).end;
        else if (c === '[' || c === '{') {
            members.push(c === '{' ? 0 : -1);
            if (members.length > MAX_JSON_DEPTH)
                fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`, i);
        }
        else if (c === ']' || c === '}')
            members.pop();
        else if (c === ':' && members.length > 0 && members[members.length - 1] >= 0) {
            const n = ++members[members.length - 1];
            if (n > MAX_JSON_OBJECT_MEMBERS)
                fail(`an object with more than ${MAX_JSON_OBJECT_MEMBERS} members`, i);
        }
    }
}
function stringEnd(text, start) {
    let escaped = false;
    for (let i = start + 1; i < text.length; i++) {
        if (text[i] === '\\') {
            escaped = true;
            i++;
        }
        else if (text[i] === '"')
            return { end: i, escaped };
    }
    return { end: text.length, escaped };
}
/** Checks a number token is a non-negative integer; returns the index of its last character. */
function integerEnd(text, start, fail) {
    let i = start;
    while (i + 1 < text.length && '0123456789+-.eE'.includes(text[i + 1]))
        i++;
    const token = text.slice(start, i + 1);
    const digitsOnly = [...token].every((d) => d >= '0' && d <= '9');
    if (!digitsOnly || (token.length > 1 && token[0] === '0'))
        fail(`the number ${token.slice(0, 40)} is not written as a non-negative integer`, start);
    return i;
}
function isWellFormed(s) {
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff) {
            const next = s.charCodeAt(i + 1);
            if (!(next >= 0xdc00 && next <= 0xdfff))
                return false;
            i++;
        }
        else if (c >= 0xdc00 && c <= 0xdfff)
            return false;
    }
    return true;
}

;// CONCATENATED MODULE: ../../src/manifest/dsse.ts
/**
 * DSSE v1 (secure-systems-lab/dsse, protocol.md): the envelope and the pre-authentication
 * encoding that every signature covers.
 */



const dsse_MANIFEST_PAYLOAD_TYPE = 'application/vnd.relseal.manifest.v1+json';
/** A release manifest larger than this is refused before it is parsed. */
const dsse_MAX_MANIFEST_BYTES = 1024 * 1024;
/**
 * More signatures than this are refused (E_BAD_INPUT) before any cryptography: each costs a
 * verification, and a 1 MiB manifest could otherwise carry thousands (issue 23).
 */
const dsse_MAX_SIGNATURES = 16;
/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body */
function dsse_preAuthEncoding(payloadType, payload) {
    const type = Buffer.from(payloadType, 'utf8');
    return Buffer.concat([
        Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
        type,
        Buffer.from(` ${payload.length} `, 'utf8'),
        payload,
    ]);
}
/**
 * Decodes base64 as DSSE requires verifiers to: the standard or the URL-safe alphabet, padded
 * or not, but nothing else (no whitespace, no stray characters, no bad padding).
 */
function decodeDsseBase64(text, what) {
    if (!isBase64(text, 'dsse')) {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${what} is not valid base64 (standard or URL-safe, correctly padded)`);
    }
    return decodeCheckedBase64(text);
}
/**
 * Reads an envelope's structure without trusting anything in it. Signatures whose `sig` is not
 * valid base64 are kept with `sig: undefined` so they count as bad signatures, not as input errors.
 */
function dsse_parseEnvelope(bytes) {
    if (bytes.length > dsse_MAX_MANIFEST_BYTES) {
        throw new errors/* RelsealError */.Ng('E_TOO_LARGE', `the manifest is ${bytes.length} bytes, more than the ${dsse_MAX_MANIFEST_BYTES} a relseal manifest may have`);
    }
    let text;
    try {
        // ignoreBOM keeps a byte-order mark in the text, so that parseStrictJson refuses it.
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the manifest is not UTF-8 text; is this a release_manifest.json?');
    }
    const env = parseStrictJson(text, 'the manifest envelope');
    if (typeof env !== 'object' || env === null || Array.isArray(env)) {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the manifest is not a DSSE envelope (a JSON object with payloadType, payload, signatures)');
    }
    const { payloadType, payload, signatures } = env;
    if (typeof payloadType !== 'string' || typeof payload !== 'string' || !Array.isArray(signatures)) {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the manifest envelope needs a string payloadType, a string payload and a signatures array');
    }
    if (signatures.length > dsse_MAX_SIGNATURES) {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `the manifest carries ${signatures.length} signatures; at most ${dsse_MAX_SIGNATURES} are considered, so it is refused unverified`);
    }
    const sigs = signatures.map((s, i) => {
        if (typeof s !== 'object' || s === null || Array.isArray(s))
            throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `signature ${i} is not an object`);
        const { keyid, sig } = s;
        if (typeof sig !== 'string' || (keyid !== undefined && typeof keyid !== 'string')) {
            throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `signature ${i} needs a string sig and an optional string keyid`);
        }
        let decoded;
        try {
            decoded = decodeDsseBase64(sig, `signature ${i}`);
        }
        catch {
            decoded = undefined;
        }
        return { keyid: keyid ?? '', sig: decoded };
    });
    return {
        payloadType,
        untrustedPayload: decodeDsseBase64(payload, 'the manifest payload'),
        signatures: sigs,
    };
}
/** Serialises an envelope the way relseal writes release_manifest.json. */
function dsse_serializeEnvelope(payloadType, payload, signatures) {
    const env = { payloadType, payload: Buffer.from(payload).toString('base64'), signatures };
    return Buffer.from(`${JSON.stringify(env, null, 2)}\n`, 'utf8');
}

// EXTERNAL MODULE: ../../node_modules/semver/index.js
var semver = __webpack_require__(84);
var semver_default = /*#__PURE__*/__webpack_require__.n(semver);
;// CONCATENATED MODULE: ../../src/manifest/grammar.ts
/**
 * The grammar of payload v1 fields, exactly as docs/manifest-spec.md ("Payload grammar") states
 * it. Every check is one linear pass written out by hand: no regular expression with a
 * quantifier runs over untrusted text, so no input can make a check slow (issue 23).
 */
const isDigit = (c) => c >= 0x30 && c <= 0x39;
const isLowerHex = (c) => isDigit(c) || (c >= 0x61 && c <= 0x66);
const isAlnum = (c) => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** True for C0 controls and DEL (U+0000–U+001F, U+007F). */
function grammar_isControl(c) {
    return c < 0x20 || c === 0x7f;
}
/** True when `s` holds no C0 control character and no DEL. */
function hasNoControl(s) {
    for (let i = 0; i < s.length; i++)
        if (grammar_isControl(s.charCodeAt(i)))
            return false;
    return true;
}
/** `n` lower-case hex digits exactly. */
function isLowerHexOf(s, n) {
    if (s.length !== n)
        return false;
    for (let i = 0; i < n; i++)
        if (!isLowerHex(s.charCodeAt(i)))
            return false;
    return true;
}
/** `sha256:` and 64 lower-case hex digits. */
function isSha256Digest(s) {
    return s.startsWith('sha256:') && isLowerHexOf(s.slice(7), 64);
}
/** A full commit id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. */
function isCommitId(s) {
    return isLowerHexOf(s, 40) || isLowerHexOf(s, 64);
}
/**
 * `owner/name`: owner is 1–39 of [A-Za-z0-9-] starting with a letter or digit; name is 1–100 of
 * [A-Za-z0-9._-] and neither `.` nor `..`.
 */
function isRepository(s) {
    const slash = s.indexOf('/');
    if (slash < 1 || slash > 39)
        return false;
    const owner = s.slice(0, slash);
    const name = s.slice(slash + 1);
    if (!isAlnum(owner.charCodeAt(0)))
        return false;
    for (let i = 1; i < owner.length; i++) {
        const c = owner.charCodeAt(i);
        if (!isAlnum(c) && c !== 0x2d)
            return false;
    }
    if (name.length < 1 || name.length > 100 || name === '.' || name === '..')
        return false;
    for (let i = 0; i < name.length; i++) {
        const c = name.charCodeAt(i);
        if (!isAlnum(c) && c !== 0x2e && c !== 0x5f && c !== 0x2d)
            return false;
    }
    return true;
}
/** Characters git refuses anywhere in a ref name, beyond controls: space ~ ^ : ? * [ \ */
const TAG_FORBIDDEN = ' ~^:?*[\\';
/** Longest tag name in UTF-8 bytes. */
const MAX_TAG_BYTES = 250;
/**
 * A git tag name as `git check-ref-format` accepts it under refs/tags/, and one that cannot act
 * as an option: 1–250 UTF-8 bytes; no control character, DEL or any of ` ~^:?*[\`; not starting
 * with `-` or `/`, not ending with `/` or `.`; no `..`, `//` or `@{`; not `@` alone; no
 * `/`-separated component starting with `.` or ending with `.lock`.
 */
function isTagName(s) {
    const bytes = Buffer.byteLength(s, 'utf8');
    if (bytes < 1 || bytes > MAX_TAG_BYTES || s === '@')
        return false;
    if (s.startsWith('-') || s.endsWith('.'))
        return false;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (grammar_isControl(c) || TAG_FORBIDDEN.includes(s[i]))
            return false;
        if (c === 0x2e && s[i + 1] === '.')
            return false;
        if (c === 0x40 && s[i + 1] === '{')
            return false;
    }
    for (const component of s.split('/')) {
        // Empty components are a leading, trailing or doubled slash.
        if (component === '' || component.startsWith('.') || component.endsWith('.lock'))
            return false;
    }
    return true;
}
/** Longest artifact name in UTF-8 bytes (the common file-system limit for one name). */
const MAX_ARTIFACT_NAME_BYTES = 255;
/**
 * An artifact file name: 1–255 UTF-8 bytes, no control character, DEL, `/` or `\`, not starting
 * with `.` or `-`.
 */
function isArtifactName(s) {
    const bytes = Buffer.byteLength(s, 'utf8');
    if (bytes < 1 || bytes > MAX_ARTIFACT_NAME_BYTES)
        return false;
    if (s.startsWith('.') || s.startsWith('-'))
        return false;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (grammar_isControl(c) || c === 0x2f || c === 0x5c)
            return false;
    }
    return true;
}
function daysInMonth(year, month) {
    if (month === 2)
        return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
    return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
/**
 * An RFC 3339 UTC time, `YYYY-MM-DDTHH:MM:SS[.F]Z` with upper-case `T` and `Z`, 1–9 fraction
 * digits, and a real calendar date and time of day: month 01–12, a day that exists in that month
 * (leap years by the Gregorian rule), hour 00–23, minute 00–59, second 00–59 (no leap second).
 * Offsets such as `+00:00` are refused: one spelling for one instant.
 */
function isUtcTimestamp(s) {
    if (s.length < 20 || s.length > 30 || !s.endsWith('Z'))
        return false;
    const shape = 'dddd-dd-ddTdd:dd:dd';
    for (let i = 0; i < shape.length; i++) {
        const c = s.charCodeAt(i);
        if (shape[i] === 'd' ? !isDigit(c) : s[i] !== shape[i])
            return false;
    }
    const fraction = s.slice(19, -1);
    if (fraction !== '') {
        if (fraction[0] !== '.' || fraction.length < 2 || fraction.length > 10)
            return false;
        for (let i = 1; i < fraction.length; i++)
            if (!isDigit(fraction.charCodeAt(i)))
                return false;
    }
    const n = (from, to) => Number(s.slice(from, to));
    const [year, month, day] = [n(0, 4), n(5, 7), n(8, 10)];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
        return false;
    return n(11, 13) <= 23 && n(14, 16) <= 59 && n(17, 19) <= 59;
}

;// CONCATENATED MODULE: ../../src/manifest/rollout.ts
/**
 * The phased rollout of schema v2 (docs/manifest-spec.md, "Phased rollout"): a start time and
 * stages of growing percentages of hosts, each opening a fixed time after the start. Every check
 * is one linear pass written by hand, as in grammar.ts.
 */



/** A rollout has at most this many stages. */
const MAX_ROLLOUT_STAGES = 10;
/** No stage opens later than this after the start (365 days). */
const MAX_ROLLOUT_AFTER_SECONDS = 365 * 86400;
const rollout_UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/**
 * Seconds of an `after` duration, or undefined when it is not `0` or a digit 1–9 followed by at
 * most 5 digits, then one unit of `s m h d w`, at most 365 days: one spelling per number.
 */
function afterSeconds(s) {
    if (s.length < 2 || s.length > 7)
        return undefined;
    const unit = rollout_UNIT_SECONDS[s[s.length - 1]];
    const digits = s.slice(0, -1);
    if (unit === undefined || (digits.length > 1 && digits[0] === '0'))
        return undefined;
    for (let i = 0; i < digits.length; i++) {
        const c = digits.charCodeAt(i);
        if (c < 0x30 || c > 0x39)
            return undefined;
    }
    const seconds = Number(digits) * unit;
    return seconds <= MAX_ROLLOUT_AFTER_SECONDS ? seconds : undefined;
}
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const MANIFEST = {
    code: 'E_BAD_INPUT',
    field: (n) => `manifest field rollout${n === '' ? '' : `.${n}`}`,
    stage: (i, n) => `manifest field rollout.stages[${i}]${n === '' ? '' : `.${n}`}`,
};
function fail(w, where, why) {
    throw new errors/* RelsealError */.Ng(w.code, `${where} ${why}`);
}
function checkStage(s, i, w, last) {
    if (!isObject(s))
        fail(w, w.stage(i, ''), 'must be an object { percent, after }');
    for (const k of Object.keys(s))
        if (k !== 'percent' && k !== 'after')
            fail(w, w.stage(i, escape_escapeUntrusted(k, 40)), 'is not a stage field');
    const { percent, after } = s;
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 100)
        fail(w, w.stage(i, 'percent'), 'must be a whole number from 1 to 100');
    if (percent <= last.percent)
        fail(w, w.stage(i, 'percent'), `must be larger than the previous stage's ${last.percent}`);
    const seconds = typeof after === 'string' ? afterSeconds(after) : undefined;
    if (seconds === undefined)
        fail(w, w.stage(i, 'after'), 'must be a duration such as 0m, 30m, 2h or 3d (units s, m, h, d, w; at most 365d)');
    if (seconds < last.after)
        fail(w, w.stage(i, 'after'), "must not be earlier than the previous stage's");
    last.percent = percent;
    last.after = seconds;
    return { percent, after: after };
}
/** 1–10 stages, percents strictly increasing from 1 and ending at 100, `after` never decreasing. */
function checkStages(stages, w) {
    if (!Array.isArray(stages) || stages.length < 1 || stages.length > MAX_ROLLOUT_STAGES)
        fail(w, w.field('stages'), `must be an array of 1 to ${MAX_ROLLOUT_STAGES} stages { percent, after }`);
    const last = { percent: 0, after: 0 };
    const out = stages.map((s, i) => checkStage(s, i, w, last));
    if (last.percent !== 100)
        fail(w, w.stage(out.length - 1, 'percent'), 'must be 100 in the last stage, so that every host is reached');
    return out;
}
/** When stage `i` opens, in milliseconds since the epoch. */
function rollout_stageOpensAt(rollout, i) {
    return Date.parse(rollout.start) + afterSeconds(rollout.stages[i].after) * 1000;
}
function checkRollout(v, w, expiresAt) {
    if (!isObject(v))
        fail(w, w.field(''), 'must be an object { start, stages }');
    for (const k of Object.keys(v))
        if (k !== 'start' && k !== 'stages')
            fail(w, w.field(escape_escapeUntrusted(k, 40)), 'is not a rollout field');
    if (typeof v.start !== 'string' || !isUtcTimestamp(v.start))
        fail(w, w.field('start'), 'must be a real RFC 3339 UTC time ending in Z, such as 2026-01-01T00:00:00Z');
    const rollout = { start: v.start, stages: checkStages(v.stages, w) };
    const lastOpens = rollout_stageOpensAt(rollout, rollout.stages.length - 1);
    if (expiresAt !== undefined && lastOpens >= Date.parse(expiresAt))
        fail(w, w.field(''), `ends at ${new Date(lastOpens).toISOString()}, not before expires_at ${expiresAt}: the last stage would never open`);
    return rollout;
}
/**
 * The `rollout` field of a verified payload: required with schema v2 and refused with v1
 * (`payload.rollout`), so a v1 manifest stays v1 byte for byte and a v1 client refuses a phased
 * release instead of installing it everywhere at once.
 */
function parsePayloadRollout(untrusted, isV2, expiresAt) {
    if (!isV2) {
        if (untrusted !== undefined)
            fail(MANIFEST, MANIFEST.field(''), 'needs schema "https://relseal.dev/manifest/v2"');
        return undefined;
    }
    if (untrusted === undefined)
        fail(MANIFEST, MANIFEST.field(''), 'is missing: schema v2 is v1 plus a rollout');
    return checkRollout(untrusted, MANIFEST, expiresAt);
}
/**
 * Reads a rollout plan as the CLI and sign-release take it, `10%@0m,50%@30m,100%@2h`, starting at
 * `start` (an RFC 3339 UTC time); `what` names the flag or input in errors (E_USAGE).
 *
 * @example parseRolloutPlan('10%@0m,100%@2h', '2026-05-01T12:00:00Z', '--rollout')
 */
function parseRolloutPlan(text, start, what, startWhat = what) {
    const w = {
        code: 'E_USAGE',
        field: (n) => (n === '' ? what : `${what} ${n}`),
        stage: (i, n) => `${what} stage ${i + 1}${n === '' ? '' : ` ${n}`}`,
    };
    const items = text.split(',');
    if (text.length > 200 || items.length > MAX_ROLLOUT_STAGES)
        fail(w, what, `is longer than 200 characters or holds more than ${MAX_ROLLOUT_STAGES} stages; write it as 10%@0m,50%@30m,100%@2h`);
    const stages = items.map((item, i) => {
        const [pct, after, extra] = item.trim().split('@');
        const digits = pct?.endsWith('%') ? pct.slice(0, -1) : '';
        if (after === undefined || extra !== undefined || !/^[1-9][0-9]{0,2}$/.test(digits))
            fail(w, w.stage(i, ''), `is ${JSON.stringify(escape_escapeUntrusted(item, 40))}, not PERCENT%@AFTER such as 50%@30m`);
        return { percent: Number(digits), after };
    });
    if (!isUtcTimestamp(start))
        fail(w, startWhat, `is ${JSON.stringify(escape_escapeUntrusted(start, 40))}, not an RFC 3339 UTC time such as 2026-05-01T12:00:00Z`);
    return checkRollout({ start, stages }, w, undefined);
}

;// CONCATENATED MODULE: ../../src/manifest/payload.ts






const MANIFEST_SCHEMA = 'https://relseal.dev/manifest/v1';
/** v1 plus a required `rollout`; written only when there is one, so v1 manifests stay v1. */
const MANIFEST_SCHEMA_V2 = 'https://relseal.dev/manifest/v2';
/** Every payload field, in serialization order. */
const MANIFEST_FIELDS = [
    'schema',
    'repository',
    'tag',
    'version',
    'commit',
    'code_hash',
    'file_manifest_hash',
    'file_count',
    'artifacts',
    'created_at',
    'expires_at',
    'builder',
    'tag_signer',
    'rollout',
];
const OPTIONAL = new Set(['expires_at', 'builder', 'tag_signer', 'rollout']);
const REQUIRED = MANIFEST_FIELDS.filter((f) => !OPTIONAL.has(f));
const BUILDER_FIELDS = ['workflow_ref', 'run_id', 'run_attempt', 'runner_os', 'event', 'ref'];
function payload_bad(field, why) {
    return new errors/* RelsealError */.Ng('E_BAD_INPUT', `manifest field ${field} ${why}`);
}
function str(obj, field, valid, form, prefix = '') {
    const v = obj[field];
    if (typeof v !== 'string' || !valid(v))
        throw payload_bad(`${prefix}${field}`, `must be ${form}`);
    return v;
}
/** A non-negative JSON integer no larger than 2^53 - 1 (strict-json already refused 3.0 and 1e3). */
function isCount(v) {
    return Number.isSafeInteger(v) && v >= 0;
}
const isSha256Hex = (s) => isLowerHexOf(s, 64);
function onlyKnown(obj, known, where) {
    for (const k of Object.keys(obj))
        if (!known.includes(k))
            throw payload_bad(`${where}${k}`, `is not a v1 field; a newer relseal may be needed`);
}
function payload_isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** True for a strict SemVer 2.0.0 version without prefix or surrounding space. */
function isStrictSemver(v) {
    return semver_default().valid(v, { loose: false }) === v;
}
function parseArtifacts(v) {
    if (!Array.isArray(v))
        throw payload_bad('artifacts', 'must be an array of { name, size, sha256 }');
    const names = new Set();
    return v.map((a, i) => {
        if (!payload_isObject(a))
            throw payload_bad(`artifacts[${i}]`, 'must be an object');
        onlyKnown(a, ['name', 'size', 'sha256'], `artifacts[${i}].`);
        const name = str(a, 'name', isArtifactName, 'a file name of 1 to 255 bytes without slashes, backslashes or control characters, not starting with "." or "-"', `artifacts[${i}].`);
        const sha256 = str(a, 'sha256', isSha256Hex, '64 lower-case hex digits', `artifacts[${i}].`);
        if (!isCount(a.size))
            throw payload_bad(`artifacts[${i}].size`, 'must be a whole number of bytes');
        if (names.has(name))
            throw payload_bad(`artifacts[${i}].name`, `repeats "${escape_escapeUntrusted(name)}"`);
        names.add(name);
        return { name, size: a.size, sha256 };
    });
}
function parseBuilder(v) {
    if (!payload_isObject(v))
        throw payload_bad('builder', 'must be an object');
    onlyKnown(v, BUILDER_FIELDS, 'builder.');
    const out = {};
    for (const k of BUILDER_FIELDS) {
        if (v[k] === undefined)
            continue;
        if (typeof v[k] !== 'string' || !hasNoControl(v[k]))
            throw payload_bad(`builder.${k}`, 'must be a string without control characters');
        out[k] = v[k];
    }
    return out;
}
/**
 * Validates verified payload bytes into a typed payload (parse = validate): strict JSON with no
 * duplicate keys, every field of the right type and form, no unknown field.
 */
function parsePayload(bytes) {
    let text;
    try {
        // Strict UTF-8; ignoreBOM keeps a byte-order mark in the text so that parseStrictJson refuses it.
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the manifest payload is not valid UTF-8');
    }
    const obj = parseStrictJson(text, 'the manifest payload', { integersOnly: true });
    if (!payload_isObject(obj))
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the manifest payload is not a JSON object');
    onlyKnown(obj, MANIFEST_FIELDS, '');
    for (const f of REQUIRED)
        if (obj[f] === undefined)
            throw payload_bad(f, 'is missing');
    if (obj.schema !== MANIFEST_SCHEMA && obj.schema !== MANIFEST_SCHEMA_V2)
        throw payload_bad('schema', `must be ${JSON.stringify(MANIFEST_SCHEMA)} (or v2 with a rollout)`);
    const version = obj.version;
    if (typeof version !== 'string' || !isStrictSemver(version))
        throw payload_bad('version', 'must be a strict SemVer 2.0.0 version such as 1.2.3');
    if (!isCount(obj.file_count))
        throw payload_bad('file_count', 'must be a whole number');
    const created = str(obj, 'created_at', isUtcTimestamp, 'a real RFC 3339 UTC time ending in Z, such as 2026-01-01T00:00:00Z');
    const payload = {
        schema: obj.schema,
        repository: str(obj, 'repository', isRepository, 'owner/name'),
        tag: str(obj, 'tag', isTagName, 'a git tag name (git check-ref-format, not starting with "-")'),
        version,
        commit: str(obj, 'commit', isCommitId, 'a full lower-case hex commit id'),
        code_hash: str(obj, 'code_hash', isSha256Digest, 'sha256:<64 hex digits>'),
        file_manifest_hash: str(obj, 'file_manifest_hash', isSha256Digest, 'sha256:<64 hex digits>'),
        file_count: obj.file_count,
        artifacts: parseArtifacts(obj.artifacts),
        created_at: created,
    };
    if (obj.expires_at !== undefined) {
        payload.expires_at = str(obj, 'expires_at', isUtcTimestamp, 'a real RFC 3339 UTC time ending in Z');
        if (Date.parse(payload.expires_at) <= Date.parse(created))
            throw payload_bad('expires_at', 'must be after created_at');
    }
    if (obj.builder !== undefined)
        payload.builder = parseBuilder(obj.builder);
    if (obj.tag_signer !== undefined) {
        const t = obj.tag_signer;
        if (!payload_isObject(t) ||
            typeof t.principal !== 'string' ||
            typeof t.fingerprint !== 'string' ||
            !hasNoControl(t.principal) ||
            !hasNoControl(t.fingerprint)) {
            throw payload_bad('tag_signer', 'must be { principal, fingerprint }, strings without control characters');
        }
        onlyKnown(t, ['principal', 'fingerprint'], 'tag_signer.');
        payload.tag_signer = { principal: t.principal, fingerprint: t.fingerprint };
    }
    const rollout = parsePayloadRollout(obj.rollout, obj.schema === MANIFEST_SCHEMA_V2, payload.expires_at);
    if (rollout !== undefined)
        payload.rollout = rollout;
    return payload;
}
/** The payload bytes relseal signs: fields in spec order, two-space indentation, final newline. */
function payload_serializePayload(payload) {
    const ordered = {};
    for (const f of MANIFEST_FIELDS)
        if (payload[f] !== undefined)
            ordered[f] = payload[f];
    const bytes = Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
    parsePayload(bytes); // never sign what a verifier would refuse
    return bytes;
}

;// CONCATENATED MODULE: ../../src/manifest/tag-version.ts


/** A tag prefix is short and plain: it cannot act as an option nor hold glob or ref syntax. */
const MAX_TAG_PREFIX_CHARS = 64;
const SAFE_TAG_PREFIX = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
/**
 * Validates a tag prefix (`app-v` for tags like `app-v1.2.3` in a monorepo). The empty string
 * means the default rule: `v<version>` or `<version>`.
 */
function tag_version_parseTagPrefix(prefix, what) {
    if (prefix === '')
        return prefix;
    if (prefix.length > MAX_TAG_PREFIX_CHARS || !SAFE_TAG_PREFIX.test(prefix) || prefix.includes('..'))
        throw new errors/* RelsealError */.Ng('E_USAGE', `${what} ${JSON.stringify(prefix.slice(0, MAX_TAG_PREFIX_CHARS))} must start with a letter or digit and hold only ` +
            `letters, digits and . _ / - (at most ${MAX_TAG_PREFIX_CHARS} characters), e.g. app-v`);
    return prefix;
}
/** The version a tag names with an explicit `prefix`, or undefined when it names none. */
function versionOfTag(tag, prefix) {
    if (!tag.startsWith(prefix))
        return undefined;
    const v = tag.slice(prefix.length);
    return isStrictSemver(v) ? v : undefined;
}
/**
 * The version a release tag names under the binding rule (docs/manifest-spec.md, "Tag and
 * version"): with a prefix, `<prefix><version>`; without one (''/undefined), `v<version>` or
 * `<version>`.
 *
 * @example releaseVersionOfTag('v1.2.3') === '1.2.3'; releaseVersionOfTag('app-v1.2.3', 'app-v') === '1.2.3'
 */
function tag_version_releaseVersionOfTag(tag, prefix = '') {
    if (prefix !== '')
        return versionOfTag(tag, prefix);
    return versionOfTag(tag, 'v') ?? versionOfTag(tag, '');
}
/** The tags a version may be released under, for messages. */
function allowedTags(version, prefix) {
    return prefix === '' ? `v${version} or ${version}` : `${prefix}${version}`;
}
/**
 * Refuses a tag and version that do not name each other (E_TAG_VERSION_MISMATCH): a manifest
 * signed for tag v1.0.0 must say version 1.0.0, so an old commit cannot be relabelled as an
 * upgrade.
 */
function tag_version_assertTagMatchesVersion(tag, version, prefix = '') {
    if (tag_version_releaseVersionOfTag(tag, prefix) === version)
        return;
    throw new errors/* RelsealError */.Ng('E_TAG_VERSION_MISMATCH', `tag ${JSON.stringify(tag)} does not name version ${JSON.stringify(version)}: the tag must be ` +
        `${allowedTags(version, prefix)}${prefix === '' ? ' (tags with another prefix need --tag-prefix / input tag-prefix)' : ''}; ` +
        `a release whose version and tag disagree is refused, re-sign it with the version its tag names`, { details: { tag, version, tag_prefix: prefix } });
}

;// CONCATENATED MODULE: ../../src/trust/policy.ts



/** Checks a policy once, before any manifest is looked at. */
function resolvePolicy(policy) {
    const keys = new Map(policy.keys.map((k) => [k.keyId, k]));
    if (keys.size === 0)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'no trusted public key was given; pass the release public key (--pubkey)');
    const threshold = policy.threshold ?? 1;
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > keys.size) {
        throw new errors/* RelsealError */.Ng('E_USAGE', `threshold ${threshold} must be a whole number from 1 to the ${keys.size} distinct trusted key(s)`);
    }
    if (policy.minVersion !== undefined && !isStrictSemver(policy.minVersion)) {
        throw new errors/* RelsealError */.Ng('E_USAGE', `minimum version ${JSON.stringify(policy.minVersion)} is not a SemVer version such as 1.2.3`);
    }
    return {
        keys,
        threshold,
        minVersion: policy.minVersion,
        enforceExpiry: policy.enforceExpiry ?? true,
        repository: policy.repository,
        now: policy.now ?? new Date(),
        tagPrefix: tag_version_parseTagPrefix(policy.tagPrefix ?? '', 'tag prefix'),
    };
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
;// CONCATENATED MODULE: ../../src/manifest/read-bounded.ts


const CHUNK_BYTES = 64 * 1024;
/**
 * Reads a file, pipe or device with a byte cap: a bounded loop of reads, never stat + readFile,
 * so `/dev/zero` or a FIFO fed forever ends in E_TOO_LARGE instead of exhausting memory.
 *
 * @example const bytes = await readBoundedFile('release_manifest.json', MAX_MANIFEST_BYTES, 'manifest')
 */
async function read_bounded_readBoundedFile(path, maxBytes, what) {
    let fh;
    try {
        fh = await (0,promises_.open)(path, 'r');
    }
    catch (e) {
        throw new errors/* RelsealError */.Ng('E_NOT_FOUND', `${what} ${path} cannot be read: ${e.message}`, {
            cause: e,
        });
    }
    const tooLarge = (size) => new errors/* RelsealError */.Ng('E_TOO_LARGE', `${what} ${path} is ${size} bytes, more than the ${maxBytes} allowed`);
    try {
        const info = await fh.stat();
        if (info.isFile() && info.size > maxBytes)
            throw tooLarge(String(info.size));
        const chunks = [];
        let size = 0;
        for (;;) {
            const buf = Buffer.alloc(CHUNK_BYTES);
            const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, null);
            if (bytesRead === 0)
                break;
            size += bytesRead;
            if (size > maxBytes)
                throw tooLarge(`more than ${maxBytes}`);
            chunks.push(buf.subarray(0, bytesRead));
        }
        return Buffer.concat(chunks);
    }
    catch (e) {
        if (e instanceof errors/* RelsealError */.Ng)
            throw e;
        throw new errors/* RelsealError */.Ng('E_NOT_FOUND', `${what} ${path} cannot be read: ${e.message}`, {
            cause: e,
        });
    }
    finally {
        await fh.close();
    }
}

;// CONCATENATED MODULE: ../../src/manifest/verify.ts










/** A key id as shown in messages: cut to 16 characters and escaped, since it may be untrusted. */
const verify_short = (id) => escape_escapeUntrusted(id, 16);
/**
 * Counts distinct trusted keys with a valid signature (docs/manifest-spec.md, "Verification
 * order" step 4). The work is bounded: parseEnvelope refused more than MAX_SIGNATURES; a
 * signature with a keyid is tried against that one trusted key only (ids are compared before any
 * crypto, as minisign does); a signature without one is tried against each trusted key not yet
 * verified, and counts for the first that verifies it. So each signature costs at most one
 * verification per trusted key, and a key once verified is never tried again.
 */
function verifiedKeyIds(env, policy) {
    const pae = dsse_preAuthEncoding(env.payloadType, env.untrustedPayload);
    const good = new Set();
    const bad = new Set();
    for (const s of env.signatures) {
        if (s.keyid !== '') {
            const key = policy.keys.get(s.keyid);
            if (key === undefined || good.has(key.keyId))
                continue;
            if (s.sig && ed25519_verifyDetached(key.publicKey, pae, s.sig))
                good.add(key.keyId);
            else
                bad.add(key.keyId);
            continue;
        }
        if (!s.sig)
            continue;
        for (const key of policy.keys.values()) {
            if (good.has(key.keyId))
                continue;
            if (ed25519_verifyDetached(key.publicKey, pae, s.sig)) {
                good.add(key.keyId);
                break;
            }
        }
    }
    return { good, bad };
}
/** Throws E_BAD_SIGNATURE, E_UNTRUSTED_KEY or E_THRESHOLD unless enough trusted keys verified `what`. */
function refuseUnverified(env, policy, good, bad, what = 'manifest') {
    const trusted = [...policy.keys.keys()].map(verify_short).join(', ');
    if (good.size === 0 && bad.size > 0) {
        throw new errors/* RelsealError */.Ng('E_BAD_SIGNATURE', `the signature by trusted key ${[...bad].map(verify_short).join(', ')} does not verify: the ${what} was altered after signing, or it is corrupt; ` +
            `download it again from the release, and do not install it`);
    }
    if (good.size === 0) {
        const seen = env.signatures.map((s) => (s.keyid === '' ? '(no key id)' : verify_short(s.keyid))).join(', ');
        throw new errors/* RelsealError */.Ng('E_UNTRUSTED_KEY', `the ${what} is signed by key(s) ${seen}, which the trust policy does not list (trusted: ${trusted}); ` +
            `add the release public key to the trusted keys, or re-sign with a listed key`);
    }
    if (good.size < policy.threshold) {
        throw new errors/* RelsealError */.Ng('E_THRESHOLD', `${good.size} distinct trusted key(s) signed (${[...good].map(verify_short).join(', ')}) but the policy needs ${policy.threshold}; ` +
            `have another trusted key add its signature (relseal ${what === 'manifest' ? 'sign' : 'withdraw'} --append)`);
    }
}
function checkPayloadPolicy(payload, policy) {
    // The version is what the updater orders releases by; bound to the signed tag, an old commit
    // cannot be relabelled as a newer version (docs/manifest-spec.md, "Tag and version").
    tag_version_assertTagMatchesVersion(payload.tag, payload.version, policy.tagPrefix);
    if (policy.repository !== undefined &&
        payload.repository.toLowerCase() !== policy.repository.toLowerCase()) {
        throw new errors/* RelsealError */.Ng('E_REPOSITORY_MISMATCH', `the manifest is for ${payload.repository}, not ${policy.repository}; use the manifest published by ${policy.repository}`);
    }
    if (policy.enforceExpiry &&
        payload.expires_at !== undefined &&
        policy.now.getTime() > Date.parse(payload.expires_at)) {
        throw new errors/* RelsealError */.Ng('E_EXPIRED', `the manifest for ${payload.version} expired at ${payload.expires_at}; ask the publisher to re-sign it, or install a newer release`);
    }
    if (policy.minVersion !== undefined && semver_default().lt(payload.version, policy.minVersion)) {
        throw new errors/* RelsealError */.Ng('E_DOWNGRADE', `the manifest is for ${payload.version}, below the minimum version ${policy.minVersion}; install ${policy.minVersion} or newer`);
    }
}
/**
 * Verifies a release manifest (DSSE envelope bytes) with a trust policy, in the order of
 * docs/manifest-spec.md: size, envelope, payload type, signatures over the exact payload bytes,
 * threshold — and only then parses the payload and checks the tag/version binding, repository,
 * expiry and minimum version.
 *
 * @example
 * const { payload } = verifyManifest(readFileSync('release_manifest.json'), { keys: [parsePublicKey(pub, 'pub')] })
 */
function verify_verifyManifest(envelope, policy) {
    const resolved = resolvePolicy(policy);
    const env = dsse_parseEnvelope(envelope);
    if (env.payloadType !== dsse_MANIFEST_PAYLOAD_TYPE) {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `the envelope's payloadType is "${escape_escapeUntrusted(env.payloadType)}", not ${dsse_MANIFEST_PAYLOAD_TYPE}: this is not a relseal release manifest`);
    }
    if (env.signatures.length === 0) {
        throw new errors/* RelsealError */.Ng('E_UNSIGNED', 'the manifest has no signature; only install releases signed by the release key (relseal sign)');
    }
    const { good, bad } = verifiedKeyIds(env, resolved);
    refuseUnverified(env, resolved, good, bad);
    // Verified: only now is any payload field read.
    const payload = parsePayload(env.untrustedPayload);
    checkPayloadPolicy(payload, resolved);
    return {
        payload,
        keyIds: [...good].sort(),
        digest: `sha256:${(0,external_node_crypto_.createHash)('sha256').update(envelope).digest('hex')}`,
        payloadBytes: env.untrustedPayload,
    };
}
/**
 * Requires EVERY signature of an envelope to verify under one of `keys` — stricter than
 * verifyManifest, which ignores unknown keys. A co-signer calls it before adding its signature,
 * so it never vouches for a broken or unknown envelope (docs/manifest-spec.md, "What a
 * co-signer checks"). Throws E_UNSIGNED, E_UNTRUSTED_KEY or E_BAD_SIGNATURE.
 */
function verify_verifyEverySignature(env, keys) {
    if (env.signatures.length === 0)
        throw new RelsealError('E_UNSIGNED', 'the manifest has no signature to add to; the first signer runs relseal sign without --append');
    const byId = new Map(keys.map((k) => [k.keyId, k]));
    const pae = preAuthEncoding(env.payloadType, env.untrustedPayload);
    for (const [i, s] of env.signatures.entries()) {
        const candidates = s.keyid === '' ? [...byId.values()] : [byId.get(s.keyid)].filter((k) => k !== undefined);
        if (candidates.length === 0)
            throw new RelsealError('E_UNTRUSTED_KEY', `signature ${i + 1} is by key ${verify_short(s.keyid)}, which is not among the --pubkey keys; ` +
                `pass the public key of every existing signer, and co-sign only manifests whose signers you know`);
        if (!s.sig || !candidates.some((k) => verifyDetached(k.publicKey, pae, s.sig)))
            throw new RelsealError('E_BAD_SIGNATURE', `signature ${i + 1}${s.keyid === '' ? '' : ` by key ${verify_short(s.keyid)}`} does not verify: the manifest was altered or is corrupt; ` +
                `do not co-sign it, have the first signer sign it again`);
    }
}
/**
 * Reads a manifest file with a bound: more than MAX_MANIFEST_BYTES is E_TOO_LARGE, checked while
 * reading, so a FIFO or /dev/zero cannot exhaust memory.
 */
async function readManifestFile(path) {
    return readBoundedFile(path, MAX_MANIFEST_BYTES, 'manifest');
}

;// CONCATENATED MODULE: ../../src/manifest/sign.ts





function signatureOf(key, payload) {
    const sig = signWithKeyChecked(key, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload));
    return { keyid: key.keyId, sig: Buffer.from(sig).toString('base64') };
}
async function signatureBy(signer, payload) {
    const s = signer_asSigner(signer);
    const sig = await signer_signChecked(s, dsse_preAuthEncoding(dsse_MANIFEST_PAYLOAD_TYPE, payload));
    return { keyid: s.keyId, sig: Buffer.from(sig).toString('base64') };
}
function distinctKeys(keys) {
    if (keys.length === 0)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'signing needs at least one key');
    return [...new Map(keys.map((k) => [k.keyId, k])).values()];
}
/**
 * Signs a payload with one or more keys and returns the envelope bytes (release_manifest.json).
 *
 * @example writeFileSync('release_manifest.json', signManifest(payload, [key]))
 */
function signManifest(payload, keys) {
    const distinct = distinctKeys(keys);
    const bytes = serializePayload(payload);
    return serializeEnvelope(MANIFEST_PAYLOAD_TYPE, bytes, distinct.map((k) => signatureOf(k, bytes)));
}
/**
 * signManifest for any Signer (ssh-agent, exec:, a key file): each signature is verified against
 * its signer's public key before the envelope is returned (E_SIGNER_FAILED otherwise).
 *
 * @example const bytes = await signManifestWith(payload, [await sshAgentSigner({ socket, select: 'SHA256:…' })])
 */
async function signManifestWith(payload, signers) {
    const distinct = distinctKeys(signers);
    const bytes = payload_serializePayload(payload);
    const signatures = [];
    // One at a time: a hardware token or an agent may ask the user to confirm each signature.
    for (const s of distinct)
        signatures.push(await signatureBy(s, bytes));
    return dsse_serializeEnvelope(dsse_MANIFEST_PAYLOAD_TYPE, bytes, signatures);
}
/**
 * Adds one more signature (a second signer towards a threshold) without touching the payload
 * bytes. Every existing signature must first verify under `existingSigners`
 * (verifyEverySignature); they are then kept as they are. This checks signatures only: a
 * co-signer also re-derives the payload's facts, which cosignManifest does.
 */
function appendSignature(envelope, key, existingSigners) {
    const { payload, existing } = checkAppend(envelope, key.keyId, existingSigners);
    return serializeEnvelope(MANIFEST_PAYLOAD_TYPE, payload, [...existing, signatureOf(key, payload)]);
}
/** appendSignature for any Signer; the new signature is verified before the envelope is returned. */
async function sign_appendSignatureWith(envelope, signer, existingSigners) {
    const { payload, existing } = checkAppend(envelope, signer.keyId, existingSigners);
    return serializeEnvelope(MANIFEST_PAYLOAD_TYPE, payload, [...existing, await signatureBy(signer, payload)]);
}
function checkAppend(envelope, keyId, existingSigners) {
    const env = parseEnvelope(envelope);
    if (env.payloadType !== MANIFEST_PAYLOAD_TYPE) {
        throw new RelsealError('E_BAD_INPUT', `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, not a relseal manifest`);
    }
    verifyEverySignature(env, existingSigners);
    const existing = JSON.parse(Buffer.from(envelope).toString('utf8'))
        .signatures;
    if (existing.length >= MAX_SIGNATURES) {
        throw new RelsealError('E_USAGE', `the manifest already carries ${existing.length} signatures, the most a verifier considers (${MAX_SIGNATURES})`);
    }
    if (existing.some((s) => s.keyid === keyId)) {
        throw new RelsealError('E_EXISTS', `the manifest is already signed by key ${keyId}; a second signature needs a different key`);
    }
    return { payload: env.untrustedPayload, existing };
}

// EXTERNAL MODULE: ../../src/tree/index.ts + 15 modules
var src_tree = __webpack_require__(7184);
// EXTERNAL MODULE: ../../src/tree/git-repo.ts
var git_repo = __webpack_require__(307);
// EXTERNAL MODULE: ../../src/git/git.ts + 2 modules
var git = __webpack_require__(9925);
;// CONCATENATED MODULE: ../../src/manifest/git-defaults.ts


/** owner/name from a GitHub remote URL (https, ssh or scp-like), or undefined. */
function repositoryFromRemote(url) {
    const m = /^(?:https?:\/\/(?:[^@/]+@)?[^/]+\/|ssh:\/\/(?:[^@/]+@)?[^/]+\/|[^@/:]+@[^:]+:)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url.trim());
    return m ? `${m[1]}/${m[2]}` : undefined;
}
/** What a signer can default from a repository: HEAD, the tag at HEAD, the origin remote. */
async function git_defaults_repoDefaults(dir) {
    const text = async (args) => {
        const r = await runGit(args, { cwd: dir, okCodes: [0, 1, 2, 128] });
        const out = r.stdout.toString('utf8').trim();
        return r.code === 0 && out !== '' ? out : undefined;
    };
    const commit = await text(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    const tags = await text(['tag', '--points-at', 'HEAD', '--sort=-version:refname']);
    const remote = await text(['remote', 'get-url', 'origin']);
    const repository = remote === undefined ? undefined : repositoryFromRemote(remote);
    const tag = tags?.split('\n')[0];
    return { ...(commit ? { commit } : {}), ...(tag ? { tag } : {}), ...(repository ? { repository } : {}) };
}
/**
 * The commit a tag names, peeled through annotated tags (`refs/tags/<tag>^{commit}`), or
 * E_UNKNOWN_REV when the repository has no such tag. Only `refs/tags/` is looked at, so a branch
 * of the same name cannot stand in for the tag.
 */
async function git_defaults_resolveTagCommit(dir, tag) {
    assertSafeRef(tag, 'tag');
    const ref = `refs/tags/${tag}`;
    const format = await runGit(['check-ref-format', ref], { cwd: dir, okCodes: [0, 1] });
    const r = format.code !== 0
        ? undefined
        : await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
            cwd: dir,
            okCodes: [0, 1, 128],
        });
    const id = r?.code === 0 ? r.stdout.toString('utf8').trim() : '';
    if (!isFullCommitId(id)) {
        throw new RelsealError('E_UNKNOWN_REV', `tag ${JSON.stringify(tag)} does not exist in the repository at ${dir} (or names no commit); ` +
            `create the release tag first, or fetch it (git fetch --tags)`, { details: { tag } });
    }
    return id;
}
/** The tags that point at `commit`, highest version first. */
async function git_defaults_tagsPointingAt(dir, commit) {
    assertSafeRef(commit, 'commit');
    const r = await runGit(['tag', '--points-at', commit, '--sort=-version:refname'], { cwd: dir });
    return r.stdout
        .toString('utf8')
        .split('\n')
        .filter((t) => t !== '');
}

;// CONCATENATED MODULE: ../../src/manifest/release-facts.ts




/** The tag to sign when none was named: one of the commit's tags that names a version, if any. */
async function defaultTag(dir, commit, prefix) {
    const tags = await tagsPointingAt(dir, commit);
    const tag = tags.find((t) => releaseVersionOfTag(t, prefix) !== undefined) ?? tags[0];
    if (tag === undefined)
        throw new RelsealError('E_USAGE', `no tag points at commit ${commit}; tag the release (git tag v1.2.3) or pass --tag`);
    return tag;
}
/**
 * Resolves what a signer signs from the repository itself, never from HEAD alone: the tag's
 * commit (E_UNKNOWN_REV when the tag does not exist, E_TAG_MISMATCH when it points elsewhere than
 * `commit`), the version it names (E_TAG_VERSION_MISMATCH), and the repository.
 *
 * @example const facts = await resolveRelease({ dir: '.', tag: 'v1.0.0' }) // v1.0.0's commit, even with HEAD at v1.1.0
 */
async function release_facts_resolveRelease(o) {
    const prefix = parseTagPrefix(o.tagPrefix ?? '', 'tag prefix');
    if ((await probeRepo(o.dir)) === undefined)
        throw new RelsealError('E_NOT_A_REPO', `${o.dir} is not a git repository; a manifest pins a tagged commit, so sign in the release's repository (--dir)`);
    const wanted = o.commit === undefined ? undefined : await resolveCommit(o.dir, o.commit);
    const tag = o.tag ?? (await defaultTag(o.dir, wanted ?? (await resolveCommit(o.dir, 'HEAD')), prefix));
    const commit = await resolveTagCommit(o.dir, tag);
    if (wanted !== undefined && wanted !== commit)
        throw new RelsealError('E_TAG_MISMATCH', `tag ${tag} points at commit ${commit}, not at ${wanted}; sign the commit the tag names (drop --commit), or pass the right tag`, { details: { tag, tag_commit: commit, commit: wanted } });
    const version = o.version ?? releaseVersionOfTag(tag, prefix);
    if (version === undefined)
        throw new RelsealError('E_TAG_VERSION_MISMATCH', `tag ${JSON.stringify(tag)} names no version: release tags are ${prefix === '' ? 'v1.2.3 or 1.2.3' : `${prefix}1.2.3`}; ` +
            `pass --tag-prefix for prefixed tags such as app-v1.2.3`, { details: { tag, tag_prefix: prefix } });
    assertTagMatchesVersion(tag, version, prefix);
    const repository = o.repository ?? (await repoDefaults(o.dir)).repository;
    if (repository === undefined)
        throw new RelsealError('E_USAGE', `the repository is unknown: ${o.dir} has no GitHub origin remote; pass --repository OWNER/NAME`);
    return { repository, tag, version, commit };
}

;// CONCATENATED MODULE: ../../src/manifest/cosign.ts







function mismatch(field, inManifest, computed, hint) {
    return new RelsealError('E_PAYLOAD_MISMATCH', `the manifest's ${field} is ${JSON.stringify(inManifest)}, but the co-signer computed ${JSON.stringify(computed)}; ` +
        `${hint}; nothing was signed`, { details: { field, manifest: inManifest, computed } });
}
/** The artifacts must be the same set of names with the same sizes and digests. */
function compareArtifacts(listed, computed) {
    const byName = new Map(computed.map((a) => [a.name, a]));
    for (const [i, a] of listed.entries()) {
        const got = byName.get(a.name);
        const hint = `pass every artifact of the release with --artifact, as downloaded or built by you`;
        if (got === undefined)
            throw mismatch(`artifacts[${i}].name`, a.name, null, `${hint}; ${a.name} was not given`);
        if (got.size !== a.size)
            throw mismatch(`artifacts[${i}].size`, a.size, got.size, hint);
        if (got.sha256 !== a.sha256)
            throw mismatch(`artifacts[${i}].sha256`, a.sha256, got.sha256, hint);
        byName.delete(a.name);
    }
    const extra = [...byName.keys()];
    if (extra.length > 0)
        throw mismatch('artifacts', listed.map((a) => a.name), [...listed.map((a) => a.name), ...extra], `the manifest does not list ${extra.join(', ')}; a co-signer vouches for the release's exact artifact list`);
}
/**
 * `relseal sign --append`: a second signer re-derives every fact of the payload from its own
 * repository and files before adding its signature (docs/manifest-spec.md, "What a co-signer
 * checks"). Existing signatures are verified before any payload field is read; then the payload's
 * tag is resolved in `dir`, must point at the payload's commit, that commit is hashed, and
 * repository, version, commit, code_hash, file_manifest_hash, file_count and artifacts must all
 * equal what was computed (E_PAYLOAD_MISMATCH naming the first field that differs).
 *
 * @example
 * const { envelope } = await cosignManifest({ envelope: bytes, key, existingSigners: [ciKey], dir: '.', artifacts: ['dist/app.tgz'] })
 */
async function cosignManifest(o) {
    if (o.existingSigners.length === 0)
        throw new RelsealError('E_USAGE', 'a co-signer must verify the existing signatures first; pass the public key of each existing signer (--pubkey)');
    const env = parseEnvelope(o.envelope);
    if (env.payloadType !== MANIFEST_PAYLOAD_TYPE)
        throw new RelsealError('E_BAD_INPUT', `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, not a relseal manifest`);
    verifyEverySignature(env, o.existingSigners);
    // Verified: only now is the payload read (and its tag/version binding and expiry checked).
    const { payload } = verifyManifest(o.envelope, {
        keys: o.existingSigners,
        ...(o.tagPrefix !== undefined ? { tagPrefix: o.tagPrefix } : {}),
        ...(o.now !== undefined ? { now: o.now } : {}),
    });
    const facts = await resolveRelease({
        dir: o.dir,
        tag: payload.tag,
        ...(o.repository !== undefined ? { repository: o.repository } : {}),
        ...(o.tagPrefix !== undefined ? { tagPrefix: o.tagPrefix } : {}),
    });
    if (payload.repository.toLowerCase() !== facts.repository.toLowerCase())
        throw mismatch('repository', payload.repository, facts.repository, 'co-sign in a clone of the released repository, or pass --repository');
    if (payload.version !== facts.version)
        throw mismatch('version', payload.version, facts.version, 'the tag names another version');
    if (payload.commit !== facts.commit)
        throw mismatch('commit', payload.commit, facts.commit, `tag ${payload.tag} points elsewhere in your clone; fetch the tags and compare with the first signer`);
    const tree = await hashTree({ dir: o.dir, rev: facts.commit });
    const treeHint = `the first signer hashed something other than commit ${facts.commit}`;
    if (payload.code_hash !== tree.codeHash)
        throw mismatch('code_hash', payload.code_hash, tree.codeHash, treeHint);
    if (payload.file_manifest_hash !== tree.fileManifestHash)
        throw mismatch('file_manifest_hash', payload.file_manifest_hash, tree.fileManifestHash, treeHint);
    if (payload.file_count !== tree.files)
        throw mismatch('file_count', payload.file_count, tree.files, treeHint);
    const artifacts = [];
    for (const path of o.artifacts) {
        if (artifacts.some((a) => a.name === basename(path)))
            throw new RelsealError('E_USAGE', `two --artifact files are named ${basename(path)}; a release's artifact names are unique`);
        const { sha256, size } = await hashFile(path);
        artifacts.push({ name: basename(path), size, sha256 });
    }
    compareArtifacts(payload.artifacts, artifacts);
    return { envelope: await appendSignatureWith(o.envelope, o.key, o.existingSigners), payload };
}

;// CONCATENATED MODULE: ../../src/manifest/verify-tree.ts





const MAX_PATHS_SHOWN = 10;
/**
 * Checks a hashed tree against a verified payload. With the release's file manifest at hand the
 * error names the first differing paths, but only once the file manifest's sha256 equals the
 * signed file_manifest_hash: an unsigned list must not decide which paths are reported.
 */
function verifyTree(payload, tree, files) {
    if (tree.codeHash === payload.code_hash && tree.fileManifestHash === payload.file_manifest_hash)
        return;
    let where = '';
    const bytes = typeof files === 'string' ? Buffer.from(files, 'utf8') : files;
    const signed = bytes !== undefined &&
        `sha256:${createHash('sha256').update(bytes).digest('hex')}` === payload.file_manifest_hash;
    if (bytes !== undefined && !signed) {
        where =
            '; the file list given is not the one the manifest signs (its sha256 differs from file_manifest_hash), ' +
                `so differing paths cannot be named: use release_files.sha256 of release ${payload.version}`;
    }
    else if (bytes !== undefined) {
        const paths = diffFileManifests(Buffer.from(bytes).toString('utf8'), tree.fileManifest);
        if (paths.length > 0)
            where = `; differing paths: ${paths
                .slice(0, MAX_PATHS_SHOWN)
                .map((p) => escapeUntrusted(p))
                .join(', ')}${paths.length > MAX_PATHS_SHOWN ? ', …' : ''}`;
        else
            where = '; every file matches, so a mode, symlink or submodule differs';
    }
    throw new RelsealError('E_TREE_MISMATCH', `the tree's code hash is ${tree.codeHash}, but the manifest for ${payload.version} pins ${payload.code_hash}${where}; ` +
        `check out commit ${payload.commit} unmodified`, { details: { expected: payload.code_hash, actual: tree.codeHash } });
}
/** Checks artifact files (matched to the manifest by file name) against their sizes and digests. */
async function verifyArtifacts(payload, paths) {
    const listed = new Map(payload.artifacts.map((a) => [a.name, a]));
    for (const path of paths) {
        const want = listed.get(basename(path));
        if (!want) {
            throw new RelsealError('E_TREE_MISMATCH', `artifact ${basename(path)} is not listed in the manifest for ${payload.version}; do not install it`);
        }
        const got = await hashFile(path);
        if (got.sha256 !== want.sha256 || got.size !== want.size) {
            throw new RelsealError('E_TREE_MISMATCH', `artifact ${want.name} has sha256 ${got.sha256} (${got.size} bytes), but the manifest pins ${want.sha256} (${want.size} bytes); download it again`);
        }
    }
}

;// CONCATENATED MODULE: ../../src/manifest/withdrawal.ts
/**
 * The withdrawal statement (docs/manifest-spec.md, "Withdrawal statement"): a DSSE envelope of its
 * own payload type saying "version V (commit C) of repository R is withdrawn, because REASON". The
 * same trust policy as a manifest verifies it, threshold included; the payload type keeps the two
 * apart, so a withdrawal is never accepted as a manifest, nor a manifest as a withdrawal.
 */










const withdrawal_WITHDRAWAL_PAYLOAD_TYPE = 'application/vnd.relseal.withdrawal.v1+json';
/** The file and release asset name of a withdrawal statement. */
const WITHDRAWAL_ASSET = 'release_withdrawn.json';
/** A withdrawal statement larger than this is refused before it is parsed. */
const withdrawal_MAX_WITHDRAWAL_BYTES = 64 * 1024;
/** The reason is hostile text to whoever reads it: one line of at most this many UTF-8 bytes. */
const MAX_REASON_BYTES = 1024;
const WITHDRAWAL_FIELDS = ['repository', 'version', 'commit', 'reason', 'time'];
const withdrawal_bad = (field, why) => new errors/* RelsealError */.Ng('E_BAD_INPUT', `withdrawal field ${field} ${why}`);
/** 1 to MAX_REASON_BYTES UTF-8 bytes, no C0 control character or DEL (so: one line). */
function isWithdrawalReason(s) {
    const bytes = Buffer.byteLength(s, 'utf8');
    return bytes >= 1 && bytes <= MAX_REASON_BYTES && s.trim() !== '' && hasNoControl(s);
}
/** Validates payload bytes into a typed withdrawal (strict JSON, every field, no unknown field). */
function withdrawal_parseWithdrawalPayload(bytes) {
    let text;
    try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the withdrawal payload is not valid UTF-8');
    }
    const obj = parseStrictJson(text, 'the withdrawal payload', { integersOnly: true });
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the withdrawal payload is not a JSON object');
    const o = obj;
    for (const k of Object.keys(o))
        if (!WITHDRAWAL_FIELDS.includes(k))
            throw withdrawal_bad(escape_escapeUntrusted(k, 40), 'is not a v1 field; a newer relseal may be needed');
    const str = (field, ok, form) => {
        const v = o[field];
        if (v === undefined)
            throw withdrawal_bad(field, 'is missing');
        if (typeof v !== 'string' || !ok(v))
            throw withdrawal_bad(field, `must be ${form}`);
        return v;
    };
    return {
        repository: str('repository', isRepository, 'owner/name'),
        version: str('version', isStrictSemver, 'a strict SemVer 2.0.0 version such as 1.2.3'),
        commit: str('commit', isCommitId, 'a full lower-case hex commit id'),
        reason: str('reason', isWithdrawalReason, `one line of 1 to ${MAX_REASON_BYTES} bytes without control characters`),
        time: str('time', isUtcTimestamp, 'a real RFC 3339 UTC time ending in Z'),
    };
}
/** The payload bytes relseal signs: fields in spec order, two-space indentation, final newline. */
function withdrawal_serializeWithdrawalPayload(p) {
    const ordered = {};
    for (const f of WITHDRAWAL_FIELDS)
        ordered[f] = p[f];
    const bytes = Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
    withdrawal_parseWithdrawalPayload(bytes); // never sign what a verifier would refuse
    return bytes;
}
/**
 * Verifies a withdrawal statement with a trust policy, in the manifest's order: size, envelope,
 * payload type, signatures and threshold, and only then the payload and its repository. Expiry,
 * minimum version and tag prefix do not apply: a withdrawal does not expire.
 *
 * @example const { payload } = verifyWithdrawal(readFileSync('release_withdrawn.json'), { keys: [pub] })
 */
function verifyWithdrawal(envelope, policy) {
    const resolved = resolvePolicy(policy);
    if (envelope.length > withdrawal_MAX_WITHDRAWAL_BYTES)
        throw new errors/* RelsealError */.Ng('E_TOO_LARGE', `the withdrawal statement is ${envelope.length} bytes, more than the ${withdrawal_MAX_WITHDRAWAL_BYTES} it may have`);
    const env = dsse_parseEnvelope(envelope);
    if (env.payloadType !== withdrawal_WITHDRAWAL_PAYLOAD_TYPE)
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `the envelope's payloadType is "${escape_escapeUntrusted(env.payloadType)}", not ${withdrawal_WITHDRAWAL_PAYLOAD_TYPE}: ` +
            `this is not a relseal withdrawal statement`);
    if (env.signatures.length === 0)
        throw new errors/* RelsealError */.Ng('E_UNSIGNED', 'the withdrawal statement has no signature; only a statement signed by the release key (relseal withdraw) counts');
    const { good, bad: failed } = verifiedKeyIds(env, resolved);
    refuseUnverified(env, resolved, good, failed, 'withdrawal statement');
    // Verified: only now is any payload field read.
    const payload = withdrawal_parseWithdrawalPayload(env.untrustedPayload);
    if (resolved.repository !== undefined &&
        payload.repository.toLowerCase() !== resolved.repository.toLowerCase())
        throw new errors/* RelsealError */.Ng('E_REPOSITORY_MISMATCH', `the withdrawal statement is for ${payload.repository}, not ${resolved.repository}; it is refused`);
    return {
        payload,
        keyIds: [...good].sort(),
        digest: `sha256:${(0,external_node_crypto_.createHash)('sha256').update(envelope).digest('hex')}`,
    };
}
/** Reads a withdrawal statement file with the MAX_WITHDRAWAL_BYTES cap. */
async function readWithdrawalFile(path) {
    return read_bounded_readBoundedFile(path, withdrawal_MAX_WITHDRAWAL_BYTES, 'withdrawal statement');
}

;// CONCATENATED MODULE: ../../src/manifest/withdrawal-sign.ts





async function withdrawal_sign_signatureBy(signer, payload) {
    const s = asSigner(signer);
    const sig = await signChecked(s, preAuthEncoding(WITHDRAWAL_PAYLOAD_TYPE, payload));
    return { keyid: s.keyId, sig: Buffer.from(sig).toString('base64') };
}
/**
 * Signs a withdrawal statement with one or more signers (each signature is checked against its
 * signer's public key before the envelope is returned) and returns the envelope bytes.
 *
 * @example writeFileSync('release_withdrawn.json', await signWithdrawal(payload, [key]))
 */
async function signWithdrawal(payload, signers) {
    if (signers.length === 0)
        throw new RelsealError('E_USAGE', 'signing needs at least one key');
    const distinct = [...new Map(signers.map((s) => [s.keyId, s])).values()];
    const bytes = serializeWithdrawalPayload(payload);
    const signatures = [];
    // One at a time: a hardware token or an agent may ask the user to confirm each signature.
    for (const s of distinct)
        signatures.push(await withdrawal_sign_signatureBy(s, bytes));
    return serializeEnvelope(WITHDRAWAL_PAYLOAD_TYPE, bytes, signatures);
}
/**
 * Adds one signature to a withdrawal statement (a second signer towards a threshold), keeping the
 * payload bytes. Every existing signature must verify under `existingSigners` first, and the
 * payload must parse, so a co-signer never vouches for a broken or unknown statement. Returns the
 * new envelope and the payload it vouches for.
 */
async function appendWithdrawalSignature(envelope, signer, existingSigners) {
    if (envelope.length > MAX_WITHDRAWAL_BYTES)
        throw new RelsealError('E_TOO_LARGE', `the withdrawal statement is more than ${MAX_WITHDRAWAL_BYTES} bytes`);
    const env = parseEnvelope(envelope);
    if (env.payloadType !== WITHDRAWAL_PAYLOAD_TYPE)
        throw new RelsealError('E_BAD_INPUT', `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, not a relseal withdrawal statement`);
    verifyEverySignature(env, existingSigners);
    const payload = parseWithdrawalPayload(env.untrustedPayload);
    const existing = JSON.parse(Buffer.from(envelope).toString('utf8'))
        .signatures;
    if (existing.length >= MAX_SIGNATURES)
        throw new RelsealError('E_USAGE', `the statement already carries ${existing.length} signatures, the most a verifier considers (${MAX_SIGNATURES})`);
    if (existing.some((s) => s.keyid === signer.keyId))
        throw new RelsealError('E_EXISTS', `the statement is already signed by key ${signer.keyId}; a second signature needs a different key`);
    const sig = await withdrawal_sign_signatureBy(signer, env.untrustedPayload);
    return {
        envelope: serializeEnvelope(WITHDRAWAL_PAYLOAD_TYPE, env.untrustedPayload, [...existing, sig]),
        payload,
    };
}

;// CONCATENATED MODULE: ../../src/manifest/rollout-bucket.ts
/**
 * Which stage of a phased rollout a host belongs to (docs/manifest-spec.md, "Host buckets"). The
 * bucket mixes the host id with the release version, so the canary set changes with each release
 * and no host is always first.
 */




/** Buckets are 0 … ROLLOUT_BUCKETS − 1; a stage of p percent holds buckets below p × 100. */
const ROLLOUT_BUCKETS = 10000;
/** A host id is 1–256 UTF-8 bytes without control characters. */
const MAX_HOST_ID_BYTES = 256;
/** True for a host id the bucket function accepts: 1–256 UTF-8 bytes, no C0 control or DEL. */
function isHostId(s) {
    const bytes = Buffer.byteLength(s, 'utf8');
    if (bytes < 1 || bytes > MAX_HOST_ID_BYTES)
        return false;
    for (let i = 0; i < s.length; i++)
        if (isControl(s.charCodeAt(i)))
            return false;
    return true;
}
/**
 * bucket = BE64(SHA-256(UTF-8(hostId) ‖ 0x00 ‖ UTF-8(version))[0..8]) mod 10000. The 0x00 cannot
 * occur in either part, so no two (host, version) pairs hash the same input.
 *
 * @example hostBucket('4c4c4544004a3510804bb4c04f4e3332', '1.2.3') // a number in 0 … 9999
 */
function hostBucket(hostId, version) {
    if (!isHostId(hostId))
        throw new RelsealError('E_USAGE', `the host id must be 1 to ${MAX_HOST_ID_BYTES} bytes without control characters (--host-id)`);
    const digest = createHash('sha256')
        .update(Buffer.from(hostId, 'utf8'))
        .update(Buffer.from([0]))
        .update(Buffer.from(version, 'utf8'))
        .digest();
    return Number(digest.readBigUInt64BE(0) % BigInt(ROLLOUT_BUCKETS));
}
/** The host's stage: the first whose percent × 100 is above the bucket (the last stage is 100 %). */
function stageOfBucket(rollout, bucket) {
    const index = rollout.stages.findIndex((s) => bucket < s.percent * (ROLLOUT_BUCKETS / 100));
    const i = index === -1 ? rollout.stages.length - 1 : index;
    return { index: i, percent: rollout.stages[i].percent, opensAt: stageOpensAt(rollout, i) };
}

;// CONCATENATED MODULE: ../../src/manifest/index.ts














;// CONCATENATED MODULE: ../../src/tag/allowed-signers.ts
/**
 * The allowed_signers file of ssh-keygen(1) ("ALLOWED SIGNERS"): one entry a line,
 * `principals [options] keytype base64-key [comment]`.
 */


/** Splits on whitespace outside double quotes. */
function tokens(line) {
    const out = [];
    let cur = '';
    let quoted = false;
    for (const c of line) {
        if (c === '"')
            quoted = !quoted;
        if (!quoted && /\s/.test(c)) {
            if (cur !== '')
                out.push(cur);
            cur = '';
        }
        else
            cur += c;
    }
    if (quoted)
        throw new Error('an unclosed quote');
    if (cur !== '')
        out.push(cur);
    return out;
}
/** Splits an options field on commas outside quotes. */
function options(field) {
    const out = [];
    let cur = '';
    let quoted = false;
    for (const c of field) {
        if (c === '"')
            quoted = !quoted;
        if (!quoted && c === ',') {
            out.push(cur);
            cur = '';
        }
        else
            cur += c;
    }
    out.push(cur);
    return out;
}
const unquote = (v) => v.replace(/^"(.*)"$/, '$1');
/** YYYYMMDD[HHMM[SS]][Z], read as UTC (ssh-keygen reads it as local time unless it ends in Z). */
function parseSignerTime(v) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?Z?$/.exec(v);
    if (!m)
        throw new Error(`the time ${JSON.stringify(v)} is not YYYYMMDD[HHMM[SS]][Z]`);
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
}
function parseLine(text, line) {
    const t = tokens(text);
    const isKeyType = (s) => s !== undefined && /^(ssh-|ecdsa-|sk-)/.test(s);
    const principals = unquote(t[0] ?? '').split(',');
    const hasOptions = !isKeyType(t[1]);
    const [keyType, b64] = hasOptions ? [t[2], t[3]] : [t[1], t[2]];
    const blob = decodeStrictBase64(b64 ?? '');
    if (!isKeyType(keyType) || !blob || blob.length === 0)
        throw new Error('it is not "principals [options] keytype key"');
    const entry = {
        line,
        principals,
        certAuthority: false,
        keyType: keyType,
        publicKeyBlob: blob,
    };
    for (const opt of hasOptions ? options(t[1]) : []) {
        const [name = '', ...rest] = opt.split('=');
        const value = unquote(rest.join('='));
        const key = name.toLowerCase();
        if (key === 'cert-authority')
            entry.certAuthority = true;
        else if (key === 'namespaces')
            entry.namespaces = value.split(',');
        else if (key === 'valid-after')
            entry.validAfter = parseSignerTime(value);
        else if (key === 'valid-before')
            entry.validBefore = parseSignerTime(value);
        else
            throw new Error(`the option ${JSON.stringify(name)} is unknown`);
    }
    return entry;
}
/** Parses allowed_signers text; a malformed line is refused with its number. */
function parseAllowedSigners(text, source) {
    const out = [];
    text.split('\n').forEach((raw, i) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        try {
            out.push(parseLine(line, i + 1));
        }
        catch (e) {
            throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${source} line ${i + 1}: ${e.message}; see ssh-keygen(1), ALLOWED SIGNERS`);
        }
    });
    return out;
}

;// CONCATENATED MODULE: ../../src/tag/ssh-public-key.ts
/**
 * The SSH public key types git and ssh-keygen sign tags with, verified through node:crypto (RSA,
 * ECDSA) or relseal's strict Ed25519 wrapper. Blob layouts: RFC 4253 section 6.6 (ssh-rsa),
 * RFC 8332 (rsa-sha2-256/512 signatures), RFC 5656 section 3.1 (ecdsa-sha2-nistp*).
 */





/** ECDSA curves: SSH name → JWK curve, hash, and the byte length of r and s. */
const ECDSA = {
    nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
    nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
    nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
};
const RSA_SIGNATURE_HASH = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512' };
/** RSA keys below this size are refused, as OpenSSH (since 8.8) and git do. */
const MIN_RSA_BITS = 1024;
function unsupported(keyType) {
    return new errors/* RelsealError */.Ng('E_TAG_BAD_SIGNATURE', `the tag's SSH signature uses a ${escape_escapeUntrusted(keyType, 40)} key; relseal verifies ssh-ed25519, ssh-rsa ` +
        '(rsa-sha2-256/512) and ecdsa-sha2-nistp256/384/521 keys');
}
/** An mpint (RFC 4251 section 5) as unsigned big-endian bytes without leading zeros. */
const unsigned = (mpint) => {
    let i = 0;
    while (i < mpint.length - 1 && mpint[i] === 0)
        i++;
    return mpint.subarray(i);
};
const leftPad = (b, size) => b.length > size ? undefined : Buffer.concat([Buffer.alloc(size - b.length), b]);
function rsaVerifier(r) {
    const e = unsigned(r.bytes());
    const n = unsigned(r.bytes());
    const key = (0,external_node_crypto_.createPublicKey)({
        key: { kty: 'RSA', e: e.toString('base64url'), n: n.toString('base64url') },
        format: 'jwk',
    });
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
        throw unsupported('too short RSA');
    return {
        keyType: 'ssh-rsa',
        verify(data, signatureBlob) {
            const s = new ssh_format_SshReader(signatureBlob, 'the RSA signature');
            // Plain "ssh-rsa" means SHA-1, which SSHSIG (and git) refuse.
            const hash = RSA_SIGNATURE_HASH[s.string()];
            return hash !== undefined && (0,external_node_crypto_.verify)(hash, data, key, s.bytes());
        },
    };
}
function ecdsaVerifier(keyType, r) {
    const curveName = r.string();
    const curve = Object.hasOwn(ECDSA, curveName) ? ECDSA[curveName] : undefined;
    if (curve === undefined || keyType !== `ecdsa-sha2-${curveName}`)
        throw unsupported(keyType);
    const q = r.bytes();
    if (q.length !== 1 + 2 * curve.size || q[0] !== 0x04)
        throw unsupported(`malformed ${keyType}`);
    const key = (0,external_node_crypto_.createPublicKey)({
        key: {
            kty: 'EC',
            crv: curve.crv,
            x: q.subarray(1, 1 + curve.size).toString('base64url'),
            y: q.subarray(1 + curve.size).toString('base64url'),
        },
        format: 'jwk',
    });
    return {
        keyType,
        verify(data, signatureBlob) {
            const s = new ssh_format_SshReader(signatureBlob, 'the ECDSA signature');
            if (s.string() !== keyType)
                return false;
            const rs = new ssh_format_SshReader(s.bytes(), 'the ECDSA signature');
            const [sr, ss] = [leftPad(unsigned(rs.bytes()), curve.size), leftPad(unsigned(rs.bytes()), curve.size)];
            if (sr === undefined || ss === undefined)
                return false;
            return (0,external_node_crypto_.verify)(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([sr, ss]));
        },
    };
}
/**
 * A verifier for an SSH public key blob, or E_TAG_BAD_SIGNATURE for a type relseal does not
 * verify (security keys `sk-*`, certificates, DSA).
 */
function sshVerifier(publicKeyBlob) {
    const r = new ssh_format_SshReader(publicKeyBlob, 'the public key');
    const keyType = r.string();
    if (keyType === 'ssh-ed25519') {
        const publicKey = r.bytes();
        return {
            keyType,
            verify(data, signatureBlob) {
                const s = new ssh_format_SshReader(signatureBlob, 'the Ed25519 signature');
                return s.string() === 'ssh-ed25519' && ed25519_verifyDetached(publicKey, data, s.bytes());
            },
        };
    }
    try {
        if (keyType === 'ssh-rsa')
            return rsaVerifier(r);
        if (keyType.startsWith('ecdsa-sha2-'))
            return ecdsaVerifier(keyType, r);
    }
    catch (e) {
        if (e instanceof errors/* RelsealError */.Ng)
            throw e;
        throw unsupported(`malformed ${keyType}`);
    }
    throw unsupported(keyType);
}

;// CONCATENATED MODULE: ../../src/tag/sshsig.ts
/**
 * SSHSIG (OpenSSH PROTOCOL.sshsig): the signature format of `ssh-keygen -Y sign` and of git tags
 * signed with gpg.format=ssh. Ed25519, RSA (rsa-sha2-256/512) and ECDSA (nistp256/384/521) keys,
 * as ssh-keygen makes them (./ssh-public-key.ts); other types are refused with a clear error.
 */





const SSHSIG_BEGIN = '-----BEGIN SSH SIGNATURE-----';
const SSHSIG_END = '-----END SSH SIGNATURE-----';
const MAGIC = Buffer.from('SSHSIG', 'latin1');
function badSig(why) {
    return new errors/* RelsealError */.Ng('E_TAG_BAD_SIGNATURE', `the tag's SSH signature ${why}`);
}
/** Parses an armored SSHSIG. */
function parseSshSignature(armor) {
    const body = armor.trim();
    if (!body.startsWith(SSHSIG_BEGIN) || !body.endsWith(SSHSIG_END))
        throw badSig('is not an SSH SIGNATURE block');
    const blob = decodeStrictBase64(body.slice(SSHSIG_BEGIN.length, -SSHSIG_END.length).replace(/\s+/g, ''));
    if (!blob || !blob.subarray(0, 6).equals(MAGIC))
        throw badSig('armor does not hold an SSHSIG blob');
    try {
        const r = new ssh_format_SshReader(blob.subarray(6), 'the SSHSIG blob');
        if (r.uint32() !== 1)
            throw badSig('has an unknown SSHSIG version');
        const publicKeyBlob = r.bytes();
        const namespace = r.string();
        r.bytes(); // reserved
        const hashAlgorithm = r.string();
        const signatureBlob = r.bytes();
        const verifier = sshVerifier(publicKeyBlob);
        return { publicKeyBlob, keyType: verifier.keyType, verifier, namespace, hashAlgorithm, signatureBlob };
    }
    catch (e) {
        if (e instanceof errors/* RelsealError */.Ng && e.code === 'E_TAG_BAD_SIGNATURE')
            throw e;
        throw badSig('is truncated or malformed');
    }
}
/** The key fingerprint as ssh-keygen -l prints it: `SHA256:` and unpadded base64. */
function sshsig_sshFingerprint(publicKeyBlob) {
    return `SHA256:${(0,external_node_crypto_.createHash)('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}
/** True when `sig` is a valid signature of `message` in `namespace`. */
function verifySshSignature(sig, message, namespace) {
    if (sig.namespace !== namespace)
        return false;
    if (sig.hashAlgorithm !== 'sha512' && sig.hashAlgorithm !== 'sha256')
        return false;
    const digest = (0,external_node_crypto_.createHash)(sig.hashAlgorithm).update(message).digest();
    const signed = Buffer.concat([
        MAGIC,
        ssh_format_sshString(namespace),
        ssh_format_sshString(''),
        ssh_format_sshString(sig.hashAlgorithm),
        ssh_format_sshString(digest),
    ]);
    try {
        return sig.verifier.verify(signed, sig.signatureBlob);
    }
    catch {
        return false; // a truncated or malformed signature blob verifies nothing
    }
}

;// CONCATENATED MODULE: ../../src/tag/verify-tag.ts




async function readTag(repoDir, tag, ref) {
    const resolved = await (0,git/* runGit */.EO)(['rev-parse', '--verify', '--quiet', '--end-of-options', ref], {
        cwd: repoDir,
        okCodes: [0, 1, 128],
    });
    const oid = resolved.stdout.toString('utf8').trim();
    if (resolved.code !== 0 || oid === '')
        throw new errors/* RelsealError */.Ng('E_NOT_FOUND', `tag ${tag} does not exist in ${repoDir}; fetch it first`);
    const type = (await (0,git/* runGit */.EO)(['cat-file', '-t', oid], { cwd: repoDir })).stdout.toString('utf8').trim();
    if (type !== 'tag') {
        throw new errors/* RelsealError */.Ng('E_TAG_UNSIGNED', `tag ${tag} is a lightweight tag: it has no tag object, so no signature; create it with git tag -s`);
    }
    const raw = (await (0,git/* runGit */.EO)(['cat-file', 'tag', oid], { cwd: repoDir })).stdout;
    const commit = (await (0,git/* runGit */.EO)(['rev-parse', '--verify', '--end-of-options', `${oid}^{commit}`], { cwd: repoDir })).stdout
        .toString('utf8')
        .trim();
    const header = raw.subarray(0, Math.max(0, raw.indexOf('\n\n'))).toString('utf8');
    return { raw, commit, taggerTime: taggerTime(header) };
}
/**
 * The time of the `tagger NAME <EMAIL> SECONDS +ZZZZ` header line, read field by field from the
 * end of the line (a tag object is untrusted input: no backtracking pattern runs over it).
 */
function taggerTime(header) {
    const line = header.split('\n').find((l) => l.startsWith('tagger '));
    const fields = line?.split(' ') ?? [];
    const seconds = fields.at(-2) ?? '';
    const zone = fields.at(-1) ?? '';
    const digits = (s) => s !== '' && [...s].every((c) => c >= '0' && c <= '9');
    const zoneOk = zone.length === 5 && (zone[0] === '+' || zone[0] === '-') && digits(zone.slice(1));
    if (fields.length < 4 || !digits(seconds) || !zoneOk)
        return undefined;
    return new Date(Number(seconds) * 1000);
}
function validAt(s, when) {
    return (!s.validAfter || when >= s.validAfter) && (!s.validBefore || when <= s.validBefore);
}
/**
 * Verifies an SSH-signed annotated tag the way `git verify-tag` does with
 * gpg.ssh.allowedSignersFile: the SSHSIG over the tag object in namespace `git`, by a key that the
 * allowed_signers file lists for that namespace and that is valid at the tag's time.
 *
 * @example const { principal, fingerprint } = await verifySignedTag({ repoDir: '.', tag: 'v1.2.3', allowedSigners })
 */
async function verifySignedTag(o) {
    (0,git/* assertSafeRef */.xT)(o.tag, 'tag');
    const t = await readTag(o.repoDir, o.tag, o.ref ?? `refs/tags/${o.tag}`);
    const text = t.raw.toString('utf8');
    if (text.includes('-----BEGIN PGP SIGNATURE-----')) {
        throw new errors/* RelsealError */.Ng('E_TAG_BAD_SIGNATURE', `tag ${o.tag} is signed with GPG; relseal verifies SSH tag signatures: sign with git -c gpg.format=ssh tag -s`);
    }
    const at = t.raw.indexOf(SSHSIG_BEGIN);
    if (at < 0)
        throw new errors/* RelsealError */.Ng('E_TAG_UNSIGNED', `tag ${o.tag} is annotated but not signed; create it with git tag -s (gpg.format=ssh)`);
    const sig = parseSshSignature(t.raw.subarray(at).toString('utf8'));
    const fingerprint = sshsig_sshFingerprint(sig.publicKeyBlob);
    if (!verifySshSignature(sig, t.raw.subarray(0, at), 'git')) {
        throw new errors/* RelsealError */.Ng('E_TAG_BAD_SIGNATURE', `the signature of tag ${o.tag} (key ${fingerprint}) does not verify: the tag was altered after signing`);
    }
    const when = t.taggerTime ?? new Date();
    const entries = parseAllowedSigners(o.allowedSigners, 'allowed_signers').filter((e) => e.publicKeyBlob.equals(sig.publicKeyBlob));
    if (entries.some((e) => e.certAuthority)) {
        throw new errors/* RelsealError */.Ng('E_TAG_UNTRUSTED', `allowed_signers lists key ${fingerprint} as a cert-authority; relseal does not verify SSH certificates: list the key itself`);
    }
    const usable = entries.filter((e) => (!e.namespaces || e.namespaces.includes('git')) && validAt(e, when));
    if (usable.length === 0) {
        const why = entries.length === 0
            ? 'is not listed'
            : 'is listed, but not for namespace "git" or not valid at the tag time ' + when.toISOString();
        throw new errors/* RelsealError */.Ng('E_TAG_UNTRUSTED', `tag ${o.tag} has a valid signature, but its key ${fingerprint} ${why} in allowed_signers; add the maintainer's key`);
    }
    return { tag: o.tag, commit: t.commit, principal: usable[0].principals.join(','), fingerprint };
}
/** Verifies the tag and that it points at `commit` (E_TAG_MISMATCH otherwise). */
async function verifyTagForCommit(o) {
    const v = await verifySignedTag(o);
    if (v.commit !== o.commit) {
        throw new errors/* RelsealError */.Ng('E_TAG_MISMATCH', `tag ${o.tag} points at ${v.commit}, but the manifest pins ${o.commit}; do not install this release`);
    }
    return v;
}

;// CONCATENATED MODULE: ../../src/tag/index.ts




;// CONCATENATED MODULE: ../../src/trust/trust-root.ts
/**
 * The trust root (issue 15, docs/trust-root.md): a DSSE envelope whose payload names the keys a
 * release manifest must be signed by, and the keys that may sign the next trust root. Each new
 * version must be signed by root_threshold of the previous version's keys AND root_threshold of
 * its own keys, exactly as TUF's root rotation (TUF specification 1.0, section 5.3.4).
 */











const TRUST_ROOT_PAYLOAD_TYPE = 'application/vnd.relseal.trust.v1+json';
const TRUST_ROOT_SCHEMA = 'https://relseal.dev/trust-root/v1';
/** The file name a trust root of version `n` is published under (docs/trust-root.md). */
const trustRootName = (n) => `trust-root.${n}.json`;
/** A trust root file larger than this is refused before it is parsed. */
const MAX_TRUST_ROOT_BYTES = 64 * 1024;
/** A trust root lists at most this many keys. */
const MAX_TRUST_ROOT_KEYS = 32;
/** A client follows at most this many new versions in one update (each costs verifications). */
const MAX_ROOT_STEPS = 64;
const FIELDS = ['schema', 'repository', 'version', 'keys', 'threshold', 'root_threshold', 'expires_at'];
const KEY_FIELDS = ['keyid', 'public_key', 'expires_at'];
const trust_root_bad = (field, why) => new errors/* RelsealError */.Ng('E_BAD_INPUT', `trust root field ${field} ${why}`);
const trust_root_isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
function trust_root_onlyKnown(obj, known, at) {
    for (const k of Object.keys(obj))
        if (!known.includes(k))
            throw trust_root_bad(`${at}${escape_escapeUntrusted(k, 40)}`, 'is not a trust root v1 field');
}
function count(v, field, min, max) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
        throw trust_root_bad(field, `must be a whole number from ${min} to ${max}`);
    return v;
}
function timestamp(v, field) {
    if (typeof v !== 'string' || !isUtcTimestamp(v))
        throw trust_root_bad(field, 'must be a real RFC 3339 UTC time ending in Z, such as 2027-01-01T00:00:00Z');
    return v;
}
function parseKey(v, i) {
    const at = `keys[${i}]`;
    if (!trust_root_isObject(v))
        throw trust_root_bad(at, 'must be an object {keyid, public_key, expires_at?}');
    trust_root_onlyKnown(v, KEY_FIELDS, `${at}.`);
    const { keyid, public_key } = v;
    if (typeof public_key !== 'string' || !isBase64(public_key, 'strict'))
        throw trust_root_bad(`${at}.public_key`, 'must be standard base64 of a 32-byte Ed25519 public key');
    let info;
    try {
        info = key_formats_parsePublicKey(public_key, `trust root ${at}`);
    }
    catch (e) {
        throw trust_root_bad(`${at}.public_key`, `is not an Ed25519 public key (${e.message})`);
    }
    if (typeof keyid !== 'string' || !isLowerHexOf(keyid, 64) || keyid !== info.keyId)
        throw trust_root_bad(`${at}.keyid`, 'must be the lower-case hex SHA-256 of the public key');
    const key = { keyid, public_key };
    if (v.expires_at !== undefined)
        key.expires_at = timestamp(v.expires_at, `${at}.expires_at`);
    return key;
}
/**
 * Parses and validates a trust root payload: strict JSON (no duplicate keys, integers only), every
 * field known, key ids derived from their keys, thresholds reachable with the listed keys.
 */
function parseTrustRootPayload(bytes) {
    let text;
    try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the trust root payload is not valid UTF-8');
    }
    const obj = parseStrictJson(text, 'the trust root payload', { integersOnly: true });
    if (!trust_root_isObject(obj))
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', 'the trust root payload is not a JSON object');
    trust_root_onlyKnown(obj, FIELDS, '');
    for (const f of FIELDS)
        if (obj[f] === undefined)
            throw trust_root_bad(f, 'is missing');
    if (obj.schema !== TRUST_ROOT_SCHEMA)
        throw trust_root_bad('schema', `must be ${JSON.stringify(TRUST_ROOT_SCHEMA)}`);
    if (typeof obj.repository !== 'string' || !isRepository(obj.repository))
        throw trust_root_bad('repository', 'must be owner/name');
    if (!Array.isArray(obj.keys) || obj.keys.length === 0 || obj.keys.length > MAX_TRUST_ROOT_KEYS)
        throw trust_root_bad('keys', `must be an array of 1 to ${MAX_TRUST_ROOT_KEYS} keys`);
    const keys = obj.keys.map(parseKey);
    if (new Set(keys.map((k) => k.keyid)).size !== keys.length)
        throw trust_root_bad('keys', 'lists a key twice');
    return {
        schema: TRUST_ROOT_SCHEMA,
        repository: obj.repository,
        version: count(obj.version, 'version', 1, Number.MAX_SAFE_INTEGER),
        keys,
        threshold: count(obj.threshold, 'threshold', 1, keys.length),
        root_threshold: count(obj.root_threshold, 'root_threshold', 1, keys.length),
        expires_at: timestamp(obj.expires_at, 'expires_at'),
    };
}
/** The payload bytes, fields in the order of docs/trust-root.md. */
function serializeTrustRootPayload(p) {
    const keys = p.keys.map((k) => ({
        keyid: k.keyid,
        public_key: k.public_key,
        ...(k.expires_at === undefined ? {} : { expires_at: k.expires_at }),
    }));
    const ordered = {
        schema: p.schema,
        repository: p.repository,
        version: p.version,
        keys,
        threshold: p.threshold,
        root_threshold: p.root_threshold,
        expires_at: p.expires_at,
    };
    return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
}
/** A trust root key entry for a public key. */
function trustRootKeyOf(key, expiresAt) {
    return {
        keyid: key.keyId,
        public_key: Buffer.from(key.publicKey).toString('base64'),
        ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
    };
}
/** An unsigned trust root envelope (signatures are added one by one with signTrustRoot). */
function unsignedTrustRoot(payload) {
    const bytes = serializeTrustRootPayload(payload);
    parseTrustRootPayload(bytes);
    return serializeEnvelope(TRUST_ROOT_PAYLOAD_TYPE, bytes, []);
}
/** Parses a trust root envelope and its payload; nothing in it is verified yet. */
function parseTrustRoot(bytes) {
    if (bytes.length > MAX_TRUST_ROOT_BYTES)
        throw new errors/* RelsealError */.Ng('E_TOO_LARGE', `the trust root is ${bytes.length} bytes, more than the ${MAX_TRUST_ROOT_BYTES} a trust root may have`);
    const env = dsse_parseEnvelope(bytes);
    if (env.payloadType !== TRUST_ROOT_PAYLOAD_TYPE)
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `the envelope's payloadType is "${escape_escapeUntrusted(env.payloadType)}", not ${TRUST_ROOT_PAYLOAD_TYPE}: this is not a relseal trust root`);
    return { env, untrustedPayload: parseTrustRootPayload(env.untrustedPayload) };
}
/** Reads a trust root file with a byte cap. */
async function readTrustRootFile(path) {
    return read_bounded_readBoundedFile(path, MAX_TRUST_ROOT_BYTES, 'trust root');
}
/** The payload and existing signatures of a root that `keyId` may add its signature to. */
function rootToSign(envelope, keyId) {
    const { env } = parseTrustRoot(envelope);
    const existing = JSON.parse(Buffer.from(envelope).toString('utf8'))
        .signatures;
    if (existing.length >= MAX_SIGNATURES)
        throw new RelsealError('E_USAGE', `the trust root already carries ${existing.length} signatures, the most a verifier considers`);
    if (existing.some((s) => s.keyid === keyId))
        throw new RelsealError('E_EXISTS', `the trust root is already signed by key ${keyId}`);
    return { payload: env.untrustedPayload, existing };
}
const withSignature = (payload, existing, keyId, sig) => serializeEnvelope(TRUST_ROOT_PAYLOAD_TYPE, payload, [
    ...existing,
    { keyid: keyId, sig: Buffer.from(sig).toString('base64') },
]);
/**
 * Adds one signature by a key in memory to a trust root envelope (the payload bytes are kept as
 * they are). Checked like every other signature (issue 21): verified right after it is made.
 */
function signTrustRoot(envelope, key) {
    const { payload, existing } = rootToSign(envelope, key.keyId);
    const sig = signWithKeyChecked(key, preAuthEncoding(TRUST_ROOT_PAYLOAD_TYPE, payload));
    return withSignature(payload, existing, key.keyId, sig);
}
/** signTrustRoot through any signer (ssh-agent, PKCS#11, exec:), checked the same way. */
async function signTrustRootWith(envelope, signer) {
    const { payload, existing } = rootToSign(envelope, signer.keyId);
    const sig = await signChecked(signer, preAuthEncoding(TRUST_ROOT_PAYLOAD_TYPE, payload));
    return withSignature(payload, existing, signer.keyId, sig);
}
/** Keys of a root that count at `now`: listed and not past their own expires_at. */
function activeKeys(p, now) {
    return p.keys
        .filter((k) => k.expires_at === undefined || now.getTime() <= Date.parse(k.expires_at))
        .map((k) => ({ keyId: k.keyid, publicKey: Buffer.from(k.public_key, 'base64') }));
}
/**
 * Distinct keys among `keys` with a valid signature over the envelope. Key ids are compared
 * before any crypto; a signature without a key id is ignored (a root always names its signers);
 * each key verifies at most once.
 */
function signersAmong(env, keys) {
    const byId = new Map(keys.map((k) => [k.keyId, k]));
    const pae = dsse_preAuthEncoding(env.payloadType, env.untrustedPayload);
    const good = new Set();
    for (const s of env.signatures) {
        const key = byId.get(s.keyid);
        if (key === undefined || good.has(key.keyId) || !s.sig)
            continue;
        if (ed25519_verifyDetached(key.publicKey, pae, s.sig))
            good.add(key.keyId);
    }
    return [...good].sort();
}
function requireThreshold(signers, needed, version, whose) {
    if (signers.length < needed)
        throw new errors/* RelsealError */.Ng('E_ROOT_THRESHOLD', `trust root version ${version} is signed by ${signers.length} of ${whose} unexpired keys, ` +
            `but needs ${needed} (TUF 5.3.4: a new root is signed by the old and the new keys); ` +
            'have more key holders run relseal trust sign', { details: { version, whose, signers, needed } });
}
function refuseExpired(p, now) {
    if (now.getTime() > Date.parse(p.expires_at))
        throw new errors/* RelsealError */.Ng('E_ROOT_EXPIRED', `trust root version ${p.version} expired at ${p.expires_at}; the publisher must sign a newer ` +
            'trust root (relseal trust next) and publish it beside the release', { details: { version: p.version, expires_at: p.expires_at } });
}
/**
 * Verifies the first, pinned trust root: a threshold of its own keys must have signed it (TUF
 * 5.2). Expiry is not checked here: only the newest root of a chain must be unexpired (TUF 5.3.10).
 */
function verifyPinnedRoot(bytes, now) {
    const { env, untrustedPayload: p } = parseTrustRoot(bytes);
    const signers = signersAmong(env, activeKeys(p, now));
    requireThreshold(signers, p.root_threshold, p.version, 'its own');
    return { payload: p, bytes, signers, previousSigners: [] };
}
/**
 * Verifies trust root version N+1 against the trusted version N (TUF specification 1.0, 5.3.4–
 * 5.3.5): root_threshold of N's keys AND root_threshold of its own keys signed it; its version is
 * exactly N+1 (lower or equal: E_ROOT_ROLLBACK; higher: E_ROOT_SKIPPED); its repository is N's
 * (E_ROOT_REPOSITORY). The version and repository are compared first (cheap, and each refusal
 * keeps its own code); nothing of the payload is used until both thresholds are met.
 */
function verifyNextRoot(trusted, bytes, now) {
    const { env, untrustedPayload: p } = parseTrustRoot(bytes);
    const prev = trusted.payload;
    if (p.version <= prev.version)
        throw new errors/* RelsealError */.Ng('E_ROOT_ROLLBACK', `trust root version ${p.version} is not newer than the trusted version ${prev.version}; ` +
            'a client never goes back to an older trust root', { details: { version: p.version, trusted: prev.version } });
    if (p.version !== prev.version + 1)
        throw new errors/* RelsealError */.Ng('E_ROOT_SKIPPED', `trust root version ${p.version} follows version ${prev.version} without version ${prev.version + 1}; ` +
            `publish trust-root.${prev.version + 1}.json too, every version is verified in order`, { details: { version: p.version, trusted: prev.version } });
    if (p.repository.toLowerCase() !== prev.repository.toLowerCase())
        throw new errors/* RelsealError */.Ng('E_ROOT_REPOSITORY', `trust root version ${p.version} is for ${p.repository}, but the trusted root is for ${prev.repository}`, { details: { repository: p.repository, trusted: prev.repository } });
    const previousSigners = signersAmong(env, activeKeys(prev, now));
    requireThreshold(previousSigners, prev.root_threshold, p.version, `version ${prev.version}'s`);
    const signers = signersAmong(env, activeKeys(p, now));
    requireThreshold(signers, p.root_threshold, p.version, 'its own');
    return { payload: p, bytes, signers, previousSigners };
}
/**
 * Verifies a chain: the first root pinned (self-signed), each later one against the one before;
 * the newest must not have expired (E_ROOT_EXPIRED). Returns every verified step.
 */
function verifyTrustRootChain(roots, now = new Date()) {
    if (roots.length === 0)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'no trust root given');
    const steps = [verifyPinnedRoot(roots[0], now)];
    for (const next of roots.slice(1))
        steps.push(verifyNextRoot(steps.at(-1), next, now));
    refuseExpired(steps.at(-1).payload, now);
    return steps;
}
/**
 * Extends a trusted root with newer versions (in order), refusing an expired newest root. The
 * trusted root itself is not re-checked for expiry unless nothing newer is given.
 */
function advanceTrustRoot(trusted, newer, now = new Date()) {
    if (newer.length > MAX_ROOT_STEPS)
        throw new RelsealError('E_TOO_LARGE', `more than ${MAX_ROOT_STEPS} new trust root versions at once`);
    let current = trusted;
    for (const next of newer)
        current = verifyNextRoot(current, next, now);
    refuseExpired(current.payload, now);
    return current;
}
/**
 * The release-manifest policy of a verified root: its unexpired keys, its threshold, its
 * repository. Verification code asks this policy, never the raw key list.
 */
function trustPolicyOf(root, now = new Date()) {
    const p = root.payload;
    const keys = activeKeys(p, now);
    if (keys.length < p.threshold)
        throw new RelsealError('E_ROOT_EXPIRED', `trust root version ${p.version} has ${keys.length} unexpired key(s), fewer than its threshold ${p.threshold}; ` +
            'the publisher must publish a newer trust root with current keys', { details: { version: p.version } });
    return { keys, threshold: p.threshold, repository: p.repository, now };
}
/** keyIdOf re-exported for tooling that builds roots from raw keys. */


;// CONCATENATED MODULE: ../common/inputs.ts





/** The allowed_signers path when the tag must be SSH-signed by a maintainer, else undefined. */
function requiredSignersPath() {
    const path = core/* getInput */.V4('allowed-signers');
    if (!core/* getBooleanInput */.Vt('require-signed-tag'))
        return undefined;
    if (!path)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'require-signed-tag is true but allowed-signers is empty; set it to the allowed_signers file in the repository');
    return path;
}
/** The github-token input, masked before anything can print it. */
function readToken() {
    const token = core/* getInput */.V4('github-token');
    if (token)
        core/* setSecret */.Pq(token);
    return token;
}
/**
 * An action's top level: read inputs, do the work, set outputs. Every failure, Error or not, fails
 * the step with one error annotation carrying its code (as core.setFailed does); causes go to debug.
 */
async function runAction(readInputs, work) {
    try {
        const outputs = await work(readInputs());
        for (const [k, v] of Object.entries(outputs))
            core/* setOutput */.uH(k, v);
    }
    catch (e) {
        // Escaped: the message may quote text from an unverified manifest or a server.
        const message = escapeControls(e instanceof Error ? e.message : String(e));
        if (e instanceof Error && e.cause instanceof Error)
            core/* debug */.Yz(`cause: ${e.cause.message}`);
        // One error annotation, titled with the code: a refusal reads differently from a broken setup.
        const title = (0,errors/* isRelsealError */.Tv)(e)
            ? `relseal ${errors/* REFUSAL_CODES */.eJ.has(e.code) ? 'refused' : 'failed'}: ${e.code}`
            : 'relseal failed';
        core/* error */.z3((0,errors/* isRelsealError */.Tv)(e) ? `${e.code}: ${message}` : message, { title });
        // core.ExitCode.Failure, written out: GitHub's local runner (@github/local-action) stubs
        // @actions/core without ExitCode.
        process.exitCode = 1;
    }
}
/**
 * Reads a file named by an input as a path inside the repository checkout `dir`; a path that leaves
 * the checkout (`../`, an absolute path elsewhere, a symlink out) or does not exist is an error.
 */
function readRepoFile(dir, rel, input) {
    const root = (0,external_node_fs_.realpathSync)(dir);
    let file;
    try {
        file = (0,external_node_fs_.realpathSync)((0,external_node_path_.resolve)(root, rel));
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_NOT_FOUND', `input ${input}: ${rel} does not exist in the repository checkout`);
    }
    const inside = (0,external_node_path_.relative)(root, file);
    if (inside === '' || inside.startsWith('..') || (0,external_node_path_.isAbsolute)(inside))
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `input ${input}: ${rel} is outside the repository checkout; give a path inside the repository`);
    return (0,external_node_fs_.readFileSync)(file, 'utf8');
}

// EXTERNAL MODULE: ../../node_modules/@actions/glob/lib/glob.js + 17 modules
var glob = __webpack_require__(5621);
// EXTERNAL MODULE: ../../node_modules/@actions/github/lib/github.js + 22 modules
var github = __webpack_require__(1329);
;// CONCATENATED MODULE: ../github/retry.ts
/** GitHub: "Otherwise, wait for at least one minute before retrying" (see rateLimitWait). */
const MIN_SECONDARY_LIMIT_WAIT_MS = 60_000;
const DEFAULT_RETRY = {
    attempts: 4,
    maxWaitMs: 60_000,
    baseDelayMs: 1000,
    rateLimitBudgetMs: 5 * 60_000,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
};
const headersOf = (e) => e.response?.headers ?? {};
/**
 * Whether GitHub refused for a (primary or secondary) rate limit. GitHub, "Troubleshooting the REST
 * API", Rate limit errors: a primary limit is a 403 or 429 with `x-ratelimit-remaining: 0`; a
 * secondary limit is "a 403 Forbidden or 429 Too Many Requests response and an error message that
 * indicates that you exceeded a secondary rate limit", with or without `retry-after`. A 403 without
 * any of these is a permission problem.
 * https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors
 */
function isRateLimited(e) {
    const { status, response } = e;
    if (status === 429)
        return true;
    if (status !== 403)
        return false;
    const h = headersOf(e);
    const data = response?.data;
    const message = typeof data?.message === 'string' ? data.message.toLowerCase() : '';
    return (h['retry-after'] !== undefined || h['x-ratelimit-remaining'] === '0' || message.includes('rate limit'));
}
const seconds = (v) => v !== undefined && /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : undefined;
/**
 * How long GitHub asks a rate-limited client to wait, in ms, following the same documentation:
 * "If the retry-after response header is present, you should not retry your request until after that
 * many seconds has elapsed. If the x-ratelimit-remaining header is 0, you should not make another
 * request until after the time specified by the x-ratelimit-reset header [UTC epoch seconds].
 * Otherwise, wait for at least one minute before retrying. If your request continues to fail due to a
 * secondary rate limit, wait for an exponentially increasing amount of time between retries."
 * `limited` counts the rate-limited answers before this one.
 */
function rateLimitWait(e, limited, now) {
    const h = headersOf(e);
    const retryAfter = seconds(h['retry-after']);
    if (retryAfter !== undefined)
        return retryAfter * 1000;
    const reset = seconds(h['x-ratelimit-reset']);
    if (h['x-ratelimit-remaining'] === '0' && reset !== undefined)
        return Math.max(0, reset * 1000 - now);
    return MIN_SECONDARY_LIMIT_WAIT_MS * 2 ** limited;
}
/** How long to back off after a 5xx answer, or undefined when the error is not a 5xx. */
function retryDelay(e, attempt, policy) {
    const { status } = e;
    if (status !== undefined && status >= 500)
        return Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxWaitMs);
    return undefined;
}
/**
 * Runs `fn`, retrying 5xx answers and rate limits a bounded number of times. A rate limit is waited
 * out as GitHub asks, never shorter; when that would take the client past its budget, the error is
 * thrown at once instead of sleeping and failing later.
 */
async function withRetry(fn, policy, onRetry, budget = { spentMs: 0 }) {
    let limited = 0;
    for (let attempt = 0;; attempt++) {
        try {
            return await fn();
        }
        catch (e) {
            if (attempt + 1 >= policy.attempts)
                throw e;
            let wait;
            if (isRateLimited(e)) {
                wait = rateLimitWait(e, limited++, policy.now());
                if (budget.spentMs + wait > policy.rateLimitBudgetMs)
                    throw e;
                budget.spentMs += wait;
                onRetry?.(`rate limited (HTTP ${e.status}); waiting ${Math.ceil(wait / 1000)} s as GitHub asks`);
            }
            else {
                wait = retryDelay(e, attempt, policy);
                if (wait === undefined)
                    throw e;
                onRetry?.(`HTTP ${e.status}; retrying in ${Math.round(wait / 1000)} s`);
            }
            await policy.sleep(wait);
        }
    }
}

;// CONCATENATED MODULE: ../github/errors.ts


/**
 * Turns an Octokit error into a RelsealError that tells the user what to do; `context` says what
 * relseal was doing ("uploading release_manifest.json to release v1.2.3").
 */
function githubError(e, context) {
    const err = e;
    const status = err.status;
    const gh = err.response?.data;
    const details = gh?.errors?.map((x) => x.message ?? `${x.field ?? ''} ${x.code ?? ''}`.trim()).join('; ');
    const says = gh?.message
        ? `GitHub says: ${gh.message}${details ? ` (${details})` : ''}`
        : (err.message ?? String(e));
    const rateLimited = isRateLimited(e);
    let advice;
    if (rateLimited)
        advice =
            `GitHub's rate limit stopped the request and asked to wait ${Math.ceil(rateLimitWait(e, 0, Date.now()) / 1000)} s, ` +
                'past what this run waits for rate limits in all; re-run the job later, or run fewer jobs against the API at once';
    else if (status === 401)
        advice = 'the token is invalid or expired: pass a valid github-token';
    else if (status === 403)
        advice = 'the token lacks permission: add `permissions: contents: write` to the job that runs this step';
    else if (status === 404)
        advice = 'no such release or repository, or the token cannot see it: check the tag and GITHUB_REPOSITORY';
    else if (status === 422)
        advice = 'GitHub refused the request as invalid';
    else if (status !== undefined && status >= 500)
        advice = 'GitHub failed repeatedly; re-run the job later';
    else
        advice = 'check the network and GITHUB_API_URL';
    return new errors/* RelsealError */.Ng('E_GITHUB', `${context} failed${status ? ` (HTTP ${status})` : ''}: ${advice}. ${says}`, {
        cause: e,
        details: { status, ...(rateLimited ? { rateLimited } : {}) },
    });
}
/**
 * Whether GitHub refused because the thing exists already (422 Validation Failed, code
 * already_exists): a release for a published tag, an asset of that name. Takes the raw Octokit error
 * or the RelsealError that wraps it.
 */
function isAlreadyExists(e) {
    const raw = (e instanceof errors/* RelsealError */.Ng ? e.cause : e);
    return raw?.status === 422 && (raw.response?.data?.errors ?? []).some((x) => x.code === 'already_exists');
}

// EXTERNAL MODULE: ../../node_modules/@actions/http-client/lib/index.js + 1 modules
var lib = __webpack_require__(66);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
;// CONCATENATED MODULE: ../github/transport.ts


function bodyOf(body) {
    if (body === undefined || body === null)
        return null;
    if (typeof body === 'string')
        return body;
    // Uploads: a Buffer goes as one chunk; Octokit has already set content-length.
    if (body instanceof Uint8Array)
        return external_node_stream_.Readable.from([Buffer.from(body.buffer, body.byteOffset, body.length)]);
    throw new TypeError(`unsupported request body (${Object.prototype.toString.call(body)})`);
}
function transport_headersOf(raw) {
    const map = new Map();
    for (const [name, value] of Object.entries(raw))
        if (value !== undefined)
            map.set(name, Array.isArray(value) ? value.join(', ') : value);
    return { get: (name) => map.get(name.toLowerCase()) ?? null, [Symbol.iterator]: () => map.entries() };
}
/**
 * Octokit's `fetch`, carried by @actions/http-client: Node's own HTTP stack, kept-alive connections,
 * and the runner's proxy settings (`https_proxy`, `no_proxy`). Octokit would otherwise use the
 * global fetch, which ignores those settings and compiles a WebAssembly HTTP parser on each run
 * (about 0.3 s of CPU, next to the hashing it shares the runner with). Redirects are followed, and
 * the Authorization header is dropped when one leaves the host (as fetch does across origins).
 */
function httpClientFetch() {
    const http = new lib/* HttpClient */.Qq(undefined, [], { keepAlive: true, allowRetries: false });
    return async (url, init = {}) => {
        const res = await http.request(init.method ?? 'GET', url, bodyOf(init.body), { ...init.headers });
        const chunks = [];
        for await (const chunk of res.message)
            chunks.push(chunk);
        const bytes = Buffer.concat(chunks);
        const status = res.message.statusCode ?? 0;
        return {
            url,
            status,
            statusText: res.message.statusMessage ?? '',
            ok: status >= 200 && status < 300,
            headers: transport_headersOf(res.message.headers),
            text: () => Promise.resolve(bytes.toString('utf8')),
            json: () => Promise.resolve(JSON.parse(bytes.toString('utf8'))),
            arrayBuffer: () => Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
        };
    };
}

;// CONCATENATED MODULE: ../github/client.ts




/**
 * The one GitHub client of the actions: Octokit from @actions/github with bounded retries.
 *
 * @example const gh = createClient({ token, repository: 'acme/app', baseUrl: process.env.GITHUB_API_URL })
 */
function createClient(o) {
    const [owner = '', repo = ''] = o.repository.split('/');
    const octokit = (0,github/* getOctokit */.Q)(o.token, {
        ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
        // Replaces @actions/github's request defaults (its proxy-aware undici fetch) as a whole.
        request: { fetch: httpClientFetch() },
    });
    const policy = { ...DEFAULT_RETRY, ...o.retry };
    // One budget for every call of the client: a run waits out rate limits for so long, in all.
    const budget = { spentMs: 0 };
    return {
        octokit,
        owner,
        repo,
        async call(context, fn) {
            try {
                return await withRetry(() => fn(octokit), policy, (why) => o.log?.(`${context}: ${why}`), budget);
            }
            catch (e) {
                throw githubError(e, context);
            }
        },
    };
}

;// CONCATENATED MODULE: ../github/releases.ts
const GET_RELEASE_BY_TAG = 'GET /repos/{owner}/{repo}/releases/tags/{tag}';
const GET_LATEST_RELEASE = 'GET /repos/{owner}/{repo}/releases/latest';
const CREATE_RELEASE = 'POST /repos/{owner}/{repo}/releases';
const LIST_RELEASES = 'GET /repos/{owner}/{repo}/releases';
const LIST_ASSETS = 'GET /repos/{owner}/{repo}/releases/{release_id}/assets';
const DELETE_ASSET = 'DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}';
const UPDATE_ASSET = 'PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}';
const GET_ASSET = 'GET /repos/{owner}/{repo}/releases/assets/{asset_id}';
const UPDATE_RELEASE = 'PATCH /repos/{owner}/{repo}/releases/{release_id}';
const GET_REF = 'GET /repos/{owner}/{repo}/git/ref/{ref}';
const CREATE_REF = 'POST /repos/{owner}/{repo}/git/refs';
const GET_TAG = 'GET /repos/{owner}/{repo}/git/tags/{tag_sha}';
/** A call's result, or undefined when GitHub answers 404 Not Found. */
async function unless404(call) {
    try {
        return await call;
    }
    catch (e) {
        if (e.details?.status === 404)
            return undefined;
        throw e;
    }
}
/** The release of `tag`, or undefined when there is none (drafts are found by listing). */
async function getReleaseByTag(gh, tag) {
    const r = await unless404(gh.call(`reading release ${tag}`, (o) => o.request(GET_RELEASE_BY_TAG, { owner: gh.owner, repo: gh.repo, tag })));
    return r?.data;
}
/** The latest published, non-prerelease release, or undefined when there is none. */
async function getLatestRelease(gh) {
    const r = await unless404(gh.call('reading the latest release', (o) => o.request(GET_LATEST_RELEASE, { owner: gh.owner, repo: gh.repo })));
    return r?.data;
}
/**
 * GitHub lists no further than this many releases: a page past it answers 422 "Only the first 1000
 * results are available." (documented at list-releases' documentation_url; iree-org/iree#16506).
 */
const MAX_LISTED_RELEASES = 1000;
const RELEASES_PER_PAGE = 100;
/**
 * Releases, drafts included (only with push access), newest first, paginated with Link; no more than
 * the MAX_LISTED_RELEASES GitHub can list. `complete` is false when there were more.
 */
async function listReleasesPaged(gh) {
    let complete = true;
    const releases = await gh.call('listing releases', (o) => {
        let pages = 0;
        return o.paginate(LIST_RELEASES, { owner: gh.owner, repo: gh.repo, per_page: RELEASES_PER_PAGE }, (res, done) => {
            // Stop before asking for a page GitHub refuses to serve.
            if (++pages * RELEASES_PER_PAGE >= MAX_LISTED_RELEASES &&
                (res.headers.link ?? '').includes('rel="next"')) {
                complete = false;
                done();
            }
            return res.data;
        });
    });
    return { releases, complete };
}
/** Every release GitHub lists, drafts included (see listReleasesPaged). */
async function listReleases(gh) {
    return (await listReleasesPaged(gh)).releases;
}
/**
 * Finds every release of `tag`, drafts included. `GET /releases/tags/{tag}` returns "a published
 * release with the specified tag" only (GitHub's get-release-by-tag), so drafts are found by listing
 * all releases and matching tag_name; the published one is read by tag as well, so it is found even
 * past the listing limit.
 */
async function findReleasesByTag(gh, tag) {
    const [listed, published] = await Promise.all([listReleasesPaged(gh), getReleaseByTag(gh, tag)]);
    const mine = listed.releases.filter((r) => r.tag_name === tag);
    return {
        published: published ?? mine.find((r) => !r.draft),
        drafts: mine.filter((r) => r.draft),
        complete: listed.complete,
    };
}
/** Creates a release (answers 422 already_exists when a published release has the tag). */
async function createRelease(gh, r) {
    const res = await gh.call(`creating release ${r.tag}`, (o) => o.request(CREATE_RELEASE, {
        owner: gh.owner,
        repo: gh.repo,
        tag_name: r.tag,
        name: r.name ?? r.tag,
        ...(r.target ? { target_commitish: r.target } : {}),
        ...(r.body !== undefined ? { body: r.body } : {}),
        draft: r.draft ?? false,
        prerelease: r.prerelease ?? false,
    }));
    return res.data;
}
/**
 * Changes a release; publishing a draft (draft: false) is what creates its tag on GitHub. The tag
 * name is always sent: users report that a PATCH of a draft without it can leave the draft on an
 * `untagged-…` placeholder tag (tauri-apps/tauri-action#914, brightwave-inc/tidebreak#646).
 */
async function updateRelease(gh, release, r) {
    const res = await gh.call(`updating release ${release.tag_name}`, (o) => o.request(UPDATE_RELEASE, {
        owner: gh.owner,
        repo: gh.repo,
        release_id: release.id,
        tag_name: release.tag_name,
        ...r,
    }));
    return res.data;
}
/** Annotated tags can point at annotated tags; git itself stops peeling far sooner than this. */
const MAX_TAG_DEPTH = 8;
/**
 * The commit a tag points at (`refs/tags/<tag>`), or undefined when GitHub has no such tag. An
 * annotated (or signed) tag's ref names a tag object, which is peeled to the commit it tags.
 */
async function getTagCommit(gh, tag) {
    const r = await unless404(gh.call(`reading tag ${tag}`, (o) => o.request(GET_REF, { owner: gh.owner, repo: gh.repo, ref: `tags/${tag}` })));
    if (!r)
        return undefined;
    let object = r.data.object;
    for (let depth = 0; object.type === 'tag' && depth < MAX_TAG_DEPTH; depth++) {
        const sha = object.sha;
        const t = await gh.call(`reading tag object ${sha} of ${tag}`, (o) => o.request(GET_TAG, { owner: gh.owner, repo: gh.repo, tag_sha: sha }));
        object = t.data.object;
    }
    return object.sha;
}
/** Creates the lightweight tag `tag` at `commit` (GitHub answers 422 when it exists). */
async function createTag(gh, tag, commit) {
    await gh.call(`creating tag ${tag}`, (o) => o.request(CREATE_REF, { owner: gh.owner, repo: gh.repo, ref: `refs/tags/${tag}`, sha: commit }));
}
async function listReleaseAssets(gh, release) {
    return gh.call(`listing the assets of ${release.tag_name}`, (o) => o.paginate(LIST_ASSETS, { owner: gh.owner, repo: gh.repo, release_id: release.id, per_page: 100 }));
}
/** Uploads through the release's own upload_url (also what GitHub Enterprise Server needs). */
async function uploadReleaseAsset(gh, release, name, data) {
    // upload_url is a URI template ("…/assets{?name,label}") on the uploads host; Octokit expands it.
    const res = await gh.call(`uploading ${name} to release ${release.tag_name}`, (o) => o.request({
        method: 'POST',
        url: release.upload_url,
        name,
        data: Buffer.from(data),
        headers: { 'content-type': 'application/octet-stream', 'content-length': data.length },
    }));
    return res.data;
}
async function deleteReleaseAsset(gh, asset) {
    await gh.call(`deleting asset ${asset.name}`, (o) => o.request(DELETE_ASSET, { owner: gh.owner, repo: gh.repo, asset_id: asset.id }));
}
async function renameReleaseAsset(gh, asset, name) {
    const res = await gh.call(`renaming asset ${asset.name} to ${name}`, (o) => o.request(UPDATE_ASSET, { owner: gh.owner, repo: gh.repo, asset_id: asset.id, name }));
    return res.data;
}
/** Downloads an asset's bytes (GitHub answers with a redirect to its download host). */
async function downloadReleaseAsset(gh, asset) {
    const res = await gh.call(`downloading asset ${asset.name}`, (o) => o.request(GET_ASSET, {
        owner: gh.owner,
        repo: gh.repo,
        asset_id: asset.id,
        headers: { accept: 'application/octet-stream' },
    }));
    return Buffer.from(res.data);
}

;// CONCATENATED MODULE: ../github/asset-name.ts

/** GitHub accepts long names; a release asset name longer than a file name is a mistake. */
const MAX_ASSET_NAME_LENGTH = 255;
const isKept = (c) => (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x2d; // -
/**
 * Why GitHub would store `name` under another name, or undefined when it keeps it as given.
 *
 * GitHub's "Upload a release asset" documentation: "GitHub renames asset filenames that have special
 * characters, non-alphanumeric characters, and leading or trailing periods. The List release assets
 * endpoint lists the renamed filenames." It gives no exact list; users report spaces, `~`, `:`, `(`
 * and `)` turned into `.` (softprops/action-gh-release#159, actions/upload-release-asset#57), and `+`
 * arriving as a space and then a `.` through the API (github/rest-api-description#2968). So the one
 * rule here is the conservative one: letters, digits, `.`, `_` and `-`, no leading or trailing
 * period. A renamed asset would not be found under its name on a re-run, or by verify-manifest.
 */
function assetNameProblem(name) {
    if (name.length === 0)
        return 'it is empty';
    if (name.length > MAX_ASSET_NAME_LENGTH)
        return `it is longer than ${MAX_ASSET_NAME_LENGTH} characters`;
    let position = 0;
    for (const c of name) {
        position++;
        if (!isKept(c.codePointAt(0)))
            return `GitHub would replace ${JSON.stringify(c)} (character ${position}) with "."`;
    }
    if (name.startsWith('.') || name.endsWith('.'))
        return 'GitHub renames names with a leading or trailing period';
    return undefined;
}
/**
 * Throws E_BAD_INPUT unless GitHub stores `name` unchanged; `what` says where the name came from
 * ("input manifest-name", "artifact dist/app 1.tgz"). Every name the actions upload or look up goes
 * through this before any request.
 *
 * @example checkAssetName(inputs.manifestName, 'input manifest-name')
 */
function checkAssetName(name, what) {
    const problem = assetNameProblem(name);
    if (problem !== undefined)
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${what}: ${JSON.stringify(name)} cannot be a release asset name: ${problem}; ` +
            'use letters, digits, ".", "_" and "-", not starting or ending with "."');
    return name;
}

;// CONCATENATED MODULE: ../github/assets.ts





/** True for a release whose assets GitHub no longer lets anyone add, change or delete. */
const isLocked = (release) => !release.draft && release.immutable === true;
/**
 * The one refusal for a published immutable release. GitHub, "Immutable releases": once such a
 * release is published its assets cannot be added, modified or deleted and its tag cannot move;
 * the documented flow is to create a draft, attach every asset, then publish.
 * https://docs.github.com/en/code-security/concepts/supply-chain-security/immutable-releases
 */
function immutableReleaseError(release, what) {
    return new errors/* RelsealError */.Ng('E_IMMUTABLE_RELEASE', `release ${release.tag_name} is published and immutable (the repository's "immutable releases" setting ` +
        `is on), so ${what}. Sign while the release is a draft: create the release as a draft (or let ` +
        'sign-release create it), upload every asset, let sign-release sign and publish it last; ' +
        'a published immutable release needs a new version', { details: { releaseId: release.id } });
}
/** Whether an asset on GitHub holds exactly `data`: by digest when GitHub gives one, else by download. */
async function assetHolds(gh, asset, data) {
    if (asset.size !== data.length)
        return false;
    if (typeof asset.digest === 'string' && asset.digest.startsWith('sha256:'))
        return asset.digest === `sha256:${(0,external_node_crypto_.createHash)('sha256').update(data).digest('hex')}`;
    return (await downloadReleaseAsset(gh, asset)).equals(Buffer.from(data));
}
/** GitHub's 422 "Cannot upload assets to an immutable release." (wrapped in a RelsealError). */
function saysImmutable(e) {
    const raw = (e instanceof errors/* RelsealError */.Ng ? e.cause : e);
    const message = raw?.response?.data?.message;
    return raw?.status === 422 && typeof message === 'string' && message.includes('immutable release');
}
/** A complete asset; anything else (GitHub's `starter` after a failed upload) is a leftover. */
const isComplete = (a) => a.state === undefined || a.state === 'uploaded';
/**
 * Uploads `name`, recovering from what an interrupted attempt leaves. GitHub's upload-release-asset
 * documentation: "When an upstream failure occurs, you will receive a 502 Bad Gateway status. This
 * may leave an empty asset with a state of starter. It can be safely deleted." The client's retry
 * of that 502 then meets 422 already_exists for the leftover; an asset of this name that was not
 * there before (a starter, or one whose size or digest differs) is deleted and the upload made once
 * more, and one that holds these very bytes means the first attempt got through.
 */
async function uploadRecovering(gh, release, name, data) {
    try {
        return await uploadReleaseAsset(gh, release, name, data);
    }
    catch (e) {
        // Published (and so locked) by someone else since it was read: say so, with the flow to use.
        if (saysImmutable(e))
            throw immutableReleaseError(release, `${name} cannot be uploaded (GitHub refused it)`);
        if (!isAlreadyExists(e))
            throw e;
        const left = (await listReleaseAssets(gh, release)).find((a) => a.name === name);
        if (!left)
            throw e;
        if (isComplete(left) && (await assetHolds(gh, left, data)))
            return left;
        await deleteReleaseAsset(gh, left);
        return uploadReleaseAsset(gh, release, name, data);
    }
}
/**
 * Puts an asset on a release idempotently: the same bytes already there are left alone; other
 * bytes fail unless `overwrite`. A leftover of a failed upload (state `starter`) is deleted first.
 * Replacing uploads the new bytes under a temporary name first, then deletes the old asset and
 * renames the new one, so the release always holds a complete copy (GitHub has no atomic replace;
 * by name, the gap is the one rename request). The name is checked before any request.
 */
async function putReleaseAsset(gh, release, name, data, overwrite, 
/** The release's assets when the caller has just listed them; listed here otherwise. */
listed) {
    checkAssetName(name, `release asset ${name}`);
    const assets = listed ?? (await listReleaseAssets(gh, release));
    const existing = assets.find((a) => a.name === name && isComplete(a));
    if (existing && (await assetHolds(gh, existing, data)))
        return 'unchanged';
    if (isLocked(release))
        throw immutableReleaseError(release, `${name} cannot be uploaded or replaced`);
    // A temp asset left by a run that died mid-replace, and a starter left by a failed upload, go first.
    for (const stale of assets.filter((a) => a.name.startsWith(`${name}.relseal-new-`) || (a.name === name && !isComplete(a))))
        await deleteReleaseAsset(gh, stale);
    if (!existing) {
        await uploadRecovering(gh, release, name, data);
        return 'uploaded';
    }
    if (!overwrite) {
        throw new errors/* RelsealError */.Ng('E_GITHUB', `release ${release.tag_name} already has a different ${name}; set overwrite: true to replace it, or delete it first`);
    }
    const temp = await uploadRecovering(gh, release, `${name}.relseal-new-${Date.now()}`, data);
    await deleteReleaseAsset(gh, existing);
    await renameReleaseAsset(gh, temp, name);
    return 'replaced';
}

;// CONCATENATED MODULE: ../github/index.ts







;// CONCATENATED MODULE: ../common/workspace.ts







/** The files (never directories) that newline-separated globs match, sorted; none for no patterns. */
async function matchFiles(patterns) {
    if (patterns.length === 0)
        return [];
    return (await (await glob/* create */.v(patterns.join('\n'), { matchDirectories: false })).glob()).sort();
}
/**
 * Hashes files for a release. Asset names are base names, so two files with one name are refused
 * with `code`.
 */
async function hashReleaseFiles(files, code) {
    const out = [];
    for (const path of files) {
        const name = (0,external_node_path_.basename)(path);
        if (out.some((a) => a.name === name))
            throw new errors/* RelsealError */.Ng(code, `two artifacts are named ${name}; release asset names must be unique`);
        out.push({ name, path, ...(await (0,src_tree/* hashFile */.DC)(path)) });
    }
    return out;
}
/**
 * Fails unless the checkout's HEAD is `commit`: what an action hashes, tests or builds is the
 * checkout, so it must be the commit it signs or tags. `what` names the input, `fix` says what to do.
 */
async function assertHeadIs(dir, commit, what, fix) {
    const head = await (0,git/* gitText */.q_)(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: dir });
    if (head !== commit)
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `the workspace HEAD is ${head}, not ${what} ${commit}; ${fix}`);
}
/** The GitHub client of an action, from its token, GITHUB_REPOSITORY and GITHUB_API_URL. */
function actionClient(i) {
    return createClient({
        token: i.token,
        repository: i.repository,
        ...(i.apiUrl ? { baseUrl: i.apiUrl } : {}),
        log: (message) => core/* info */.pq(message),
    });
}

;// CONCATENATED MODULE: ./src/inputs.ts






/** Masks each line of key text, except PEM armor lines, which are not secret and common. */
function maskLines(text) {
    for (const line of text.split('\n').map((l) => l.trim()))
        if (line.length > 8 && !line.startsWith('-----'))
            core/* setSecret */.Pq(line);
}
/** Masks every form of the key before anything else can print it. */
function maskKey(text, key) {
    maskLines(text);
    const seed = Buffer.from(key.secretKey.subarray(0, 32));
    for (const form of [
        seed.toString('base64'),
        seed.toString('hex'),
        Buffer.from(key.secretKey).toString('base64'),
        Buffer.from(key.secretKey).toString('hex'),
    ]) {
        core/* setSecret */.Pq(form);
    }
}
/** manifest-name, checked against GitHub's renaming rule before any request. */
function manifestAssetName() {
    const name = checkAssetName(core/* getInput */.V4('manifest-name') || MANIFEST_ASSET, 'input manifest-name');
    if (name === FILES_ASSET)
        throw new errors/* RelsealError */.Ng('E_USAGE', `input manifest-name cannot be ${FILES_ASSET}, the file list's name`);
    return name;
}
/**
 * signing-key (a secret: the key itself) or signer (`exec:COMMAND`, e.g. a cloud KMS CLI set up
 * by an earlier step, which then needs public-key): exactly one of them.
 */
function readSigner(env, workspace) {
    const keyText = core/* getInput */.V4('signing-key');
    const signer = core/* getInput */.V4('signer');
    if ((keyText === '') === (signer === ''))
        throw new errors/* RelsealError */.Ng('E_USAGE', 'give exactly one of the inputs signing-key (the key, from a secret) and signer (exec:COMMAND)');
    if (keyText !== '') {
        maskLines(keyText);
        const key = parseSigningKey(keyText, 'input signing-key');
        maskKey(keyText, key);
        return fileSigner(key, 'input signing-key');
    }
    if (!signer.startsWith('exec:'))
        throw new errors/* RelsealError */.Ng('E_USAGE', `input signer must be exec:COMMAND, got ${JSON.stringify(signer.slice(0, 20))}`);
    const publicKey = core/* getInput */.V4('public-key');
    if (publicKey === '')
        throw new errors/* RelsealError */.Ng('E_USAGE', 'input signer needs public-key: every signature the command returns is checked against it');
    // The command is someone else's program: it gets the job's environment (cloud credentials set up
    // by earlier steps) but not this action's inputs (github-token) nor the runner's runtime token.
    const commandEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('INPUT_') && k !== 'ACTIONS_RUNTIME_TOKEN'));
    return execSigner({
        argv: parseExecCommand(signer.slice('exec:'.length)),
        publicKey: key_formats_parsePublicKey(publicKey, 'input public-key'),
        env: commandEnv,
        cwd: workspace,
    });
}
/** rollout and rollout-start, checked before anything is hashed (parsed again with the signing time). */
function readRollout() {
    const rollout = core/* getInput */.V4('rollout');
    const rolloutStart = core/* getInput */.V4('rollout-start');
    if (rollout === '' && rolloutStart !== '')
        throw new errors/* RelsealError */.Ng('E_USAGE', 'input rollout-start needs input rollout, the stages it starts');
    if (rollout !== '')
        parseRolloutPlan(rollout, rolloutStart || '2000-01-01T00:00:00Z', 'input rollout', 'input rollout-start');
    return { rollout, rolloutStart };
}
/** Reads every input once (and the runner's environment) into a typed object. */
function readInputs(env = process.env) {
    const key = readSigner(env, env.GITHUB_WORKSPACE || process.cwd());
    const token = readToken();
    const ref = env.GITHUB_REF ?? '';
    const tag = core/* getInput */.V4('tag') || (ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : '');
    if (!tag)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'input tag is empty and GITHUB_REF is not a tag (refs/tags/…); run on a tag push or set tag');
    // Version and tag are bound (docs/manifest-spec.md, "Tag and version"): refuse before hashing.
    const tagPrefix = tag_version_parseTagPrefix(core/* getInput */.V4('tag-prefix'), 'input tag-prefix');
    const version = core/* getInput */.V4('version') || tag_version_releaseVersionOfTag(tag, tagPrefix) || '';
    if (!version)
        throw new errors/* RelsealError */.Ng('E_TAG_VERSION_MISMATCH', `tag ${JSON.stringify(tag)} names no version (release tags are ${tagPrefix ? `${tagPrefix}1.2.3` : 'v1.2.3 or 1.2.3'}); set tag-prefix for prefixed tags such as app-v1.2.3`);
    tag_version_assertTagMatchesVersion(tag, version, tagPrefix);
    const commit = core/* getInput */.V4('commit') || env.GITHUB_SHA || '';
    if (!commit)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'input commit is empty and GITHUB_SHA is not set; set commit to a full commit id');
    const repository = env.GITHUB_REPOSITORY ?? '';
    if (!repository)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'GITHUB_REPOSITORY is not set; this action runs on GitHub Actions');
    const builder = {};
    const fromEnv = [
        ['workflow_ref', 'GITHUB_WORKFLOW_REF'],
        ['run_id', 'GITHUB_RUN_ID'],
        ['run_attempt', 'GITHUB_RUN_ATTEMPT'],
        ['runner_os', 'RUNNER_OS'],
        ['event', 'GITHUB_EVENT_NAME'],
        ['ref', 'GITHUB_REF'],
    ];
    for (const [field, name] of fromEnv)
        if (env[name])
            builder[field] = env[name];
    return {
        key,
        publicKey: core/* getInput */.V4('public-key'),
        path: core/* getInput */.V4('path') || '.',
        version,
        tag,
        tagPrefix,
        commit,
        artifacts: core/* getMultilineInput */.q3('artifacts').filter((l) => l.trim() !== ''),
        trustRoots: core/* getMultilineInput */.q3('trust-roots').filter((l) => l.trim() !== ''),
        expiresIn: core/* getInput */.V4('expires-in'),
        ...readRollout(),
        upload: core/* getBooleanInput */.Vt('upload'),
        createRelease: core/* getBooleanInput */.Vt('create-release'),
        publish: core/* getBooleanInput */.Vt('publish'),
        uploadArtifacts: core/* getBooleanInput */.Vt('upload-artifacts'),
        overwrite: core/* getBooleanInput */.Vt('overwrite'),
        allowedSigners: requiredSignersPath(),
        manifestName: manifestAssetName(),
        token,
        repository,
        apiUrl: env.GITHUB_API_URL,
        runnerTemp: env.RUNNER_TEMP || env.TMPDIR || '/tmp',
        workspace: env.GITHUB_WORKSPACE || process.cwd(),
        builder,
    };
}

;// CONCATENATED MODULE: ./src/publish.ts




/** The version a release's tag names: the tag without any prefix before its first digit (v, app-v). */
function versionOfReleaseTag(tag) {
    let i = 0;
    while (i < tag.length && !(tag[i] >= '0' && tag[i] <= '9'))
        i++;
    return semver_default().valid(tag.slice(i)) ?? undefined;
}
/**
 * Whether publishing `version` must not move "latest": a backport (1.4.1 after 2.0.0) would
 * otherwise become the latest release, and updaters following latest would be offered a downgrade.
 */
async function isBelowLatest(gh, version) {
    const latest = await getLatestRelease(gh);
    const latestVersion = latest && versionOfReleaseTag(latest.tag_name);
    return latestVersion !== undefined && semver_default().valid(version) !== null && semver_default().lt(version, latestVersion);
}
/**
 * Publishes a signed draft, the last step of GitHub's flow for immutable releases (draft, upload
 * every asset, publish); `make_latest` is "false" for a version below the current latest release.
 */
async function publishRelease(gh, draft, version) {
    const below = await isBelowLatest(gh, version);
    try {
        const published = await updateRelease(gh, draft, {
            draft: false,
            ...(below ? { make_latest: 'false' } : {}),
        });
        core/* info */.pq(`published release ${published.tag_name} (id ${published.id})${below ? ', not marked latest: a newer version is' : ''}`);
        return published;
    }
    catch (e) {
        if (!isAlreadyExists(e))
            throw e;
        throw new errors/* RelsealError */.Ng('E_GITHUB', `another release of ${draft.tag_name} was published while draft ${draft.id} was being signed; ` +
            `draft ${draft.id} is left unpublished: delete it, and re-run to sign the published release`, { cause: e });
    }
}

;// CONCATENATED MODULE: ./src/upload.ts







/**
 * What makes two manifests the same release: every payload field but the signing time and expiry,
 * the run that signed (builder), the tag signer and the schema. A field added to the payload later
 * counts unless it is listed here.
 */
const PER_RUN = new Set(['schema', 'created_at', 'expires_at', 'builder', 'tag_signer']);
const SAME_RELEASE = MANIFEST_FIELDS.filter((f) => !PER_RUN.has(f));
/**
 * A field as two runs of the same release compare it: a rollout's start is the signing time of its
 * run (unless rollout-start is set), so only its stages must agree; the first run's start stands.
 */
function comparable(p, field) {
    return field === 'rollout' ? p.rollout?.stages : p[field];
}
/**
 * A re-run signs again with a new created_at, so its bytes differ from the first run's. When the
 * release already holds a manifest that this key signed for the very same release, keep it (the
 * re-run is then a no-op instead of a conflict), unless it has expired.
 */
async function existingEquivalent(gh, assets, name, payload, { key, tagPrefix }) {
    const asset = assets.find((a) => a.name === name && (a.state ?? 'uploaded') === 'uploaded');
    if (!asset)
        return undefined;
    const bytes = await downloadReleaseAsset(gh, asset);
    try {
        const old = verify_verifyManifest(bytes, { keys: [key], enforceExpiry: false, tagPrefix }).payload;
        if (!SAME_RELEASE.every((f) => JSON.stringify(comparable(old, f)) === JSON.stringify(comparable(payload, f))))
            return undefined;
        const expired = old.expires_at !== undefined && Date.parse(old.expires_at) <= Date.now();
        return { bytes, expiredAt: expired ? old.expires_at : undefined };
    }
    catch {
        return undefined;
    }
}
/** The published release of the tag, else its newest draft (drafts made by release-gate or others). */
async function findRelease(gh, tag) {
    const found = await findReleasesByTag(gh, tag);
    if (!found.complete)
        core/* warning */.$e(`the repository has more releases than the ${MAX_LISTED_RELEASES} GitHub lists: a draft of ${tag} older than those is not seen`);
    const release = found.published ?? found.drafts[0];
    const others = found.drafts.filter((d) => d !== release);
    if (release && others.length > 0)
        core/* warning */.$e(`${tag} has ${others.length} other draft release(s) (id ${others.map((d) => d.id).join(', ')}); signing ` +
            `${release.draft ? 'the newest draft' : 'the published release'}, id ${release.id}; delete the others`);
    return release;
}
/**
 * Finds the release of the tag. A published immutable release without the manifest stops the run
 * here, before anything is signed, created or uploaded: nothing can ever be added to it.
 */
async function lookUpRelease(inputs) {
    const gh = actionClient(inputs);
    const release = await findRelease(gh, inputs.tag);
    if (!release)
        return { gh, assets: [] };
    const assets = await listReleaseAssets(gh, release);
    if (isLocked(release) && !assets.some((a) => a.name === inputs.manifestName))
        throw immutableReleaseError(release, `${inputs.manifestName} can never be added to it`);
    core/* info */.pq(`found ${release.draft ? 'draft' : 'published'} release ${release.tag_name} (id ${release.id})`);
    return { gh, release, assets };
}
/**
 * Creates the tag's release as a draft. When GitHub answers 422 already_exists, another job published
 * a release of the tag since the lookup: look once more and use that one.
 */
async function createDraft(gh, inputs, commit) {
    if (!inputs.createRelease)
        throw new errors/* RelsealError */.Ng('E_GITHUB', `release ${inputs.tag} does not exist; create it first or set create-release: true`);
    try {
        const release = await createRelease(gh, { tag: inputs.tag, target: commit, draft: true });
        core/* info */.pq(`created draft release ${inputs.tag} (id ${release.id})`);
        return { release, assets: [] };
    }
    catch (e) {
        if (!isAlreadyExists(e))
            throw e;
        const release = await findRelease(gh, inputs.tag);
        if (!release)
            throw e;
        core/* info */.pq(`release ${inputs.tag} appeared meanwhile (id ${release.id}); signing that one`);
        return { release, assets: await listReleaseAssets(gh, release) };
    }
}
/**
 * Puts the artifacts (with upload-artifacts), the file list and the signed manifest on the release,
 * creating it as a draft when there is none, then publishes a draft (with publish). A manifest
 * already there that signs the same release and has not expired is kept, and written to
 * `manifestPath`. Returns the release.
 */
async function uploadSigned(inputs, lookup, signed) {
    const { gh } = lookup;
    const { release, assets } = lookup.release
        ? { release: lookup.release, assets: lookup.assets }
        : await createDraft(gh, inputs, signed.payload.commit);
    const name = inputs.manifestName;
    const previous = inputs.overwrite
        ? undefined
        : await existingEquivalent(gh, assets, name, signed.payload, inputs);
    let manifest = signed.envelope;
    if (previous?.expiredAt !== undefined) {
        if (isLocked(release))
            throw immutableReleaseError(release, `its ${name} (expired ${previous.expiredAt}) cannot be replaced`);
        core/* info */.pq(`${name} on the release signs this commit and tree but expired ${previous.expiredAt}: replacing it`);
    }
    else if (previous) {
        core/* info */.pq(`${name} on the release already signs this commit and tree: keeping it`);
        manifest = previous.bytes;
        (0,external_node_fs_.writeFileSync)(signed.manifestPath, manifest);
    }
    // Artifacts, then the file list, then the manifest: once the manifest is visible (it is what
    // consumers look for), everything it names is there to download too.
    const uploads = [
        ...(inputs.uploadArtifacts
            ? signed.artifacts.map((a) => [
                a.name,
                (0,external_node_fs_.readFileSync)(a.path),
                inputs.overwrite,
            ])
            : []),
        [FILES_ASSET, signed.files, inputs.overwrite],
        ...(signed.trustRoots ?? []).map(([n, bytes]) => [
            n,
            bytes,
            inputs.overwrite,
        ]),
        [name, manifest, inputs.overwrite || previous?.expiredAt !== undefined],
    ];
    for (const [asset, data, replace] of uploads)
        core/* info */.pq(`${asset}: ${await putReleaseAsset(gh, release, asset, data, replace, assets)}`);
    if (release.draft && inputs.publish)
        return publishRelease(gh, release, inputs.version);
    if (release.draft)
        core/* info */.pq(`release ${release.tag_name} stays a draft (publish: false)`);
    return release;
}

;// CONCATENATED MODULE: ../common/html.ts
/** core.summary inserts raw HTML: escape everything that came from a repository, a report or a manifest. */
const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

;// CONCATENATED MODULE: ./src/summary.ts



/** `10 % from 2026-05-01T12:00:00Z, …`: when each stage of a phased rollout opens. */
const stagesText = (r) => r.stages
    .map((s, i) => `${s.percent} % from ${new Date(rollout_stageOpensAt(r, i)).toISOString().replace('.000Z', 'Z')}`)
    .join('<br>');
/** One job summary: heading, then what was signed. */
async function writeSummary(p, keyId, releaseUrl) {
    const rows = [
        [{ data: 'version', header: true }, { data: escapeHtml(p.version) }],
        [{ data: 'tag', header: true }, { data: escapeHtml(p.tag) }],
        [{ data: 'commit', header: true }, { data: `<code>${escapeHtml(p.commit)}</code>` }],
        [{ data: 'code hash', header: true }, { data: `<code>${escapeHtml(p.code_hash)}</code>` }],
        [{ data: 'key id', header: true }, { data: `<code>${escapeHtml(keyId)}</code>` }],
        [{ data: 'files', header: true }, { data: String(p.file_count) }],
        [
            { data: 'artifacts', header: true },
            {
                data: p.artifacts.map((a) => `${escapeHtml(a.name)} (${a.size} bytes, <code>${a.sha256}</code>)`).join('<br>') ||
                    'none',
            },
        ],
        ...(p.rollout ? [[{ data: 'rollout', header: true }, { data: stagesText(p.rollout) }]] : []),
        [
            { data: 'release', header: true },
            { data: releaseUrl ? `<a href="${escapeHtml(releaseUrl)}">${escapeHtml(releaseUrl)}</a>` : 'not uploaded' },
        ],
    ];
    await core/* summary */.z
        .addHeading(`relseal: signed ${escapeHtml(p.repository)} ${escapeHtml(p.tag)}`, 2)
        .addTable(rows)
        .write();
}

;// CONCATENATED MODULE: ./src/withdrawal.ts









/** Reads the inputs of the withdrawal mode; signing inputs are refused, since nothing is signed. */
function readWithdrawalInputs(env = process.env) {
    const token = readToken();
    if (core/* getInput */.V4('signing-key') !== '' || core/* getInput */.V4('signer') !== '')
        throw new errors/* RelsealError */.Ng('E_USAGE', 'input withdrawal uploads a statement signed beforehand (relseal withdraw); drop signing-key and signer from this step');
    const publicKey = core/* getInput */.V4('public-key');
    if (publicKey === '')
        throw new errors/* RelsealError */.Ng('E_USAGE', 'input withdrawal needs public-key: the statement is verified before it is uploaded');
    const repository = env.GITHUB_REPOSITORY ?? '';
    if (!repository)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'GITHUB_REPOSITORY is not set; this action runs on GitHub Actions');
    return {
        path: (0,external_node_path_.resolve)(env.GITHUB_WORKSPACE || process.cwd(), core/* getInput */.V4('withdrawal')),
        publicKey,
        tag: core/* getInput */.V4('tag'),
        tagPrefix: tag_version_parseTagPrefix(core/* getInput */.V4('tag-prefix'), 'input tag-prefix'),
        overwrite: core/* getBooleanInput */.Vt('overwrite'),
        token,
        repository,
        apiUrl: env.GITHUB_API_URL,
    };
}
/**
 * Verifies a withdrawal statement with public-key and the repository, then puts it on the
 * published release of its version's tag as release_withdrawn.json (docs/updater.md,
 * "Withdrawing a release"). A published immutable release cannot take it: E_IMMUTABLE_RELEASE.
 */
async function uploadWithdrawal(i) {
    const bytes = await readWithdrawalFile(i.path);
    const keys = [key_formats_parsePublicKey(i.publicKey, 'input public-key')];
    const w = verifyWithdrawal(bytes, { keys, repository: i.repository });
    const { version, commit, reason } = w.payload;
    core/* info */.pq(`withdrawal of ${version} (commit ${commit}) verified, reason: ${escape_escapeUntrusted(reason)}`);
    const tag = i.tag || `${i.tagPrefix || 'v'}${version}`;
    tag_version_assertTagMatchesVersion(tag, version, i.tagPrefix);
    const gh = actionClient(i);
    const release = (await findReleasesByTag(gh, tag)).published;
    if (!release)
        throw new errors/* RelsealError */.Ng('E_GITHUB', `there is no published release of ${tag}; a withdrawal belongs on the release hosts installed ${version} from (set tag if its tag is not ${tag})`);
    const assets = await listReleaseAssets(gh, release);
    if (isLocked(release) && !assets.some((a) => a.name === WITHDRAWAL_ASSET))
        throw new errors/* RelsealError */.Ng('E_IMMUTABLE_RELEASE', `release ${tag} is published and immutable, so ${WITHDRAWAL_ASSET} can never be added to it; hosts reading ` +
            `github: sources stop at the next release: publish the fix as a newer version (docs/updater.md, "Withdrawing a release")`, { details: { releaseId: release.id } });
    core/* info */.pq(`${WITHDRAWAL_ASSET}: ${await putReleaseAsset(gh, release, WITHDRAWAL_ASSET, bytes, i.overwrite, assets)}`);
    return {
        keyid: w.keyIds.join(','),
        version,
        commit,
        'release-url': release.html_url ?? '',
        'release-id': String(release.id),
        'release-state': 'published',
    };
}

;// CONCATENATED MODULE: ./src/main.ts


















const utcSeconds = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The files `artifacts` matches; with upload-artifacts their names are checked before any request. */
async function findArtifacts(inputs) {
    const files = await matchFiles(inputs.artifacts);
    if (inputs.artifacts.length > 0 && files.length === 0)
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `input artifacts matched no file (${inputs.artifacts.join(', ')}); build them before signing`);
    if (inputs.uploadArtifacts && inputs.upload)
        for (const f of files)
            checkAssetName((0,external_node_path_.basename)(f), `artifact ${f}`);
    return files;
}
/**
 * The trust roots `trust-roots` matches: each named trust-root.<N>.json for its own version,
 * consecutive, and a chain that verifies now (docs/trust-root.md), so a release never publishes a
 * root its clients would refuse. Returned as [asset name, bytes], oldest first.
 */
async function findTrustRoots(inputs) {
    if (inputs.trustRoots.length === 0)
        return [];
    const files = await matchFiles(inputs.trustRoots);
    if (files.length === 0)
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `input trust-roots matched no file (${inputs.trustRoots.join(', ')}); pass the trust-root.<N>.json files`);
    const roots = await Promise.all(files.map(async (f) => {
        const bytes = await readTrustRootFile(f);
        const version = parseTrustRoot(bytes).untrustedPayload.version;
        if ((0,external_node_path_.basename)(f) !== trustRootName(version))
            throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `trust root ${f} holds version ${version}; name it ${trustRootName(version)}, as clients look for it`);
        return { version, bytes };
    }));
    roots.sort((x, y) => x.version - y.version);
    const steps = verifyTrustRootChain(roots.map((r) => r.bytes));
    core/* info */.pq(`trust roots ${roots.map((r) => r.version).join(', ')} verify as a chain`);
    return steps.map((s) => [trustRootName(s.payload.version), s.bytes]);
}
const listed = (files) => files.map(({ name, size, sha256 }) => ({ name, size, sha256 }));
/** A maintainer's SSH signature on the tag, a second trust domain beside the CI key. */
async function verifyTag(dir, inputs) {
    core/* startGroup */.Oh(`Verifying the SSH signature of tag ${inputs.tag}`);
    const allowedSigners = readRepoFile(dir, inputs.allowedSigners, 'allowed-signers');
    const v = await verifyTagForCommit({ repoDir: dir, tag: inputs.tag, commit: inputs.commit, allowedSigners });
    core/* info */.pq(`tag ${v.tag} signed by ${v.principal} (${v.fingerprint})`);
    core/* endGroup */.N4();
    return { principal: v.principal, fingerprint: v.fingerprint };
}
/** Signs and (optionally) uploads; returns the outputs. Everything it logs is safe to show. */
async function sign(inputs, early) {
    const dir = (0,external_node_path_.resolve)(inputs.workspace, inputs.path);
    core/* startGroup */.Oh(`Hashing ${inputs.commit} from the object store`);
    await assertHeadIs(dir, inputs.commit, 'commit', 'check out that commit (actions/checkout with ref) or set commit');
    const artifactFiles = await findArtifacts(inputs);
    const trustRoots = await findTrustRoots(inputs);
    // git streams the blobs and this thread mostly waits for them, so the release is looked up
    // meanwhile; nothing is created or uploaded until the manifest is signed and re-verified.
    const [hashed, found] = await Promise.allSettled([
        early !== undefined && early.dir === dir && early.commit === inputs.commit
            ? early.result
            : (0,src_tree/* hashTree */.vz)({ dir, rev: inputs.commit }),
        inputs.upload ? lookUpRelease(inputs) : undefined,
    ]);
    if (hashed.status === 'rejected')
        throw hashed.reason;
    if (found.status === 'rejected')
        throw found.reason;
    const tree = hashed.value;
    core/* info */.pq(`${tree.files} entries, ${tree.bytes} bytes, code hash ${tree.codeHash}`);
    const artifacts = await hashReleaseFiles(artifactFiles, 'E_BAD_INPUT');
    core/* endGroup */.N4();
    const tagSigner = inputs.allowedSigners === undefined ? undefined : await verifyTag(dir, inputs);
    core/* startGroup */.Oh('Signing the manifest');
    const now = new Date();
    const rollout = inputs.rollout
        ? parseRolloutPlan(inputs.rollout, inputs.rolloutStart || utcSeconds(now), 'input rollout')
        : undefined;
    const payload = {
        schema: rollout ? MANIFEST_SCHEMA_V2 : MANIFEST_SCHEMA,
        repository: inputs.repository,
        tag: inputs.tag,
        version: inputs.version,
        commit: tree.commit,
        code_hash: tree.codeHash,
        file_manifest_hash: tree.fileManifestHash,
        file_count: tree.files,
        artifacts: listed(artifacts),
        created_at: utcSeconds(now),
        ...(inputs.expiresIn
            ? {
                expires_at: utcSeconds(new Date(now.getTime() + parseDuration(inputs.expiresIn, 'input expires-in') * 1000)),
            }
            : {}),
        ...(Object.keys(inputs.builder).length ? { builder: inputs.builder } : {}),
        ...(tagSigner ? { tag_signer: tagSigner } : {}),
        ...(rollout ? { rollout } : {}),
    };
    const envelope = await signManifestWith(payload, [inputs.key]);
    if (inputs.publicKey) {
        const trusted = key_formats_parsePublicKey(inputs.publicKey, 'input public-key');
        try {
            verify_verifyManifest(envelope, { keys: [trusted], now, tagPrefix: inputs.tagPrefix });
        }
        catch (e) {
            if ((0,errors/* isRelsealError */.Tv)(e, 'E_UNTRUSTED_KEY')) {
                throw new errors/* RelsealError */.Ng('E_UNTRUSTED_KEY', `the signing key does not match public-key (signing key ${inputs.key.keyId}, public-key ${trusted.keyId}); nothing was uploaded`);
            }
            throw e;
        }
        core/* info */.pq(`verified with the trusted public key ${trusted.keyId}`);
    }
    else
        core/* warning */.$e('public-key is empty: the signature was not checked against the key consumers trust');
    const outDir = (0,external_node_path_.join)(inputs.runnerTemp, 'relseal');
    (0,external_node_fs_.mkdirSync)(outDir, { recursive: true });
    const manifestPath = (0,external_node_path_.join)(outDir, inputs.manifestName);
    const filesPath = (0,external_node_path_.join)(outDir, FILES_ASSET);
    (0,external_node_fs_.writeFileSync)(manifestPath, envelope);
    (0,external_node_fs_.writeFileSync)(filesPath, tree.fileManifest);
    core/* endGroup */.N4();
    let release;
    if (inputs.upload) {
        core/* startGroup */.Oh(`Uploading to release ${inputs.tag}`);
        release = await uploadSigned(inputs, found.value, {
            payload,
            envelope,
            manifestPath,
            files: Buffer.from(tree.fileManifest),
            artifacts,
            trustRoots,
        });
        core/* endGroup */.N4();
    }
    const releaseUrl = release?.html_url ?? '';
    await writeSummary(payload, inputs.key.keyId, releaseUrl || undefined);
    return {
        'manifest-path': manifestPath,
        'files-path': filesPath,
        'code-hash': tree.codeHash,
        'file-manifest-hash': tree.fileManifestHash,
        keyid: inputs.key.keyId,
        version: payload.version,
        commit: payload.commit,
        'release-url': releaseUrl,
        'release-id': release ? String(release.id) : '',
        'release-state': release ? (release.draft ? 'draft' : 'published') : '',
    };
}
/**
 * The action (index.ts calls it; so does `npx @github/local-action run . src/main.ts .env`). With
 * input `withdrawal` it signs nothing and uploads that signed withdrawal statement instead.
 */
const run = (early) => core/* getInput */.V4('withdrawal') !== ''
    ? runAction(() => readWithdrawalInputs(), uploadWithdrawal)
    : runAction(() => readInputs(), (inputs) => sign(inputs, early));


/***/ })

};

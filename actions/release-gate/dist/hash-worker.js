import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ // The require scope
/******/ var __nccwpck_require__ = {};
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  H: () => (/* binding */ HASH_WORKER_TAG)
});

;// CONCATENATED MODULE: external "node:worker_threads"
const external_node_worker_threads_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");
;// CONCATENATED MODULE: ./src/errors.ts
/** Codes that mean "we looked and refused": the CLI exits 1 for these. */
const REFUSAL_CODES = new Set([
    'E_UNSIGNED',
    'E_BAD_SIGNATURE',
    'E_UNTRUSTED_KEY',
    'E_THRESHOLD',
    'E_EXPIRED',
    'E_DOWNGRADE',
    'E_VERSION_REUSED',
    'E_TREE_MISMATCH',
    'E_REPOSITORY_MISMATCH',
    'E_TAG_UNSIGNED',
    'E_TAG_BAD_SIGNATURE',
    'E_TAG_UNTRUSTED',
    'E_TAG_MISMATCH',
    'E_TAG_VERSION_MISMATCH',
    'E_PAYLOAD_MISMATCH',
    'E_WITHDRAWN',
    'E_SHARED_CONFLICT',
    'E_ROOT_THRESHOLD',
    'E_ROOT_ROLLBACK',
    'E_ROOT_SKIPPED',
    'E_ROOT_EXPIRED',
    'E_ROOT_REPOSITORY',
    // a release that failed after its swap here and was rolled back (issue 16)
    'E_FAILED_RELEASE',
    // an update killed while it supervised a new release; finish it with the restart/watch flags
    'E_SUPERVISION_PENDING',
]);
class RelsealError extends Error {
    code;
    /** Extra machine-readable facts (paths, key ids) for JSON output and evidence logs. */
    details;
    constructor(code, message, options = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.name = 'RelsealError';
        this.code = code;
        this.details = options.details;
    }
}
/** True when `err` is a RelsealError, optionally with the given code. */
function isRelsealError(err, code) {
    return err instanceof RelsealError && (code === undefined || err.code === code);
}

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: ./src/tree/read-file.ts



/** Chunk size for streamed reads: memory stays flat however large a file is. */
const READ_CHUNK_BYTES = 1024 * 1024;
/** The owner's execute bit (S_IXUSR): the only one git looks at. */
const OWNER_EXECUTE = 0o100;
function fsError(e, where) {
    const code = e.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
        return new RelsealError('E_NOT_FOUND', `${where} does not exist; restore it (git checkout -- <path>) or remove it from the tree`, { cause: e });
    }
    if (code === 'EACCES' || code === 'EPERM') {
        return new RelsealError('E_UNREADABLE', `${where} cannot be read (permission denied); make it readable by this user`, { cause: e });
    }
    if (code === 'ELOOP') {
        return new RelsealError('E_CHANGED_WHILE_READING', `${where} is a symlink where a regular file is expected (changed since git recorded it?); commit the change or restore the file`, { cause: e });
    }
    return new RelsealError('E_UNREADABLE', `${where} cannot be read: ${e.message}`, { cause: e });
}
function sameFile(a, b) {
    return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.ctimeMs === b.ctimeMs;
}
// One-shot hashing (Node >= 20.12) creates no Hash object, whose native handle costs the garbage
// collector more than hashing a small file does.
const oneShot = external_node_crypto_namespaceObject.hash;
/** SHA-256 of bytes held whole, in hex: one call, no Hash object (Node's crypto.hash when it has it). */
const sha256Hex = oneShot
    ? (bytes) => oneShot('sha256', bytes, 'hex')
    : (bytes) => external_node_crypto_namespaceObject.createHash('sha256').update(bytes).digest('hex');
function notRegular(where) {
    return new RelsealError('E_UNREADABLE', `${where} is not a regular file; only files, symlinks and submodules can be hashed`);
}
function changed(where, size, read) {
    return new RelsealError('E_CHANGED_WHILE_READING', `${where} changed while it was being read (${size} bytes before, ${read} read); hash again once nothing writes to the tree`);
}
/** Reads into `buffer` from the file's current offset; a read error on a non-file says so. */
function readSome(fd, buffer, where) {
    try {
        return (0,external_node_fs_namespaceObject.readSync)(fd, buffer, 0, buffer.length, null);
    }
    catch (e) {
        // A directory (EISDIR) or a FIFO without a writer (EAGAIN) fails here, before any fstat.
        let regular = true;
        try {
            regular = (0,external_node_fs_namespaceObject.fstatSync)(fd).isFile();
        }
        catch {
            /* the read error says more */
        }
        throw regular ? fsError(e, where) : notRegular(where);
    }
}
/**
 * Hashes one regular file by streaming it through a reusable buffer. Symlinks are never
 * followed (O_NOFOLLOW), and O_NONBLOCK keeps a FIFO from blocking the open; a file whose size,
 * inode or times change during the read is refused with E_CHANGED_WHILE_READING, so a digest
 * always names bytes that existed at one moment.
 */
function hashFileSync(path, where, buffer) {
    return tryHashFileSync(path, where, buffer, Number.POSITIVE_INFINITY);
}
/**
 * hashFileSync, except that a file larger than `maxBytes` is not read past its first buffer: the
 * result is then undefined (a caller that must stay free to handle signals leaves such files to a
 * worker thread).
 *
 * Most files of a source tree fit in one buffer, and for them one `read` and one `fstat` after it
 * are enough (this is the hot path of hashing a tree: a second fstat per file cost as much as the
 * read): the read returned every byte the file held at one moment exactly when the fstat that
 * follows reports that same size and a regular file. A file larger than the buffer is read in
 * chunks (from the start again) between two fstats, which must agree on size, inode and times.
 */
function tryHashFileSync(path, where, buffer, maxBytes) {
    let fd;
    try {
        fd = (0,external_node_fs_namespaceObject.openSync)(path, external_node_fs_namespaceObject.constants.O_RDONLY | external_node_fs_namespaceObject.constants.O_NOFOLLOW | external_node_fs_namespaceObject.constants.O_NONBLOCK);
    }
    catch (e) {
        throw fsError(e, where);
    }
    try {
        const first = readSome(fd, buffer, where);
        const st = (0,external_node_fs_namespaceObject.fstatSync)(fd);
        if (!st.isFile())
            throw notRegular(where);
        // git's rule (create_ce_mode): a file is 100755 when its owner may execute it; the group's and
        // others' bits are ignored, so 0654 is 100644 and 0744 is 100755 (docs/code-hash.md).
        const executable = (st.mode & OWNER_EXECUTE) !== 0;
        if (first < buffer.length) {
            if (first !== st.size)
                throw changed(where, st.size, first);
            return { sha256: sha256Hex(buffer.subarray(0, first)), size: first, executable };
        }
        const hash = external_node_crypto_namespaceObject.createHash('sha256');
        if (st.size > maxBytes)
            return undefined;
        // Read again from the start, so that every byte hashed was read between the two fstats.
        let total = 0;
        while (total < st.size) {
            const n = (0,external_node_fs_namespaceObject.readSync)(fd, buffer, 0, buffer.length, total);
            if (n === 0)
                break;
            hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
            total += n;
        }
        const after = (0,external_node_fs_namespaceObject.fstatSync)(fd);
        if (total !== st.size || !sameFile(st, after))
            throw changed(where, st.size, total);
        return { sha256: hash.digest('hex'), size: total, executable };
    }
    catch (e) {
        throw e instanceof RelsealError ? e : fsError(e, where);
    }
    finally {
        (0,external_node_fs_namespaceObject.closeSync)(fd);
    }
}

;// CONCATENATED MODULE: ./src/tree/hash-worker.ts
/**
 * Worker-thread side of the hash pool: receives batches of files, hashes them with the same
 * `tryHashFileSync` the calling thread uses, and answers with digests or the first error.
 *
 * Messages are kept flat, because on a tree of small files the cost of passing them is of the order
 * of the cost of hashing: a batch's paths travel as one NUL-joined string, and its answer as one
 * string of hex digests plus two transferred typed arrays (sizes, executable flags).
 */



const HASH_WORKER_TAG = 'relseal-hash-worker';
if (!external_node_worker_threads_namespaceObject.isMainThread && external_node_worker_threads_namespaceObject.workerData === HASH_WORKER_TAG && external_node_worker_threads_namespaceObject.parentPort) {
    const port = external_node_worker_threads_namespaceObject.parentPort;
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    port.on('message', (req) => {
        const abs = req.abs.split('\0');
        const where = req.where.split('\0');
        const sizes = new Float64Array(abs.length);
        const executable = new Uint8Array(abs.length);
        let hex = '';
        try {
            for (let i = 0; i < abs.length; i++) {
                const d = hashFileSync(abs[i], where[i], buffer);
                hex += d.sha256;
                sizes[i] = d.size;
                executable[i] = d.executable ? 1 : 0;
            }
            port.postMessage({ batch: req.batch, hex, sizes, executable }, [
                sizes.buffer,
                executable.buffer,
            ]);
        }
        catch (e) {
            const code = e instanceof RelsealError ? e.code : 'E_UNREADABLE';
            port.postMessage({
                batch: req.batch,
                error: { code, message: e.message },
            });
        }
    });
}

var __webpack_exports__HASH_WORKER_TAG = __webpack_exports__.H;
export { __webpack_exports__HASH_WORKER_TAG as HASH_WORKER_TAG };

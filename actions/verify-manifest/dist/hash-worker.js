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
  Mr: () => (/* binding */ CONTROL_SLOTS),
  $P: () => (/* binding */ FILES_DONE),
  H2: () => (/* binding */ HASH_WORKER_TAG),
  rO: () => (/* binding */ NEXT_BATCH),
  VW: () => (/* binding */ STOP),
  BV: () => (/* binding */ hashBatch)
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
/** Symlinks are never followed; a FIFO does not block the open. */
const OPEN_FLAGS = external_node_fs_namespaceObject.constants.O_RDONLY | external_node_fs_namespaceObject.constants.O_NOFOLLOW | external_node_fs_namespaceObject.constants.O_NONBLOCK;
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
    const sha256 = hashOne(path, where, buffer, Number.POSITIVE_INFINITY);
    return { sha256, size: lastSize, executable: lastExecutable };
}
/** Flat digests for `count` files, in `shared` memory when hashing threads are to fill them in. */
function allocDigests(count, shared) {
    const Memory = shared ? SharedArrayBuffer : ArrayBuffer;
    return {
        hex: Buffer.from(new Memory(count * 64)),
        sizes: new Float64Array(new Memory(count * 8)),
        executable: new Uint8Array(new Memory(count)),
    };
}
/** The hex digest of file `i`. */
function digestHex(d, i) {
    return d.hex.toString('latin1', i * 64, i * 64 + 64);
}
// What the last hashOne call found besides the digest: returned this way, not in an object per file
// (each thread has its own copy of this module).
let lastSize = 0;
let lastExecutable = false;
/**
 * hashFileSync writing its answer into `out` at `i`; false (nothing written) for a file larger than
 * `maxBytes`, which is not read past its first buffer (a caller that must stay free to handle
 * signals leaves such files to a worker thread).
 */
function hashFileInto(path, where, buffer, maxBytes, out, i) {
    const sha256 = hashOne(path, where, buffer, maxBytes);
    if (sha256 === undefined)
        return false;
    out.hex.write(sha256, i * 64, 64, 'latin1');
    out.sizes[i] = lastSize;
    out.executable[i] = lastExecutable ? 1 : 0;
    return true;
}
/**
 * Most files of a source tree fit in one buffer, and for them one `read` and one `fstat` after it
 * are enough (this is the hot path of hashing a tree: a second fstat per file cost as much as the
 * read): the read returned every byte the file held at one moment exactly when the fstat that
 * follows reports that same size and a regular file. A file larger than the buffer is read in
 * chunks (from the start again) between two fstats, which must agree on size, inode and times.
 */
function hashOne(path, where, buffer, maxBytes) {
    let fd;
    try {
        fd = (0,external_node_fs_namespaceObject.openSync)(path, OPEN_FLAGS);
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
        lastExecutable = (st.mode & OWNER_EXECUTE) !== 0;
        if (first < buffer.length) {
            if (first !== st.size)
                throw changed(where, st.size, first);
            lastSize = first;
            return sha256Hex(buffer.subarray(0, first));
        }
        if (st.size > maxBytes)
            return undefined;
        const hash = external_node_crypto_namespaceObject.createHash('sha256');
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
        lastSize = total;
        return hash.digest('hex');
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
 * Worker-thread side of the hash pool: takes one job (the list of files, and shared memory for the
 * results), hashes batches of it with the same code the calling thread uses until none is left,
 * and answers once: done, or the first error.
 *
 * Nothing travels per batch, because on a tree of small files passing messages costs as much as
 * hashing: the paths come once as one NUL-joined string; every thread takes the next batch from a
 * shared counter and writes digests, sizes and executable flags in place.
 */



const HASH_WORKER_TAG = 'relseal-hash-worker';
/** Slots of the shared control array (Int32Array). */
const NEXT_BATCH = 0;
const STOP = 1;
const FILES_DONE = 2;
const CONTROL_SLOTS = 3;
/**
 * Hashes batch `b` and marks it done (its bytes, the files-done counter, then its flag, which
 * tells readers its digests are final). False, with the batch left unmarked, when a file is larger
 * than `maxBytes` (the calling thread hands such a batch to a worker).
 */
function hashBatch(ctx, b, maxBytes) {
    const { out } = ctx;
    const start = b * ctx.batchFiles;
    const end = Math.min(start + ctx.batchFiles, ctx.count);
    let sum = 0;
    for (let i = start; i < end; i++) {
        const path = ctx.pathOf(i);
        if (!hashFileInto(ctx.base + path, path, ctx.buffer, maxBytes, out, i))
            return false;
        sum += out.sizes[i];
    }
    ctx.bytes[ctx.slot] = ctx.bytes[ctx.slot] + sum;
    Atomics.add(ctx.control, FILES_DONE, end - start);
    Atomics.store(ctx.batchDone, b, 1);
    return true;
}
/** Hashes batches (`first`, then from the shared counter) until none is left or another thread has failed. */
function hashBatches(ctx, first) {
    const batches = Math.ceil(ctx.count / ctx.batchFiles);
    for (let b = first ?? Atomics.add(ctx.control, NEXT_BATCH, 1); b < batches && Atomics.load(ctx.control, STOP) === 0; b = Atomics.add(ctx.control, NEXT_BATCH, 1))
        hashBatch(ctx, b, Number.POSITIVE_INFINITY);
}
/**
 * Where each path of a NUL-terminated list starts. Paths are sliced from the list when opened,
 * not split up front: tens of thousands of strings alive for the whole job made the garbage
 * collector copy them from one generation to the next.
 */
function pathStarts(list) {
    let count = 0;
    for (let p = list.indexOf('\0'); p >= 0; p = list.indexOf('\0', p + 1))
        count++;
    const starts = new Int32Array(count + 1);
    for (let i = 0, p = 0; i < count; i++) {
        starts[i] = p;
        p = list.indexOf('\0', p) + 1;
    }
    starts[count] = list.length;
    return starts;
}
if (!external_node_worker_threads_namespaceObject.isMainThread && external_node_worker_threads_namespaceObject.workerData === HASH_WORKER_TAG && external_node_worker_threads_namespaceObject.parentPort) {
    const port = external_node_worker_threads_namespaceObject.parentPort;
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    port.on('message', (job) => {
        const control = new Int32Array(job.control);
        try {
            const list = job.paths;
            const starts = pathStarts(list);
            hashBatches({
                count: starts.length - 1,
                pathOf: (i) => list.slice(starts[i], starts[i + 1] - 1),
                base: job.base,
                batchFiles: job.batchFiles,
                control,
                bytes: new Float64Array(job.bytes),
                slot: job.slot,
                batchDone: new Int32Array(job.batchDone),
                out: {
                    hex: Buffer.from(job.hex),
                    sizes: new Float64Array(job.sizes),
                    executable: new Uint8Array(job.executable),
                },
                buffer,
            }, job.first);
            port.postMessage({ done: true });
        }
        catch (e) {
            Atomics.store(control, STOP, 1);
            const code = e instanceof RelsealError ? e.code : 'E_UNREADABLE';
            port.postMessage({ error: { code, message: e.message } });
        }
    });
}

var __webpack_exports__CONTROL_SLOTS = __webpack_exports__.Mr;
var __webpack_exports__FILES_DONE = __webpack_exports__.$P;
var __webpack_exports__HASH_WORKER_TAG = __webpack_exports__.H2;
var __webpack_exports__NEXT_BATCH = __webpack_exports__.rO;
var __webpack_exports__STOP = __webpack_exports__.VW;
var __webpack_exports__hashBatch = __webpack_exports__.BV;
export { __webpack_exports__CONTROL_SLOTS as CONTROL_SLOTS, __webpack_exports__FILES_DONE as FILES_DONE, __webpack_exports__HASH_WORKER_TAG as HASH_WORKER_TAG, __webpack_exports__NEXT_BATCH as NEXT_BATCH, __webpack_exports__STOP as STOP, __webpack_exports__hashBatch as hashBatch };

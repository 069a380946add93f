import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 2469:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   u: () => (/* binding */ startEarlyHash)
/* harmony export */ });
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _src_tree_index_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(7184);


const FULL_COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** An input as @actions/core reads it (INPUT_<NAME>, trimmed), without loading @actions/core. */
const input = (env, name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
/**
 * Starts hashing the commit the action will sign, from the object store, before the rest of the
 * action (the GitHub client and its HTTP stack, about a quarter of a second to load) is loaded:
 * git and the hashing threads work while this thread loads it. Only a full commit id is hashed
 * early; anything else (and a withdrawal, which hashes nothing) waits for the inputs to be read
 * and checked as usual. `sign` uses the result only when the checked inputs name the same
 * directory and commit; hashing only reads, so a run whose inputs are refused has lost nothing.
 */
function startEarlyHash(env = process.env) {
    if (input(env, 'withdrawal') !== '')
        return undefined;
    const commit = input(env, 'commit') || env.GITHUB_SHA || '';
    if (!FULL_COMMIT_ID.test(commit))
        return undefined;
    const dir = (0,node_path__WEBPACK_IMPORTED_MODULE_0__.resolve)(env.GITHUB_WORKSPACE || process.cwd(), input(env, 'path') || '.');
    const result = (0,_src_tree_index_js__WEBPACK_IMPORTED_MODULE_1__/* .hashTree */ .vz)({ dir, rev: commit });
    result.catch(() => {
        /* awaited by sign when it is used; an unused early hash's failure means nothing */
    });
    return { dir, commit, result };
}


/***/ }),

/***/ 3018:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _early_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(2469);

// Hashing starts first; the rest of the action (bundled as a separate chunk) loads meanwhile.
const early = (0,_early_js__WEBPACK_IMPORTED_MODULE_0__/* .startEarlyHash */ .u)();
const { run } = await Promise.all(/* import() */[__nccwpck_require__.e(639), __nccwpck_require__.e(399)]).then(__nccwpck_require__.bind(__nccwpck_require__, 2399));
await run(early);
// A refused run ends now rather than when an early hash nobody uses is done; its git processes
// end on their next write to the closed pipe.
if (early !== undefined && process.exitCode)
    process.exit();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 6378:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Ng: () => (/* binding */ RelsealError),
/* harmony export */   Tv: () => (/* binding */ isRelsealError),
/* harmony export */   eJ: () => (/* binding */ REFUSAL_CODES)
/* harmony export */ });
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


/***/ }),

/***/ 9925:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  xT: () => (/* binding */ assertSafeRef),
  q_: () => (/* binding */ gitText),
  EO: () => (/* binding */ runGit),
  Iz: () => (/* binding */ spawnGit)
});

// UNUSED EXPORTS: NETWORK_DEADLINES_MS, deadlineFor, gitEnv, isFullCommitId

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __nccwpck_require__(1421);
// EXTERNAL MODULE: ../../src/errors.ts
var errors = __nccwpck_require__(6378);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(8161);
;// CONCATENATED MODULE: ../../src/git/git-env.ts
/**
 * What every git process relseal starts is told, whoever started relseal: which transports it may
 * use, which configuration it reads, and where its repository is (only `cwd`).
 */


/**
 * Transports git may use: https, ssh and local paths. `ext::` and `fd::` run commands or read
 * descriptors, `git://` and `http://` are unauthenticated; each is named explicitly because a
 * `protocol.<name>.allow` set anywhere (a repository's config, GIT_CONFIG_COUNT) beats
 * `protocol.allow`, and only a command-line `-c` beats every other source.
 */
const PINNED_PROTOCOLS = [
    'protocol.allow=never',
    'protocol.https.allow=always',
    'protocol.ssh.allow=always',
    'protocol.file.allow=always',
    'protocol.ext.allow=never',
    'protocol.fd.allow=never',
    'protocol.http.allow=never',
    'protocol.git.allow=never',
].flatMap((c) => ['-c', c]);
/**
 * Set by git for its hooks and aliases; inherited, they would point git at another repository than
 * `cwd` (relseal run from a hook hashes the wrong tree). Callers that mean them pass them in `env`.
 */
const REPOSITORY_LOCATION = [
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_OBJECT_DIRECTORY',
    'GIT_ALTERNATE_OBJECT_DIRECTORIES',
    'GIT_COMMON_DIR',
    'GIT_NAMESPACE',
    'GIT_PREFIX',
];
/** Ambient configuration besides the files: legacy GIT_CONFIG, `git -c` of a parent, GIT_CONFIG_COUNT. */
const isAmbientConfigVar = (name) => name === 'GIT_CONFIG' ||
    name === 'GIT_CONFIG_SYSTEM' ||
    name === 'GIT_CONFIG_PARAMETERS' ||
    name === 'GIT_CONFIG_COUNT' ||
    name.startsWith('GIT_CONFIG_KEY_') ||
    name.startsWith('GIT_CONFIG_VALUE_');
/** At most this many safe.directory values are carried into isolated git. */
const MAX_SAFE_DIRECTORIES = 64;
/** The values read, keyed by the variables that choose which system and global files git reads. */
const safeDirectoriesSeen = new Map();
/**
 * The ambient `safe.directory` values (system and global files). An isolated git reads neither
 * file, but the one thing it must keep from them is which directories their owner declared safe
 * (a runner's checkout in a container is owned by another uid): a command-line `-c` is protected
 * configuration, so they are passed that way. Read once per set of configuration files.
 */
function ambientSafeDirectories() {
    const e = process.env;
    const key = [
        e.HOME,
        e.XDG_CONFIG_HOME,
        e.GIT_CONFIG_GLOBAL,
        e.GIT_CONFIG_SYSTEM,
        e.GIT_CONFIG_NOSYSTEM,
    ].join('\0');
    const seen = safeDirectoriesSeen.get(key);
    if (seen !== undefined)
        return seen;
    let safeDirectories;
    try {
        const out = (0,external_node_child_process_.execFileSync)('git', [...PINNED_PROTOCOLS, 'config', '--get-all', '--null', 'safe.directory'], {
            env: { ...withoutRepositoryLocation(process.env), GIT_PROTOCOL_FROM_USER: '0' },
            cwd: '/',
            stdio: ['ignore', 'pipe', 'ignore'],
            timeout: 10_000,
        });
        safeDirectories = out.toString('utf8').split('\0').filter(Boolean).slice(0, MAX_SAFE_DIRECTORIES);
    }
    catch {
        safeDirectories = []; // unset (exit 1) or git missing: runGit reports the latter itself
    }
    safeDirectoriesSeen.set(key, safeDirectories);
    return safeDirectories;
}
function withoutRepositoryLocation(env) {
    const out = { ...env };
    for (const name of REPOSITORY_LOCATION)
        delete out[name];
    return out;
}
/**
 * The environment of a git process: no prompts, no pager, C locale, no inherited repository
 * location, `GIT_PROTOCOL_FROM_USER=0`. Isolated, it also reads no system or global configuration
 * and no configuration from inherited environment variables; `extra` (the caller's own, e.g. a
 * credential passed as GIT_CONFIG_COUNT) is applied last and always kept.
 */
function gitEnv(extra = {}, isolated = false) {
    const env = withoutRepositoryLocation(process.env);
    if (isolated) {
        for (const name of Object.keys(env))
            if (isAmbientConfigVar(name))
                delete env[name];
        env.GIT_CONFIG_NOSYSTEM = '1';
        env.GIT_CONFIG_GLOBAL = external_node_os_.devNull;
    }
    return {
        ...env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: '',
        SSH_ASKPASS: '',
        GCM_INTERACTIVE: 'never',
        GIT_PAGER: 'cat',
        GIT_PROTOCOL_FROM_USER: '0',
        LC_ALL: 'C',
        ...extra,
    };
}
/** The `-c` options in front of every git command. */
function gitConfigArgs(isolated) {
    const safe = isolated ? ambientSafeDirectories().flatMap((d) => ['-c', `safe.directory=${d}`]) : [];
    return ['-c', 'core.quotePath=false', ...PINNED_PROTOCOLS, ...safe];
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
;// CONCATENATED MODULE: ../../src/git/kill-tree.ts
/**
 * Ends a git process and every process below it. git runs its transports as children
 * (git-remote-https, ssh, the command of GIT_SSH_COMMAND) that do not die with git: killed alone,
 * git leaves them holding the connection and, for a fetch, the repository's `shallow.lock`.
 * git stays in relseal's own process group (so whoever ends relseal's group ends git too), so
 * its descendants are found by parent pid rather than by a group of their own.
 */


/** pid -> parent pid of every process, from /proc (Linux) or `ps` (macOS, BSD). */
function parentPids() {
    const parents = new Map();
    try {
        for (const name of (0,external_node_fs_.readdirSync)('/proc')) {
            if (!/^\d+$/.test(name))
                continue;
            try {
                // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
                const stat = (0,external_node_fs_.readFileSync)(`/proc/${name}/stat`, 'latin1');
                const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
                parents.set(Number(name), ppid);
            }
            catch {
                /* the process ended while we looked */
            }
        }
        if (parents.size > 0)
            return parents;
    }
    catch {
        /* no /proc: ask ps */
    }
    try {
        const out = (0,external_node_child_process_.execFileSync)('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', timeout: 10_000 });
        for (const line of out.split('\n')) {
            const [pid, ppid] = line.trim().split(/\s+/).map(Number);
            if (pid !== undefined && ppid !== undefined && !Number.isNaN(pid))
                parents.set(pid, ppid);
        }
    }
    catch {
        /* nothing more can be learnt; the root is still killed */
    }
    return parents;
}
/** The pids below `root`, found before any is killed (an orphan's parent becomes pid 1). */
function descendants(root) {
    const children = new Map();
    for (const [pid, ppid] of parentPids()) {
        const list = children.get(ppid);
        if (list)
            list.push(pid);
        else
            children.set(ppid, [pid]);
    }
    const found = [];
    for (let queue = [root]; queue.length > 0;) {
        const next = children.get(queue.pop()) ?? [];
        found.push(...next);
        queue.push(...next);
    }
    return found;
}
/** Sends SIGKILL to `pid` and all its descendants. */
function killProcessTree(pid) {
    const below = process.platform === 'win32' ? [] : descendants(pid);
    for (const p of [pid, ...below]) {
        try {
            process.kill(p, 'SIGKILL');
        }
        catch {
            /* already gone */
        }
    }
}

;// CONCATENATED MODULE: ../../src/git/git.ts
/**
 * The only code in relseal that runs git. Every call is an argument array (never a shell
 * string), prompts are disabled, and callers put `--end-of-options` before refs and `--`
 * before paths; `assertSafeRef` refuses refs that could be read as options. Every call pins the
 * transports (https, ssh, local paths only), reads no system or global configuration unless asked
 * (`ambientConfig`), and network commands have a deadline that kills git's whole process tree.
 */





/**
 * Default deadlines of the commands that talk to a remote: a remote that accepts and never answers
 * would otherwise hold the updater (and its lock) forever.
 */
const NETWORK_DEADLINES_MS = {
    fetch: 10 * 60_000,
    clone: 10 * 60_000,
    pull: 10 * 60_000,
    push: 10 * 60_000,
    'ls-remote': 60_000,
};
/** The git subcommand of an argument list (after any `-c key=value` / `-C dir`), and its first operand. */
function commandOf(args) {
    let i = 0;
    while (i < args.length && args[i].startsWith('-'))
        i += args[i] === '-c' || args[i] === '-C' ? 2 : 1;
    const command = args[i] ?? '';
    const operand = args.slice(i + 1).find((a) => !a.startsWith('-'));
    return { command, operand };
}
/** The deadline a call gets: the caller's, else the default of its command, else none. */
function deadlineFor(args, options) {
    const { command } = commandOf(args);
    return (options.timeoutMs ??
        (Object.hasOwn(NETWORK_DEADLINES_MS, command) ? NETWORK_DEADLINES_MS[command] : undefined));
}
/** A remote as it may be shown: credentials in a URL's user part are hidden. */
function showRemote(remote) {
    return remote.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
/** Starts a long-lived git process (for streamed use such as `git cat-file --batch`). */
function spawnGit(args, options) {
    const isolated = options.ambientConfig !== true;
    return (0,external_node_child_process_.spawn)('git', [...gitConfigArgs(isolated), ...args], {
        cwd: options.cwd,
        env: gitEnv(options.env, isolated),
        stdio: ['pipe', 'pipe', 'pipe'],
    });
}
function timeoutError(args, ms) {
    const { command, operand } = commandOf(args);
    const remote = Object.hasOwn(NETWORK_DEADLINES_MS, command) && operand !== undefined ? showRemote(operand) : undefined;
    return new errors/* RelsealError */.Ng('E_TIMEOUT', `git ${command}${remote === undefined ? '' : ` (remote ${JSON.stringify(remote)})`} did not finish within ${ms / 1000} s ` +
        `and was stopped; ${remote === undefined ? 'try again' : 'check that the remote is reachable and answers, then try again'}`, { details: { args: args.map(showRemote), timeoutMs: ms, ...(remote === undefined ? {} : { remote }) } });
}
/** Runs git to completion and returns its output; a non-zero exit throws `E_GIT`, a deadline `E_TIMEOUT`. */
async function runGit(args, options) {
    const child = spawnGit(args, options);
    const out = [];
    const err = [];
    child.stdout.on('data', options.onStdout ?? ((b) => out.push(b)));
    child.stderr.on('data', (b) => err.push(b));
    const deadline = deadlineFor(args, options);
    let expired = false;
    const timer = deadline === undefined
        ? undefined
        : setTimeout(() => {
            expired = true;
            if (child.pid !== undefined)
                killProcessTree(child.pid);
            // A descendant that escaped the kill must not keep 'close' from firing by holding a pipe.
            child.stdout.destroy();
            child.stderr.destroy();
        }, deadline);
    child.stdin.on('error', () => {
        /* git may exit before reading all input; the exit code tells the story */
    });
    child.stdin.end(options.input ?? '');
    const code = await new Promise((resolve, reject) => {
        child.on('error', (e) => reject(new errors/* RelsealError */.Ng('E_GIT', `could not start git (${e.message}); install git and make sure it is on PATH`, {
            cause: e,
        })));
        child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    }).finally(() => clearTimeout(timer));
    if (expired)
        throw timeoutError(args, deadline);
    const result = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code };
    if (!(options.okCodes ?? [0]).includes(code)) {
        throw new errors/* RelsealError */.Ng('E_GIT', `git ${describeArgs(args.map(showRemote))} failed (exit ${code}): ${result.stderr.trim() || 'no output'}`, {
            details: { args: args.map(showRemote), code, stderr: result.stderr },
        });
    }
    return result;
}
/** Runs git and returns stdout as trimmed UTF-8 text. */
async function gitText(args, options) {
    return (await runGit(args, options)).stdout.toString('utf8').trim();
}
function describeArgs(args) {
    return args
        .filter((a) => !a.includes('\n'))
        .slice(0, 4)
        .join(' ');
}
// A control character anywhere, or a leading '-', would let a ref from a manifest act as an option
// or smuggle a second line into git's batch protocols.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/**
 * Refuses a ref, tag, commit id or path that starts with `-` or holds control characters,
 * before it reaches any git command.
 */
function assertSafeRef(value, what) {
    if (value.length === 0 || value.startsWith('-') || CONTROL_CHARS.test(value)) {
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${what} ${JSON.stringify(value)} is not safe to pass to git: it is empty, starts with '-' or holds control characters; ` +
            `use a plain tag, branch or full commit id`);
    }
    return value;
}
const FULL_COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** True for a full SHA-1 or SHA-256 commit id in lower-case hex. */
function isFullCommitId(value) {
    return FULL_COMMIT_ID.test(value);
}


/***/ }),

/***/ 307:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   K5: () => (/* binding */ splitNul),
/* harmony export */   VQ: () => (/* binding */ probeRepo),
/* harmony export */   WL: () => (/* binding */ resolveCommit)
/* harmony export */ });
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6378);
/* harmony import */ var _git_git_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(9925);



// src/tree reads a checkout as its owner's git does (runGit's `ambientConfig`): core.autocrlf,
// core.eol and safe.directory from the global configuration decide what is on disk and whether git
// opens the repository at all. Protocols stay pinned; nothing here talks to a remote.
/**
 * Describes the repository `dir` belongs to, or returns undefined when it is none. With `places`,
 * the same git call also tells where a work tree's attribute files may be (each spawn costs tens
 * of milliseconds on a loaded machine).
 */
async function probeRepo(dir, places = false) {
    if (places) {
        const r = await (0,_git_git_js__WEBPACK_IMPORTED_MODULE_2__/* .runGit */ .EO)([
            'rev-parse',
            '--is-bare-repository',
            '--is-inside-work-tree',
            '--show-cdup',
            '--git-path',
            'info/attributes',
            '--show-prefix',
        ], { cwd: dir, ambientConfig: true, okCodes: [0, 128] });
        if (r.code !== 0)
            return undefined;
        // `false\ntrue\n../../\n<info path>\n<prefix>\n` in a work tree; a path holding a newline
        // makes more lines, and then the plain probe answers (and no attribute place is trusted).
        const [bare, inside, cdup = '', ...rest] = r.stdout.toString('utf8').split('\n');
        if (bare === 'false' &&
            inside === 'true' &&
            rest.length === 3 &&
            rest[2] === '' &&
            /^(\.\.\/)*$/.test(cdup)) {
            return {
                workTree: true,
                prefix: rest[1].trim(),
                places: { depth: cdup.length / 3, infoAttributes: (0,node_path__WEBPACK_IMPORTED_MODULE_0__.join)(dir, rest[0]) },
            };
        }
    }
    const r = await (0,_git_git_js__WEBPACK_IMPORTED_MODULE_2__/* .runGit */ .EO)(['rev-parse', '--is-bare-repository', '--is-inside-work-tree', '--show-prefix'], {
        cwd: dir,
        ambientConfig: true,
        okCodes: [0, 128],
    });
    if (r.code !== 0)
        return undefined;
    const [bare, inside, prefix = ''] = r.stdout.toString('utf8').split('\n');
    return { workTree: bare === 'false' && inside === 'true', prefix: prefix.trim() };
}
/** Resolves `rev` to a full commit id, or refuses with E_UNKNOWN_REV. */
async function resolveCommit(dir, rev) {
    (0,_git_git_js__WEBPACK_IMPORTED_MODULE_2__/* .assertSafeRef */ .xT)(rev, 'revision');
    const r = await (0,_git_git_js__WEBPACK_IMPORTED_MODULE_2__/* .runGit */ .EO)(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
        cwd: dir,
        ambientConfig: true,
        okCodes: [0, 1, 128],
    });
    const id = r.stdout.toString('utf8').trim();
    if (r.code !== 0 || id === '') {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .RelsealError */ .Ng('E_UNKNOWN_REV', `${JSON.stringify(rev)} is not a commit in the repository at ${dir}; fetch it first or pass a tag, branch or full commit id that exists`);
    }
    return id;
}
/** Splits `-z` output into its NUL-terminated records (raw bytes, names may not be UTF-8). */
function splitNul(out) {
    const records = [];
    let start = 0;
    for (let i = out.indexOf(0, start); i >= 0; i = out.indexOf(0, start)) {
        records.push(out.subarray(start, i));
        start = i + 1;
    }
    return records;
}


/***/ }),

/***/ 7184:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  DC: () => (/* reexport */ hashFile),
  vz: () => (/* reexport */ hashTree)
});

// UNUSED EXPORTS: CODE_HASH_DOMAIN, canonicalListing, codeHashOf, compareByBytes, diffFileManifests, fileManifestHashOf, fileManifestOf, parseFileManifest

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
// EXTERNAL MODULE: ../../src/errors.ts
var errors = __nccwpck_require__(6378);
;// CONCATENATED MODULE: ../../src/tree/byte-writer.ts
/**
 * Bytes written piece by piece into a buffer without a string per piece: the code hash's canonical
 * listing and the file manifest of a tree of tens of thousands of files are built this way (a
 * string per record cost more than hashing them). With `flush`, every full buffer is handed over
 * (and reused); without, the buffer grows and holds everything written.
 */
class ByteWriter {
    flush;
    buf;
    pos = 0;
    constructor(size, flush) {
        this.flush = flush;
        this.buf = Buffer.allocUnsafe(Math.max(size, 64));
    }
    /** Makes room for `n` more bytes. */
    room(n) {
        if (this.pos + n <= this.buf.length)
            return;
        if (this.flush) {
            this.flush(this.buf.subarray(0, this.pos));
            this.pos = 0;
            if (n <= this.buf.length)
                return;
        }
        const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
        this.buf.copy(bigger, 0, 0, this.pos);
        this.buf = bigger;
    }
    /** Writes `s` as UTF-8 (room for 3 bytes a UTF-16 unit must have been made). */
    text(s) {
        const b = this.buf;
        const start = this.pos;
        for (let j = 0; j < s.length; j++) {
            const c = s.charCodeAt(j);
            if (c >= 0x80) {
                this.pos = start + b.write(s, start, 'utf8');
                return;
            }
            b[start + j] = c;
        }
        this.pos = start + s.length;
    }
    /** Writes a non-negative integer in decimal. */
    decimal(x) {
        const b = this.buf;
        if (x < 10) {
            b[this.pos++] = 0x30 + x;
            return;
        }
        let digits = 1;
        for (let t = x; t >= 10; t = Math.floor(t / 10))
            digits++;
        let p = this.pos + digits;
        this.pos = p;
        for (let v = x; v > 0; v = Math.floor(v / 10))
            b[--p] = 0x30 + (v % 10);
    }
    /** Copies `src[from, to)`. */
    bytes(src, from, to) {
        const b = this.buf;
        let p = this.pos;
        for (let j = from; j < to; j++)
            b[p++] = src[j];
        this.pos = p;
    }
    byte(c) {
        this.buf[this.pos++] = c;
    }
    /** Everything written (without `flush`). */
    written() {
        return this.buf.subarray(0, this.pos);
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
;// CONCATENATED MODULE: ../../src/tree/code-hash.ts

/** The first line of the canonical listing; it names the definition (docs/code-hash.md). */
const CODE_HASH_DOMAIN = 'relseal-code-hash-v1\n';
/**
 * The canonical listing the code hash covers: the domain line, then one record per entry in
 * byte order of path: `<mode> <sha256-or-commit> <size> <path>` ended by a NUL byte (a path may
 * hold a newline, never a NUL). See docs/code-hash.md for the worked example.
 */
function canonicalListing(entries) {
    const parts = [Buffer.from(CODE_HASH_DOMAIN, 'utf8')];
    for (const e of entries)
        parts.push(Buffer.from(`${e.mode} ${e.sha256} ${e.size} ${e.path}\0`, 'utf8'));
    return Buffer.concat(parts);
}
/**
 * The code hash, `sha256:<hex>`, of entries already sorted by path bytes.
 *
 * @example codeHashOf(entries) // 'sha256:3b1f…'
 */
function codeHashOf(entries) {
    // Fed in pieces of about 64 KiB: the same bytes as canonicalListing, without holding them all at
    // once, and without one call into the hasher per record.
    const hash = createHash('sha256');
    let text = CODE_HASH_DOMAIN;
    for (const e of entries) {
        text += `${e.mode} ${e.sha256} ${e.size} ${e.path}\0`;
        if (text.length >= 65536) {
            hash.update(text, 'utf8');
            text = '';
        }
    }
    hash.update(text, 'utf8');
    return `sha256:${hash.digest('hex')}`;
}

;// CONCATENATED MODULE: ../../src/tree/entry.ts

/** Git's mode for each kind; the code hash covers it. */
const MODE_OF_KIND = {
    file: '100644',
    executable: '100755',
    symlink: '120000',
    submodule: '160000',
};
/** The kind each mode stands for. */
const KIND_OF_MODE = {
    '100644': 'file',
    '100755': 'executable',
    '120000': 'symlink',
    '160000': 'submodule',
};
/** Orders paths by their UTF-8 bytes, the one order every listing uses (not UTF-16 order). */
function compareByBytes(a, b) {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
// UTF-16 code units order strings as UTF-8 bytes do, except that a surrogate (a code point above
// U+FFFF) sorts below U+E000–U+FFFF; without such characters plain string comparison is byte order.
const UTF16_ORDER_DIFFERS = /[\uD800-\uFFFF]/;
/** Sorts entries by path bytes (a new array) and refuses duplicate paths. */
function sortEntries(entries) {
    const order = byteOrder(entries.map((e) => e.path));
    return order === undefined ? [...entries] : Array.from(order, (k) => entries[k]);
}
function duplicate(path) {
    return new errors/* RelsealError */.Ng('E_BAD_INPUT', `the tree lists ${JSON.stringify(path)} twice`);
}
/**
 * The order of `paths` by their bytes, as indexes, or undefined when they are in that order
 * already (git's index is sorted by path bytes, so a working tree's listing is: one linear check
 * then). Refuses duplicate paths, as sortEntries does.
 */
function byteOrder(paths) {
    let ordered = true;
    for (let i = 1; i < paths.length && ordered; i++)
        ordered = paths[i - 1] < paths[i];
    const byUtf8 = paths.some((p) => UTF16_ORDER_DIFFERS.test(p));
    if (ordered && !byUtf8)
        return undefined;
    const order = Uint32Array.from(paths.keys());
    if (byUtf8) {
        const keys = paths.map((p) => Buffer.from(p, 'utf8'));
        order.sort((x, y) => Buffer.compare(keys[x], keys[y]));
    }
    else
        order.sort((x, y) => (paths[x] < paths[y] ? -1 : paths[x] > paths[y] ? 1 : 0));
    for (let k = 1; k < order.length; k++) {
        if (paths[order[k]] === paths[order[k - 1]])
            throw duplicate(paths[order[k]]);
    }
    return order;
}
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Decodes a path from raw bytes, refusing names that are not valid UTF-8 (E_BAD_PATH_NAME). */
function decodePathName(bytes, where) {
    try {
        return strictUtf8.decode(bytes);
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_BAD_PATH_NAME', `${where}: the name ${JSON.stringify(Buffer.from(bytes).toString('latin1'))} (hex ${Buffer.from(bytes).toString('hex')}) ` +
            `is not valid UTF-8; rename it to a UTF-8 name, since release listings are UTF-8`);
    }
}

;// CONCATENATED MODULE: ../../src/tree/file-manifest.ts


/**
 * coreutils (9.x) escapes `\`, newline and carriage return in names and then starts the line
 * with a backslash, so that `sha256sum -c` can read the names back.
 */
const NEEDS_ESCAPE = /[\\\n\r]/;
function escapeName(name) {
    return name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
function unescapeName(escaped, lineNo) {
    return escaped.replace(/\\(.?)/g, (_m, c) => {
        if (c === '\\')
            return '\\';
        if (c === 'n')
            return '\n';
        if (c === 'r')
            return '\r';
        throw new RelsealError('E_BAD_INPUT', `file manifest line ${lineNo}: unknown escape "\\${c}" in a file name`);
    });
}
/** One line of the file manifest: what sha256sum prints for `path` with digest `sha256`. */
function manifestLine(sha256, path) {
    if (!NEEDS_ESCAPE.test(path))
        return `${sha256}  ${path}\n`;
    return `\\${sha256}  ${escapeName(path)}\n`;
}
/**
 * The file manifest: exactly what `sha256sum` prints for the tree's regular and executable
 * files, in byte order of path, so `sha256sum -c` run in the tree passes.
 */
function fileManifestOf(entries) {
    let text = '';
    for (const e of entries) {
        if (e.kind !== 'file' && e.kind !== 'executable')
            continue;
        text += manifestLine(e.sha256, e.path);
    }
    return text;
}
/** `sha256:<hex>` of the manifest text's UTF-8 bytes: the file-manifest hash. */
function fileManifestHashOf(text) {
    return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}
// dotAll: a name may hold U+2028/U+2029, which sha256sum writes as they are and `.` would not match.
const LINE = /^(\\?)([0-9a-f]{64}) [ *](.+)$/s;
/**
 * Parses sha256sum-format text (as written by `fileManifestOf` or `sha256sum`) into
 * path → hex digest. Malformed lines and duplicate paths are refused with E_BAD_INPUT.
 */
function parseFileManifest(text) {
    const out = new Map();
    const lines = text.split('\n');
    if (lines.at(-1) === '')
        lines.pop();
    lines.forEach((line, i) => {
        const m = LINE.exec(line);
        if (!m) {
            throw new RelsealError('E_BAD_INPUT', `file manifest line ${i + 1} is not "<64 hex digits>  <name>" (sha256sum format); regenerate it with relseal hash --files`);
        }
        const path = m[1] ? unescapeName(m[3], i + 1) : m[3];
        if (out.has(path))
            throw new RelsealError('E_BAD_INPUT', `file manifest lists ${JSON.stringify(path)} twice`);
        out.set(path, m[2]);
    });
    return out;
}
/** Paths whose digest differs, or that only one of two file manifests lists, in sorted order. */
function diffFileManifests(expected, actual) {
    const want = parseFileManifest(expected);
    const got = parseFileManifest(actual);
    const differing = new Set();
    for (const [path, digest] of want)
        if (got.get(path) !== digest)
            differing.add(path);
    for (const path of got.keys())
        if (!want.has(path))
            differing.add(path);
    return [...differing].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

;// CONCATENATED MODULE: ../../src/tree/glob.ts

/**
 * Compiles a glob to a RegExp over POSIX relative paths: `*` and `?` stay within one path
 * segment, `**` spans segments, `[abc]`/`[!a-z]` are classes. A pattern without `/` matches the
 * file name at any depth (as .gitignore does); `dir/**` also matches `dir` itself.
 */
function compileGlob(pattern) {
    if (pattern.length === 0)
        throw new errors/* RelsealError */.Ng('E_USAGE', 'an empty --include/--exclude pattern matches nothing; remove it');
    const anchored = pattern.includes('/');
    let p = pattern.startsWith('/') ? pattern.slice(1) : pattern;
    let trailingAll = false;
    if (p.endsWith('/**')) {
        trailingAll = true;
        p = p.slice(0, -3);
    }
    let re = '';
    for (let i = 0; i < p.length; i++) {
        const c = p[i];
        if (c === '*' && p[i + 1] === '*') {
            const slash = p[i + 2] === '/';
            re += slash ? '(?:.*/)?' : '.*';
            i += slash ? 2 : 1;
        }
        else if (c === '*')
            re += '[^/]*';
        else if (c === '?')
            re += '[^/]';
        else if (c === '[') {
            const end = p.indexOf(']', i + 2);
            if (end < 0)
                throw new errors/* RelsealError */.Ng('E_USAGE', `glob ${JSON.stringify(pattern)} has an unclosed "["`);
            let cls = p.slice(i + 1, end);
            if (cls.startsWith('!'))
                cls = `^${cls.slice(1)}`;
            re += `[${cls.replace(/\\/g, '\\\\')}]`;
            i = end;
        }
        else
            re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    const tail = trailingAll ? '(?:/.*)?' : '';
    // eslint-disable-next-line security/detect-non-literal-regexp -- built from escaped pieces above
    return new RegExp(anchored ? `^${re}${tail}$` : `^(?:.*/)?${re}${tail}$`, 's');
}
/** A path filter from include and exclude globs; no include means everything is included. */
function pathFilter(include = [], exclude = []) {
    const inc = include.map(compileGlob);
    const exc = exclude.map(compileGlob);
    return (path) => (inc.length === 0 || inc.some((r) => r.test(path))) && !exc.some((r) => r.test(path));
}
/** True when a directory can be skipped entirely because an exclude glob covers it. */
function dirExcluded(exclude, dirPath) {
    return exclude.some((r) => r.test(dirPath));
}

;// CONCATENATED MODULE: ../../src/tree/raw-tree.ts
/** A regular file, file or executable as its owner execute bit says. */
const RAW_REGULAR = 0;
/** A regular file whose kind is fixed (git with core.fileMode=false keeps the index's mode). */
const RAW_FILE = 1;
const RAW_EXECUTABLE = 2;
/** Not read by the hasher: the bytes are in `fixed`. */
const RAW_SYMLINK = 3;
const RAW_SUBMODULE = 4;

;// CONCATENATED MODULE: ../../src/tree/symlink-rule.ts
/**
 * The one symlink rule of relseal (docs/code-hash.md, "Symlinks"): every tree source (a
 * directory, a git working tree, a commit) hands its symlinks to `assertLinksStayInside`, so `hash`,
 * `hash --rev`, `sign`, `verify --dir` and the updater give one verdict for one tree.
 *
 * A target is resolved lexically, as the kernel would resolve it once the tree is on disk, but
 * using only the tree's own links: a component naming a link of the tree is replaced by that
 * link's resolved location, `..` goes to the parent of where the walk is, and any other name is a
 * plain directory step. Nothing on disk is read or followed.
 */

/** Links nested deeper than this are refused, as Linux refuses them (MAXSYMLINKS, ELOOP). */
const MAX_LINK_NESTING = 40;
class LinkFailure extends Error {
    failure;
    constructor(failure) {
        super(failure.kind);
        this.failure = failure;
    }
}
const UNRESOLVED = -1;
const RESOLVING = -2;
const fold = (name) => name.normalize('NFC').toLowerCase();
const newNode = (parent, path, target) => ({
    parent,
    target,
    path,
    exact: target === undefined ? new Map() : undefined,
    folded: target === undefined ? new Map() : undefined,
    node: target === undefined ? 0 : UNRESOLVED,
    below: 0,
});
/**
 * The tree's links and their ancestor directories as nodes. Only these are needed: a path with
 * no link at or below it resolves the same whether it exists or not.
 */
class LinkGraph {
    nodes = [newNode(-1, '', undefined)];
    constructor(links) {
        for (const link of links)
            this.add(link);
    }
    add(link) {
        const names = link.path.split('/');
        let at = 0;
        names.forEach((name, i) => {
            const last = i === names.length - 1;
            const dir = this.nodes[at];
            const found = dir.exact.get(name);
            if (found !== undefined && (last || this.nodes[found].target !== undefined)) {
                throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `the tree holds ${JSON.stringify(names.slice(0, i + 1).join('/'))} both as a symlink and as a directory or a second symlink; ` +
                    `a checkout cannot hold both: remove one of them`, { details: { path: link.path } });
            }
            if (found !== undefined)
                at = found;
            else {
                const id = this.nodes.length;
                this.nodes.push(newNode(at, last ? link.path : names.slice(0, i + 1).join('/'), last ? link.target : undefined));
                dir.exact.set(name, id);
                const f = fold(name);
                if (!dir.folded.has(f))
                    dir.folded.set(f, id);
                at = id;
            }
        });
    }
    /** The child named `name` of a known directory; a name that matches only after folding is refused. */
    child(dir, name) {
        const id = dir.exact.get(name);
        if (id !== undefined)
            return id;
        const near = dir.folded.get(fold(name));
        // On a case-insensitive or normalising file system (macOS, Windows) this name would open
        // `near`, here it opens something else: the two verdicts could differ, so refuse.
        if (near !== undefined)
            throw new LinkFailure({ kind: 'ambiguous', via: this.nodes[near].path });
        return undefined;
    }
    /** Resolves link `id` (sets its `node` and `below`); memoised, so each link is walked once. */
    resolve(id, nesting) {
        const link = this.nodes[id];
        if (link.node >= 0)
            return link;
        if (link.node === RESOLVING || nesting > MAX_LINK_NESTING)
            throw new LinkFailure({ kind: 'loop', via: link.path });
        const target = link.target;
        if (target.startsWith('/'))
            throw new LinkFailure({ kind: 'escape', via: link.path });
        // Windows reads a backslash as a separator; Linux as part of a name. Refused, not guessed.
        if (target.includes('\\'))
            throw new LinkFailure({ kind: 'backslash', via: link.path });
        link.node = RESOLVING;
        let node = link.parent;
        let below = 0;
        // Walks the target's names with indexOf: a 1 MB target is not split into an array first.
        for (let from = 0; from <= target.length;) {
            let to = target.indexOf('/', from);
            if (to < 0)
                to = target.length;
            const len = to - from;
            const dot = len > 0 && target.charCodeAt(from) === 0x2e;
            if (len === 0 || (len === 1 && dot)) {
                /* an empty name or `.`: stay */
            }
            else if (len === 2 && dot && target.charCodeAt(from + 1) === 0x2e) {
                if (below > 0)
                    below--;
                else if (node === 0)
                    throw new LinkFailure({ kind: 'escape', via: link.path });
                else
                    node = this.nodes[node].parent;
            }
            else if (below > 0)
                below++;
            else {
                const next = this.child(this.nodes[node], target.slice(from, to));
                if (next === undefined)
                    below = 1;
                else if (this.nodes[next].target === undefined)
                    node = next;
                else
                    ({ node, below } = this.resolve(next, nesting + 1));
            }
            from = to + 1;
        }
        link.node = node;
        link.below = below;
        return link;
    }
    /** The links in byte order of path (as entries are sorted), whatever order the source used. */
    linkIds() {
        const keyed = [];
        this.nodes.forEach((n, id) => {
            if (n.target !== undefined)
                keyed.push({ id, key: Buffer.from(n.path, 'utf8') });
        });
        return keyed.sort((a, b) => Buffer.compare(a.key, b.key)).map((k) => k.id);
    }
}
const WHY = {
    escape: 'resolves outside the tree',
    loop: `is a symlink loop (or nests more than ${MAX_LINK_NESTING} links)`,
    ambiguous: 'names a path that differs from one of the tree’s own only in case or Unicode normalisation',
    backslash: 'holds a backslash, which Windows reads as a path separator',
};
/**
 * Refuses (E_SYMLINK_ESCAPE, naming the link) a tree with a symlink whose target, resolved through
 * the tree's own links, leaves the tree, is absolute, loops, or could resolve differently on a
 * case-insensitive or Windows file system. Cost: linear in the total length of the links' paths
 * and targets (each link is resolved once); no file system access.
 *
 * @example
 * assertLinksStayInside([{ path: 'd', target: '.' }, { path: 'p', target: 'd/d/../../etc/passwd' }])
 * // throws E_SYMLINK_ESCAPE naming "p"
 */
function assertLinksStayInside(links) {
    if (links.length === 0)
        return;
    const graph = new LinkGraph(links);
    for (const id of graph.linkIds()) {
        const path = graph.nodes[id].path;
        try {
            graph.resolve(id, 0);
        }
        catch (e) {
            if (!(e instanceof LinkFailure))
                throw e;
            const target = graph.nodes[id].target;
            const { kind, via } = e.failure;
            throw new errors/* RelsealError */.Ng('E_SYMLINK_ESCAPE', `symlink ${JSON.stringify(path)} (to ${JSON.stringify(target)}) ${WHY[kind]}` +
                `${via === path ? '' : ` (through ${JSON.stringify(via)})`}; ` +
                `a release must be self-contained: make the link relative and inside the tree, or remove it`, { details: { path, target, reason: kind } });
        }
    }
}

;// CONCATENATED MODULE: ../../src/tree/from-directory.ts






/**
 * Lists a plain directory: every regular file and symlink, filtered by globs; no git involved.
 * Its files are to be opened as `base + path` (`root/`, or '' when `root` is the process's directory).
 */
function listDirectory(root, include, exclude, base = root.endsWith('/') ? root : `${root}/`) {
    const keep = pathFilter(include, exclude);
    const excludeRes = exclude.map(compileGlob);
    const paths = [];
    const kinds = [];
    const fixed = new Map();
    const links = [];
    const walk = (absDir, relDir) => {
        const names = (0,external_node_fs_.readdirSync)(absDir, { encoding: 'buffer' });
        for (const raw of names) {
            const name = decodePathName(raw, relDir === '' ? '.' : relDir);
            const rel = relDir === '' ? name : `${relDir}/${name}`;
            const abs = (0,external_node_path_.join)(absDir, name);
            const st = (0,external_node_fs_.lstatSync)(abs);
            if (st.isDirectory()) {
                if (!dirExcluded(excludeRes, rel))
                    walk(abs, rel);
            }
            else if (!keep(rel))
                continue;
            else if (st.isSymbolicLink()) {
                const target = (0,external_node_fs_.readlinkSync)(abs, { encoding: 'buffer' });
                links.push({ path: rel, target: decodePathName(target, rel) });
                fixed.set(paths.length, target);
                paths.push(rel);
                kinds.push(RAW_SYMLINK);
            }
            else if (st.isFile()) {
                paths.push(rel);
                kinds.push(RAW_REGULAR);
            }
        }
    };
    walk(root, '');
    assertLinksStayInside(links);
    return { base, paths, kinds: Uint8Array.from(kinds), fixed };
}

// EXTERNAL MODULE: external "node:buffer"
var external_node_buffer_ = __nccwpck_require__(4573);
// EXTERNAL MODULE: ../../src/git/git.ts + 2 modules
var git = __nccwpck_require__(9925);
;// CONCATENATED MODULE: ../../src/tree/from-git-index.ts








/** Index modes, one byte per record. */
const MODE_FILE = 0;
const MODE_EXECUTABLE = 1;
const MODE_SYMLINK = 2;
const MODE_SUBMODULE = 3;
/** Any other mode git may list: hashed as a regular file, never converted. */
const MODE_OTHER = 4;
function conflict(path) {
    return new errors/* RelsealError */.Ng('E_BAD_INPUT', `${JSON.stringify(path)} has an unresolved merge conflict; resolve it and stage the result`);
}
function modeOf(text, start, end) {
    if (end - start !== 6)
        return MODE_OTHER;
    if (text.startsWith('100644', start))
        return MODE_FILE;
    if (text.startsWith('100755', start))
        return MODE_EXECUTABLE;
    if (text.startsWith('120000', start))
        return MODE_SYMLINK;
    if (text.startsWith('160000', start))
        return MODE_SUBMODULE;
    return MODE_OTHER;
}
/**
 * Parses `git ls-files --stage -z` output (`<mode> <oid> <stage>\t<path>\0` records) chunk by
 * chunk, as git writes it: on a tree of tens of thousands of files, the listing is parsed while git
 * is still printing it. A chunk's complete records are read as one latin1 string (field separators
 * are ASCII, and no byte of a multi-byte UTF-8 sequence is); paths in a chunk that is all ASCII
 * are slices of it, others are decoded strictly as UTF-8.
 */
class StageListingParser {
    where;
    paths = [];
    modes = new Uint8Array(1024);
    oidAt = new Int32Array(1024);
    oidEnd = new Int32Array(1024);
    chunkOf = new Int32Array(1024);
    texts = [];
    carry;
    /** The first error met; later chunks are ignored (a stream's listener must not throw). */
    error;
    constructor(where) {
        this.where = where;
    }
    feed(chunk) {
        if (this.error !== undefined)
            return;
        try {
            this.parse(chunk);
        }
        catch (e) {
            this.error = e;
        }
    }
    /** The listing, once every chunk was fed; bytes after the last NUL are ignored, as git ends every record with one. */
    done() {
        if (this.error !== undefined)
            throw this.error;
        const { texts, chunkOf, oidAt, oidEnd } = this;
        return {
            paths: this.paths,
            modes: this.modes,
            oid: (i) => texts[chunkOf[i]].slice(oidAt[i], oidEnd[i]),
        };
    }
    grow() {
        const twice = (a) => {
            const b = new a.constructor(a.length * 2);
            b.set(a);
            return b;
        };
        this.modes = twice(this.modes);
        this.oidAt = twice(this.oidAt);
        this.oidEnd = twice(this.oidEnd);
        this.chunkOf = twice(this.chunkOf);
    }
    parse(chunk) {
        const buf = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
        const last = buf.lastIndexOf(0);
        if (last < 0) {
            this.carry = Buffer.from(buf);
            return;
        }
        this.carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined;
        const ascii = (0,external_node_buffer_.isAscii)(buf.subarray(0, last + 1));
        const text = buf.toString('latin1', 0, last + 1);
        const t = this.texts.push(text) - 1;
        const where = this.where;
        const pathOf = (from, to) => ascii ? text.slice(from, to) : decodePathName(buf.subarray(from, to), where);
        for (let start = 0; start < text.length;) {
            // Nearly every record is `<6-digit mode> <id> 0\t<path>\0`: the tab ends the stage (no field
            // before it holds one), the path ends at the next NUL. Anything else is parsed field by field.
            let tab = text.indexOf('\t', start);
            let end = tab < 0 ? -1 : text.indexOf('\0', tab);
            let sp1 = start + 6;
            let sp2 = tab - 2;
            if (end < 0 ||
                text.charCodeAt(sp1) !== 0x20 ||
                text.charCodeAt(sp2) !== 0x20 ||
                text.charCodeAt(tab - 1) !== 0x30 ||
                (tab - start !== 49 && tab - start !== 73)) {
                end = text.indexOf('\0', start);
                tab = text.indexOf('\t', start);
                sp1 = text.indexOf(' ', start);
                sp2 = text.indexOf(' ', sp1 + 1);
                if (tab < 0 || tab > end || sp1 < 0 || sp2 < 0 || sp2 > tab)
                    throw badListing(where);
                if (tab !== sp2 + 2 || text.charCodeAt(sp2 + 1) !== 0x30)
                    throw conflict(pathOf(tab + 1, end));
            }
            const i = this.paths.length;
            if (i === this.modes.length)
                this.grow();
            this.modes[i] = modeOf(text, start, sp1);
            this.oidAt[i] = sp1 + 1;
            this.oidEnd[i] = sp2;
            this.chunkOf[i] = t;
            this.paths.push(pathOf(tab + 1, end));
            start = end + 1;
        }
    }
}
/** Parses a whole `git ls-files --stage -z` output (see StageListingParser). */
function parseStageListing(out, where) {
    const parser = new StageListingParser(where);
    parser.feed(out);
    return parser.done();
}
function badListing(where) {
    return new errors/* RelsealError */.Ng('E_GIT', `git ls-files in ${where} printed a record without a tab; check the git installation`);
}
async function readIndex(dir) {
    const parser = new StageListingParser(dir);
    await (0,git/* runGit */.EO)(['ls-files', '--stage', '-z'], {
        cwd: dir,
        ambientConfig: true,
        onStdout: (chunk) => parser.feed(chunk),
    });
    return parser.done();
}
/** A tracked symlink's target as text; without symlink support git writes it as a plain file. */
function readLinkText(abs, path) {
    let target;
    try {
        target = (0,external_node_fs_.lstatSync)(abs).isSymbolicLink() ? (0,external_node_fs_.readlinkSync)(abs, { encoding: 'buffer' }) : (0,external_node_fs_.readFileSync)(abs);
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_NOT_FOUND', `${JSON.stringify(path)} is tracked by git but missing from the working tree; restore it (git checkout -- <path>) or commit its removal`);
    }
    return target;
}
/**
 * Lists the files git tracks in a working tree (the index, never stray files) that `keep` accepts
 * (all without it), reading their bytes from disk. Files that git converts on checkout are
 * compared with their blobs first. Paths are opened as `base + path`: `base` is `dir/`, or ''
 * when `dir` is the process's directory.
 */
async function listGitIndex(dir, keep, attributePlaces, base) {
    // Git's paths are already normal (no `.`, `..` or doubled `/`), so joining is concatenating.
    const absBase = dir.endsWith('/') ? dir : `${dir}/`;
    const [listing, config, places] = await Promise.all([readIndex(dir), readCoreConfig(dir), attributePlaces]);
    // The conversion check asks git about every path (unless no attribute file can exist); it runs
    // while the files are being hashed, and starts once the hashing threads have their work (looking
    // for attribute files takes the calling thread a while on a large tree).
    const pending = new Promise((started) => setImmediate(started)).then(() => refuseConvertedFiles(dir, listing, config, places));
    pending.catch(() => {
        /* awaited by hashTree; this only keeps an early rejection from being reported as unhandled */
    });
    const all = listing.paths;
    // Without a filter the listing's own array is the tree's.
    const paths = keep === undefined ? all : [];
    const kinds = new Uint8Array(all.length);
    const fixed = new Map();
    const links = [];
    // With core.fileMode=false git ignores the file's bits and keeps the index's mode (a checkout on
    // a file system without execute bits, or one that sets them all); so does the hash.
    const indexModes = config.fileMode === false;
    for (let i = 0, k = 0; i < all.length; i++) {
        const path = all[i];
        if (keep !== undefined) {
            if (!keep(path))
                continue;
            paths.push(path);
        }
        const mode = listing.modes[i];
        if (mode === MODE_SUBMODULE) {
            kinds[k] = RAW_SUBMODULE;
            fixed.set(k, listing.oid(i));
        }
        else if (mode === MODE_SYMLINK) {
            const content = readLinkText(absBase + path, path);
            links.push({ path, target: decodePathName(content, path) });
            kinds[k] = RAW_SYMLINK;
            fixed.set(k, content);
        }
        // Regular files are opened with O_NOFOLLOW by the hasher, which reports a missing file itself.
        else
            kinds[k] = !indexModes ? RAW_REGULAR : mode === MODE_EXECUTABLE ? RAW_EXECUTABLE : RAW_FILE;
        k++;
    }
    assertLinksStayInside(links);
    return { base: base ?? absBase, paths, kinds, fixed, pending };
}
const CONVERTING_ATTRS = ['text', 'eol', 'filter', 'ident', 'working-tree-encoding'];
/**
 * Which settings rewrite a blob's bytes when git checks it out (the smudge direction): CRLF line
 * endings (eol=crlf, or text with core.autocrlf=true / core.eol=crlf), `ident`, a filter driver and
 * a working-tree encoding. `eol=lf`, `autocrlf=input` and `text=auto` on LF platforms only act when
 * files are added, so a clean checkout still holds the committed bytes.
 */
function checkoutConversion(attrs, autocrlf, coreEol) {
    const found = [];
    const text = attrs.get('text');
    const eol = attrs.get('eol');
    const textual = text !== 'unset' && text !== 'unspecified' && text !== undefined;
    if (eol === 'crlf')
        found.push('eol=crlf');
    else if (text !== 'unset' && eol !== 'lf' && autocrlf === 'true')
        found.push('core.autocrlf=true');
    else if (textual && eol !== 'lf' && coreEol === 'crlf')
        found.push(`text=${text}, core.eol=crlf`);
    for (const attr of ['ident', 'filter', 'working-tree-encoding']) {
        const v = attrs.get(attr);
        if (v !== undefined && v !== 'unspecified' && v !== 'unset')
            found.push(`${attr}=${v}`);
    }
    return found.length > 0 ? found.join(', ') : undefined;
}
const NO_ATTRS = new Map();
const UNSPECIFIED = Buffer.from('unspecified');
const EOL = Buffer.from('eol');
const CRLF = Buffer.from('crlf');
/** True when the NUL-delimited field between offsets `b` and `c` of `buf` is `value` (no string is made). */
const fieldIs = (buf, b, c, value) => c - b - 1 === value.length && buf.compare(value, 0, value.length, b + 1, c) === 0;
/**
 * Streams `git check-attr -z --stdin` over `paths`, parsing its (path, attribute, value) records as
 * they arrive: on a large tree the whole output is tens of MB, and almost every record is skipped.
 */
async function readCheckAttr(dir, paths, attrs, skip) {
    const found = new Map();
    let carry = Buffer.alloc(0);
    const onStdout = (chunk) => {
        const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        let pos = 0;
        for (;;) {
            const a = buf.indexOf(0, pos);
            const b = a < 0 ? -1 : buf.indexOf(0, a + 1);
            const c = b < 0 ? -1 : buf.indexOf(0, b + 1);
            if (c < 0)
                break;
            if (!skip(buf, a, b, c)) {
                const path = buf.toString('utf8', pos, a);
                const map = found.get(path) ?? new Map();
                map.set(buf.toString('utf8', a + 1, b), buf.toString('utf8', b + 1, c));
                found.set(path, map);
            }
            pos = c + 1;
        }
        carry = Buffer.from(buf.subarray(pos));
    };
    await (0,git/* runGit */.EO)(['check-attr', '-z', '--stdin', ...attrs], {
        cwd: dir,
        ambientConfig: true,
        input: `${paths.join('\0')}\0`,
        onStdout,
    });
    return found;
}
/**
 * A boolean setting as git reads it (git_parse_maybe_bool, then an integer with an optional k/m/g
 * unit): `true`/`yes`/`on`, `false`/`no`/`off`, a key without a value is true, an empty one false.
 */
function parseGitBool(key, value) {
    if (value === undefined)
        return true;
    const v = value.toLowerCase();
    if (v === '')
        return false;
    if (v === 'true' || v === 'yes' || v === 'on')
        return true;
    if (v === 'false' || v === 'no' || v === 'off')
        return false;
    const n = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)([kmg]?)$/.exec(v);
    if (n)
        return /[1-9a-f]/.test(n[2].replace(/^0x/, ''));
    throw new errors/* RelsealError */.Ng('E_GIT', `git's configuration sets ${key} to ${JSON.stringify(value)}, which is not a boolean; set it to true or false`);
}
/** core.fileMode, core.autocrlf, core.eol and the attribute sources with one git call (each spawn costs milliseconds). */
async function readCoreConfig(dir) {
    const r = await (0,git/* runGit */.EO)(['config', '-z', '--get-regexp', '^(core\\.(filemode|autocrlf|eol|attributesfile)|attr\\.tree)$'], {
        cwd: dir,
        ambientConfig: true,
        okCodes: [0, 1],
    });
    // Records are `key\nvalue\0`, or `key\0` for a key without a value; the last one of a key wins.
    const found = new Map();
    for (const rec of r.stdout.toString('utf8').split('\0')) {
        if (rec === '')
            continue;
        const nl = rec.indexOf('\n');
        found.set(nl < 0 ? rec : rec.slice(0, nl), nl < 0 ? undefined : rec.slice(nl + 1));
    }
    return {
        attributeSource: found.has('core.attributesfile') || found.has('attr.tree'),
        fileMode: found.has('core.filemode')
            ? parseGitBool('core.fileMode', found.get('core.filemode'))
            : undefined,
        autocrlf: (found.get('core.autocrlf') ?? '').trim(),
        eol: (found.get('core.eol') ?? '').trim(),
    };
}
/**
 * core.autocrlf, eol and clean/smudge filters can make working-tree bytes differ from the committed
 * ones, which would make a working tree and `--rev` hash differently. For every file whose checkout
 * such a setting rewrites, the raw working-tree bytes must still be the committed blob; otherwise
 * refuse, naming the file and the setting (issue: "never differ silently").
 */
async function refuseConvertedFiles(dir, listing, config, places) {
    const { autocrlf, eol: coreEol } = config;
    // The files, listed only when there is something to ask about them (a list per tree costs).
    const regularFiles = () => {
        const files = [];
        for (let i = 0; i < listing.paths.length; i++) {
            const mode = listing.modes[i];
            if (mode === MODE_FILE || mode === MODE_EXECUTABLE)
                files.push(i);
        }
        return files;
    };
    if (!attributeFilesMayApply(dir, listing.paths, config, places)) {
        // Every attribute is unspecified, so only core.autocrlf=true can convert, and it converts all.
        const setting = checkoutConversion(NO_ATTRS, autocrlf, coreEol);
        return setting === undefined
            ? undefined
            : refuseIfRewritten(dir, listing, regularFiles().map((i) => ({ i, setting })));
    }
    const files = regularFiles();
    if (files.length === 0)
        return;
    // Without autocrlf=true or core.eol=crlf, `text` converts nothing and only eol=crlf does: ask for
    // less and keep only values that can convert, so a big tree with `* text=auto eol=lf` costs little.
    const textMatters = autocrlf === 'true' || coreEol === 'crlf';
    const asked = textMatters ? CONVERTING_ATTRS : CONVERTING_ATTRS.filter((a) => a !== 'text');
    const attrsOf = await readCheckAttr(dir, files.map((i) => listing.paths[i]), asked, 
    // Skipped without making a string: unspecified values, and (when text converts nothing) any
    // eol but crlf.
    (buf, a, b, c) => fieldIs(buf, b, c, UNSPECIFIED) ||
        (!textMatters && fieldIs(buf, a, b, EOL) && !fieldIs(buf, b, c, CRLF)));
    const suspects = files
        .map((i) => ({
        i,
        setting: checkoutConversion(attrsOf.get(listing.paths[i]) ?? NO_ATTRS, autocrlf, coreEol),
    }))
        .filter((x) => x.setting !== undefined);
    return refuseIfRewritten(dir, listing, suspects);
}
/** Refuses the first file whose working-tree bytes are not its committed blob. */
async function refuseIfRewritten(dir, listing, suspects) {
    if (suspects.length === 0)
        return;
    const oids = (await (0,git/* runGit */.EO)(['hash-object', '--no-filters', '--stdin-paths'], {
        cwd: dir,
        ambientConfig: true,
        // Absolute: git reads --stdin-paths from the top of the work tree, not from `dir`.
        input: suspects.map((x) => (0,external_node_path_.join)(dir, listing.paths[x.i])).join('\n') + '\n',
    })).stdout
        .toString('utf8')
        .split('\n');
    suspects.forEach(({ i, setting }, k) => {
        if (oids[k] === listing.oid(i))
            return;
        const path = listing.paths[i];
        throw new errors/* RelsealError */.Ng('E_GIT_FILTER', `${JSON.stringify(path)} differs from its committed bytes and git rewrites it on checkout (${setting}); ` +
            `hash the commit with --rev HEAD, or turn the conversion off for release checkouts and check out again`, { details: { path, setting } });
    });
}
/** False only when the path surely does not exist; any doubt (e.g. no permission) counts as there. */
function mayExist(path) {
    try {
        return (0,external_node_fs_.lstatSync)(path, { throwIfNoEntry: false }) !== undefined;
    }
    catch {
        return true;
    }
}
/**
 * The system-wide attributes file is `$(prefix)/etc/gitattributes` of git's build, which git 2.39
 * does not tell; every usual place is looked at, and the ones beside the `git` on PATH.
 */
function systemAttributeFiles() {
    const found = ['/etc/gitattributes', '/usr/etc/gitattributes', '/usr/local/etc/gitattributes'];
    for (const d of (process.env.PATH ?? '').split(external_node_path_.delimiter)) {
        if (d === '' || !mayExist((0,external_node_path_.join)(d, 'git')))
            continue;
        found.push((0,external_node_path_.join)((0,external_node_path_.dirname)(d), 'etc/gitattributes'));
        try {
            found.push((0,external_node_path_.join)((0,external_node_path_.dirname)((0,external_node_path_.dirname)((0,external_node_fs_.realpathSync)((0,external_node_path_.join)(d, 'git')))), 'etc/gitattributes'));
        }
        catch {
            /* a dangling link: the plain place above is enough */
        }
    }
    return found;
}
/**
 * Whether any source of gitattributes can apply to the listed paths: a `.gitattributes` in the
 * index, or on disk in `dir`, its parents up to the top or any directory holding a listed path;
 * $GIT_DIR/info/attributes; core.attributesFile (or its default under XDG_CONFIG_HOME or HOME);
 * attr.tree or GIT_ATTR_SOURCE; the system file. When none can, `git check-attr` (a process reading
 * every path and printing tens of MB while the files are hashed) would only answer "unspecified".
 * Any doubt answers true.
 */
function attributeFilesMayApply(dir, paths, config, places) {
    const env = process.env;
    if (places === undefined || config.attributeSource || env.GIT_ATTR_SOURCE !== undefined)
        return true;
    if (mayExist(places.infoAttributes))
        return true;
    const xdg = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : env.HOME ? (0,external_node_path_.join)(env.HOME, '.config') : undefined;
    if (xdg === undefined || mayExist((0,external_node_path_.join)(xdg, 'git/attributes')))
        return true;
    if (systemAttributeFiles().some(mayExist))
        return true;
    const base = dir.endsWith('/') ? dir : `${dir}/`;
    for (let k = 0, up = base; k <= places.depth; k++, up += '../') {
        if (mayExist(`${up}.gitattributes`))
            return true;
    }
    const seen = new Set();
    let last = '';
    for (const path of paths) {
        const slash = path.lastIndexOf('/');
        if (path.endsWith('.gitattributes') && (slash < 0 ? path : path.slice(slash + 1)) === '.gitattributes')
            return true;
        // A listing holds a directory's files together: the directory of the path before is skipped
        // without making a string.
        if (slash === last.length && path.startsWith(last))
            continue;
        last = path.slice(0, Math.max(slash, 0));
        // Each directory once; its parents were looked at with it.
        for (let d = last; d !== '' && !seen.has(d);) {
            seen.add(d);
            if (mayExist(`${base}${d}/.gitattributes`))
                return true;
            const up = d.lastIndexOf('/');
            d = up < 0 ? '' : d.slice(0, up);
        }
    }
    return false;
}

// EXTERNAL MODULE: ../../src/tree/git-repo.ts
var git_repo = __nccwpck_require__(307);
;// CONCATENATED MODULE: ../../src/tree/read-file.ts



/** Chunk size for streamed reads: memory stays flat however large a file is. */
const READ_CHUNK_BYTES = 1024 * 1024;
/** The owner's execute bit (S_IXUSR): the only one git looks at. */
const OWNER_EXECUTE = 0o100;
/** Symlinks are never followed; a FIFO does not block the open. */
const OPEN_FLAGS = external_node_fs_.constants.O_RDONLY | external_node_fs_.constants.O_NOFOLLOW | external_node_fs_.constants.O_NONBLOCK;
function fsError(e, where) {
    const code = e.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
        return new errors/* RelsealError */.Ng('E_NOT_FOUND', `${where} does not exist; restore it (git checkout -- <path>) or remove it from the tree`, { cause: e });
    }
    if (code === 'EACCES' || code === 'EPERM') {
        return new errors/* RelsealError */.Ng('E_UNREADABLE', `${where} cannot be read (permission denied); make it readable by this user`, { cause: e });
    }
    if (code === 'ELOOP') {
        return new errors/* RelsealError */.Ng('E_CHANGED_WHILE_READING', `${where} is a symlink where a regular file is expected (changed since git recorded it?); commit the change or restore the file`, { cause: e });
    }
    return new errors/* RelsealError */.Ng('E_UNREADABLE', `${where} cannot be read: ${e.message}`, { cause: e });
}
function sameFile(a, b) {
    return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.ctimeMs === b.ctimeMs;
}
// One-shot hashing (Node >= 20.12) creates no Hash object, whose native handle costs the garbage
// collector more than hashing a small file does.
const oneShot = external_node_crypto_.hash;
/** SHA-256 of bytes held whole, in hex: one call, no Hash object (Node's crypto.hash when it has it). */
const sha256Hex = oneShot
    ? (bytes) => oneShot('sha256', bytes, 'hex')
    : (bytes) => external_node_crypto_.createHash('sha256').update(bytes).digest('hex');
function notRegular(where) {
    return new errors/* RelsealError */.Ng('E_UNREADABLE', `${where} is not a regular file; only files, symlinks and submodules can be hashed`);
}
function changed(where, size, read) {
    return new errors/* RelsealError */.Ng('E_CHANGED_WHILE_READING', `${where} changed while it was being read (${size} bytes before, ${read} read); hash again once nothing writes to the tree`);
}
/** Reads into `buffer` from the file's current offset; a read error on a non-file says so. */
function readSome(fd, buffer, where) {
    try {
        return (0,external_node_fs_.readSync)(fd, buffer, 0, buffer.length, null);
    }
    catch (e) {
        // A directory (EISDIR) or a FIFO without a writer (EAGAIN) fails here, before any fstat.
        let regular = true;
        try {
            regular = (0,external_node_fs_.fstatSync)(fd).isFile();
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
        fd = (0,external_node_fs_.openSync)(path, OPEN_FLAGS);
    }
    catch (e) {
        throw fsError(e, where);
    }
    try {
        const first = readSome(fd, buffer, where);
        const st = (0,external_node_fs_.fstatSync)(fd);
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
        const hash = external_node_crypto_.createHash('sha256');
        // Read again from the start, so that every byte hashed was read between the two fstats.
        let total = 0;
        while (total < st.size) {
            const n = (0,external_node_fs_.readSync)(fd, buffer, 0, buffer.length, total);
            if (n === 0)
                break;
            hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
            total += n;
        }
        const after = (0,external_node_fs_.fstatSync)(fd);
        if (total !== st.size || !sameFile(st, after))
            throw changed(where, st.size, total);
        lastSize = total;
        return hash.digest('hex');
    }
    catch (e) {
        throw e instanceof errors/* RelsealError */.Ng ? e : fsError(e, where);
    }
    finally {
        (0,external_node_fs_.closeSync)(fd);
    }
}

;// CONCATENATED MODULE: ../../src/tree/from-git-rev.ts









/**
 * A symlink's target is held whole (the symlink rule checks it), so it is capped: Linux refuses
 * targets of PATH_MAX (4096) bytes or more, so a longer one can never be checked out, and a
 * hostile repository could otherwise make this process hold a blob of any size.
 */
const MAX_LINK_TARGET_BYTES = 4096;
const from_git_rev_KIND_OF_MODE = {
    '100755': RAW_EXECUTABLE,
    '120000': RAW_SYMLINK,
    '160000': RAW_SUBMODULE,
};
const from_git_rev_strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** The shortest `ls-tree -z` record: `100644 blob <40 hex>\t<one byte>\0`. */
const MIN_RECORD_BYTES = 55;
/**
 * Lists a commit's tree. The whole listing is decoded at once (records are `<mode> <type> <oid>\t<path>`,
 * NUL-terminated): one decode and string slices instead of a Buffer, a decode and an object a path.
 */
async function listCommitTree(dir, commit, prefix, keep) {
    const args = ['ls-tree', '-r', '-z', '--full-tree', commit];
    if (prefix !== '')
        args.push('--', prefix);
    const out = (await (0,git/* runGit */.EO)(args, { cwd: dir, ambientConfig: true })).stdout;
    let text;
    try {
        text = from_git_rev_strictUtf8.decode(out);
    }
    catch {
        // Some name is not UTF-8: decode record by record so the refusal names it.
        for (const rec of (0,git_repo/* splitNul */.K5)(out))
            decodePathName(rec.subarray(rec.indexOf(0x09) + 1), commit);
        throw new errors/* RelsealError */.Ng('E_BAD_PATH_NAME', `the listing of ${commit} is not valid UTF-8`);
    }
    const listing = {
        paths: [],
        kinds: new Uint8Array(Math.ceil(out.length / MIN_RECORD_BYTES) + 1),
        oids: [],
    };
    const { paths, kinds, oids } = listing;
    for (let pos = 0; pos < text.length;) {
        const start = pos;
        const end = text.indexOf('\0', pos);
        const tab = text.indexOf('\t', pos);
        const sp1 = text.indexOf(' ', pos);
        const sp2 = text.indexOf(' ', sp1 + 1);
        if (end < 0 || tab < 0 || tab > end || sp1 < 0 || sp2 < 0 || sp2 > tab) {
            throw new errors/* RelsealError */.Ng('E_GIT', `git ls-tree printed a record relseal cannot read for ${commit}`);
        }
        const path = text.slice(tab + 1 + prefix.length, end);
        pos = end + 1;
        if (keep !== undefined && !keep(path))
            continue;
        kinds[paths.length] = from_git_rev_KIND_OF_MODE[text.slice(start, sp1)] ?? RAW_FILE;
        paths.push(path);
        oids.push(text.slice(sp2 + 1, tab));
    }
    return listing;
}
/**
 * Hashes a commit's tree straight from the object store: `git cat-file --batch` processes stream
 * every blob once, hashed as it arrives; nothing is checked out. `keep` undefined keeps every path.
 */
async function hashCommitTree(dir, commit, prefix, keep, onProgress, how = {}) {
    // The cat-file processes start while the tree is listed; they wait for ids on their input.
    const readers = startBlobReaders(dir);
    let listing;
    try {
        listing = await listCommitTree(dir, commit, prefix, keep);
    }
    catch (e) {
        readers.abort();
        throw e;
    }
    const { paths, kinds, oids } = listing;
    const n = paths.length;
    // The blobs to read, by index in the listing: no object per blob.
    const blobs = new Int32Array(n);
    let count = 0;
    const fixed = new Map();
    const fileOf = new Int32Array(n).fill(-1);
    let files = 0;
    for (let i = 0; i < n; i++) {
        const kind = kinds[i];
        if (kind === RAW_SUBMODULE)
            fixed.set(i, oids[i]);
        else if (kind === RAW_SYMLINK)
            blobs[count++] = i;
        else {
            fileOf[i] = files;
            blobs[count++] = i;
            files++;
        }
    }
    const digests = allocDigests(files, false);
    const hex = new Array(files);
    await readers.read({ paths, kinds, oids, fileOf, blobs: blobs.subarray(0, count) }, { hex, sizes: digests.sizes, fixed }, onProgress, how);
    // One write, not a call into the Buffer per file.
    digests.hex.write(hex.join(''), 0, 'latin1');
    const links = [];
    for (const [i, content] of fixed) {
        if (kinds[i] === RAW_SYMLINK)
            links.push({ path: paths[i], target: decodePathName(content, paths[i]) });
    }
    assertLinksStayInside(links);
    return { raw: { base: '', paths, kinds, fixed }, digests, fileOf: files < n ? fileOf : undefined };
}
/**
 * `git cat-file --batch` processes that share a commit's blobs: git's side (finding and inflating
 * each object, writing it to the pipe) costs more than hashing it, so on two cores two processes
 * each do half, while the calling thread reads and hashes both outputs.
 */
const CAT_FILE_PROCESSES = 2;
/**
 * git maps pack files whole (windows of 1 GiB on 64-bit systems), so reading every blob of a
 * 240 MB pack made a cat-file process 260 MB resident; 32 MiB windows, at most 96 MiB mapped,
 * keep each near 110 MB and cost less git time than 16/64 (issue 20: peak RSS < 150 MB).
 */
const PACK_WINDOW = 'core.packedGitWindowSize=32m';
const PACK_LIMIT = 'core.packedGitLimit=96m';
/** Blobs handed out at a time, in turn, so that both processes get a like share of large and small. */
const BLOBS_PER_SHARE = 64;
/** One read takes whatever the pipe holds, up to this; larger blobs are hashed in pieces (memory flat). */
const READ_BYTES = 1024 * 1024;
/** The calling thread returns to its event loop (signals, progress, stderr) at least this often. */
const SLICE_MS = 16;
/**
 * A pass over the pipes that brings less than this naps before the next (50 µs, doubling up to
 * 0.5 ms while nothing comes): read as it comes, git's output of small files came a blob (one write)
 * at a time, 38k reads for 38k blobs; read after a nap, it has piled up in the socket (~200 KB,
 * which git fills in about 0.5 ms on incompressible blobs: a longer nap would stall it).
 */
const FULL_READ_BYTES = 64 * 1024;
const MIN_NAP_MS = 0.05;
const MAX_NAP_MS = 0.5;
const EMPTY_SHA256 = (0,external_node_crypto_.createHash)('sha256').digest('hex');
function spawnCatFile(dir) {
    const child = (0,git/* spawnGit */.Iz)(['-c', PACK_WINDOW, '-c', PACK_LIMIT, 'cat-file', '--batch', '--buffer'], {
        cwd: dir,
        ambientConfig: true,
    });
    const started = {
        child,
        stderr: '',
        closed: new Promise((resolve) => child.once('close', () => resolve())),
    };
    child.on('error', (e) => (started.spawnError ??= e));
    child.stderr.on('data', (b) => {
        if (started.stderr.length < MAX_STDERR)
            started.stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => {
        /* git stopped reading: its output's end and its error output tell why */
    });
    return started;
}
function startBlobReaders(dir) {
    const children = Array.from({ length: CAT_FILE_PROCESSES }, () => spawnCatFile(dir));
    const killAll = () => {
        for (const { child: c } of children) {
            if (c.exitCode === null && c.signalCode === null)
                c.kill('SIGKILL');
            c.stdin.destroy();
            c.stdout.destroy();
            c.stderr.destroy();
        }
    };
    return {
        abort: killAll,
        async read(list, into, onProgress, how) {
            const { blobs } = list;
            const count = Math.min(CAT_FILE_PROCESSES, Math.ceil(blobs.length / BLOBS_PER_SHARE));
            const shares = Array.from({ length: count }, () => []);
            for (let k = 0; k < blobs.length; k++)
                shares[Math.floor(k / BLOBS_PER_SHARE) % count].push(blobs[k]);
            const progress = { files: 0, bytes: 0 };
            const streams = shares.map((share, k) => new BlobStream(children[k], list, share, into));
            const report = (size) => {
                progress.bytes += size;
                if (++progress.files % 512 === 0 || progress.files === blobs.length)
                    onProgress?.({ ...progress });
            };
            for (const s of streams)
                s.report = report;
            try {
                await pump(streams, how);
            }
            finally {
                killAll();
            }
        },
    };
}
/** What cat-file prints between an object's id and its size. */
const BLOB_TAG = Buffer.from(' blob ', 'latin1');
/** git's error output kept for a message, at most. */
const MAX_STDERR = 16 * 1024;
/** The raw descriptor under a child's pipe, or undefined where there is none (Windows, a closed pipe). */
function rawFd(stream) {
    const handle = stream._handle;
    return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
}
/** Stops the event loop from reading a pipe that is read with readSync instead; false if it cannot. */
function stopEventReads(stream) {
    const handle = stream._handle;
    if (typeof handle?.readStop !== 'function')
        return false;
    handle.readStop.call(handle);
    // The stream restarts reading if it is ever resumed.
    handle.reading = false;
    return true;
}
/** One cat-file process and the blobs it answers for: its ids, and the state of its output. */
class BlobStream {
    git;
    list;
    share;
    into;
    report = () => { };
    /** The ids asked for, one a line; `idStart[k]` is where the k-th starts. */
    ids;
    idStart;
    written = 0;
    /** Try writing ids on the next pass (not after a full pipe until git has answered or time passed). */
    wantsWrite = true;
    eof = false;
    done = 0;
    state = 'header';
    /** A header line cut by the end of a read. */
    partial;
    remaining = 0;
    size = 0;
    hash;
    digest = '';
    kept;
    inFd;
    outFd;
    child;
    constructor(git, list, share, into) {
        this.git = git;
        this.list = list;
        this.share = share;
        this.into = into;
        let ids = '';
        this.idStart = new Int32Array(share.length + 1);
        for (let k = 0; k < share.length; k++) {
            ids += `${list.oids[share[k]]}\n`;
            this.idStart[k + 1] = ids.length;
        }
        this.ids = Buffer.from(ids, 'latin1');
        this.child = git.child;
    }
    get total() {
        return this.share.length;
    }
    /** Where errors come from: the path the current answer is for. */
    current() {
        const i = this.share[this.done];
        return { oid: this.list.oids[i], path: this.list.paths[i] };
    }
    /** Writes what the pipe takes of the ids. */
    writeSome() {
        this.wantsWrite = false;
        if (this.written >= this.ids.length)
            return;
        let n;
        // EAGAIN comes back as an exception: without a stack trace it costs a fraction as much.
        const traces = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            n = (0,external_node_fs_.writeSync)(this.inFd, this.ids, this.written, this.ids.length - this.written);
        }
        catch (e) {
            const code = e.code;
            if (code === 'EAGAIN')
                return;
            // git stopped reading (it failed): what it printed, and its output's end, tell why.
            this.written = this.ids.length;
            this.child.stdin.destroy();
            return;
        }
        finally {
            Error.stackTraceLimit = traces;
        }
        this.written += n;
        if (this.written === this.ids.length)
            this.child.stdin.destroy();
    }
    /** Reads and parses what git has written; -1 when nothing was ready, 0 at the end of its output. */
    readSome(buffer) {
        let n;
        const traces = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            n = (0,external_node_fs_.readSync)(this.outFd, buffer, 0, buffer.length, null);
        }
        catch (e) {
            if (e.code === 'EAGAIN')
                return -1;
            throw new errors/* RelsealError */.Ng('E_GIT', `could not read from git cat-file: ${e.message}`, {
                cause: e,
            });
        }
        finally {
            Error.stackTraceLimit = traces;
        }
        if (n === 0) {
            this.eof = true;
            this.child.stdout.destroy();
        }
        else
            this.parse(buffer.subarray(0, n));
        return n;
    }
    /** Parses one piece of cat-file's output: `<oid> blob <size>\n<bytes>\n` an object. */
    parse(view) {
        const end = view.length;
        let pos = 0;
        while (pos < end) {
            if (this.state === 'header') {
                const nl = view.indexOf(0x0a, pos);
                if (nl < 0) {
                    const rest = Buffer.from(view.subarray(pos));
                    this.partial = this.partial === undefined ? rest : Buffer.concat([this.partial, rest]);
                    if (this.partial.length > 1024)
                        this.refuse(this.partial, 0, 1024);
                    return;
                }
                if (this.partial === undefined)
                    this.startBlob(view, pos, nl);
                else {
                    const line = Buffer.concat([this.partial, view.subarray(pos, nl)]);
                    this.partial = undefined;
                    this.startBlob(line, 0, line.length);
                }
                pos = nl + 1;
            }
            else if (this.state === 'body') {
                const take = Math.min(this.remaining, end - pos);
                const part = view.subarray(pos, pos + take);
                // A blob whose bytes are all in this read (most of a source tree) is hashed in one call.
                if (this.hash === undefined && take === this.remaining)
                    this.digest = sha256Hex(part);
                else
                    (this.hash ??= (0,external_node_crypto_.createHash)('sha256')).update(part);
                this.kept?.push(Buffer.from(part));
                this.remaining -= take;
                pos += take;
                if (this.remaining === 0)
                    this.state = 'newline';
            }
            else {
                if (view[pos] !== 0x0a)
                    this.refuse(view, pos, Math.min(end, pos + 80));
                pos += 1;
                this.finishBlob();
            }
        }
    }
    startBlob(line, start, end) {
        if (this.done >= this.share.length)
            this.refuse(line, start, end);
        const idAt = this.idStart[this.done];
        const idLen = this.idStart[this.done + 1] - 1 - idAt;
        const sizeAt = start + idLen + BLOB_TAG.length;
        let size = 0;
        let ok = end > sizeAt &&
            end - sizeAt <= 15 &&
            this.ids.compare(line, start, start + idLen, idAt, idAt + idLen) === 0 &&
            BLOB_TAG.compare(line, start + idLen, sizeAt) === 0;
        for (let i = sizeAt; ok && i < end; i++) {
            const d = line[i] - 0x30;
            if (d < 0 || d > 9)
                ok = false;
            size = size * 10 + d;
        }
        if (!ok)
            this.refuse(line, start, end);
        const symlink = this.list.kinds[this.share[this.done]] === RAW_SYMLINK;
        if (symlink && size > MAX_LINK_TARGET_BYTES) {
            const where = JSON.stringify(this.current().path);
            throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${where} is a symlink whose target is ${size} bytes; no checkout can hold a link target over ${MAX_LINK_TARGET_BYTES} bytes (PATH_MAX), so this commit cannot be installed: fix the link and commit again`);
        }
        this.size = this.remaining = size;
        this.hash = undefined;
        this.digest = size === 0 ? EMPTY_SHA256 : '';
        this.kept = symlink ? [] : undefined;
        this.state = size === 0 ? 'newline' : 'body';
    }
    finishBlob() {
        const i = this.share[this.done++];
        if (this.kept !== undefined)
            this.into.fixed.set(i, Buffer.concat(this.kept));
        else {
            const f = this.list.fileOf[i];
            this.into.hex[f] = this.hash === undefined ? this.digest : this.hash.digest('hex');
            this.into.sizes[f] = this.size;
        }
        this.kept = undefined;
        this.hash = undefined;
        this.state = 'header';
        this.report(this.size);
    }
    /** An answer that is not the blob asked for: a missing object names its path. */
    refuse(line, start, end) {
        const text = line.toString('latin1', start, end);
        const blob = this.done < this.share.length ? this.current() : undefined;
        const where = JSON.stringify(blob?.path);
        if (blob !== undefined && text === `${blob.oid} missing`) {
            throw new errors/* RelsealError */.Ng('E_GIT', `object ${blob.oid} (${where}) is missing from the object store; fetch the commit again`);
        }
        if (blob !== undefined && text.startsWith(`${blob.oid} `)) {
            throw new errors/* RelsealError */.Ng('E_GIT', `object ${blob.oid} (${where}) is not a blob (git cat-file says ${JSON.stringify(text)}); the commit's tree is damaged, fetch it again`);
        }
        throw new errors/* RelsealError */.Ng('E_GIT', `git cat-file answered ${JSON.stringify(text.slice(0, 120))} where ${blob === undefined ? 'no more objects' : `object ${blob.oid} (${where})`} was expected`);
    }
    /** The error for output that ended early, once git has exited and its error output is in. */
    async stoppedEarly() {
        this.child.stdin.destroy();
        this.child.stdout.destroy();
        await this.git.closed;
        return new errors/* RelsealError */.Ng('E_GIT', `git cat-file stopped after ${this.done} of ${this.share.length} objects: ${this.git.stderr.trim() || 'no output'}`);
    }
}
const napCell = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps the calling thread (no event loop turn): git is still working on the next bytes. */
function nap(ms) {
    Atomics.wait(napCell, 0, 0, ms);
}
/**
 * Feeds every stream its ids and parses all their output, until each has answered for every blob.
 *
 * The pipes are read with readSync into one 1 MiB buffer rather than through the event loop: the
 * event loop wakes for each write git makes (about one a blob), and on a tree of small files those
 * wake-ups, reads and 64 KiB Buffers cost more than hashing. Read when it has piled up, git's output
 * comes a socket buffer (~200 KB) at a time: a tenth of the reads. When nothing is ready the thread
 * naps (50 µs, doubling up to 0.5 ms), and it goes back to its event loop every 16 ms, so signals,
 * progress and git's error output are still handled.
 */
async function pump(streams, how) {
    for (const s of streams) {
        // A process that failed to start (no git on PATH) says so on the next turn of the event loop.
        if (s.child.pid === undefined)
            await new Promise((resolve) => setImmediate(resolve));
        if (s.git.spawnError !== undefined || s.child.pid === undefined) {
            const why = s.git.spawnError?.message ?? 'it did not start';
            throw new errors/* RelsealError */.Ng('E_GIT', `could not start git cat-file: ${why}`, { cause: s.git.spawnError });
        }
    }
    const raw = streams.every((s) => {
        s.inFd = rawFd(s.child.stdin);
        s.outFd = rawFd(s.child.stdout);
        return s.inFd !== undefined && s.outFd !== undefined;
    });
    if (how.events === true || !raw || !streams.every((s) => stopEventReads(s.child.stdout))) {
        how.took?.('events');
        return pumpEvents(streams);
    }
    how.took?.('direct');
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    await new Promise((resolve, reject) => {
        let wait = MIN_NAP_MS;
        const slice = () => {
            const until = performance.now() + SLICE_MS;
            try {
                for (;;) {
                    let open = 0;
                    let got = 0;
                    for (const s of streams) {
                        if (s.eof)
                            continue;
                        open++;
                        if (s.wantsWrite)
                            s.writeSome();
                        const n = s.readSome(buffer);
                        if (n > 0) {
                            got += n;
                            // git took ids to answer: there may be room for more.
                            s.wantsWrite = true;
                        }
                    }
                    if (open === 0)
                        return resolve();
                    if (got >= FULL_READ_BYTES)
                        wait = MIN_NAP_MS;
                    else {
                        // Little came: let git's output pile up rather than read it a blob at a time.
                        nap(wait);
                        wait = got > 0 ? MIN_NAP_MS : Math.min(MAX_NAP_MS, wait * 2);
                        // Nothing at all came: git may be waiting for ids (with answers still in its buffer).
                        if (got === 0)
                            for (const s of streams)
                                s.wantsWrite = true;
                    }
                    if (performance.now() >= until)
                        return void setImmediate(slice);
                }
            }
            catch (e) {
                reject(e instanceof Error ? e : new Error(String(e)));
            }
        };
        slice();
    });
    for (const s of streams)
        if (s.done < s.total)
            throw await s.stoppedEarly();
}
/** The same through the event loop, where a pipe has no descriptor to read directly (Windows). */
async function pumpEvents(streams) {
    await Promise.all(streams.map((s) => new Promise((resolve, reject) => {
        s.child.stdout.on('data', (chunk) => {
            try {
                s.parse(chunk);
            }
            catch (e) {
                s.child.stdout.destroy();
                reject(e instanceof Error ? e : new Error(String(e)));
            }
        });
        s.child.stdout.once('end', () => resolve());
        s.child.stdout.once('close', () => resolve());
        s.child.stdin.end(s.ids);
    })));
    for (const s of streams)
        if (s.done < s.total)
            throw await s.stoppedEarly();
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(8161);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __nccwpck_require__(3136);
// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __nccwpck_require__(5919);
;// CONCATENATED MODULE: ../../src/tree/hash-worker.ts
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
if (!external_node_worker_threads_.isMainThread && external_node_worker_threads_.workerData === HASH_WORKER_TAG && external_node_worker_threads_.parentPort) {
    const port = external_node_worker_threads_.parentPort;
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
            const code = e instanceof errors/* RelsealError */.Ng ? e.code : 'E_UNREADABLE';
            port.postMessage({ error: { code, message: e.message } });
        }
    });
}

;// CONCATENATED MODULE: ../../src/tree/hash-pool.ts







/** Below these, starting threads costs more than it saves. */
const INLINE_MAX_FILES = 256;
const INLINE_MAX_BYTES = 32 * 1024 * 1024;
/**
 * Files per batch; fewer when there are few files, so a handful of large files still spread.
 * Threads take batches from a shared counter, so a batch costs no message and batches can be small.
 */
const MAX_BATCH_FILES = 64;
const BATCHES_PER_THREAD = 16;
/**
 * The calling thread reads no file larger than this: one read of a multi-GB file would keep it
 * from handling SIGINT/SIGTERM for seconds (issue 23: signals end work promptly). A batch holding
 * a larger file goes to one more worker, which takes the calling thread's place.
 */
const CALLING_THREAD_MAX_FILE_BYTES = 64 * 1024 * 1024;
// The compiled worker sits beside this module in build/; when running from TypeScript sources
// (tests) or from an action bundle, it is absent and hashing stays on the calling thread. The name
// is built at run time so bundlers do not relocate the TypeScript source as an asset.
const WORKER_NAME = ['hash-worker', 'js'].join('.');
const workerFile = (0,external_node_url_.fileURLToPath)(new URL(`./${WORKER_NAME}`, import.meta.url));
/** True when hashing threads can be started from this build. */
function canUseHashThreads() {
    return (0,external_node_fs_.existsSync)(workerFile);
}
function defaultThreads() {
    return Math.min((0,external_node_os_.availableParallelism)(), 4);
}
function startWorker() {
    const w = new external_node_worker_threads_.Worker(workerFile, { workerData: HASH_WORKER_TAG, execArgv: [] });
    // An idle thread never keeps the process alive; errors surface when it is given work.
    w.unref();
    w.on('error', () => { });
    return w;
}
/**
 * Starts the worker threads that hashing with `concurrency` threads uses (the calling thread is one
 * of them; default: the machine's parallelism, at most 4), or returns undefined when this build has
 * none or one thread is asked for.
 */
function startHashThreads(concurrency) {
    const count = (concurrency ?? defaultThreads()) - 1;
    if (count < 1 || !canUseHashThreads())
        return undefined;
    const workers = Array.from({ length: count }, startWorker);
    let closed = false;
    return {
        workers,
        close: () => {
            if (closed)
                return;
            closed = true;
            for (const w of workers)
                void w.terminate();
        },
    };
}
function totalSize(base, paths) {
    let sum = 0;
    for (const p of paths) {
        try {
            sum += (0,external_node_fs_.lstatSync)(base + p).size;
        }
        catch {
            /* the hasher reports the real error */
        }
    }
    return sum;
}
function hashInline(base, paths, options) {
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const out = allocDigests(paths.length, false);
    let bytes = 0;
    for (let i = 0; i < paths.length; i++) {
        hashFileInto(base + paths[i], paths[i], buffer, Number.POSITIVE_INFINITY, out, i);
        bytes += out.sizes[i];
        if (options.onProgress && (i % 512 === 511 || i === paths.length - 1))
            options.onProgress({ files: i + 1, bytes });
    }
    return out;
}
/**
 * Hashes the files `base + path` for each of `paths` (errors name a file by its path) in parallel
 * threads (each streams its files) and returns their digests in the order of `paths`, whatever the
 * thread count, so results are deterministic. `base` is '' (paths relative to the process's
 * directory) or a directory ending in `/`.
 */
async function hashFiles(base, paths, options = {}) {
    const given = options.threads?.workers.length;
    const threads = Math.min(options.concurrency ?? (given === undefined ? defaultThreads() : given + 1), paths.length);
    if (threads <= 1 || (given === undefined && !canUseHashThreads()))
        return hashInline(base, paths, options);
    const small = paths.length < INLINE_MAX_FILES && totalSize(base, paths) < INLINE_MAX_BYTES;
    if (options.concurrency === undefined && small)
        return hashInline(base, paths, options);
    const workers = options.threads ? options.threads.workers.slice(0, threads - 1) : [];
    const own = [];
    while (workers.length < threads - 1) {
        const w = startWorker();
        own.push(w);
        workers.push(w);
    }
    try {
        return await hashInThreads(base, paths, workers, own, options);
    }
    finally {
        for (const w of own)
            void w.terminate();
    }
}
/**
 * The calling thread and `workers` take batches from a shared counter; the calling thread hashes
 * one batch per turn of the event loop, so that messages and signals are handled between two.
 */
function hashInThreads(base, paths, workers, own, options) {
    const n = paths.length;
    const out = allocDigests(n, true);
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
    // One slot per thread: the calling thread, the workers, and one that may take its place.
    const bytes = new Float64Array(new SharedArrayBuffer((workers.length + 2) * 8));
    const batchFiles = Math.max(1, Math.min(MAX_BATCH_FILES, Math.ceil(n / ((workers.length + 1) * BATCHES_PER_THREAD))));
    const batches = Math.ceil(n / batchFiles);
    // A thread sets a batch's flag once its digests are written: batches done in a row from the first
    // are final for onReady.
    const batchDone = new Int32Array(new SharedArrayBuffer(batches * 4));
    let prefix = 0;
    const tellReady = () => {
        const before = prefix;
        while (prefix < batches && Atomics.load(batchDone, prefix) === 1)
            prefix++;
        if (prefix > before)
            options.onReady?.(out, Math.min(prefix * batchFiles, n));
    };
    const job = {
        base,
        paths: `${paths.join('\0')}\0`,
        batchFiles,
        control: control.buffer,
        bytes: bytes.buffer,
        batchDone: batchDone.buffer,
        hex: out.hex.buffer,
        sizes: out.sizes.buffer,
        executable: out.executable.buffer,
    };
    const progress = () => options.onProgress?.({
        files: Atomics.load(control, FILES_DONE),
        bytes: bytes.reduce((a, b) => a + b, 0),
    });
    return new Promise((resolve, reject) => {
        let settled = false;
        let working = 0;
        let hereDone = false;
        const detach = [];
        const busy = [];
        // Workers report nothing until they are done: progress is read from the shared counters.
        const timer = options.onProgress ? setInterval(progress, 100) : undefined;
        const settle = () => {
            settled = true;
            clearInterval(timer);
            for (const off of detach)
                off();
            for (const w of busy)
                w.unref();
        };
        const fail = (err) => {
            if (settled)
                return;
            Atomics.store(control, STOP, 1);
            settle();
            // A thread may still be reading; ending it stops the rest of the work at once.
            for (const w of busy)
                void w.terminate();
            reject(err);
        };
        const finishIfDone = () => {
            if (settled || !hereDone || working > 0)
                return;
            settle();
            progress();
            resolve(out);
        };
        const stopped = (code) => fail(new errors/* RelsealError */.Ng('E_UNREADABLE', `a hashing thread stopped early (exit ${code}); hash again`));
        const use = (w, slot, first) => {
            const message = (res) => {
                if (settled)
                    return;
                if ('error' in res)
                    return fail(new errors/* RelsealError */.Ng(res.error.code, res.error.message));
                working--;
                finishIfDone();
            };
            w.on('message', message).on('error', fail).on('exit', stopped);
            detach.push(() => w.off('message', message).off('error', fail).off('exit', stopped));
            busy.push(w);
            // A working thread keeps the process alive until its answer is in.
            w.ref();
            working++;
            w.postMessage({ ...job, slot, ...(first === undefined ? {} : { first }) });
        };
        const here = {
            count: n,
            pathOf: (i) => paths[i],
            base,
            batchFiles,
            control,
            bytes,
            slot: 0,
            batchDone,
            out,
            buffer: Buffer.allocUnsafe(READ_CHUNK_BYTES),
        };
        const hashHere = () => {
            if (settled)
                return;
            const b = Atomics.add(control, NEXT_BATCH, 1);
            if (b >= batches) {
                hereDone = true;
                return finishIfDone();
            }
            try {
                if (!hashBatch(here, b, CALLING_THREAD_MAX_FILE_BYTES)) {
                    // Too large to read here: one more worker takes this batch, and the calling thread's place.
                    const w = startWorker();
                    own.push(w);
                    hereDone = true;
                    return use(w, workers.length + 1, b);
                }
            }
            catch (e) {
                return fail(e);
            }
            if (options.onReady) {
                try {
                    tellReady();
                }
                catch (e) {
                    return fail(e);
                }
            }
            setImmediate(hashHere);
        };
        workers.forEach((w, k) => use(w, k + 1));
        setImmediate(hashHere);
    });
}

;// CONCATENATED MODULE: ../../src/tree/hash-tree.ts
















/** True when `dir` (absolute) is the process's working directory `cwd`, by name or through symlinks. */
function isProcessDirectory(dir, cwd) {
    if (dir === cwd)
        return true;
    try {
        return (0,external_node_fs_.realpathSync)(dir) === cwd;
    }
    catch {
        return false;
    }
}
function assertDirectory(dir) {
    let st;
    try {
        st = (0,external_node_fs_.statSync)(dir);
    }
    catch {
        throw new errors/* RelsealError */.Ng('E_NOT_FOUND', `${dir} does not exist; pass the path of a checkout or a directory`);
    }
    if (!st.isDirectory())
        throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${dir} is not a directory; pass the directory that holds the tree`);
}
/**
 * Writes a tree's canonical listing (hashed in chunks, docs/code-hash.md) and file manifest from its
 * flat listing and digests, without an object per path. `advance` writes the entries whose digests
 * are ready, in order, while the files are still being hashed; `finish` writes the rest.
 */
function treeWriter(raw, fileOf, order) {
    const { paths, kinds, fixed } = raw;
    const n = paths.length;
    const at = (k) => (order === undefined ? k : order[k]);
    let digests;
    // mode, digest and size of path i
    let mode = '100644';
    let sha256 = '';
    let size = 0;
    /** A regular file's mode bit: fixed by its kind, or (RAW_REGULAR) its owner execute bit as read. */
    const executable = (kind, f) => kind === RAW_EXECUTABLE || (kind === RAW_REGULAR && digests.executable[f] === 1);
    const describe = (i) => {
        const kind = kinds[i];
        if (kind === RAW_SUBMODULE) {
            mode = '160000';
            sha256 = fixed.get(i);
            size = 0;
        }
        else if (kind === RAW_SYMLINK) {
            const content = fixed.get(i);
            mode = '120000';
            sha256 = sha256Hex(content);
            size = content.length;
        }
        else {
            const f = fileOf === undefined ? i : fileOf[i];
            mode = executable(kind, f) ? '100755' : '100644';
            sha256 = digestHex(digests, f);
            size = digests.sizes[f];
        }
    };
    const code = (0,external_node_crypto_.createHash)('sha256');
    const listing = new ByteWriter(1 << 16, (chunk) => code.update(chunk));
    const manifest = new ByteWriter(n * 100, undefined);
    listing.text(CODE_HASH_DOMAIN);
    let bytes = 0;
    let k = 0;
    /** Writes the next entries, up to the first file whose index is `ready` or more. */
    const advance = (from, ready) => {
        digests = from;
        const hex = digests.hex;
        for (; k < n; k++) {
            const i = at(k);
            const kind = kinds[i];
            const f = kind >= RAW_SYMLINK ? -1 : fileOf === undefined ? i : fileOf[i];
            if (f >= ready)
                return;
            const path = paths[i];
            // `<mode> <sha256> <size> <path>\0`, and for a file `<sha256>  <path>\n`
            listing.room(6 + 1 + 64 + 1 + 20 + 1 + 3 * path.length + 1);
            if (f < 0) {
                describe(i);
                listing.text(mode);
                listing.byte(0x20);
                listing.text(sha256);
            }
            else {
                listing.text(executable(kind, f) ? '100755' : '100644');
                listing.byte(0x20);
                listing.bytes(hex, f * 64, f * 64 + 64);
                size = digests.sizes[f];
            }
            listing.byte(0x20);
            listing.decimal(size);
            listing.byte(0x20);
            const start = listing.pos;
            listing.text(path);
            const end = listing.pos;
            listing.byte(0);
            bytes += size;
            if (f < 0)
                continue;
            manifest.room(1 + 64 + 2 + 2 * (end - start) + 1);
            if (needsEscape(listing.buf, start, end)) {
                manifest.text(manifestLine(digestHex(digests, f), path));
                continue;
            }
            manifest.bytes(hex, f * 64, f * 64 + 64);
            manifest.byte(0x20);
            manifest.byte(0x20);
            manifest.bytes(listing.buf, start, end);
            manifest.byte(0x0a);
        }
    };
    const finish = (from) => {
        advance(from, Number.POSITIVE_INFINITY);
        code.update(listing.written());
        const manifestBytes = manifest.written();
        let entries;
        let fileManifest;
        const lazy = { enumerable: true, configurable: true };
        const value = { enumerable: true, configurable: true, writable: true };
        // The entries and the manifest's text are made when asked for (`relseal hash` asks for
        // neither); the properties are in the order of TreeHash, as a plain object's would be.
        return Object.defineProperties({}, {
            entries: {
                ...lazy,
                get() {
                    if (entries === undefined) {
                        entries = new Array(n);
                        for (let e = 0; e < n; e++) {
                            const i = at(e);
                            describe(i);
                            entries[e] = { path: paths[i], kind: KIND_OF_MODE[mode], mode, size, sha256 };
                        }
                    }
                    return entries;
                },
            },
            codeHash: { ...value, value: `sha256:${code.digest('hex')}` },
            fileManifest: { ...lazy, get: () => (fileManifest ??= manifestBytes.toString('utf8')) },
            fileManifestHash: { ...value, value: `sha256:${sha256Hex(manifestBytes)}` },
            files: { ...value, value: n },
            bytes: { ...value, value: bytes },
        });
    };
    return { advance, finish };
}
/** True when the bytes hold a backslash, newline or carriage return (sha256sum escapes them). */
function needsEscape(b, from, to) {
    for (let j = from; j < to; j++) {
        const c = b[j];
        if (c === 0x5c || c === 0x0a || c === 0x0d)
            return true;
    }
    return false;
}
async function hashRaw(raw, options, threads) {
    const { paths, kinds } = raw;
    let count = 0;
    for (let i = 0; i < paths.length; i++)
        if (kinds[i] < RAW_SYMLINK)
            count++;
    // Only regular files go to the hasher; fileOf maps a path's index to its file's (when they differ).
    let files = paths;
    let fileOf;
    if (count < paths.length) {
        const some = [];
        fileOf = new Int32Array(paths.length).fill(-1);
        for (let i = 0; i < paths.length; i++) {
            if (kinds[i] >= RAW_SYMLINK)
                continue;
            fileOf[i] = some.length;
            some.push(paths[i]);
        }
        files = some;
    }
    // In byte order already (a git index always is), the listing is written while files are hashed.
    const order = byteOrder(paths);
    const writer = treeWriter(raw, fileOf, order);
    const digests = await hashFiles(raw.base, files, {
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(threads ? { threads } : {}),
        ...(order === undefined ? { onReady: writer.advance } : {}),
    });
    return writer.finish(digests);
}
/**
 * Hashes a tree: its entries, the code hash and the file manifest. Deterministic whatever the
 * OS, locale, file-system order or thread count; memory stays flat (files are streamed).
 *
 * @example
 * const { codeHash, fileManifest } = await hashTree({ dir: '.', rev: 'HEAD' })
 */
async function hashTree(options) {
    const dir = (0,external_node_path_.resolve)(options.dir);
    assertDirectory(dir);
    // Files are read by threads started now, so that their start-up overlaps listing the tree.
    const threads = options.rev === undefined ? startHashThreads(options.concurrency) : undefined;
    // The kernel looks up every component of a path it opens: when the tree is the process's
    // directory, its files are opened by their short relative paths. Should the process change
    // directory meanwhile, the tree is hashed again by absolute paths.
    const cwd = process.cwd();
    const relative = options.rev === undefined && isProcessDirectory(dir, cwd);
    try {
        const tree = await hashTreeWith(dir, options, threads, relative ? '' : undefined);
        return relative && process.cwd() !== cwd ? await hashTreeWith(dir, options, threads, undefined) : tree;
    }
    finally {
        threads?.close();
    }
}
/** The path filter of `include`/`exclude`, or undefined when neither is given (every path is kept). */
const filterOf = (options) => options.include?.length || options.exclude?.length
    ? pathFilter(options.include, options.exclude)
    : undefined;
async function hashTreeWith(dir, options, threads, base) {
    const source = options.source ?? 'auto';
    // A working tree's listing starts with the probe (git processes at once, not one after another);
    // when `dir` turns out to be no work tree, it is dropped unread.
    const probe = source === 'plain' ? Promise.resolve(undefined) : (0,git_repo/* probeRepo */.VQ)(dir, options.rev === undefined);
    const listing = source === 'plain' || options.rev !== undefined
        ? undefined
        : (async () => listGitIndex(dir, filterOf(options), probe.then((r) => r?.places), base))();
    // Likewise the commit is resolved while the repository is probed; a missing repository still
    // wins over a bad revision, as the probe's answer is looked at first.
    const resolving = source === 'plain' || options.rev === undefined ? undefined : (0,git_repo/* resolveCommit */.WL)(dir, options.rev);
    for (const early of [listing, resolving]) {
        early?.catch(() => {
            /* awaited below when it matters; otherwise its failure means nothing */
        });
    }
    const repo = await probe;
    if (repo === undefined && (source === 'git' || options.rev !== undefined)) {
        throw new errors/* RelsealError */.Ng('E_NOT_A_REPO', `${dir} is not a git repository; run it in a clone, or hash it as a plain directory without --rev`);
    }
    if (options.rev !== undefined) {
        const commit = await resolving;
        const tree = await hashCommitTree(dir, commit, repo.prefix, filterOf(options), options.onProgress);
        // The same flat finish as a working tree's (its lazy getters are kept: Object.assign adds to
        // the result, it does not copy it). ls-tree lists in byte order, so the order is only checked.
        const writer = treeWriter(tree.raw, tree.fileOf, byteOrder(tree.raw.paths));
        return Object.assign(writer.finish(tree.digests), { commit });
    }
    if (repo !== undefined) {
        if (!repo.workTree) {
            throw new errors/* RelsealError */.Ng('E_BAD_INPUT', `${dir} is a bare repository with no working tree; pass --rev to hash a commit`);
        }
        const raw = await listing;
        // A conversion refusal wins over any error from hashing the converted bytes.
        const [hashed, checked] = await Promise.allSettled([hashRaw(raw, options, threads), raw.pending]);
        if (checked.status === 'rejected')
            throw checked.reason;
        if (hashed.status === 'rejected')
            throw hashed.reason;
        return hashed.value;
    }
    return hashRaw(listDirectory(dir, options.include ?? [], options.exclude ?? [], base), options, threads);
}

;// CONCATENATED MODULE: ../../src/tree/hash-file.ts

/**
 * Streams one file through SHA-256 (the same hasher the tree uses): for artifacts.
 *
 * @example const { sha256, size } = await hashFile('dist/app.tgz')
 */
function hashFile(path) {
    return Promise.resolve().then(() => {
        const { sha256, size } = hashFileSync(path, path, Buffer.allocUnsafe(READ_CHUNK_BYTES));
        return { sha256, size };
    });
}

;// CONCATENATED MODULE: ../../src/tree/index.ts







/***/ }),

/***/ 2613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 5317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 1421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 5574:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 3557:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
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
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(3018);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 

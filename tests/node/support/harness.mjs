// Test harness: starts the real servers on loopback and drives them with the official
// socket.io-client (4.x by default; `client: 'v2'` picks socket.io-client 2.x, the npm alias
// socket.io-client-v2). Every wait is bounded by a timeout.
import { spawn, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs'
import { tmpdir, homedir } from 'node:os'
import { join, dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { io } from 'socket.io-client'

const here = dirname(fileURLToPath(import.meta.url))
export const repoRoot = join(here, '..', '..', '..')
const require = createRequire(import.meta.url)

/**
 * The client package for `opts.client`: 'v4' (default, socket.io-client 4.x: Engine.IO v4 /
 * Socket.IO v5) or 'v2' (socket.io-client 2.x: Engine.IO v3 / Socket.IO v4), loaded on first use.
 */
function clientIo (client = 'v4') {
  if (client === 'v4') return io
  if (client === 'v2') return require('socket.io-client-v2')
  throw new Error(`unknown client ${client}: 'v4' or 'v2'`)
}

/** Opens a socket with the chosen client package; `opts.client` is not passed on. */
function openSocket (url, opts) {
  const { client, ...rest } = opts
  return clientIo(client)(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000, ...rest })
}

/** Calls fn(event, ...args) for every event the socket receives, in order (2.x has no onAny). */
function onEveryEvent (socket, fn) {
  if (typeof socket.onAny === 'function') return socket.onAny(fn)
  const onevent = socket.onevent
  socket.onevent = function (packet) {
    const args = packet.data || []
    fn(...args)
    return onevent.call(this, packet)
  }
}

export function serverBin () {
  if (process.env.BANTER_SERVER_BIN) return process.env.BANTER_SERVER_BIN
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'banter', 'target')
  return join(target, 'debug', 'banter-server')
}

export function tempDir () {
  const dir = mkdtempSync(join(tmpdir(), 'banter-test-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Reads the first stdout line of a child and returns it (bounded). */
async function firstLine (child, what, timeoutMs = 15000) {
  const rl = createInterface({ input: child.stdout })
  const stderr = []
  child.stderr.on('data', (d) => { stderr.push(d); if (stderr.length > 200) stderr.shift() })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    const line = await Promise.race([
      once(rl, 'line').then(([l]) => l),
      once(child, 'exit').then(([code]) => { throw new Error(`${what} exited (${code}) before it was ready: ${Buffer.concat(stderr).toString()}`) })
    ])
    return { line, stderr }
  } finally {
    clearTimeout(timer)
    rl.close()
  }
}

/**
 * Which store the servers of this run use: `BANTER_NODE_TESTS_STORE=postgres` runs every
 * server on PostgreSQL (the cluster named by BANTER_TEST_DATABASE_URL, scripts/services.sh),
 * each in a database of its own named after its --db path, so a restart on the same path
 * finds its data as it would in the SQLite file.
 */
export const onPostgres = process.env.BANTER_NODE_TESTS_STORE === 'postgres'

function databaseFor (dbPath) {
  const base = process.env.BANTER_TEST_DATABASE_URL
  if (!base) throw new Error('BANTER_NODE_TESTS_STORE=postgres needs BANTER_TEST_DATABASE_URL (scripts/services.sh start DIR)')
  const name = 'node_' + createHash('sha256').update(dbPath).digest('hex').slice(0, 24)
  try {
    execFileSync('psql', [base, '-qc', `CREATE DATABASE ${name}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (e) {
    if (!String(e.stderr).includes('already exists')) throw new Error(`CREATE DATABASE ${name}: ${e.stderr}`)
  }
  const u = new URL(base)
  u.pathname = '/' + name
  return u.toString()
}

/** The flags naming the store of the server whose SQLite file would be `db` (for admin commands). */
export function storeFlags (db) {
  return onPostgres ? ['--database-url', databaseFor(db)] : ['--db', db]
}

/** Everything a PostgreSQL test database holds, as text (`pg_dump`), to look for secrets in. */
export function postgresDump (db) {
  return execFileSync('pg_dump', ['--data-only', databaseFor(db)], { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 })
}

/** The store arguments for a server whose SQLite file would be `db`. */
function storeArgs (db, args) {
  if (!onPostgres) return ['--db', db]
  // uploads beside where the file would be (the default is beside the platform's data dir)
  const files = args.includes('--files-dir') ? [] : ['--files-dir', join(dirname(db), 'files')]
  return ['--database-url', databaseFor(db), ...files]
}

/** Starts banter-server; options: { db, token, port, args, env }. */
export async function startBanter (opts = {}) {
  const tmp = opts.db ? null : tempDir()
  const db = opts.db || join(tmp.dir, 'banter.db')
  const args = ['--listen', `127.0.0.1:${opts.port || 0}`, ...storeArgs(db, opts.args || []), ...(opts.args || [])]
  const env = { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn', ...(opts.env || {}) }
  delete env.BANTER_TOKEN
  if (opts.token) env.BANTER_TOKEN = opts.token
  const child = spawn(serverBin(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  // BANTER_TEST_SERVER_LOGS=DIR keeps every server's log there, to read after a failure.
  if (process.env.BANTER_TEST_SERVER_LOGS) {
    child.stderr.pipe(createWriteStream(join(process.env.BANTER_TEST_SERVER_LOGS, `banter-server-${child.pid}.log`)))
  }
  const { line, stderr } = await firstLine(child, 'banter-server')
  const m = /listening on (\S+)/.exec(line)
  if (!m) throw new Error(`unexpected first line from banter-server: ${line}`)
  const port = Number(m[1].split(':').pop())
  return {
    kind: 'banter',
    url: `http://127.0.0.1:${port}`,
    port,
    db,
    child,
    stderr: () => Buffer.concat(stderr).toString(),
    async stop (signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal)
        const t = setTimeout(() => child.kill('SIGKILL'), 5000)
        await once(child, 'exit')
        clearTimeout(t)
      }
      if (tmp && !opts.keepDb) tmp.remove()
      // A worker's panic does not stop the server, and the test may pass regardless: it is a
      // server bug all the same, so it fails the test that stopped this server.
      const panic = Buffer.concat(stderr).toString().split('\n').find((l) => l.includes('panicked at'))
      if (panic) throw new Error(`banter-server panicked: ${panic}`)
      return child.exitCode
    }
  }
}

/**
 * Starts the classic chat-tutorial server on the official socket.io; options:
 * { script, env }: e.g. script 'classic-server-v2.cjs' with env SOCKETIO_PACKAGE=socket.io-v2.2.
 */
export async function startClassic (opts = {}) {
  const script = opts.script || 'classic-server.cjs'
  const env = { ...process.env, ...(opts.env || {}) }
  const child = spawn(process.execPath, [join(here, script), '0'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const { line } = await firstLine(child, 'classic server')
  const { port } = JSON.parse(line)
  return {
    kind: 'classic',
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    async stop () {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
    }
  }
}

/**
 * A connected socket.io-client that records every event it receives, in order.
 * `client.events` is [{event, args}], `client.next(event, pred)` waits for the next match.
 */
export async function connect (url, opts = {}) {
  const socket = openSocket(url, opts)
  const events = []
  const waiters = []
  onEveryEvent(socket, (event, ...args) => {
    const entry = { event, args }
    events.push(entry)
    for (const w of [...waiters]) {
      if (w.event === event && w.pred(...args)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(args)
      }
    }
  })
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
    // 2.x reports a refusal of the default namespace (a middleware error) as 'error'
    if (opts.client === 'v2') socket.once('error', (e) => reject(refusal(e)))
  }).catch((e) => { socket.close(); throw e })
  return {
    socket,
    events,
    /** emit with an ack; resolves with the ack's argument list */
    ack (event, ...args) {
      if (typeof socket.timeout !== 'function') return this.ackArgs(event, ...args).then((a) => [a[0]])
      return socket.timeout(5000).emitWithAck(event, ...args).then(
        (res) => [res],
        (err) => { if (err instanceof Error) throw err; return [err] }
      )
    },
    /** emit and collect the raw ack argument list (any arity) */
    ackArgs (event, ...args) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ack for ${event} within 5 s`)), 5000)
        socket.emit(event, ...args, (...ackArgs) => { clearTimeout(t); resolve(ackArgs) })
      })
    },
    next (event, pred = () => true, timeoutMs = 5000) {
      const found = events.find((e) => e.event === event && pred(...e.args) && !e.taken)
      if (found) { found.taken = true; return Promise.resolve(found.args) }
      return new Promise((resolve, reject) => {
        const w = { event, pred, resolve: (args) => { clearTimeout(t); const e = events.findLast((x) => x.args === args); if (e) e.taken = true; resolve(args) } }
        const t = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`timed out waiting for ${event}`)) }, timeoutMs)
        waiters.push(w)
      })
    },
    of (event) { return events.filter((e) => e.event === event).map((e) => e.args) },
    close () { socket.disconnect() }
  }
}

/** Connects and fails with the connect_error message instead. */
export function connectError (url, opts = {}) {
  return new Promise((resolve, reject) => {
    const socket = openSocket(url, opts)
    socket.once('connect', () => { socket.disconnect(); reject(new Error('connected, but a refusal was expected')) })
    socket.once('connect_error', (err) => { socket.disconnect(); resolve(err) })
    if (opts.client === 'v2') socket.once('error', (e) => { socket.close(); resolve(refusal(e)) })
  })
}

/** A 2.x 'error' payload ({message} from socketioxide, a string from Node 2.x) as an Error. */
function refusal (e) {
  if (e instanceof Error) return e
  const err = new Error(typeof e === 'string' ? e : (e && e.message) || JSON.stringify(e))
  err.data = e
  return err
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until pred() is true, polling; bounded. */
export async function until (pred, timeoutMs = 5000, what = 'condition') {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await pred()) return
    await sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

// A throwaway Banter cluster for the multi-node tests (tests/cluster/): its own PostgreSQL and
// Redis (scripts/services.sh, in a fresh temp dir, so fault tests may restart them), N
// banter-server nodes on one database, one Redis and one files dir, and a real HAProxy in front.
//
//   const cluster = await startCluster({ nodes: 3, args: ['--rate-limit', '0'] })
//   t.after(() => cluster.stop())          // also runs when the test fails
//   connect(cluster.url)                   // through HAProxy (docs/deploy/haproxy.cfg: leastconn)
//   connect(cluster.nodes[1].url)          // on one node, for "users on different nodes"
//
// Clients use `transports: ['websocket']` (the harness's default): a WebSocket is one TCP
// connection that HAProxy pins to one node for its whole life, so no sticky sessions are
// needed; Engine.IO long-polling sends each request separately and would need them (every
// request of one session must reach the node that holds it).
//
// Every wait is bounded. BANTER_CLUSTER_KEEP=1 keeps the temp dir (node logs node-K.log,
// haproxy.log, the services' logs) for a look after a failure; its path is printed.
import { spawn, execFile, execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { connect as netConnect, createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { repoRoot, serverBin, sleep } from './harness.mjs'

const servicesScript = join(repoRoot, 'scripts', 'services.sh')
const deployHaproxyCfg = join(repoRoot, 'docs', 'deploy', 'haproxy.cfg')

/** Runs a command (bounded); resolves with stdout, rejects with its stderr in the message. */
function run (cmd, args, timeoutMs = 90_000) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** Waits until pred() is true (polling every `everyMs`); bounded. */
export async function waitFor (what, pred, timeoutMs = 10_000, everyMs = 50) {
  const end = Date.now() + timeoutMs
  let last
  while (Date.now() < end) {
    try { if (await pred()) return } catch (e) { last = e }
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`)
}

/** A free TCP port on 127.0.0.1 (free when asked; HAProxy binds it a moment later). */
async function freePort () {
  const s = createServer()
  await new Promise((resolve, reject) => { s.once('error', reject); s.listen(0, '127.0.0.1', resolve) })
  const { port } = s.address()
  await new Promise((resolve) => s.close(resolve))
  return port
}

/** Parses DIR/env (`export K=V` lines, values possibly single-quoted). */
function readEnv (file) {
  const env = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line)
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1')
  }
  return env
}

/** GET url/healthz as JSON, at most `timeoutMs`. */
export async function healthz (url, timeoutMs = 3000) {
  const res = await fetch(url + '/healthz', { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) throw new Error(`${url}/healthz: HTTP ${res.status}`)
  return res.json()
}

/**
 * Starts a banter-server process; resolves once it printed its "listening on" line.
 * stderr (the log) goes to `logFile`.
 */
async function spawnNode ({ id, port, args, databaseUrl, redisUrl, filesDir, logFile, env }) {
  const argv = ['--listen', `127.0.0.1:${port}`, '--database-url', databaseUrl, '--files-dir', filesDir,
    '--redis-url', redisUrl, '--node-id', id, '--trusted-proxy', '127.0.0.1', ...args]
  const log = createWriteStream(logFile, { flags: 'a' })
  const child = spawn(serverBin(), argv, {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stderr.pipe(log)
  const rl = createInterface({ input: child.stdout })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  try {
    const line = await Promise.race([
      once(rl, 'line').then(([l]) => l),
      once(child, 'exit').then(([code, sig]) => {
        throw new Error(`${id} exited (${code ?? sig}) before listening; its log: ${logFile}\n${tail(logFile)}`)
      })
    ])
    const m = /listening on \S+:(\d+)/.exec(line)
    if (!m) throw new Error(`${id}: unexpected first line ${JSON.stringify(line)}`)
    child.stdout.resume() // nothing else is printed there, but never let the pipe fill
    return { child, port: Number(m[1]) }
  } finally {
    clearTimeout(timer)
    rl.close()
  }
}

function tail (file, lines = 30) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') } catch { return '' }
}

/**
 * From gdb's `thread apply all bt`: per thread, the innermost frame of the process's own code
 * that names a source line, and the one lock or blocking call it waits in.
 */
export function waitingThreads (stacksFile) {
  const out = []
  for (const block of tail(stacksFile, Infinity).split(/\n(?=Thread \d+ )/).filter((b) => b.startsWith('Thread '))) {
    const frames = block.split('\n').filter((l) => /^#\d+ /.test(l))
    const own = frames.filter((l) => /banter_server::/.test(l) && / at (server\/src\/\S+)/.test(l))
    if (!own.length) continue
    const where = (l) => / at (server\/src\/\S+)/.exec(l)[1]
    const name = (l) => (/banter_server::[\w:{}]+/.exec(l) || [''])[0].replace(/::h[0-9a-f]{16}$/, '')
    const waits = frames.some((l) => /mutex\.rs|futex/.test(l) && /lock/.test(l)) ? 'a lock' : frames.some((l) => /block_on/.test(l)) ? 'block_on' : 'other'
    out.push(`${name(own[0])} (${where(own[0])}), waiting in ${waits}; outermost own frame ${name(own[own.length - 1])} (${where(own[own.length - 1])})`)
  }
  return out.length ? out : ['(no stacks: is gdb installed?)']
}

/** Waits for a child's exit (SIGKILL after `graceMs` if `signal` was gentler). */
async function stopChild (child, signal = 'SIGTERM', graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill(signal)
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(t)
}

/**
 * The HAProxy configuration: docs/deploy/haproxy.cfg, the reference the docs present, with its
 * `bind` address and its `server` lines replaced by this cluster's ports, and a stats socket
 * (to see which nodes HAProxy has up). Everything else — HTTP mode, the /healthz check,
 * `timeout tunnel`, leastconn, forwardfor — is what the tests run. Returns { text, backend }.
 */
function haproxyConfig ({ port, statsSocket, nodes }) {
  const out = []
  let bind = 0; let servers = 0; let backend = null; let global = false
  for (const line of readFileSync(deployHaproxyCfg, 'utf8').split('\n')) {
    if (/^\s*bind\s/.test(line)) { out.push(`    bind 127.0.0.1:${port}`); bind++; continue }
    if (/^\s*server\s/.test(line)) {
      if (servers++ === 0) for (const n of nodes) out.push(`    server ${n.id} 127.0.0.1:${n.port} check`)
      continue
    }
    const b = /^backend\s+(\S+)/.exec(line)
    if (b) backend = b[1]
    // The reference's maxconn needs a high open-files limit (HAProxy asks for about twice as
    // many descriptors); a test needs few connections, and this container allows 20,000.
    if (/^\s*maxconn\s/.test(line)) { out.push('    maxconn 4096'); continue }
    out.push(line)
    if (/^global\s*$/.test(line)) { out.push(`    stats socket ${statsSocket} mode 600 level admin`); global = true }
  }
  if (bind !== 1 || servers === 0 || !backend || !global) {
    throw new Error(`${deployHaproxyCfg}: expected a global section, one bind line, a backend and its server lines`)
  }
  return { text: out.join('\n') + '\n', backend }
}

/** One command on HAProxy's stats socket; resolves with its answer. */
function haproxyCommand (socketPath, command, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const sock = netConnect(socketPath)
    let out = ''
    const t = setTimeout(() => { sock.destroy(); reject(new Error(`no answer to "${command}" from HAProxy`)) }, timeoutMs)
    sock.setEncoding('utf8')
    sock.on('connect', () => sock.write(command + '\n'))
    sock.on('data', (d) => { out += d })
    sock.on('error', (e) => { clearTimeout(t); reject(e) })
    sock.on('close', () => { clearTimeout(t); resolve(out) })
  })
}

/** SIGINT/SIGTERM (Ctrl+C, a runner's timeout) exit through process.exit, so 'exit' hooks run. */
let signalsHooked = false
function exitOnSignals () {
  if (signalsHooked) return
  signalsHooked = true
  for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15]]) process.once(sig, () => process.exit(128 + n))
}

/**
 * Starts the cluster. Options:
 *   nodes    how many banter-server nodes (3)
 *   args     extra flags for every node, e.g. ['--rate-limit', '0']
 *   env      extra environment for the nodes
 */
export async function startCluster (opts = {}) {
  const count = opts.nodes ?? 3
  const args = opts.args ?? []
  // Short path: Unix socket paths (Redis, PostgreSQL) are limited to ~107 bytes.
  const dir = mkdtempSync('/tmp/banter-cluster-')
  const started = Date.now()
  const state = { nodes: [], proxy: null, stopped: false }
  const svc = (cmd) => run('bash', [servicesScript, cmd, dir])
  const cluster = {
    dir,
    url: null,
    nodes: state.nodes,
    services: null,
    stop
  }

  async function stop ({ keep = process.env.BANTER_CLUSTER_KEEP === '1' } = {}) {
    if (state.stopped) return
    state.stopped = true
    // A node that no longer answers is a server bug (a stall): its threads' stacks are kept
    // in DIR/node-K.stacks (gdb, when installed) and the dir is kept for a look.
    for (const n of state.nodes) {
      if (!n.alive() || await healthz(n.url, 3000).then(() => true, () => false)) continue
      keep = true
      const stacks = join(dir, `${n.id}.stacks`)
      await run('gdb', ['-p', String(n.child.pid), '-batch', '-ex', 'thread apply all bt 40'], 60_000)
        .then((out) => writeFileSync(stacks, out), () => {})
      console.log(`cluster: ${n.id} did not answer /healthz at the end (stalled); where its threads wait:\n  ${waitingThreads(stacks).join('\n  ')}`)
    }
    await Promise.all(state.nodes.map((n) => n.child && stopChild(n.child)))
    if (state.proxy) await stopChild(state.proxy)
    // A panic is a server bug even when every test passed (a worker's panic does not stop
    // the node): it fails the suite, once everything is stopped.
    const panicked = []
    for (const n of state.nodes) {
      const panics = tail(join(dir, `${n.id}.log`), Infinity).split('\n').filter((l) => l.includes('panicked at'))
      if (panics.length) panicked.push(`${n.id} panicked ${panics.length}x: ${panics[0]}`)
    }
    if (panicked.length) keep = true
    await svc('stop').catch((e) => console.log(`cluster: services stop: ${e.message}`))
    process.removeListener('exit', onExit)
    if (keep) console.log(`cluster: kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
    if (panicked.length) throw new Error(`cluster: ${panicked.join('; ')}`)
  }

  // A test process that ends without stop() (a crash, process.exit) leaves nothing running.
  const onExit = () => {
    for (const n of state.nodes) if (n.alive()) n.child.kill('SIGKILL')
    if (state.proxy && state.proxy.exitCode === null) state.proxy.kill('SIGKILL')
    if (state.stopped) return
    try { execFileSync('bash', [servicesScript, 'stop', dir], { stdio: 'ignore', timeout: 60_000 }) } catch {}
    if (process.env.BANTER_CLUSTER_KEEP !== '1') rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', onExit)
  exitOnSignals()

  try {
    await svc('start')
    const env = readEnv(join(dir, 'env'))
    const base = new URL(env.BANTER_TEST_DATABASE_URL)
    await run(join(env.BANTER_PG_BIN, 'psql'), [base.toString(), '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', 'CREATE DATABASE banter'])
    base.pathname = '/banter'
    const databaseUrl = base.toString()
    const redisUrl = env.BANTER_TEST_REDIS_URL
    const filesDir = join(dir, 'files')
    mkdirSync(filesDir, { recursive: true })
    const statsSocket = join(dir, 'haproxy.sock')

    const nodeCtx = (i) => ({ id: `node-${i + 1}`, args, databaseUrl, redisUrl, filesDir, logFile: join(dir, `node-${i + 1}.log`), env: opts.env })
    // Nodes one after the other: each runs the migrations (under an advisory lock) at start.
    for (let i = 0; i < count; i++) {
      const ctx = nodeCtx(i)
      const { child, port } = await spawnNode({ ...ctx, port: 0 })
      const node = {
        id: ctx.id,
        port,
        url: `http://127.0.0.1:${port}`,
        child,
        log: () => tail(ctx.logFile, 200),
        healthz: () => healthz(node.url),
        /** Whether the process runs. */
        alive: () => node.child.exitCode === null && node.child.signalCode === null,
        /** Sends `signal` (SIGKILL by default) and waits for the exit. */
        async kill (signal = 'SIGKILL') { await stopChild(node.child, signal) },
        /** Starts the node again on the same port and waits until HAProxy sends to it. */
        async restart () {
          if (node.alive()) await stopChild(node.child)
          node.child = (await spawnNode({ ...ctx, port: node.port })).child
          await waitFor(`HAProxy to see ${node.id} up`, async () => (await cluster.proxyStatus())[node.id] === 'UP', 10_000)
        }
      }
      state.nodes.push(node)
    }

    // HAProxy in the foreground (-db), a child of this process; its log on stdout.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const cfg = join(dir, 'haproxy.cfg')
      const { text, backend } = haproxyConfig({ port, statsSocket, nodes: state.nodes })
      writeFileSync(cfg, text)
      state.backend = backend
      const log = createWriteStream(join(dir, 'haproxy.log'), { flags: 'a' })
      const proxy = spawn(env.BANTER_HAPROXY || 'haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] })
      proxy.stdout.pipe(log); proxy.stderr.pipe(log)
      state.proxy = proxy
      cluster.url = `http://127.0.0.1:${port}`
      try {
        let exited = false
        await waitFor('HAProxy to proxy /healthz', async () => {
          exited = proxy.exitCode !== null
          return exited || (await healthz(cluster.url, 1000)).status !== undefined
        }, 10_000)
        if (exited) throw new Error(`haproxy exited (${proxy.exitCode}): ${tail(join(dir, 'haproxy.log'), 5)}`)
        break
      } catch (e) {
        await stopChild(proxy)
        state.proxy = null
        if (attempt >= 3) throw e // e.g. the free port was taken in between: try another
      }
    }

    /** { 'node-1': 'UP' | 'DOWN' | …, … } from HAProxy's stats. */
    cluster.proxyStatus = async () => {
      const csv = await haproxyCommand(statsSocket, 'show stat')
      const lines = csv.trim().split('\n')
      const cols = lines[0].replace(/^# /, '').split(',')
      const sv = cols.indexOf('svname'); const px = cols.indexOf('pxname'); const st = cols.indexOf('status')
      const out = {}
      for (const l of lines.slice(1)) {
        const f = l.split(',')
        if (f[px] === state.backend && f[sv] !== 'BACKEND' && f[sv] !== 'FRONTEND') out[f[sv]] = f[st].split(' ')[0]
      }
      return out
    }
    await waitFor('HAProxy to see every node up', async () => {
      const s = await cluster.proxyStatus()
      return state.nodes.every((n) => s[n.id] === 'UP')
    }, 10_000)

    /** Times a services.sh subcommand; resolves with the milliseconds it took. */
    const timed = async (cmd) => { const t0 = Date.now(); await svc(cmd); return Date.now() - t0 }
    cluster.services = {
      env,
      databaseUrl,
      redisUrl,
      restartRedis: () => timed('restart-redis'),
      stopRedis: () => timed('stop-redis'),
      startRedis: () => timed('start-redis'),
      restartPg: () => timed('restart-pg'),
      stopPg: () => timed('stop-pg'),
      startPg: () => timed('start-pg'),
      /** psql on the cluster's database; resolves with the rows as text (-At). */
      sql: (q) => run(join(env.BANTER_PG_BIN, 'psql'), [databaseUrl, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', q]).then((s) => s.trim())
    }
    cluster.startedInMs = Date.now() - started
    return cluster
  } catch (e) {
    await stop({ keep: true }) // the logs of a failed start
    throw e
  }
}

/**
 * Which node a connected socket is on: the one whose /healthz `connections` grew while
 * `connectFn` connected (call it for one client at a time). Resolves with [result, node].
 */
export async function connectCounted (cluster, connectFn) {
  const before = await Promise.all(cluster.nodes.map((n) => n.alive() ? n.healthz().then((h) => h.connections, () => 0) : 0))
  const result = await connectFn()
  let node = null
  await waitFor('the new connection to show in a /healthz', async () => {
    const now = await Promise.all(cluster.nodes.map((n) => n.alive() ? n.healthz().then((h) => h.connections, () => 0) : 0))
    const grew = now.map((c, i) => c > before[i])
    if (grew.filter(Boolean).length !== 1) return false
    node = cluster.nodes[grew.indexOf(true)]
    return true
  }, 5000)
  return [result, node]
}

// End-to-end harness: real banter-server processes, tauri-driver (one per app launch, so the
// app gets its own environment), WebdriverIO sessions on the real window, screenshots.
import { spawn, execFileSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, existsSync, openSync, closeSync, rmSync } from 'node:fs'
import { tmpdir, homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import net from 'node:net'
import { remote } from 'webdriverio'

export const ROOT = resolve(import.meta.dirname, '../../..')
const TARGET = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/banter/target')
export const APP_BIN = process.env.BANTER_APP_BIN || join(TARGET, 'debug/banter')
export const SERVER_BIN = process.env.BANTER_SERVER_BIN || join(TARGET, 'debug/banter-server')
export const CLI_BIN = process.env.BANTER_CLI_BIN || join(TARGET, 'debug/banter-cli')
export const ARTIFACTS = join(ROOT, 'test-artifacts/e2e')
mkdirSync(ARTIFACTS, { recursive: true })

/** A fresh temp dir (config, data, database…), removed when this test file's process exits;
 * BANTER_E2E_KEEP=1 keeps them to look at after a run. */
export const tmp = (prefix) => {
  const dir = mkdtempSync(join(tmpdir(), `banter-e2e-${prefix}-`))
  made.push(dir)
  return dir
}
const made = []
process.on('exit', () => {
  if (process.env.BANTER_E2E_KEEP === '1') return
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // still in use by something that outlived the test: left for the OS's tmp cleaning
    }
  }
})

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
    s.on('error', rej)
  })
}

export async function waitFor(what, fn, { timeout = 15000, every = 100 } = {}) {
  const until = Date.now() + timeout
  let last
  while (Date.now() < until) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, every))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
}

/** Starts banter-server; resolves with {url, port, proc, stop()} once it printed its address. */
export async function startServer({ port = 0, db, token, args = [] } = {}) {
  // Its log (joins, leaves, disconnects) goes to test-artifacts/e2e/, to explain a failure.
  const env = { ...process.env, RUST_LOG: 'banter_server=debug,warn' }
  delete env.BANTER_TOKEN
  if (token) env.BANTER_TOKEN = token
  const logFd = openSync(join(ARTIFACTS, `server-${basename(db)}.log`), 'a')
  const proc = spawn(SERVER_BIN, ['--listen', `127.0.0.1:${port}`, '--db', db, ...args], { env, stdio: ['ignore', 'pipe', logFd] })
  closeSync(logFd)
  const line = await new Promise((res, rej) => {
    const rl = createInterface({ input: proc.stdout })
    rl.once('line', res)
    proc.once('exit', (c) => rej(new Error(`banter-server exited with ${c}`)))
  })
  const m = line.match(/listening on (\S+)/)
  if (!m) throw new Error(`unexpected server output: ${line}`)
  const url = `http://${m[1]}`
  return {
    url,
    port: Number(m[1].split(':').pop()),
    proc,
    stop(signal = 'SIGTERM') {
      return new Promise((res) => {
        if (proc.exitCode !== null) return res()
        proc.once('exit', () => res())
        proc.kill(signal)
      })
    },
  }
}

export const connectable = (port) =>
  new Promise((res) => net.connect(port, '127.0.0.1').once('connect', function () { this.end(); res(true) }).once('error', () => res(false)))

// Every tauri-driver this process started, ended when it exits, so that a failed launch can
// never keep the test file (and CI) waiting on a live child.
const drivers = new Set()
process.once('exit', () => {
  for (const d of drivers) {
    try {
      d.kill('SIGKILL')
    } catch {}
  }
})

/** Launches the app through its own tauri-driver with `env`; returns a WebdriverIO browser.
 * A launch that fails to start a session is cleaned up and tried again (3 tries in all). */
export async function launchApp(env, { args = [] } = {}) {
  let last
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await launchOnce(env, args)
    } catch (e) {
      last = e
      console.error(`# launchApp: attempt ${attempt} failed: ${e.message}`)
    }
  }
  throw last
}

async function launchOnce(env, args) {
  const appsBefore = new Set(appProcesses())
  const port = await freePort()
  let nativePort = await freePort()
  while (nativePort === port) nativePort = await freePort()
  // a mark in the environment of everything this launch starts, so close() ends only its
  // own processes (not those of another e2e run on the same machine, started meanwhile)
  const mark = `${process.pid}-${++launches}-${Date.now()}`
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], {
    env: { ...process.env, ...env, BANTER_E2E_LAUNCH: mark },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  drivers.add(driver)
  const close = async () => {
    // The app is a grandchild (tauri-driver → WebKitWebDriver → app): note it before the
    // driver goes, because ending the session does not always end the app, and an orphaned
    // app keeps its connections (and its user names) on the server.
    const children = descendants(driver.pid)
    // and any app process this launch started that is no longer below the driver
    const started = appProcesses().filter((p) => !appsBefore.has(p) && launchOf(p) === mark)
    const apps = [...new Set([...children, ...started])].filter((p) => exeOf(p) === APP_BIN)
    try {
      await browser?.deleteSession()
    } catch {}
    driver.kill()
    await new Promise((r) => (driver.exitCode !== null || driver.signalCode !== null ? r() : driver.once('exit', r)))
    drivers.delete(driver)
    const pids = [...new Set([...children, ...started])]
    await endAll(pids)
    const survivors = appProcesses().filter((p) => !appsBefore.has(p) && launchOf(p) === mark)
    console.error(`# launch: closed app ${apps.join(',') || '(none found)'}${survivors.length ? `; STILL RUNNING: ${survivors.join(',')}` : ''}`)
  }
  let browser
  try {
    // tauri-driver listens at once but starts WebKitWebDriver beside it; a session request
    // that arrives before WebKitWebDriver listens makes tauri-driver 2.1.0 drop the
    // connection (its proxy returns the connect error to hyper: UND_ERR_SOCKET here).
    await waitFor('tauri-driver', () => connectable(port), { timeout: 10000 })
    await waitFor('WebKitWebDriver', () => connectable(nativePort), { timeout: 10000 })
    browser = await remote({
      hostname: '127.0.0.1',
      port,
      logLevel: 'error',
      connectionRetryCount: 0,
      capabilities: { 'tauri:options': { application: APP_BIN, args } },
    })
  } catch (e) {
    await close()
    throw e
  }
  /** The app process this launch started (below the driver), or undefined. */
  const appPid = () => descendants(driver.pid).find((p) => exeOf(p) === APP_BIN)
  return { browser, close, appPid }
}

let launches = 0
/** The launch mark in a process's environment (BANTER_E2E_LAUNCH), if any. */
const launchOf = (pid) => {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
    return env.find((e) => e.startsWith('BANTER_E2E_LAUNCH='))?.slice('BANTER_E2E_LAUNCH='.length)
  } catch {
    return undefined
  }
}

const exeOf = (pid) => {
  try {
    return readlinkSync(`/proc/${pid}/exe`)
  } catch {
    return undefined
  }
}

/** Every process below `pid` (exported for tests that follow the app's children). */
export { descendants, alive, exeOf }

/** Asks the app's windows to close as a window manager does when the user clicks the close
 * button (WM_DELETE_WINDOW); returns how many windows were asked. */
export function closeWindowsOf(pid) {
  return Number(execFileSync('/usr/bin/python3', [join(ROOT, 'tests/e2e/support/close-window.py'), String(pid)], { encoding: 'utf8' }).trim())
}

/** Raises the app's windows above the others (several app instances share the screen). */
export function raiseWindowsOf(pid) {
  return Number(execFileSync('/usr/bin/python3', [join(ROOT, 'tests/e2e/support/raise-window.py'), String(pid)], { encoding: 'utf8' }).trim())
}

/** The pids of running app processes (by executable). */
function appProcesses() {
  const pids = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    if (exeOf(name) === APP_BIN) pids.push(Number(name))
  }
  return pids
}

/** Every process below `pid`, read from /proc. */
function descendants(pid) {
  const parents = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(Number(name), ppid)
    } catch {}
  }
  const found = []
  const walk = (p) => {
    for (const [child, parent] of parents) {
      if (parent === p) {
        found.push(child)
        walk(child)
      }
    }
  }
  walk(pid)
  return found
}

const alive = (pid) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

/** SIGTERM, then (after 5 s) SIGKILL, for those of `pids` still running. */
async function endAll(pids) {
  const signal = (sig) => pids.filter(alive).forEach((p) => {
    try {
      process.kill(p, sig)
    } catch {}
  })
  signal('SIGTERM')
  const until = Date.now() + 5000
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
  signal('SIGKILL')
}

/** Who holds TCP connections to `port` on loopback (`ss -tnp`), to explain a failure. */
export function connectionsTo(port) {
  try {
    return execFileSync('ss', ['-tnpH', 'state', 'all', `( dport = :${port} )`], { encoding: 'utf8' }).trim()
  } catch (e) {
    return `ss failed: ${e.message}`
  }
}

/** Saves a screenshot of the app window as test-artifacts/e2e/NAME.png. Taken from the X
 * server (no window manager: the window sits at 0,0): WebKitWebDriver's own screenshot
 * command was seen to hang for good after some page updates. */
export async function shot(_browser, name) {
  const path = join(ARTIFACTS, `${name}.png`)
  await new Promise((r) => setTimeout(r, 150)) // let the last frame land
  execFileSync('/usr/bin/import', ['-window', 'root', '-crop', '1100x720+0+0', '+repage', path])
  return path
}

export function notifications(log) {
  if (!existsSync(log)) return []
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

/** Reads a secret back from the Secret Service in a separate process. */
export function keyringLookup(service, username) {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', service, 'username', username], { encoding: 'utf8' })
  } catch {
    return null
  }
}

/** Every file under `dir` that contains `needle`. */
export function filesContaining(dir, needle) {
  try {
    const out = execFileSync('grep', ['-rlF', '--', needle, dir], { encoding: 'utf8' })
    return out.split('\n').filter(Boolean)
  } catch {
    return []
  }
}

// Desktop app benchmark (figures, not a test): launch → interactive, idle memory with
// 3 rooms and 5,000 messages of history, a 1,000 msg/s burst for 10 s into one room, sizes.
// Run through bench/desktop/run.sh (Xvfb, private D-Bus session, release binaries).
import { spawn, execFileSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, statSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir, homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { remote } from 'webdriverio'
import { io } from 'socket.io-client'
import { freePort, connectable, waitFor as harnessWaitFor } from '../../tests/e2e/support/harness.mjs'

const ROOT = resolve(import.meta.dirname, '../..')
const TARGET = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/banter/target')
const APP_BIN = process.env.BANTER_APP_BIN || join(TARGET, 'release/banter')
const SERVER_BIN = process.env.BANTER_SERVER_BIN || join(TARGET, 'release/banter-server')
const LAUNCHES = Number(process.env.BENCH_LAUNCHES || 3)
const SEED = Number(process.env.BENCH_SEED || 5000)
const RATE = Number(process.env.BENCH_RATE || 1000)
const SECONDS = Number(process.env.BENCH_SECONDS || 10)
const OUT = process.env.BENCH_OUT || join(ROOT, 'bench/desktop/results.json')
const ROOMS = ['bench-a', 'bench-b', 'bench-c']
const BURST_ROOM = ROOMS[0]

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const work = mkdtempSync(join(tmpdir(), 'banter-bench-desktop-'))
const started = [] // {kind, proc} — killed by pid at the end
const log = (...a) => console.error('[bench]', ...a)

// The e2e harness's helpers, with the bench's own polling defaults (20 s, every 50 ms).
const waitFor = (what, fn, opts = {}) => harnessWaitFor(what, fn, { timeout: 20000, every: 50, ...opts })

async function startServer() {
  const db = join(work, 'server.db')
  const env = { ...process.env, RUST_LOG: 'warn' }
  delete env.BANTER_TOKEN
  const proc = spawn(SERVER_BIN, ['--listen', '127.0.0.1:0', '--db', db, '--rate-limit', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  started.push({ kind: 'banter-server', proc })
  const line = await new Promise((res, rej) => {
    createInterface({ input: proc.stdout }).once('line', res)
    proc.once('exit', (c) => rej(new Error(`banter-server exited with ${c}`)))
  })
  const m = line.match(/listening on (\S+)/)
  if (!m) throw new Error(`unexpected server output: ${line}`)
  return `http://${m[1]}`
}

// ---------- socket.io-client peers ----------
async function peer(url, username, rooms) {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true })
  await new Promise((res, rej) => {
    socket.once('connect', res)
    socket.once('connect_error', rej)
  })
  for (const room of rooms) {
    const err = await socket.timeout(10000).emitWithAck('join', { username, room, banter: { v: 1 } })
    if (err) throw new Error(`join refused: ${err}`)
  }
  return socket
}
// banter-server's profanity filter reads digits as letters ("581" → "sbi"…): numbers in
// texts are written with dots between digits, which it lets through (checked for 0–9999).
const dotted = (i, w = 5) => String(i).padStart(w, '0').split('').join('.')
let idSeq = 0
function send(socket, room, text) {
  const id = `b${process.pid}-${++idSeq}`
  return socket.timeout(30000).emitWithAck('banter:send', { id, room, text }).then((err) => {
    if (err) throw new Error(`send refused: ${err}`)
  })
}
/** Seeds `total` messages spread over the rooms, `window` in flight at a time. */
async function seed(url, total) {
  const s = await peer(url, 'seeder', ROOMS)
  const t0 = Date.now()
  let next = 0
  const worker = async () => {
    while (next < total) {
      const i = next++
      await send(s, ROOMS[i % ROOMS.length], `seed message ${dotted(i)} — some ordinary chat text of a typical length, about seventy chars`)
    }
  }
  await Promise.all(Array.from({ length: 64 }, worker))
  s.close()
  return { messages: total, ms: Date.now() - t0 }
}

// ---------- processes and memory ----------
function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}
function descendants(pid) {
  const out = []
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()
    for (const c of children(p)) {
      out.push(c)
      stack.push(c)
    }
  }
  return out
}
function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return '?'
  }
}
function exe(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]
  } catch {
    return ''
  }
}
/** The app process under a tauri-driver (tauri-driver → WebKitWebDriver → banter). */
function appPid(driverPid) {
  return descendants(driverPid).find((p) => exe(p) === APP_BIN)
}
function kb(file, key) {
  try {
    const m = readFileSync(file, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}
/** RSS and PSS (kB) of the app and every descendant (WebKitWebProcess, WebKitNetworkProcess…). */
function memory(pid, { unique = false } = {}) {
  const pids = [pid, ...descendants(pid)]
  let rss = 0
  let pss = 0
  let pssOk = true
  const procs = []
  for (const p of pids) {
    const r = kb(`/proc/${p}/status`, 'VmRSS')
    const s = kb(`/proc/${p}/smaps_rollup`, 'Pss')
    if (r === null) continue
    rss += r
    if (s === null) pssOk = false
    else pss += s
    procs.push({ pid: p, comm: comm(p), rssKB: r, pssKB: s })
  }
  // the group's resident pages counted once (PSS depends on who else maps the same libraries)
  let uniqueMB = null
  if (unique) {
    try {
      uniqueMB = JSON.parse(execFileSync('python3', [join(import.meta.dirname, 'groupmem.py'), ...procs.map((p) => String(p.pid))], { encoding: 'utf8', timeout: 30000 })).uniqueMB
    } catch (e) {
      log(`groupmem.py: ${e.message}`)
    }
  }
  return { rssMB: +(rss / 1024).toFixed(1), pssMB: pssOk ? +(pss / 1024).toFixed(1) : null, uniqueMB, procs }
}

/** WebKit processes on the machine outside our group (they share pages, lowering our PSS). */
function otherWebKit(pid) {
  const ours = new Set([pid, ...descendants(pid)])
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d) && !ours.has(Number(d)) && /^WebKit(Web|Network)Pr/.test(comm(d))).length
}

// ---------- the app ----------
async function launch(env) {
  const port = await freePort()
  const nativePort = await freePort()
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  started.push({ kind: 'tauri-driver', proc: driver })
  await waitFor('tauri-driver', () => connectable(port), { timeout: 10000 })
  // tauri-driver 2.1.0 drops a session request that arrives before WebKitWebDriver listens
  await waitFor('WebKitWebDriver', () => connectable(nativePort), { timeout: 10000 })
  const t0 = Date.now()
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    connectionRetryCount: 0,
    capabilities: { 'tauri:options': { application: APP_BIN } },
  })
  const tSession = Date.now()
  const close = async () => {
    const app = appPid(driver.pid)
    try {
      await browser.deleteSession()
    } catch {}
    driver.kill()
    await Promise.race([new Promise((r) => (driver.exitCode !== null ? r() : driver.once('exit', r))), sleep(5000)])
    // the app must be gone before the next launch
    if (app) {
      try {
        await waitFor('the app to exit', () => !existsSync(`/proc/${app}`) || /^Z/m.test(readFileSync(`/proc/${app}/status`, 'utf8').match(/State:\s+(\S)/)?.[1] ?? ''), { timeout: 5000 })
      } catch {
        process.kill(app, 'SIGKILL')
      }
    }
    await sleep(300)
    const i = started.findIndex((s) => s.proc === driver)
    if (i >= 0) started.splice(i, 1)
  }
  return { browser, driver, t0, tSession, close }
}
function appEnv(name) {
  const config = join(work, `${name}-config`)
  const data = join(work, `${name}-data`)
  mkdirSync(config, { recursive: true })
  mkdirSync(data, { recursive: true })
  return { config, data, env: { BANTER_CONFIG_DIR: config, BANTER_DATA_DIR: data, BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'warn' } }
}

/** Polls the page until `sel` (a CSS selector) is an enabled, visible input that takes focus
 * and a typed value; returns the node-side time it first did. */
async function interactiveAt(browser, probe) {
  return waitFor('an interactive window', async () => {
    const ok = await browser.execute(probe)
    return ok ? Date.now() : false
  }, { timeout: 30000, every: 10 })
}
const connectProbe = () => {
  const el = [...document.querySelectorAll('input')].find((i) => i.getAttribute('aria-label') === 'Server URL' || (i.labels && [...i.labels].some((l) => /Server URL/.test(l.textContent))))
  if (!el || el.disabled || el.readOnly || !el.offsetParent) return false
  el.focus()
  if (document.activeElement !== el) return false
  const old = el.value
  el.value = 'x'
  const took = el.value === 'x'
  el.value = old
  return took
}
const roomProbe = () => {
  const el = document.querySelector('textarea[aria-label="Message"]')
  if (!el || el.disabled || !el.offsetParent) return false
  el.focus()
  return document.activeElement === el
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function measureLaunch(url) {
  const runs = []
  for (let i = 0; i < LAUNCHES; i++) {
    const fresh = appEnv(`launch${i}`)
    const a = await launch(fresh.env)
    try {
      const tReady = await interactiveAt(a.browser, connectProbe)
      const nav = await a.browser.execute(() => ({ origin: performance.timeOrigin, dcl: performance.timing.domContentLoadedEventEnd, load: performance.timing.loadEventEnd }))
      runs.push({
        screen: 'connect',
        toInteractiveMs: tReady - a.t0,
        toSessionMs: a.tSession - a.t0,
        toNavigationStartMs: Math.round(nav.origin - a.t0),
        toDomContentLoadedMs: nav.dcl ? nav.dcl - a.t0 : null,
      })
      log(`launch ${i + 1}: interactive after ${tReady - a.t0} ms`)
      if (i === 0) {
        // the floor: memory at the connect screen, no server, no room, after 10 s
        const pid = await waitFor('the app process', () => appPid(a.driver.pid))
        const m = await settle(pid, 10000)
        runs[0].memoryAtConnectScreen = m
        log(`connect screen: RSS ${m.rssMB} MB, PSS ${m.pssMB} MB, unique ${m.uniqueMB} MB`)
      }
    } finally {
      await a.close()
    }
    await sleep(500)
  }
  // auto-joining the 3 rooms (saved settings): the room view's composer takes focus
  const auto = []
  for (let i = 0; i < LAUNCHES; i++) {
    const e = appEnv(`autojoin${i}`)
    writeSettings(e.config, url)
    const a = await launch(e.env)
    try {
      const tReady = await interactiveAt(a.browser, roomProbe)
      auto.push({ screen: 'room (3 saved rooms)', toInteractiveMs: tReady - a.t0, toSessionMs: a.tSession - a.t0 })
      log(`auto-join launch ${i + 1}: room view interactive after ${tReady - a.t0} ms`)
    } finally {
      await a.close()
    }
    await sleep(500)
  }
  return {
    connect: { runs, medianMs: median(runs.map((r) => r.toInteractiveMs)) },
    room: { runs: auto, medianMs: median(auto.map((r) => r.toInteractiveMs)) },
  }
}

function writeSettings(configDir, url) {
  writeFileSync(
    join(configDir, 'settings.json'),
    JSON.stringify({
      servers: [{ url, displayName: 'benchuser', local: false }],
      displayName: 'benchuser',
      rooms: ROOMS.map((room) => ({ server: url, room })),
    }),
  )
}

async function settle(pid, ms = 5000) {
  await sleep(ms)
  return memory(pid, { unique: true })
}

/** Installs the frame-gap monitor (requestAnimationFrame; longest gap = longest UI stall). */
const installMonitor = () => {
  const g = { max: 0, frames: 0, over50: 0, over100: 0, last: performance.now(), on: true, gaps: [] }
  const tick = (t) => {
    const d = t - g.last
    g.last = t
    g.frames++
    if (d > g.max) g.max = d
    if (d > 50) g.over50++
    if (d > 100) {
      g.over100++
      g.gaps.push(Math.round(d))
    }
    if (g.on) requestAnimationFrame(tick)
  }
  requestAnimationFrame((t) => {
    g.last = t
    requestAnimationFrame(tick)
  })
  window.__benchGaps = g
  return true
}
const readMonitor = () => {
  const g = window.__benchGaps
  return { maxGapMs: Math.round(g.max), frames: g.frames, over50: g.over50, over100: g.over100, longGaps: g.gaps.slice(0, 50) }
}
const resetMonitor = () => {
  const g = window.__benchGaps
  g.max = 0
  g.frames = 0
  g.over50 = 0
  g.over100 = 0
  g.gaps = []
  return true
}

/** Scrolls the virtualised timeline from top to bottom and collects the distinct texts of
 * the rendered rows that start with `prefix`: what the UI's model holds (every row of the
 * model passes through the DOM once on the way). */
const collectRows = async (prefix, done) => {
  const log = document.querySelector('[role="log"]')
  const seen = new Set()
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
  const grab = () => {
    for (const t of log.querySelectorAll('.text')) {
      const s = t.textContent
      if (s.startsWith(prefix)) seen.add(s)
    }
  }
  log.scrollTop = 0
  await frame()
  // The app keeps a room's newest lines in memory; older ones come back through "Load older
  // messages" (the room's history on the server), as they would for a person scrolling up.
  const more = () => {
    const b = document.querySelector('button.older')
    return b && !b.hidden ? b : null
  }
  for (let page = 0; page < 1000 && more(); page++) {
    const rowsBefore = log.querySelectorAll('.text')[0]?.textContent
    more().click()
    for (let f = 0; f < 600; f++) {
      await frame()
      log.scrollTop = 0
      if (!more() || log.querySelectorAll('.text')[0]?.textContent !== rowsBefore) break
    }
  }
  log.scrollTop = 0
  await frame()
  let stuck = 0
  let last = -1
  for (let i = 0; i < 20000; i++) {
    grab()
    if (log.scrollTop + log.clientHeight >= log.scrollHeight - 2) {
      if (++stuck > 3) break
    }
    if (log.scrollTop === last) stuck++
    last = log.scrollTop
    log.scrollTop += Math.max(50, log.clientHeight * 0.9)
    await frame()
  }
  grab()
  log.scrollTop = log.scrollHeight
  done({ count: seen.size, rows: log.querySelectorAll('.text').length })
}

async function burst(url, browser, pid) {
  const prefix = 'burst '
  const sender = await peer(url, 'burster', [BURST_ROOM])
  const witness = await peer(url, 'witness', [BURST_ROOM])
  let witnessed = 0
  witness.on('banter:message', (m) => {
    if (m.text?.startsWith(prefix)) witnessed++
  })
  // the burst room must be the one shown
  await browser.execute((room) => document.querySelector(`button[data-room="${room}"]`)?.click(), BURST_ROOM)
  await sleep(1500)
  await browser.execute(installMonitor)
  await sleep(2000)
  const baseline = await browser.execute(readMonitor)
  await browser.execute(resetMonitor)

  const samples = []
  const before = memory(pid, { unique: true })
  const sampler = setInterval(() => {
    const m = memory(pid)
    samples.push({ t: Date.now(), rssMB: m.rssMB, pssMB: m.pssMB })
  }, 200)

  const total = RATE * SECONDS
  let sent = 0
  let acked = 0
  let refused = 0
  const reasons = {}
  const pending = []
  const t0 = Date.now()
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * RATE))
    while (sent < due) {
      const i = sent++
      pending.push(
        send(sender, BURST_ROOM, `${prefix}${dotted(i)} the quick brown fox jumps over the lazy dog`)
          .then(() => acked++)
          .catch((e) => {
            refused++
            reasons[e.message] = (reasons[e.message] ?? 0) + 1
          }),
      )
    }
    await sleep(2)
  }
  const tSent = Date.now()
  await Promise.all(pending)
  const tAcked = Date.now()
  // wait for the app to show the last one
  const lastText = `${prefix}${dotted(total - 1)} `
  let tShown = null
  try {
    await waitFor('the last burst message in the window', async () => {
      const ok = await browser.execute((t) => [...document.querySelectorAll('[role="log"] .text')].some((e) => e.textContent.startsWith(t)), lastText)
      return ok
    }, { timeout: 60000, every: 100 })
    tShown = Date.now()
  } catch (e) {
    log(e.message)
  }
  const gaps = await browser.execute(readMonitor)
  await sleep(3000)
  clearInterval(sampler)
  const afterMem = memory(pid, { unique: true })
  const peak = samples.reduce((a, s) => (s.rssMB > a.rssMB ? s : a), before)
  const peakPss = samples.reduce((a, s) => Math.max(a, s.pssMB ?? 0), before.pssMB ?? 0)
  await browser.execute(() => (window.__benchGaps.on = false))
  log(`burst sent ${sent} in ${tSent - t0} ms; acked ${acked}; witness got ${witnessed}; counting rows in the app…`)
  const tCount = Date.now()
  await browser.setTimeout({ script: 600000 })
  const counted = await browser.executeAsync(collectRows, prefix)
  log(`app holds ${counted.count} burst messages (counted in ${Date.now() - tCount} ms)`)
  // settle after the burst
  await sleep(5000)
  const settled = memory(pid, { unique: true })
  sender.close()
  witness.close()
  return {
    room: BURST_ROOM,
    sent,
    acked,
    refused,
    refusedReasons: reasons,
    sendMs: tSent - t0,
    achievedRatePerS: Math.round(sent / ((tSent - t0) / 1000)),
    allAckedAfterMs: tAcked - t0,
    lastShownAfterMs: tShown ? tShown - t0 : null,
    witnessReceived: witnessed,
    appHolds: counted.count,
    lost: sent - counted.count,
    baselineIdleFrames: baseline,
    frames: gaps,
    memory: {
      beforeRssMB: before.rssMB,
      beforePssMB: before.pssMB,
      peakRssMB: peak.rssMB,
      peakPssMB: +peakPss.toFixed(1),
      afterRssMB: afterMem.rssMB,
      afterPssMB: afterMem.pssMB,
      settled5sRssMB: settled.rssMB,
      settled5sPssMB: settled.pssMB,
      beforeUniqueMB: before.uniqueMB,
      afterUniqueMB: afterMem.uniqueMB,
      settled5sUniqueMB: settled.uniqueMB,
      samples: samples.length,
    },
  }
}

function sizes() {
  const bin = APP_BIN
  const debDir = join(TARGET, 'release/bundle/deb')
  let deb = null
  if (existsSync(debDir)) {
    const f = readdirSync(debDir).filter((x) => x.endsWith('.deb'))
    if (f.length) {
      const p = join(debDir, f[0])
      const st = statSync(p)
      deb = { path: p, bytes: st.size, MB: +(st.size / 1e6).toFixed(2), built: st.mtime.toISOString() }
    }
  }
  const st = statSync(bin)
  return { binary: { path: bin, bytes: st.size, MB: +(st.size / 1e6).toFixed(2), built: st.mtime.toISOString() }, deb }
}

async function main() {
  const result = { date: new Date().toISOString(), app: APP_BIN, server: SERVER_BIN }
  result.sizes = sizes()
  const url = await startServer()
  log(`server at ${url}`)
  if (process.env.BENCH_SKIP_LAUNCH !== '1') {
    // launch before seeding: the connect screen (fresh settings), then the 3 saved rooms
    result.launch = await measureLaunch(url)
  }
  log(`seeding ${SEED} messages over ${ROOMS.length} rooms…`)
  result.seed = await seed(url, SEED)
  log(`seeded in ${result.seed.ms} ms`)

  const e = appEnv('main')
  writeSettings(e.config, url)
  const a = await launch(e.env)
  try {
    await interactiveAt(a.browser, roomProbe)
    const pid = await waitFor('the app process', () => appPid(a.driver.pid))
    // all 3 rooms shown in the sidebar
    await waitFor('3 rooms in the sidebar', async () => (await a.browser.execute(() => document.querySelectorAll('button[data-room]').length)) >= 3)
    const shown = await a.browser.execute(() => document.querySelectorAll('[role="log"] .text').length)
    const idle = await settle(pid, 10000)
    result.idle = { rooms: ROOMS.length, historySeeded: SEED, renderedRowsInActiveRoom: shown, ...idle }
    log(`idle: RSS ${idle.rssMB} MB, PSS ${idle.pssMB} MB, unique ${idle.uniqueMB} MB`)
    result.idle.otherWebKitProcesses = otherWebKit(pid)
    result.burst = await burst(url, a.browser, pid)
    result.sustained = await sustained(url, a.browser, pid)
  } finally {
    await a.close()
  }
  writeFileSync(OUT, JSON.stringify(result, null, 2))
  printTable(result)
}

/** After the burst (and the count, which loads every burst message back): the window is
 * scrolled to the bottom and the same rate runs for SECONDS again, twice, memory read after
 * each. A room keeps its newest lines only, so memory should level off, not keep growing. */
async function sustained(url, browser, pid) {
  const sender = await peer(url, 'sustainer', [BURST_ROOM])
  const rounds = []
  try {
    for (let round = 1; round <= 2; round++) {
      await browser.execute(() => {
        const log = document.querySelector('[role="log"]')
        log.scrollTop = log.scrollHeight
      })
      const total = RATE * SECONDS
      const pending = []
      const t0 = Date.now()
      let sent = 0
      while (sent < total) {
        const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * RATE))
        while (sent < due) pending.push(send(sender, BURST_ROOM, `more ${round}.${sent++} the quick brown fox jumps over the lazy dog`).catch(() => {}))
        await sleep(2)
      }
      await Promise.all(pending)
      await sleep(3000)
      const m = memory(pid, { unique: true })
      const held = await browser.execute(() => document.querySelectorAll('[role="log"] .text').length)
      rounds.push({ round, sent: total, pssMB: m.pssMB, uniqueMB: m.uniqueMB, rssMB: m.rssMB, renderedRows: held })
      log(`sustained round ${round}: ${total} more; PSS ${m.pssMB} MB, unique ${m.uniqueMB} MB`)
    }
  } finally {
    sender.close()
  }
  return rounds
}

function printTable(r) {
  const rows = []
  const row = (what, aim, value, ok) => rows.push([what, aim, value, ok === undefined ? '' : ok ? 'met' : 'MISSED'])
  if (r.launch) {
    row('launch → interactive, connect screen (median)', '< 1000 ms', `${r.launch.connect.medianMs} ms (${r.launch.connect.runs.map((x) => x.toInteractiveMs).join(', ')})`, r.launch.connect.medianMs < 1000)
    row('launch → interactive, 3 saved rooms (median)', '< 1000 ms', `${r.launch.room.medianMs} ms (${r.launch.room.runs.map((x) => x.toInteractiveMs).join(', ')})`, r.launch.room.medianMs < 1000)
    const c = r.launch.connect.runs[0].memoryAtConnectScreen
    if (c) row('memory at the bare connect screen, unique / PSS / RSS', '', `${c.uniqueMB} / ${c.pssMB} / ${c.rssMB} MB`)
  }
  row('idle memory, 3 rooms + 5,000 history, PSS (all processes)', '≤ 150 MB', `${r.idle.pssMB} MB`, r.idle.pssMB !== null && r.idle.pssMB <= 150)
  row('idle memory, all processes, pages counted once', '≤ 150 MB', `${r.idle.uniqueMB} MB`, r.idle.uniqueMB !== null && r.idle.uniqueMB <= 150)
  row('idle memory, RSS summed', '', `${r.idle.rssMB} MB (other WebKit processes on the machine: ${r.idle.otherWebKitProcesses})`)
  const b = r.burst
  row(`burst ${b.achievedRatePerS}/s × ${b.sendMs} ms: sent / acked / witnessed`, '', `${b.sent} / ${b.acked} / ${b.witnessReceived}`)
  row('burst: held by the app (lost)', 'none lost', `${b.appHolds} (${b.lost})`, b.lost === 0)
  row('burst: longest frame gap (UI stall)', '≤ 100 ms', `${b.frames.maxGapMs} ms (${b.frames.over50} frames > 50 ms of ${b.frames.frames})`, b.frames.maxGapMs <= 100)
  row('burst: PSS before → peak → after → after the count', 'bounded', `${b.memory.beforePssMB} → ${b.memory.peakPssMB} → ${b.memory.afterPssMB} → ${b.memory.settled5sPssMB} MB`)
  row('burst: unique before → after → after the count', 'bounded', `${b.memory.beforeUniqueMB} → ${b.memory.afterUniqueMB} → ${b.memory.settled5sUniqueMB} MB`)
  row('burst: RSS before → peak → after → after the count', '', `${b.memory.beforeRssMB} → ${b.memory.peakRssMB} → ${b.memory.afterRssMB} → ${b.memory.settled5sRssMB} MB`)
  for (const s of r.sustained ?? []) row(`then ${s.sent} more at ${RATE}/s (round ${s.round}): PSS / unique`, 'level', `${s.pssMB} / ${s.uniqueMB} MB`)
  row('release binary', '', `${r.sizes.binary.MB} MB`)
  if (r.sizes.deb) row(`.deb (built ${r.sizes.deb.built})`, '< 15 MB', `${r.sizes.deb.MB} MB`, r.sizes.deb.MB < 15)
  else row('.deb', '< 15 MB', 'not built (scripts/package.sh)')
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((x) => x[i].length), 4))
  const line = (x) => `| ${x.map((c, i) => c.padEnd(w[i])).join(' | ')} |`
  console.log(line(['figure', 'aim', 'measured', '']))
  console.log(line(w.map((n) => '-'.repeat(n))))
  for (const x of rows) console.log(line(x))
  console.log(`\n(details: ${OUT})`)
}

async function cleanup() {
  for (const { proc } of started.reverse()) {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM')
      await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(3000)])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    }
  }
  rmSync(work, { recursive: true, force: true })
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(async () => {
    await cleanup()
    process.exit(process.exitCode ?? 0)
  })

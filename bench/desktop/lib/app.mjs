// The app under the bench: launched through tauri-driver + WebKitWebDriver with its own
// config and data dirs, probes for "interactive", the frame-gap monitor, page statistics
// and screenshots.
import { spawn, execFileSync } from 'node:child_process'
import { writeFileSync, readFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { remote } from 'webdriverio'
import { freePort, connectable } from '../../../tests/e2e/support/harness.mjs'
import { APP_BIN, ROOT, SERVER_BIN, started, work, sleep, waitFor, log } from './common.mjs'
import { appPid, memory } from './procs.mjs'

export async function launch(env) {
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
export function appEnv(name) {
  const config = join(work, `${name}-config`)
  const data = join(work, `${name}-data`)
  mkdirSync(config, { recursive: true })
  mkdirSync(data, { recursive: true })
  return { config, data, env: { BANTER_CONFIG_DIR: config, BANTER_DATA_DIR: data, BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'warn' } }
}
/** Saved settings naming `rooms` on `url` (the app re-joins them at start). */
export function writeSettings(configDir, url, rooms) {
  writeFileSync(
    join(configDir, 'settings.json'),
    JSON.stringify({
      servers: [{ url, displayName: 'benchuser', local: false }],
      displayName: 'benchuser',
      rooms: rooms.map((room) => ({ server: url, room })),
    }),
  )
}

/** Polls the page until `probe` says yes; returns the node-side time it first did. */
export async function interactiveAt(browser, probe) {
  return waitFor('an interactive window', async () => {
    const ok = await browser.execute(probe)
    return ok ? Date.now() : false
  }, { timeout: 30000, every: 10 })
}
/** The connect screen's "Server URL" input is there, enabled, visible, takes focus and a value. */
export const connectProbe = () => {
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
/** The room view's composer is there, visible and takes focus (a room has joined). */
export const roomProbe = () => {
  const el = document.querySelector('textarea[aria-label="Message"]')
  if (!el || el.disabled || !el.offsetParent) return false
  el.focus()
  return document.activeElement === el
}

export async function settle(pid, ms = 5000) {
  await sleep(ms)
  return memory(pid, { unique: true })
}

/** Installs the frame-gap monitor (requestAnimationFrame; longest gap = longest UI stall). */
export const installMonitor = () => {
  const g = { max: 0, frames: 0, over50: 0, over100: 0, last: performance.now(), on: true, gaps: [] }
  const tick = (t) => {
    const d = t - g.last
    g.last = t
    g.frames++
    if (d > g.max) g.max = d
    if (d > 50) g.over50++
    if (d > 100) {
      g.over100++
      if (g.gaps.length < 200) g.gaps.push({ atMs: Math.round(t), gapMs: Math.round(d) })
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
export const readMonitor = () => {
  const g = window.__benchGaps
  return { maxGapMs: Math.round(g.max), frames: g.frames, over50: g.over50, over100: g.over100, longGaps: g.gaps.slice(0, 50) }
}
export const resetMonitor = () => {
  const g = window.__benchGaps
  g.max = 0
  g.frames = 0
  g.over50 = 0
  g.over100 = 0
  g.gaps = []
  return true
}

/** What the page holds: DOM nodes, timeline rows in the DOM, and the UI model's lines per
 * room when the page exposes them (window.__banterModel, ui/src/main.ts). */
export const pageStats = () => ({
  domNodes: document.getElementsByTagName('*').length,
  timelineRows: document.querySelectorAll('[role="log"] .text').length,
  sidebarRooms: document.querySelectorAll('button[data-room]').length,
  model: typeof window.__banterModel === 'function' ? window.__banterModel() : null,
})

/** A screenshot of the whole Xvfb screen (ImageMagick's import) into test-artifacts/bench/. */
export function screenshot(name) {
  const dir = join(ROOT, 'test-artifacts/bench')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.png`)
  try {
    execFileSync('import', ['-window', 'root', file], { timeout: 20000 })
    return file
  } catch (e) {
    log(`screenshot ${name}: ${e.message}`)
    return null
  }
}

/** Scrolls the virtualised timeline from top to bottom and collects the distinct texts of
 * the rendered rows that start with `prefix`: what the UI's model holds (every row of the
 * model passes through the DOM once on the way). */
export const collectRows = async (prefix, done) => {
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


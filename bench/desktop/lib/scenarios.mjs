// The scenarios of issue 12's aim 5 (the app's memory stays flat): the floor (bare connect
// screen), idle with 3 rooms × 5,000 messages, 30,000 arriving across them, 20 rooms idle,
// launch with 50 saved rooms, and a bounded soak. Each launches the app afresh.
import { APP_BIN, sleep, log, waitFor, median } from './common.mjs'
import { appPid, memory, breakdown, perProcess } from './procs.mjs'
import { peer, seed, paced, dotted } from './peers.mjs'
import { launch, appEnv, writeSettings, interactiveAt, connectProbe, roomProbe, settle, installMonitor, readMonitor, resetMonitor, pageStats, screenshot, collectRows } from './app.mjs'

export const PER_ROOM = Number(process.env.BENCH_SEED_PER_ROOM || 5000)
const RATE = Number(process.env.BENCH_RATE || 1000)
const BURST3 = Number(process.env.BENCH_BURST3_TOTAL || 30000)
const RECOVER_S = Number(process.env.BENCH_RECOVER_SECONDS || 60)
const SOAK_S = Number(process.env.BENCH_SOAK_SECONDS || 600)
const SOAK_RATE = Number(process.env.BENCH_SOAK_RATE || 20)
const SOAK_WARMUP_S = Number(process.env.BENCH_SOAK_WARMUP_SECONDS || 120)
const SOAK_FILL = Number(process.env.BENCH_SOAK_FILL || 2000)
const COUNT = process.env.BENCH_COUNT !== '0'
const PROBE_GC = process.env.BENCH_PROBE_GC === '1'
// BENCH_MONITOR=0 (or the older BENCH_SOAK_MONITOR=0): burst3 and the soak without the page's
// frame-gap monitor. It is a requestAnimationFrame loop, so the page draws every frame, which
// an idle app never does: with it the soak's web process grew 55-90 MB / 10 min, without it
// 4-8 (docs/benchmarks-desktop.md). Frame gaps are then not measured.
const MONITOR = process.env.BENCH_MONITOR !== '0' && process.env.BENCH_SOAK_MONITOR !== '0'
const noMonitor = { maxGapMs: null, over100: null, monitor: 'off (BENCH_MONITOR=0)' }
const names = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`)
const mb = (x) => (x === null || x === undefined ? '—' : `${x}`)

/** Launches the app on saved `rooms` and waits for the room view and all rooms in the sidebar. */
async function withRooms(url, name, rooms, fn) {
  const e = appEnv(name)
  writeSettings(e.config, url, rooms)
  const a = await launch(e.env)
  try {
    await interactiveAt(a.browser, roomProbe)
    const pid = await waitFor('the app process', () => appPid(a.driver.pid))
    await waitFor(`${rooms.length} rooms in the sidebar`, async () => (await a.browser.execute(() => document.querySelectorAll('button[data-room]').length)) >= rooms.length, { timeout: 60000 })
    return await fn(a.browser, pid)
  } finally {
    await a.close()
  }
}
const snapshot = async (browser, pid) => {
  const m = memory(pid, { unique: true })
  return { pssMB: m.pssMB, uniqueMB: m.uniqueMB, rssMB: m.rssMB, perProcessPssMB: perProcess(m), byMapping: breakdown(pid), page: await browser.execute(pageStats) }
}

/** The floor: the bare connect screen (fresh settings, no server, no room) after 10 s. */
export async function floor() {
  const a = await launch(appEnv('floor').env)
  try {
    await interactiveAt(a.browser, connectProbe)
    const pid = await waitFor('the app process', () => appPid(a.driver.pid))
    await sleep(10000)
    const s = await snapshot(a.browser, pid)
    log(`floor: PSS ${s.pssMB} MB, unique ${s.uniqueMB} MB`)
    return s
  } finally {
    await a.close()
  }
}

/** Idle with the 3 seeded rooms (aim a); with `burst`, then 30,000 messages across them at
 * RATE/s, memory every 500 ms, and how long until PSS is back within 30 MB of idle (aim b). */
export async function idleAndBurst3(url, rooms, withBurst) {
  return withRooms(url, 'idle3', rooms, async (browser, pid) => {
    await sleep(10000)
    const idle = await snapshot(browser, pid)
    log(`idle, ${rooms.length} rooms × ${PER_ROOM}: PSS ${idle.pssMB} MB, unique ${idle.uniqueMB} MB`)
    const out = { idle: { rooms: rooms.length, seededPerRoom: PER_ROOM, ...idle } }
    if (!withBurst) return out
    const shown = rooms[0]
    await browser.execute((room) => document.querySelector(`button[data-room="${room}"]`)?.click(), shown)
    await sleep(1500)
    if (MONITOR) {
      await browser.execute(installMonitor)
      await sleep(2000)
      await browser.execute(resetMonitor)
    }
    const sender = await peer(url, 'burster3', rooms)
    const samples = []
    const t0 = Date.now()
    const sample = () => {
      const m = memory(pid)
      samples.push({ s: +((Date.now() - t0) / 1000).toFixed(1), pssMB: m.pssMB, perProcess: perProcess(m) })
    }
    const sampler = setInterval(sample, 500)
    // per room i / rooms.length: each room's texts are numbered 0…9,999 (see dotted)
    const text = (i) => `burst3 ${dotted(Math.floor(i / rooms.length))} ${rooms[i % rooms.length]} the quick brown fox jumps over the lazy dog`
    const sent = await paced(sender, rooms, BURST3, RATE, text)
    const perRoom = Math.ceil(BURST3 / rooms.length)
    const last = `burst3 ${dotted(perRoom - 1)} ${shown} `
    let lastShownAfterMs = null
    try {
      await waitFor('the last burst message in the window', async () => browser.execute((t) => [...document.querySelectorAll('[role="log"] .text')].some((e) => e.textContent.startsWith(t)), last), { timeout: 60000, every: 100 })
      lastShownAfterMs = Date.now() - t0
    } catch (e) {
      log(e.message)
    }
    const frames = MONITOR ? await browser.execute(readMonitor) : noMonitor
    const atEnd = await snapshot(browser, pid)
    const endS = (Date.now() - t0) / 1000
    log(`burst3: ${sent.sent} sent in ${sent.sendMs} ms, acked ${sent.acked}; PSS ${atEnd.pssMB} MB; waiting for it to come back near idle (${idle.pssMB} + 30)…`)
    let backAfterS = null
    const until = Date.now() + RECOVER_S * 1000
    while (Date.now() < until) {
      await sleep(1000)
      const p = samples[samples.length - 1]?.pssMB
      if (backAfterS === null && p !== undefined && p !== null && p <= idle.pssMB + 30) backAfterS = +Math.max(0, samples[samples.length - 1].s - endS).toFixed(1)
      if (backAfterS !== null && samples[samples.length - 1].s - endS > backAfterS + 10) break
    }
    clearInterval(sampler)
    const after = await snapshot(browser, pid)
    const peak = samples.reduce((a, s) => Math.max(a, s.pssMB ?? 0), 0)
    log(`burst3: peak ${peak} MB, back within 30 MB of idle ${backAfterS === null ? 'not within ' + RECOVER_S + ' s' : backAfterS + ' s after the burst'}; now ${after.pssMB} MB`)
    // diagnostic (BENCH_PROBE_GC=1): allocation in the page until JavaScriptCore runs a full
    // collection (WebKitGTK offers the app no call for one), then the memory 10 s later: how much
    // of what stayed was garbage not yet collected
    let afterForcedGc = null
    if (PROBE_GC) {
      await browser.execute(() => {
        let keep = []
        for (let r = 0; r < 4; r++) {
          keep = []
          for (let i = 0; i < 300000; i++) keep.push({ a: i, b: `x${i}` })
        }
        keep = null
        return true
      })
      await sleep(10000)
      afterForcedGc = await snapshot(browser, pid)
      log(`burst3: after a collection forced by allocation in the page, PSS ${afterForcedGc.pssMB} MB`)
    }
    let counted = null
    if (COUNT) {
      if (MONITOR) await browser.execute(() => (window.__benchGaps.on = false))
      await browser.setTimeout({ script: 600000 })
      const tc = Date.now()
      counted = await browser.executeAsync(collectRows, `burst3 `)
      counted.ms = Date.now() - tc
      counted.expected = perRoom
      counted.lost = perRoom - counted.count
      log(`burst3: the shown room holds ${counted.count} of ${perRoom} (counted through "Load older messages" in ${counted.ms} ms)`)
    }
    sender.close()
    out.burst3 = { ...sent, t0: undefined, rooms: rooms.length, shownRoom: shown, lastShownAfterMs, frames, peakPssMB: peak, atEnd, after, backWithin30MBAfterS: backAfterS, recoverWindowS: RECOVER_S, afterForcedGc, counted, samples }
    return out
  })
}

/** 20 rooms × PER_ROOM messages, idle (aim c), with a screenshot of the window. */
export async function rooms20(url) {
  const rooms = names('bench-r', 20)
  log(`seeding ${PER_ROOM} messages into each of 20 rooms…`)
  const seeded = await seed(url, PER_ROOM * rooms.length, rooms)
  log(`seeded in ${seeded.ms} ms`)
  return withRooms(url, 'rooms20', rooms, async (browser, pid) => {
    await sleep(10000)
    const s = await snapshot(browser, pid)
    const shot = screenshot('rooms20')
    log(`20 rooms idle: PSS ${s.pssMB} MB, unique ${s.uniqueMB} MB; screenshot ${shot}`)
    return { seed: seeded, ...s, screenshot: shot }
  })
}

/** Launch → interactive with 50 saved rooms (each with 20 lines of history), 3 times (aim d). */
export async function launch50(url) {
  const rooms = names('bench-l', 50)
  const seeded = await seed(url, 20 * rooms.length, rooms)
  const runs = []
  for (let i = 0; i < Number(process.env.BENCH_LAUNCHES || 3); i++) {
    const e = appEnv(`launch50-${i}`)
    writeSettings(e.config, url, rooms)
    const a = await launch(e.env)
    try {
      const tReady = await interactiveAt(a.browser, roomProbe)
      const tAll = await waitFor('50 rooms in the sidebar', async () => ((await a.browser.execute(() => document.querySelectorAll('button[data-room]').length)) >= 50 ? Date.now() : false), { timeout: 60000, every: 10 })
      runs.push({ toInteractiveMs: tReady - a.t0, toAllRoomsMs: tAll - a.t0, toSessionMs: a.tSession - a.t0 })
      log(`50 saved rooms, launch ${i + 1}: interactive after ${tReady - a.t0} ms, all 50 in the sidebar after ${tAll - a.t0} ms`)
    } finally {
      await a.close()
    }
    await sleep(500)
  }
  return { seed: seeded, runs, medianMs: median(runs.map((r) => r.toInteractiveMs)), medianAllRoomsMs: median(runs.map((r) => r.toAllRoomsMs)) }
}

/** Least squares slope (y per second) of y over t. */
function slope(points) {
  const n = points.length
  if (n < 2) return null
  const mt = points.reduce((a, p) => a + p.t, 0) / n
  const my = points.reduce((a, p) => a + p.y, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.t - mt) * (p.y - my)
    den += (p.t - mt) ** 2
  }
  return den ? num / den : null
}

/** SOAK_S seconds at SOAK_RATE msg/s round robin over 10 rooms, the first one shown (aim e):
 * PSS every 10 s, pages counted once every 60 s, frame gaps throughout; the slope from a
 * linear fit over the samples after SOAK_WARMUP_S. */
export async function soak(url) {
  const rooms = names('bench-s', 10)
  const seeded = await seed(url, 200 * rooms.length, rooms)
  // the shown room gets enough history to start with its window full (2,000 lines read back;
  // read at the bottom, the view trims it to its window at the first line): the soak then
  // measures a steady state, not the window filling up at 2 lines a second
  const extra = await seed(url, SOAK_FILL, [rooms[0]])
  return withRooms(url, 'soak', rooms, async (browser, pid) => {
    await browser.execute((room) => document.querySelector(`button[data-room="${room}"]`)?.click(), rooms[0])
    await sleep(1000)
    const held = async () => (await browser.execute((room) => window.__banterModel?.().rooms.find((r) => r.room === room)?.lines ?? 0, rooms[0])) ?? 0
    for (let page = 0; page < 40 && (await held()) < SOAK_FILL; page++) {
      const before = await held()
      await browser.execute(() => document.querySelector('button.older')?.click())
      await waitFor('an older page', async () => (await held()) > before, { timeout: 10000 }).catch(() => {})
    }
    await browser.execute(() => {
      const log = document.querySelector('[role="log"]')
      log.scrollTop = log.scrollHeight
    })
    log(`soak: the shown room holds ${await held()} lines`)
    await sleep(10000)
    const start = await snapshot(browser, pid)
    if (MONITOR) {
      await browser.execute(installMonitor)
      await sleep(1000)
      await browser.execute(resetMonitor)
    }
    const sender = await peer(url, 'soaker', rooms)
    const samples = []
    const t0 = Date.now()
    let n = 0
    const sampler = setInterval(() => {
      n++
      const m = memory(pid, { unique: n % 6 === 0 })
      samples.push({ s: Math.round((Date.now() - t0) / 1000), pssMB: m.pssMB, uniqueMB: m.uniqueMB, perProcess: perProcess(m) })
      if (n % 6 === 0) log(`soak ${samples[samples.length - 1].s} s: PSS ${m.pssMB} MB, unique ${m.uniqueMB} MB`)
    }, 10000)
    const text = (i) => `soak ${dotted(Math.floor(i / rooms.length))} ${rooms[i % rooms.length]} an ordinary line of chat, about as long as most are`
    const sent = await paced(sender, rooms, SOAK_S * SOAK_RATE, SOAK_RATE, text)
    await sleep(2000)
    clearInterval(sampler)
    const frames = MONITOR ? await browser.execute(readMonitor) : noMonitor
    const end = await snapshot(browser, pid)
    sender.close()
    const fit = (key) => {
      const pts = samples.filter((s) => s.s >= SOAK_WARMUP_S && s[key] !== null && s[key] !== undefined).map((s) => ({ t: s.s, y: s[key] }))
      const k = slope(pts)
      return k === null ? null : { mbPer10Min: +(k * 600).toFixed(2), points: pts.length }
    }
    const all = slope(samples.filter((s) => s.pssMB !== null).map((s) => ({ t: s.s, y: s.pssMB })))
    const r = { seed: seeded, fill: extra, seconds: SOAK_S, rate: SOAK_RATE, rooms: rooms.length, warmupExcludedS: SOAK_WARMUP_S, ...sent, t0: undefined, frames, start, end, pssSlope: fit('pssMB'), uniqueSlope: fit('uniqueMB'), pssSlopeAllSamplesMbPer10Min: all === null ? null : +(all * 600).toFixed(2), samples }
    log(`soak: PSS slope ${r.pssSlope?.mbPer10Min} MB / 10 min (after ${SOAK_WARMUP_S} s), unique ${r.uniqueSlope?.mbPer10Min}; longest frame gap ${frames.maxGapMs} ms (${frames.over100} over 100 ms)`)
    return r
  })
}

/** This file's rows of the summary table. */
export function scenarioRows(r, row) {
  const f = r.floor
  if (f && !r.launch) row('memory at the bare connect screen (the floor), unique / PSS', '', `${mb(f.uniqueMB)} / ${mb(f.pssMB)} MB`)
  const within = (x, key, extra) => (f && x[key] !== null && f[key] !== null ? x[key] <= f[key] + extra : undefined)
  if (r.idle) {
    const i = r.idle
    row(`idle, ${i.rooms} rooms × ${i.seededPerRoom}: unique / PSS`, 'floor + 15 MB', `${mb(i.uniqueMB)} / ${mb(i.pssMB)} MB (floor + ${f ? (i.uniqueMB - f.uniqueMB).toFixed(1) : '?'} / ${f ? (i.pssMB - f.pssMB).toFixed(1) : '?'})`, within(i, 'uniqueMB', 15))
  }
  const b = r.burst3
  if (b) {
    row(`${b.sent} across ${b.rooms} rooms at ${b.achievedRatePerS}/s: sent / acked (refused)`, '', `${b.sent} / ${b.acked} (${b.refused})`)
    row('… PSS idle → peak → end of burst → after', '', `${r.idle.pssMB} → ${b.peakPssMB} → ${b.atEnd.pssMB} → ${b.after.pssMB} MB`)
    row('… PSS back within 30 MB of idle', 'yes', b.backWithin30MBAfterS === null ? `not within ${b.recoverWindowS} s` : `${b.backWithin30MBAfterS} s after the burst`, b.backWithin30MBAfterS !== null)
    if (b.frames.maxGapMs !== null) row('… longest frame gap', '≤ 100 ms', `${b.frames.maxGapMs} ms (${b.frames.over50} > 50 ms of ${b.frames.frames})`, b.frames.maxGapMs <= 100)
    if (b.afterForcedGc) row('… PSS after a collection forced by allocation in the page (diagnostic)', '', `${b.afterForcedGc.pssMB} MB (web process ${b.afterForcedGc.perProcessPssMB.WebKitWebProces} MB)`)
    if (b.counted) row('… shown room: held through "Load older messages" (lost)', 'none lost', `${b.counted.count} (${b.counted.lost})`, b.counted.lost === 0)
  }
  if (r.rooms20) {
    const x = r.rooms20
    row(`idle, 20 rooms × ${PER_ROOM}: unique / PSS`, 'floor + 40 MB', `${mb(x.uniqueMB)} / ${mb(x.pssMB)} MB (floor + ${f ? (x.uniqueMB - f.uniqueMB).toFixed(1) : '?'} / ${f ? (x.pssMB - f.pssMB).toFixed(1) : '?'})`, within(x, 'uniqueMB', 40))
  }
  if (r.launch50) {
    const l = r.launch50
    row('launch → interactive, 50 saved rooms (median)', '< 1000 ms', `${l.medianMs} ms (${l.runs.map((x) => x.toInteractiveMs).join(', ')}); all 50 listed: ${l.medianAllRoomsMs} ms`, l.medianMs < 1000)
  }
  if (r.soakBare) row(`soak without WebDriver, ${r.soakBare.seconds} s at ${r.soakBare.rate} msg/s: PSS slope (after ${r.soakBare.warmupExcludedS} s)`, '< 1 MB / 10 min', `${r.soakBare.pssSlopeMbPer10Min} MB / 10 min (${r.soakBare.start.pssMB} → ${r.soakBare.end.pssMB} MB)`, r.soakBare.pssSlopeMbPer10Min !== null ? r.soakBare.pssSlopeMbPer10Min < 1 : undefined)
  if (r.soak) {
    const s = r.soak
    row(`soak ${s.seconds} s at ${s.achievedRatePerS} msg/s over ${s.rooms} rooms: PSS slope (after ${s.warmupExcludedS} s)`, '< 1 MB / 10 min', `${s.pssSlope?.mbPer10Min} MB / 10 min (all samples: ${s.pssSlopeAllSamplesMbPer10Min}); unique ${s.uniqueSlope?.mbPer10Min}`, s.pssSlope ? s.pssSlope.mbPer10Min < 1 : undefined)
    row('… PSS start → end', '', `${s.start.pssMB} → ${s.end.pssMB} MB`)
    if (s.frames.maxGapMs !== null) row('… longest frame gap', '≤ 100 ms', `${s.frames.maxGapMs} ms (${s.frames.over100} > 100 ms of ${s.frames.frames})`, s.frames.maxGapMs <= 100)
  }
}

/** The soak without WebDriver (BENCH_SCENARIOS=soakbare): the app started directly on the 10
 * saved rooms, no automation session in its web process, memory only (no frame gaps: those
 * need the page). Tells whether the WebDriver session itself holds memory per message. */
export async function soakBare(url) {
  const { spawn } = await import('node:child_process')
  const { started } = await import('./common.mjs')
  const rooms = names('bench-t', 10)
  await seed(url, 200 * rooms.length, rooms)
  const e = appEnv('soakbare')
  writeSettings(e.config, url, rooms)
  const proc = spawn(APP_BIN, [], { env: { ...process.env, ...e.env }, stdio: ['ignore', 'ignore', 'inherit'] })
  started.push({ kind: 'banter', proc })
  await sleep(15000)
  const pid = proc.pid
  const start = memory(pid, { unique: true })
  const sender = await peer(url, 'soaker', rooms)
  const samples = []
  const t0 = Date.now()
  const sampler = setInterval(() => {
    const m = memory(pid)
    samples.push({ s: Math.round((Date.now() - t0) / 1000), pssMB: m.pssMB, perProcess: perProcess(m) })
  }, 10000)
  const text = (i) => `soak ${dotted(Math.floor(i / rooms.length))} ${rooms[i % rooms.length]} an ordinary line of chat, about as long as most are`
  const sent = await paced(sender, rooms, SOAK_S * SOAK_RATE, SOAK_RATE, text)
  await sleep(2000)
  clearInterval(sampler)
  const end = memory(pid, { unique: true })
  sender.close()
  const pts = samples.filter((s) => s.s >= SOAK_WARMUP_S && s.pssMB !== null).map((s) => ({ t: s.s, y: s.pssMB }))
  const k = slope(pts)
  const r = { seconds: SOAK_S, rate: SOAK_RATE, sent: sent.sent, acked: sent.acked, start: { pssMB: start.pssMB, uniqueMB: start.uniqueMB, perProcess: perProcess(start) }, end: { pssMB: end.pssMB, uniqueMB: end.uniqueMB, perProcess: perProcess(end) }, pssSlopeMbPer10Min: k === null ? null : +(k * 600).toFixed(2), warmupExcludedS: SOAK_WARMUP_S, samples }
  log(`soak without WebDriver: PSS ${start.pssMB} → ${end.pssMB} MB, slope ${r.pssSlopeMbPer10Min} MB / 10 min`)
  proc.kill('SIGTERM')
  await sleep(2000)
  return r
}

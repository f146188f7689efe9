// Desktop app benchmark (figures, not a test). Scenarios (BENCH_SCENARIOS, comma separated;
// default: all but soak): launch (→ interactive, the bare connect screen's memory: the
// floor), idle (3 rooms × 5,000 messages) + burst3 (30,000 across the 3 rooms, memory until
// back near idle), burst (10,000 into the shown room, then 2 × 10,000 more), rooms20 (20 rooms
// × 5,000 idle, a screenshot), launch50 (50 saved rooms), soak (BENCH_SOAK_SECONDS at
// 20 msg/s over 10 rooms; only when named). Run through bench/desktop/run.sh (Xvfb,
// private D-Bus session, release binaries).
import { writeFileSync, readdirSync, statSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { APP_BIN, ROOT, SERVER_BIN, TARGET, work, started, sleep, log, waitFor, median } from './lib/common.mjs'
import { appPid, memory, otherWebKit } from './lib/procs.mjs'
import { startServer, peer, seed, dotted, paced } from './lib/peers.mjs'
import { launch, appEnv, writeSettings, interactiveAt, connectProbe, roomProbe, settle, installMonitor, readMonitor, resetMonitor, collectRows } from './lib/app.mjs'
import { floor, idleAndBurst3, rooms20, launch50, soak, soakBare, scenarioRows, PER_ROOM } from './lib/scenarios.mjs'

const LAUNCHES = Number(process.env.BENCH_LAUNCHES || 3)
const RATE = Number(process.env.BENCH_RATE || 1000)
const SECONDS = Number(process.env.BENCH_SECONDS || 10)
const OUT = process.env.BENCH_OUT || join(ROOT, 'bench/desktop/results.json')
const ALL = ['launch', 'idle', 'burst3', 'burst', 'rooms20', 'launch50']
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS || ALL.join(',')).split(',').map((s) => s.trim()).filter(Boolean))
if (process.env.BENCH_SKIP_LAUNCH === '1') SCENARIOS.delete('launch')
const ROOMS = ['bench-a', 'bench-b', 'bench-c']
const BURST_ROOM = ROOMS[0]

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
    writeSettings(e.config, url, ROOMS)
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
  const paceOut = await paced(sender, [BURST_ROOM], total, RATE, (i) => `${prefix}${dotted(i)} the quick brown fox jumps over the lazy dog`)
  const { sent, acked, refused, refusedReasons: reasons, t0 } = paceOut
  const tSent = t0 + paceOut.sendMs
  const tAcked = t0 + paceOut.allAckedAfterMs
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
  const result = { date: new Date().toISOString(), app: APP_BIN, server: SERVER_BIN, scenarios: [...SCENARIOS] }
  result.sizes = sizes()
  const server = await startServer()
  const url = server.url
  log(`server at ${url}; scenarios: ${[...SCENARIOS].join(', ')}`)
  if (SCENARIOS.has('launch')) {
    // launch before seeding: the connect screen (fresh settings), then the 3 saved rooms
    result.launch = await measureLaunch(url)
    result.floor = result.launch.connect.runs[0].memoryAtConnectScreen
  } else if (SCENARIOS.has('idle') || SCENARIOS.has('rooms20') || SCENARIOS.has('burst3')) {
    result.floor = await floor()
  }
  if (SCENARIOS.has('idle') || SCENARIOS.has('burst3') || SCENARIOS.has('burst')) {
    log(`seeding ${PER_ROOM} messages into each of ${ROOMS.length} rooms…`)
    result.seed = await seed(url, PER_ROOM * ROOMS.length, ROOMS)
    log(`seeded in ${result.seed.ms} ms`)
  }
  if (SCENARIOS.has('idle') || SCENARIOS.has('burst3')) Object.assign(result, await idleAndBurst3(url, ROOMS, SCENARIOS.has('burst3')))
  if (SCENARIOS.has('burst')) {
    const e = appEnv('main')
    writeSettings(e.config, url, ROOMS)
    const a = await launch(e.env)
    try {
      await interactiveAt(a.browser, roomProbe)
      const pid = await waitFor('the app process', () => appPid(a.driver.pid))
      await waitFor('3 rooms in the sidebar', async () => (await a.browser.execute(() => document.querySelectorAll('button[data-room]').length)) >= 3)
      await settle(pid, 5000)
      result.burst = await burst(url, a.browser, pid)
      result.sustained = await sustained(url, a.browser, pid)
    } finally {
      await a.close()
    }
  }
  if (SCENARIOS.has('rooms20')) result.rooms20 = await rooms20(url)
  if (SCENARIOS.has('launch50')) result.launch50 = await launch50(url)
  if (SCENARIOS.has('soak')) result.soak = await soak(url)
  if (SCENARIOS.has('soakbare')) result.soakBare = await soakBare(url)
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
      await paced(sender, [BURST_ROOM], total, RATE, (i) => `more ${round}.${i} the quick brown fox jumps over the lazy dog`)
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
  scenarioRows(r, row)
  const b = r.burst
  if (b) {
    row(`burst ${b.achievedRatePerS}/s × ${b.sendMs} ms: sent / acked / witnessed`, '', `${b.sent} / ${b.acked} / ${b.witnessReceived}`)
    row('burst: held by the app (lost)', 'none lost', `${b.appHolds} (${b.lost})`, b.lost === 0)
    row('burst: longest frame gap (UI stall)', '≤ 100 ms', `${b.frames.maxGapMs} ms (${b.frames.over50} frames > 50 ms of ${b.frames.frames})`, b.frames.maxGapMs <= 100)
    row('burst: PSS before → peak → after → after the count', 'bounded', `${b.memory.beforePssMB} → ${b.memory.peakPssMB} → ${b.memory.afterPssMB} → ${b.memory.settled5sPssMB} MB`)
    row('burst: unique before → after → after the count', 'bounded', `${b.memory.beforeUniqueMB} → ${b.memory.afterUniqueMB} → ${b.memory.settled5sUniqueMB} MB`)
    row('burst: RSS before → peak → after → after the count', '', `${b.memory.beforeRssMB} → ${b.memory.peakRssMB} → ${b.memory.afterRssMB} → ${b.memory.settled5sRssMB} MB`)
  }
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

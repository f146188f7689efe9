// Timeline frames (issue 10's benchmark; figures, not a test): the app's longest frame
// while a room holds 2,000 lines and 100 msg/s arrive for 10 s — once with plain lines, the
// baseline, and once with markdown-rich lines carrying reactions — in the same run, against
// a real banter-server. Frames are timed in the page with requestAnimationFrame.
// Run: BENCH_SCRIPT=bench/desktop/frames.mjs bench/desktop/run.sh (release binaries; the
// debug ones with BANTER_APP_BIN / BANTER_SERVER_BIN).
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const TARGET = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/banter/target')
process.env.BANTER_APP_BIN ||= join(TARGET, 'release/banter')
process.env.BANTER_SERVER_BIN ||= join(TARGET, 'release/banter-server')
const { tmp, startServer, launchApp, waitFor } = await import('../../tests/e2e/support/harness.mjs')
const require = createRequire(import.meta.url)
const { io } = require('socket.io-client')

const ROOT = resolve(import.meta.dirname, '../..')
const LINES = Number(process.env.BENCH_LINES || 2000)
const RATE = Number(process.env.BENCH_RATE || 100)
const SECONDS = Number(process.env.BENCH_SECONDS || 10)
const OUT = process.env.BENCH_OUT || join(ROOT, 'bench/desktop/frames.json')
const log = (...a) => console.error('[frames]', ...a)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const V = { v: 1 }

const RICH = [
  '**Deploy** of `api-7` is _done_ — see https://example.org/run/7 and ~~the old plan~~',
  '> quoted from yesterday\n\n- first point\n- second with `code`\n- third',
  '```rust\nfn main() {\n    println!("hello");\n}\n```',
  '1. plan\n2. build\n3. **ship** it',
]
const EMOJI = ['👍', '🎉', '❤️', '👀']

async function account(url, name) {
  const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true })
  await new Promise((res, rej) => (s.once('connect', res), s.once('connect_error', rej)))
  const ask = (event, payload) => new Promise((res) => s.timeout(30000).emit(event, payload, (t, ...args) => res(t ? ['timeout'] : args)))
  const [err] = await ask('banter:register', { name, password: `${name}: a long password`, device: 'bench' })
  if (err) throw new Error(`register ${name}: ${err}`)
  return { s, ask }
}

/** Sends `n` lines into `room`, `inFlight` at a time; with `rich`, markdown and reactions. */
async function fill(p, room, n, rich, tag) {
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      const id = `${tag}-${i}`
      const text = rich ? RICH[i % RICH.length] : `plain line ${tag} number ${'x'.repeat(i % 40)}`
      const [err] = await p.ask('banter:send', { id, room, text })
      if (err) throw new Error(`send: ${err}`)
      if (rich) {
        for (const emoji of EMOJI.slice(0, 1 + (i % 3))) {
          const [rerr] = await p.ask('banter:react', { room, id, emoji, on: true })
          if (rerr) throw new Error(`react: ${rerr}`)
        }
      }
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
}

/** `RATE` lines a second for `SECONDS` s, paced; returns when the last is acknowledged. */
async function stream(p, room, rich, tag) {
  const total = RATE * SECONDS
  const t0 = Date.now()
  const pending = []
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE
    const wait = due - Date.now()
    if (wait > 0) await sleep(wait)
    pending.push(p.ask('banter:send', { id: `${tag}-live-${i}`, room, text: rich ? RICH[i % RICH.length] : `live ${tag} ${i}` }))
  }
  await Promise.all(pending)
}

async function scenario(url, b, p, room, rich) {
  const tag = rich ? 'rich' : 'plain'
  const [jerr] = await p.ask('join', { username: 'feeder', room, banter: V })
  if (jerr) throw new Error(`join: ${jerr}`)
  await b.execute((r) => {
    const btn = [...document.querySelectorAll('.sidebar .room')].find((x) => x.getAttribute('data-room') === r)
    btn?.click()
  }, room)
  await waitFor(`#${room} open`, async () => (await (await b.$('h1')).getText()).includes(room), { timeout: 20000 })
  const t0 = Date.now()
  await fill(p, room, LINES, rich, tag)
  await waitFor(`${LINES} lines held`, () => b.execute(() => document.querySelectorAll('[role="log"] .msg').length > 0), { timeout: 60000 })
  await sleep(1500)
  log(`${tag}: ${LINES} lines${rich ? ' with reactions' : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  // the probe: every frame's length while the stream arrives
  await b.execute(() => {
    const w = window
    w.__frames = []
    let last = performance.now()
    const tick = (t) => {
      w.__frames.push(t - last)
      last = t
      if (w.__framesOn) requestAnimationFrame(tick)
    }
    w.__framesOn = true
    requestAnimationFrame(tick)
  })
  await stream(p, room, rich, tag)
  await sleep(500)
  const frames = await b.execute(() => {
    window.__framesOn = false
    return window.__frames
  })
  const shown = await b.execute(() => document.querySelectorAll('[role="log"] .msg').length)
  const sorted = [...frames].sort((x, y) => x - y)
  const q = (f) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]
  return {
    lines: LINES,
    rich,
    rate: RATE,
    seconds: SECONDS,
    frames: frames.length,
    p50_ms: +q(0.5).toFixed(1),
    p99_ms: +q(0.99).toFixed(1),
    longest_ms: +sorted[sorted.length - 1].toFixed(1),
    over_50ms: frames.filter((f) => f > 50).length,
    rows_in_dom: shown,
  }
}

const server = await startServer({ db: join(tmp('frames-db'), 'frames.db'), args: ['--rate-limit', '0', '--profanity', 'off'] })
const app = await launchApp({ BANTER_CONFIG_DIR: tmp('frames-config'), BANTER_DATA_DIR: tmp('frames-data'), BANTER_LOG: 'warn' })
const b = app.browser
let feeder
try {
  feeder = await account(server.url, 'feeder')
  // the app joins both rooms as a guest (reactions and markdown show to guests too)
  await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 20000 })
  for (const room of ['plain', 'rich']) {
    const open = await b.$('aria/Server URL')
    if (!(await open.isDisplayed())) await (await b.$('button=+ Join a room')).click()
    for (const [label, value] of [['Server URL', server.url], ['Display name', 'viewer'], ['Room', room]]) {
      const el = await b.$(`aria/${label}`)
      await el.waitForDisplayed({ timeout: 10000 })
      await el.clearValue()
      await el.setValue(value)
    }
    await (await b.$('aria/Join')).click()
    await waitFor(`#${room} joined`, async () => (await (await b.$('h1')).getText()).includes(room), { timeout: 30000 })
  }
  const results = []
  for (const rich of [false, true]) {
    const r = await scenario(server.url, b, feeder, rich ? 'rich' : 'plain', rich)
    log(JSON.stringify(r))
    results.push(r)
  }
  const [plain, rich] = results
  console.log(`timeline frames, ${LINES} lines held, ${RATE} msg/s for ${SECONDS} s (${process.env.BANTER_APP_BIN.includes('/release/') ? 'release' : 'debug'} app):`)
  console.log(`  plain lines (baseline):          p50 ${plain.p50_ms} ms  p99 ${plain.p99_ms} ms  longest ${plain.longest_ms} ms  frames > 50 ms: ${plain.over_50ms} of ${plain.frames}`)
  console.log(`  markdown-rich with reactions:    p50 ${rich.p50_ms} ms  p99 ${rich.p99_ms} ms  longest ${rich.longest_ms} ms  frames > 50 ms: ${rich.over_50ms} of ${rich.frames}`)
  writeFileSync(OUT, JSON.stringify({ when: new Date().toISOString(), results }, null, 2))
} finally {
  feeder?.s.close()
  await app.close()
  await server.stop()
}

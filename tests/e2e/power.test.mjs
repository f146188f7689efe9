// Issue 9 item 8, sleep and network changes, in the real window. The app listens on the
// test's private session bus (BANTER_SYSTEM_BUS_ADDRESS, its test hook) where
// support/system-signals.py owns org.freedesktop.login1 and org.freedesktop.NetworkManager.
// The server goes away long enough for the room's backoff to reach several seconds (the
// banner says when the next try is), comes back on the same port, and then logind's
// PrepareForSleep(false), or NetworkManager's StateChanged to 70 (connected, global), brings
// the room back within about a second of the signal instead of at the end of its backoff.
// A look-alike signal from a process that does not own the name changes nothing.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { spawn, execFileSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { APP_BIN, SERVER_BIN, ROOT, tmp, freePort, startServer, launchApp, shot, waitFor } from './support/harness.mjs'
import { fill, sendFromComposer } from './support/ui.mjs'

assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)
assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, 'run inside scripts/e2e.sh (a private session bus)')

const appEnv = {
  BANTER_CONFIG_DIR: tmp('power-config'),
  BANTER_DATA_DIR: tmp('power-data'),
  BANTER_SERVER_BIN: SERVER_BIN,
  BANTER_LOG: 'info',
  BANTER_SYSTEM_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
}
const db = `${tmp('power-db')}/main.db`
let port
let server
let app
let b
let signals
const replies = []
let waiting = null

/** Sends a command to the stand-in; resolves with Date.now() when it says the signal is out. */
function emit(cmd) {
  return new Promise((res, rej) => {
    waiting = { cmd, res, rej }
    signals.stdin.write(`${cmd}\n`)
  })
}

/** The room's banner: [shown, text]. */
const banner = () => b.execute(() => {
  const el = document.querySelector('.room-view .banner')
  return el ? [!el.hidden, el.textContent ?? ''] : [false, '']
})

/** Stops the server and waits until the room's next try is at least `atLeast` s away; returns
 * {seenAt, seconds}. Then starts the server again on the same port. */
async function downIntoBackoff(atLeast = 5) {
  // SIGKILL: the connection dies as over a sleep or a lost network, without a goodbye (after
  // a SIGTERM the server says goodbye, and the client, seen 2026-12-01, then waits for good)
  await server.stop('SIGKILL')
  let last = null
  const seen = await waitFor(`a backoff of ${atLeast} s or more`, async () => {
    const [shown, text] = await banner()
    if (text !== last) console.log(`# banner: ${shown ? '' : '(hidden) '}${text}`)
    last = text
    const m = shown && text.match(/next try in (\d+) s/)
    return m && Number(m[1]) >= atLeast ? { seenAt: Date.now(), seconds: Number(m[1]), text } : null
  }, { timeout: 45000, every: 50 }).catch(async (e) => {
    await shot(b, 'power-no-backoff')
    throw new Error(`${e.message}; the banner said "${last}"; the page: ${await (await b.$('body')).getText()}`)
  })
  server = await startServer({ port, db })
  return seen
}

/** Watches, inside the page, for the room's banner to go (the server is Connected again). */
const watchBack = () => b.execute(() => {
  window.__backAt = null
  window.__bannerShown = false
  const el = document.querySelector('.room-view .banner')
  const check = () => {
    if (el && !el.hidden) window.__bannerShown = true
    if (el && el.hidden && window.__backAt === null) window.__backAt = Date.now()
  }
  new MutationObserver(check).observe(el, { attributes: true, attributeFilter: ['hidden'] })
})
const backAt = () => b.execute(() => window.__backAt)

async function backWithinASecond(what, cmds) {
  const seen = await downIntoBackoff()
  await shot(b, `power-${what}-waiting`)
  await watchBack()
  let at
  for (const c of cmds) at = await emit(c)
  const back = await waitFor('the room back', backAt, { timeout: 15000, every: 20 })
  const ms = back - at
  const leftInBackoff = seen.seenAt + seen.seconds * 1000 - at
  console.log(`# ${what}: room back ${ms} ms after the signal (its backoff had about ${Math.round(leftInBackoff)} ms to go; banner: "${seen.text}")`)
  assert.ok(leftInBackoff > 1500, `the backoff must outlast the 1 s window (${leftInBackoff} ms left)`)
  assert.ok(ms <= 1000, `back ${ms} ms after the signal`)
  // and it works: a message goes out and is delivered
  const text = `back after ${what}`
  await sendFromComposer(b, text)
  await waitFor('the message delivered', () =>
    b.execute((t) => [...document.querySelectorAll('.msg.own')].some((r) => r.querySelector('.text')?.textContent === t && !/Sending|Failed|Not sent/i.test(r.querySelector('.delivery')?.textContent ?? '')), text),
  )
  return ms
}

describe('sleep and network changes', { concurrency: false }, () => {
  before(async () => {
    signals = spawn('/usr/bin/python3', [join(ROOT, 'tests/e2e/support/system-signals.py')], { stdio: ['pipe', 'pipe', 'inherit'] })
    const lines = createInterface({ input: signals.stdout })
    await new Promise((res, rej) => {
      lines.on('line', (l) => {
        if (l === 'ready') return res()
        if (l.startsWith('emitted ') && waiting && l === `emitted ${waiting.cmd}`) {
          const w = waiting
          waiting = null
          w.res(Date.now())
        } else replies.push(l)
      })
      signals.once('exit', (c) => rej(new Error(`system-signals.py exited with ${c}`)))
    })
    port = await freePort()
    server = await startServer({ port, db })
    ;({ browser: b, close: app } = await launchApp(appEnv))
    await fill(b, 'Server URL', server.url)
    await fill(b, 'Display name', 'ann')
    await fill(b, 'Room', 'lobby')
    await (await b.$('button=Join')).click()
    await waitFor('the room', async () => (await (await b.$('h1=# lobby')).isDisplayed()), { timeout: 20000 })
  })
  after(async () => {
    await app?.()
    await server?.stop()
    signals?.kill()
  })

  it('a look-alike PrepareForSleep from a process that does not own logind’s name changes nothing', async () => {
    await watchBack()
    execFileSync('gdbus', ['emit', '--session', '--object-path', '/org/freedesktop/login1', '--signal', 'org.freedesktop.login1.Manager.PrepareForSleep', 'false'])
    await new Promise((r) => setTimeout(r, 1500))
    const [, text] = await banner()
    assert.equal(await b.execute(() => window.__bannerShown), false, `the room stayed connected (banner: ${text})`)
  })

  it('waking from sleep (logind PrepareForSleep(false)) brings the room back at once', async () => {
    await backWithinASecond('resume', ['sleep false'])
    await shot(b, 'power-resume-back')
  })

  it('the network coming back (NetworkManager StateChanged 70) brings the room back at once', async () => {
    // the network went away (20: disconnected), then came back (70: connected, global)
    await backWithinASecond('network', ['nm 20', 'nm 70'])
  })
})

// The app on the chat tutorial as it runs in the wild: the classic server on socket.io 2.x
// (Engine.IO v3; tests/node/support/classic-server-v2.cjs), with a socket.io-client 2.x peer,
// through the real window. A v3 server waits for the client's pings and drops a silent one
// after pingInterval + pingTimeout; it runs here with 400 ms + 400 ms, so holding the room
// for 6 s outlives that window several times. Run through scripts/e2e.sh.
// BANTER_V2_SOAK_S=600 turns the hold into a soak: the server keeps socket.io's own heartbeat
// (25 s + 5 s on 2.x) and the room is held that long (raise BANTER_E2E_TIMEOUT and
// BANTER_E2E_TEST_TIMEOUT to match).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ROOT, tmp, launchApp, shot, waitFor, notifications } from './support/harness.mjs'
import * as ui from './support/ui.mjs'

const require = createRequire(import.meta.url)
const ioV2 = require('socket.io-client-v2')
const NOTIFY_LOG = process.env.BANTER_NOTIFY_LOG
assert.ok(NOTIFY_LOG, 'run through scripts/e2e.sh (BANTER_NOTIFY_LOG is not set)')
const SOAK_S = Number(process.env.BANTER_V2_SOAK_S || 0)
const PING_MS = 400
const HOLD_MS = SOAK_S > 0 ? SOAK_S * 1000 : 15 * PING_MS

/** The socket.io 2.x tutorial server; resolves with {url, engine: [logged lines], stop()}. */
async function startV2(pkg = 'socket.io-v2.2') {
  const heartbeat = SOAK_S > 0 ? {} : { CLASSIC_PING_INTERVAL: String(PING_MS), CLASSIC_PING_TIMEOUT: String(PING_MS) }
  const env = { ...process.env, SOCKETIO_PACKAGE: pkg, CLASSIC_LOG: '1', ...heartbeat }
  const proc = spawn(process.execPath, [join(ROOT, 'tests/node/support/classic-server-v2.cjs'), '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const engine = []
  createInterface({ input: proc.stderr }).on('line', (l) => {
    try {
      engine.push(JSON.parse(l))
    } catch {
      console.error(`# v2 server: ${l}`)
    }
  })
  const line = await new Promise((res, rej) => {
    createInterface({ input: proc.stdout }).once('line', res)
    proc.once('exit', (c) => rej(new Error(`classic v2 server exited with ${c}`)))
  })
  const { port } = JSON.parse(line)
  return {
    url: `http://127.0.0.1:${port}`,
    engine,
    stop: () => new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', r), proc.kill('SIGTERM')))),
  }
}

/** A socket.io-client 2.x participant (the 2.x API: callbacks, no emitWithAck). */
async function peerV2(url, { username, room }) {
  const socket = ioV2(url, { transports: ['websocket'], reconnection: false, forceNew: true })
  const messages = []
  socket.on('message', (m) => messages.push(m))
  socket.on('locationMessage', (m) => messages.push({ ...m, location: true }))
  await new Promise((res, rej) => {
    socket.once('connect', res)
    socket.once('connect_error', rej)
  })
  const ack = (event, payload) =>
    new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no ack for ${event}`)), 5000)
      socket.emit(event, payload, (err) => {
        clearTimeout(t)
        err ? rej(new Error(`${event} refused: ${err}`)) : res()
      })
    })
  await ack('join', { username, room })
  return {
    messages,
    send: (text) => ack('sendMessage', text),
    sendLocation: (latitude, longitude) => ack('sendLocation', { latitude, longitude }),
    close: () => socket.close(),
  }
}

describe('The app on a socket.io 2.x chat tutorial server', { concurrency: false }, () => {
  let server
  let b
  let close
  const $ = (sel) => b.$(sel)
  const timelineText = () => ui.timelineText(b)
  const ownStatus = (text) => ui.ownStatus(b, text)

  before(async () => {
    server = await startV2()
    ;({ browser: b, close } = await launchApp({ BANTER_CONFIG_DIR: tmp('v2-config'), BANTER_DATA_DIR: tmp('v2-data'), BANTER_LOG: 'info' }))
  })
  after(async () => {
    await close?.()
    await server?.stop()
  })

  it('joins, stays connected for many heartbeats, and chats with a 2.x peer both ways', async () => {
    await (await $('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
    for (const [label, value] of [['Server URL', server.url], ['Display name', 'Ann'], ['Room', 'Lobby']]) await ui.fill(b, label, value)
    // The form asks the server for its account policy (one short connection that waits for a
    // banter:hello a classic server never sends, then closes): let it end before the join.
    await waitFor("the account-policy probe's connection closed", () => server.engine.some((e) => e.event === 'disconnect'), { timeout: SOAK_S > 0 ? 90000 : 15000 })
    const probe = server.engine.length
    await (await $('aria/Join')).click()
    await (await $('[role="log"]')).waitForDisplayed({ timeout: 15000 })
    await waitFor('the room header', async () => (await (await $('h1')).getText()).includes('lobby'))
    await waitFor("the server's welcome", async () => (await timelineText()).includes('Welcome!'))

    const before = notifications(NOTIFY_LOG).length
    const bob = await peerV2(server.url, { username: 'Bob', room: 'lobby' })
    try {
      await waitFor('a Notify for bob', () => notifications(NOTIFY_LOG).slice(before).find((x) => /bob joined lobby/.test(x.summary)))
      await waitFor('bob in the member list', async () => (await (await $('aria/Members')).getText()).includes('bob'))

      // 15 heartbeats: a client that does not ping is dropped after 2 of them
      await new Promise((r) => setTimeout(r, HOLD_MS))
      const connects = server.engine.slice(probe).filter((e) => e.event === 'connect')
      const drops = server.engine.slice(probe).filter((e) => e.event === 'disconnect')
      assert.deepEqual(drops, [], 'the server dropped nobody')
      assert.equal(connects.length, 2, `one engine connection each (app, bob): ${JSON.stringify(connects)}`)
      const text = await timelineText()
      assert.ok(!/ann has (left|joined)/.test(text), 'no leave/join flap of our own')
      assert.ok(!bob.messages.some((m) => /ann has (left|joined)/.test(m.text)), `bob saw no flap: ${JSON.stringify(bob.messages)}`)

      await bob.send('hi from socket.io 2.x <img src=x onerror=alert(1)>')
      await waitFor("bob's message, as text", async () => (await timelineText()).includes('hi from socket.io 2.x <img src=x onerror=alert(1)>'))
      await ui.sendFromComposer(b, 'hi bob, from the app')
      await waitFor('bob to get it', () => bob.messages.find((m) => m.username === 'ann' && m.text === 'hi bob, from the app'))
      await waitFor('"delivered"', async () => (await ownStatus('hi bob, from the app'))[0]?.startsWith('delivered'))

      await bob.sendLocation(48.8566, 2.3522)
      await waitFor("bob's location as a link", () =>
        b.execute(() => [...document.querySelectorAll('[role="log"] a')].some((a) => a.textContent === 'shared a location' && a.href === 'https://google.com/maps?q=48.8566,2.3522')),
      )
      await ui.sendFromComposer(b, '/location 51.5007,-0.1246')
      await waitFor('bob to get our location', () => bob.messages.find((m) => m.location && m.url === 'https://google.com/maps?q=51.5007,-0.1246'))
      await shot(b, '25-socketio-2x-server')
    } finally {
      bob.close()
    }
    await waitFor('bob gone from the members', async () => !(await (await $('aria/Members')).getText()).includes('bob'))
  })
})

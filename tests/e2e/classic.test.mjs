// The app against a server nobody here wrote: the classic Socket.IO chat-tutorial server on
// the official Node `socket.io` package (tests/node/support/classic-server.cjs), through the
// real window, with a classic socket.io-client peer. Run through scripts/e2e.sh.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { ROOT, tmp, launchApp, shot, waitFor, notifications } from './support/harness.mjs'
import { peer } from './support/peer.mjs'
import * as ui from './support/ui.mjs'

const NOTIFY_LOG = process.env.BANTER_NOTIFY_LOG
assert.ok(NOTIFY_LOG, 'run through scripts/e2e.sh (BANTER_NOTIFY_LOG is not set)')

/** Starts a Node server script on a free loopback port; resolves with {url, stop()}. */
async function startClassic(script = 'tests/node/support/classic-server.cjs') {
  const proc = spawn(process.execPath, [join(ROOT, script), '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise((res, rej) => {
    createInterface({ input: proc.stdout }).once('line', res)
    proc.once('exit', (c) => rej(new Error(`classic server exited with ${c}`)))
  })
  const { port } = JSON.parse(line)
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', r), proc.kill('SIGTERM')))),
  }
}

describe('The app on a classic Socket.IO chat server', { concurrency: false }, () => {
  let classic
  let b
  let close
  const $ = (sel) => b.$(sel)
  const ownStatus = (text) => ui.ownStatus(b, text)
  const timelineText = () => ui.timelineText(b)
  const send = (text) => ui.sendFromComposer(b, text)

  before(async () => {
    classic = await startClassic()
    ;({ browser: b, close } = await launchApp({ BANTER_CONFIG_DIR: tmp('classic-config'), BANTER_DATA_DIR: tmp('classic-data'), BANTER_LOG: 'info' }))
  })
  after(async () => {
    await close?.()
    await classic?.stop()
  })

  it('joins, sends, and shows the classic server refusing with its own reason', async () => {
    await (await $('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
    for (const [label, value] of [['Server URL', classic.url], ['Display name', 'Ann'], ['Room', 'Lobby']]) await ui.fill(b, label, value)
    await (await $('aria/Join')).click()
    await (await $('[role="log"]')).waitForDisplayed({ timeout: 15000 })
    // the classic server lower-cases names and rooms; the app shows what the server says
    await waitFor('the room header', async () => (await (await $('h1')).getText()).includes('lobby'))
    await waitFor('"classic server" in the header', async () => (await b.execute(() => document.body.textContent)).includes('classic server'))
    await waitFor('the server\'s welcome', async () => (await timelineText()).includes('Welcome!'))

    await send('hello, classic server')
    await waitFor('"delivered"', async () => (await ownStatus('hello, classic server'))[0]?.startsWith('delivered'))
    // the server's echo of our message is that message, not a second line
    await new Promise((r) => setTimeout(r, 300))
    assert.equal((await ownStatus('hello, classic server')).length, 1, 'shown once')
    await send('what the shit')
    const refused = await waitFor('"refused"', async () => (await ownStatus('what the shit')).find((s) => s.startsWith('refused')))
    assert.equal(refused.replace(/\s*Retry\s*$/, ''), 'refused: Profanity is not allowed!')
    await shot(b, '20-classic-server')
  })

  it('a classic peer joining notifies, and its messages show', async () => {
    const before = notifications(NOTIFY_LOG).length
    const bob = await peer(classic.url, { username: 'Bob', room: 'lobby', banter: false })
    try {
      const n = await waitFor('a Notify on D-Bus', () => notifications(NOTIFY_LOG).slice(before).find((x) => /bob joined lobby/.test(x.summary)))
      assert.equal(n.summary, 'bob joined lobby')
      await waitFor('bob in the member list', async () => (await (await $('aria/Members')).getText()).includes('bob'))
      // a classic server has no accounts: no name is marked verified (nor guest), each is unverified
      const marks = await b.execute(() => [...document.querySelectorAll('.member-list li')].map((li) => [li.querySelector('.id-mark')?.textContent ?? null, li.title]))
      assert.ok(marks.length >= 2 && marks.every(([mark, title]) => mark === null && /Unverified/.test(title)), JSON.stringify(marks))
      await bob.send('hi ann, <b>plain</b> text here')
      await waitFor("bob's message", async () => (await timelineText()).includes('hi ann, <b>plain</b> text here'))
      // one notice for the join: the server's own "bob has joined!"
      const notices = await b.execute(() => [...document.querySelectorAll('[role="log"] .notice')].map((n) => n.textContent))
      assert.equal(notices.filter((t) => /bob/.test(t)).length, 1, `one notice for bob's join: ${JSON.stringify(notices)}`)
      // the app's own message reached the classic peer in the classic shape
      await send('hi bob')
      await waitFor('the peer to get it', () => bob.messages.find((m) => m.username === 'ann' && m.text === 'hi bob'))
      await waitFor('"delivered"', async () => (await ownStatus('hi bob'))[0]?.startsWith('delivered'))
      assert.equal((await ownStatus('hi bob')).length, 1, 'shown once')
      await shot(b, '21-classic-peer')
    } finally {
      bob.close()
    }
    await waitFor('bob gone from the members', async () => !(await (await $('aria/Members')).getText()).includes('bob'))
  })

  it('a message lost on the way shows "failed" with Retry, and Retry delivers it', async () => {
    // a classic server that swallows a text the first time (no ack, no echo)
    const lossy = await startClassic('client/tests/support/hostile-server.cjs')
    try {
      await ui.openJoinForm(b)
      for (const [label, value] of [['Server URL', lossy.url], ['Display name', 'Ann'], ['Room', 'lossy']]) await ui.fill(b, label, value)
      await (await $('aria/Join')).click()
      await waitFor('the room', async () => (await (await $('h1')).getText()).includes('lossy'))
      const text = 'swallow-once: are you there?'
      await send(text)
      await waitFor('"pending"', async () => (await ownStatus(text))[0] === 'pending')
      // no ack within the request timeout (10 s): the connection is presumed dead, the
      // message was on the wire, and a classic server cannot say whether it got it
      const failed = await waitFor('"failed"', async () => (await ownStatus(text)).find((x) => x.startsWith('failed')), { timeout: 40000 })
      assert.equal(failed.replace(/\s*Retry\s*$/, ''), 'failed: no answer from the server within 10 s; it may not have got it')
      await shot(b, '22-failed-with-retry')
      await (await $('button=Retry')).waitForDisplayed({ timeout: 5000 })
      // The timeline re-renders the row as the room's reconnect events arrive, so a click can
      // land on a Retry button that was just replaced (seen once under load): click again
      // while the line still says "failed", as a person would.
      await waitFor('"delivered" after Retry', async () => {
        const [status] = await ownStatus(text)
        if (status?.startsWith('delivered')) return true
        if (status?.startsWith('failed')) await (await $('button=Retry')).click().catch(() => {})
        await new Promise((r) => setTimeout(r, 500))
        return false
      }, { timeout: 20000, every: 1000 })
      assert.equal((await ownStatus(text)).length, 1, 'still one line')
      const welcomes = await b.execute(() => [...document.querySelectorAll('[role="log"] .notice-text')].filter((n) => n.textContent === 'Welcome!').length)
      assert.equal(welcomes, 1, 'greeted once, not again on the re-join')
    } finally {
      await lossy.stop()
    }
  })
})

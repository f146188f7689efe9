// Issue 9, one instance and invite links, in the real window: a second launch of the same
// binary on the same config and data dirs hands its arguments to the running app and exits 0
// (tauri-plugin-single-instance over the test's private D-Bus session); the first window is
// raised and takes the focus. A second app on other dirs is another "computer" and starts.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { spawn, execFileSync } from 'node:child_process'
import { APP_BIN, SERVER_BIN, tmp, startServer, launchApp, shot, waitFor } from './support/harness.mjs'

assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)

const appEnv = { BANTER_CONFIG_DIR: tmp('inst-config'), BANTER_DATA_DIR: tmp('inst-data'), BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'info' }
let server
let app
let b

/** Runs the app binary as a user's second launch would; resolves {code, signal, ms, stderr}. */
function launchAgain(env, args = [], { timeout = 5000 } = {}) {
  return new Promise((res) => {
    const t0 = Date.now()
    const p = spawn(APP_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    p.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout)
    p.once('exit', (code, signal) => {
      clearTimeout(timer)
      res({ code, signal, ms: Date.now() - t0, stderr, pid: p.pid })
    })
  })
}

/** Takes the X input focus away from every window (no window manager under Xvfb). */
function unfocusAll() {
  execFileSync('/usr/bin/python3', ['-c', 'from Xlib import X, display\nd = display.Display()\nd.set_input_focus(X.NONE, X.RevertToNone, X.CurrentTime)\nd.sync()'])
}

const hasFocus = () => b.execute(() => document.hasFocus())
const CODE = '0123456789abcdef0123456789abcdef'
/** What the connect form holds: [server URL, room, invite code, the notice line]. */
const form = (br = b) =>
  br.execute(() => [
    document.getElementById('f-url')?.value,
    document.getElementById('f-room')?.value,
    document.getElementById('f-invite')?.value,
    document.querySelector('.invite-note')?.textContent ?? '',
  ])
const toastText = () => b.execute(() => document.querySelector('.toast.show')?.textContent ?? '')
/** Rooms open on the server: 0 while nobody joined anything. */
const roomsOpen = async () => (await (await fetch(`${server.url}/healthz`)).json()).roomsOpen

describe('one instance and invite links', { concurrency: false }, () => {
  before(async () => {
    // registration by invite: the join form then has an invite code field to fill
    server = await startServer({ db: `${tmp('inst-db')}/main.db`, args: ['--registration', 'invite'] })
    ;({ browser: b, close: app } = await launchApp(appEnv))
    await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
  })
  after(async () => {
    await app?.()
    await server?.stop()
  })

  it('a second launch on the same dirs exits 0 at once and raises and focuses the first window', async () => {
    unfocusAll()
    await waitFor('the window to lose the focus', async () => !(await hasFocus()), { timeout: 5000 })
    const r = await launchAgain(appEnv)
    assert.equal(r.signal, null, `the second launch was killed after ${r.ms} ms:\n${r.stderr}`)
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.ms < 5000, `took ${r.ms} ms`)
    await waitFor('the first window to have the focus again', hasFocus, { timeout: 5000 })
    // still the same, working window
    assert.ok(await (await b.$('aria/Server URL')).isDisplayed())
    await shot(b, 'instance-raised')
  })

  it('an app on other config and data dirs is another computer: it starts beside the first', async () => {
    const other = await launchApp({ ...appEnv, BANTER_CONFIG_DIR: tmp('inst2-config'), BANTER_DATA_DIR: tmp('inst2-data') })
    try {
      await (await other.browser.$('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
      assert.ok(other.appPid(), 'the second computer has its own app process')
    } finally {
      await other.close()
    }
  })

  it('hostile links are refused in one line; nothing is filled in, nothing joined', async () => {
    const before = await form()
    const long = `banter://join?server=${encodeURIComponent(server.url)}&room=${'r'.repeat(3000)}`
    assert.ok(long.length > 3000)
    const cases = [
      ['banter://exec?cmd=x', 'only banter://join links are accepted'],
      ['javascript:alert(1)', 'not a banter:// link'],
      [long, 'the link is longer than 2048 bytes'],
      ['banter://join?server=file:///etc/passwd&room=r', 'the server must be an http:// or https:// address'],
    ]
    for (const [link, reason] of cases) {
      await b.execute(() => document.querySelector('.toast')?.classList.remove('show'))
      const r = await launchAgain(appEnv, [link])
      assert.equal(r.code, 0, `${link.slice(0, 60)}: ${r.stderr}`)
      const said = await waitFor(`the refusal of ${link.slice(0, 40)}`, async () => {
        const t = await toastText()
        return t.includes(reason) && t
      }, { timeout: 5000 })
      assert.equal(said, `This invite link was not accepted: ${reason}`)
      assert.deepEqual(await form(), before, 'the form is untouched')
    }
    // one line on screen too
    const lines = await b.execute(() => {
      const r = document.createRange()
      r.selectNodeContents(document.querySelector('.toast'))
      return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size
    })
    assert.equal(lines, 1, 'the refusal is one line')
    await shot(b, 'invite-refused')
    assert.equal(await roomsOpen(), 0, 'nothing joined')
    assert.equal(await (await b.$('h1')).getText(), 'Join a room')
  })

  it('a good link from a second launch fills the join form of the first window, and joins nothing', async () => {
    const link = `banter://join?server=${encodeURIComponent(server.url)}&room=Plans&invite=${CODE.toUpperCase()}`
    const r = await launchAgain(appEnv, [link])
    assert.equal(r.code, 0, r.stderr)
    await waitFor('the form filled in from the link', async () => {
      const [url, room, invite] = await form()
      return url === server.url && room === 'plans' && invite === CODE
    }, { timeout: 5000 })
    const [, , , note] = await form()
    assert.match(note, /Filled in from an invite link to 127\.0\.0\.1:\d+/)
    // an invite code is for creating an account: that mode is chosen, its field shown
    await waitFor('the invite code field', async () => (await b.$('aria/Invite code')).isDisplayed(), { timeout: 10000 })
    assert.equal(await b.execute(() => document.querySelector('.auth-modes button[aria-pressed="true"]')?.textContent), 'Create account')
    assert.equal(await toastText(), '', 'no refusal of an earlier link left on screen')
    await new Promise((res) => setTimeout(res, 1500))
    assert.equal(await roomsOpen(), 0, 'nothing joined before the user confirms')
    assert.equal(await (await b.$('h1')).getText(), 'Join a room')
    await shot(b, 'invite-filled')
  })

  it('a link given at the first launch fills the form once the window is up', async () => {
    const env = { ...appEnv, BANTER_CONFIG_DIR: tmp('inst3-config'), BANTER_DATA_DIR: tmp('inst3-data') }
    const link = `banter://join?server=${encodeURIComponent(server.url)}&room=random`
    const third = await launchApp(env, { args: [link] })
    try {
      await waitFor('the form filled in from the link', async () => {
        const [url, room] = await form(third.browser)
        return url === server.url && room === 'random'
      }, { timeout: 15000 })
      assert.equal(await roomsOpen(), 0, 'nothing joined')
    } finally {
      await third.close()
    }
  })
})

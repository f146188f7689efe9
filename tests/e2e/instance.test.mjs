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

describe('one instance and invite links', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ db: `${tmp('inst-db')}/main.db` })
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
})

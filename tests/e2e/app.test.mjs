// End to end through the real window: Xvfb + tauri-driver + WebKitWebDriver, inside a
// private D-Bus session with an unlocked gnome-keyring and a notification witness
// (scripts/e2e.sh sets all of that up), against real banter-server processes.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync, spawn } from 'node:child_process'
import {
  APP_BIN, SERVER_BIN, CLI_BIN, tmp, startServer, launchApp, shot, waitFor, notifications, keyringLookup, filesContaining,
  closeWindowsOf, descendants, alive, exeOf, connectionsTo,
} from './support/harness.mjs'
import { peer } from './support/peer.mjs'
import * as ui from './support/ui.mjs'

const NOTIFY_LOG = process.env.BANTER_NOTIFY_LOG
assert.ok(NOTIFY_LOG, 'run through scripts/e2e.sh (BANTER_NOTIFY_LOG is not set)')
assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)

const dirs = { config: tmp('config'), data: tmp('data'), db: tmp('db'), shims: tmp('shims') }
// The system browser, as the app reaches it (tauri-plugin-opener → xdg-open): a stand-in
// first on PATH that writes down what it was asked to open. No browser starts.
const OPENED_LOG = join(dirs.shims, 'opened.log')
writeFileSync(join(dirs.shims, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${OPENED_LOG}'\n`, { mode: 0o755 })
const appEnv = {
  BANTER_CONFIG_DIR: dirs.config,
  BANTER_DATA_DIR: dirs.data,
  BANTER_SERVER_BIN: SERVER_BIN,
  BANTER_LOG: 'info',
  PATH: `${dirs.shims}:${process.env.PATH}`,
}
let server
let app
let b

const $ = (sel) => b.$(sel)
const fill = (label, value) => ui.fill(b, label, value)
const timelineText = () => ui.timelineText(b)
const ownStatus = (text) => ui.ownStatus(b, text)
const openJoinForm = () => ui.openJoinForm(b)
const sendFromComposer = (text) => ui.sendFromComposer(b, text)
function cliAvailable() {
  if (!existsSync(CLI_BIN)) return false
  try {
    return execFileSync(CLI_BIN, ['--help'], { encoding: 'utf8' }).length > 0
  } catch {
    return false
  }
}

describe('Banter desktop, end to end', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ db: join(dirs.db, 'main.db') })
    ;({ browser: b, close: app } = await launchApp(appEnv))
  })
  after(async () => {
    await app?.()
    await server?.stop()
  })

  it('says what to do about a bad server URL or an unreachable server, keeping what was typed', async () => {
    await (await $('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
    await shot(b, '01-connect-screen')
    const formError = async () => (await $('.form-error')).getText()
    await fill('Server URL', 'ftp://example.org')
    await fill('Display name', 'Ann')
    await fill('Room', 'lobby')
    await (await $('aria/Join')).click()
    const bad = await waitFor('an error for the URL', async () => (await formError()) || null)
    assert.match(bad, /http/i, `names the schemes it takes: ${bad}`)
    // a closed loopback port: nothing listens there
    await fill('Server URL', 'http://127.0.0.1:9')
    await (await $('aria/Join')).click()
    const unreachable = await waitFor('an error for the server', async () => {
      const t = await formError()
      return t && t !== bad ? t : null
    }, { timeout: 30000 })
    assert.match(unreachable, /^Nothing is listening at 127\.0\.0\.1:9 \(the connection was refused\)\. Check the URL/, unreachable)
    assert.doesNotMatch(unreachable, /os error|EngineIO/, 'plain words, not the transport error chain')
    assert.equal(await (await $('aria/Display name')).getValue(), 'Ann', 'the form keeps what was typed')
    assert.ok(!(await (await $('.sidebar')).getText()).includes('127.0.0.1:9'), 'a server never joined is not listed')
    await shot(b, '01b-unreachable')
  })

  it('connects, joins and shows "delivered" for a sent message', async () => {
    await fill('Server URL', server.url)
    await fill('Display name', 'Ann')
    await fill('Room', 'lobby')
    await (await $('aria/Join')).click()
    const log = await $('[role="log"]')
    await log.waitForDisplayed({ timeout: 15000 })
    await sendFromComposer('hello from the desktop app')
    await waitFor('"delivered"', async () => (await ownStatus('hello from the desktop app'))[0]?.startsWith('delivered'))
    assert.match(await timelineText(), /hello from the desktop app/)
    await shot(b, '02-room-delivered')

    // too long: the counter says so, Send is off, Enter does nothing, and the text stays
    const long = 'x'.repeat(2001)
    const box = await $('aria/Message')
    await b.execute((t) => {
      const el = document.querySelector('textarea[aria-label="Message"]')
      el.value = t
      el.dispatchEvent(new Event('input', { bubbles: true }))
    }, long)
    await waitFor('the counter over the limit', async () => (await (await $('.counter')).getText()) === '2001 / 2000')
    assert.ok(!(await (await $('aria/Send')).isEnabled()), 'Send is off')
    await box.click()
    await b.keys('Enter')
    await new Promise((r) => setTimeout(r, 300))
    assert.equal((await box.getValue()).length, 2001, 'nothing lost')
    assert.equal((await ownStatus(long)).length, 0, 'nothing sent')
    await shot(b, '02b-too-long')
    await b.execute(() => {
      const el = document.querySelector('textarea[aria-label="Message"]')
      el.value = ''
      el.dispatchEvent(new Event('input', { bubbles: true }))
    })
  })

  it('notifies "NAME joined ROOM" when someone else joins', async () => {
    const before = notifications(NOTIFY_LOG).length
    let other
    if (cliAvailable()) {
      // banter-cli joins and stays a moment
      other = spawn(CLI_BIN, ['chat', '--server', server.url, '--name', 'bob', '--room', 'lobby', '--data-dir', tmp('cli')], { stdio: ['pipe', 'ignore', 'inherit'] })
    } else {
      other = await peer(server.url, { username: 'bob', room: 'lobby' })
    }
    try {
      const n = await waitFor('a Notify on D-Bus', () => notifications(NOTIFY_LOG).slice(before).find((x) => /bob joined lobby/.test(x.summary)))
      assert.equal(n.summary, 'bob joined lobby')
      await waitFor('bob in the member list', async () => (await (await $('aria/Members')).getText()).includes('bob'))
      await shot(b, '03-bob-joined')
    } finally {
      if (other.kill) other.kill()
      else other.close()
    }
    // our own join never notified
    assert.ok(!notifications(NOTIFY_LOG).some((x) => /^ann joined/.test(x.summary)))
  })

  it('coalesces a burst of joins into one notification', async () => {
    const before = notifications(NOTIFY_LOG).length
    const crowd = await Promise.all(Array.from({ length: 12 }, (_, i) => peer(server.url, { username: `guest${i}`, room: 'lobby' })))
    try {
      await waitFor('a summary', () => notifications(NOTIFY_LOG).slice(before).find((x) => /others joined lobby/.test(x.summary)))
      await new Promise((r) => setTimeout(r, 2500)) // nothing more should follow
      const burst = notifications(NOTIFY_LOG).slice(before)
      assert.ok(burst.length <= 2, `at most a couple of notices for 12 joins, got ${burst.length}: ${JSON.stringify(burst)}`)
      await shot(b, '03b-crowd')
    } finally {
      crowd.forEach((p) => p.close())
    }
  })

  it('shows who is typing; a muted room and do-not-disturb stay silent', async () => {
    const joinedNotice = (name) => notifications(NOTIFY_LOG).find((x) => x.summary.includes(name))
    const carol = await peer(server.url, { username: 'typist', room: 'lobby' })
    try {
      carol.socket.emit('banter:typing', { room: 'lobby', typing: true })
      await waitFor('"typist is typing…"', async () => (await (await $('.typing')).getText()) === 'typist is typing…')
      await shot(b, '03c-typing')
      carol.socket.emit('banter:typing', { room: 'lobby', typing: false })
      await waitFor('the typing line to clear', async () => (await (await $('.typing')).getText()) === '')
    } finally {
      carol.close()
    }

    /** Clicks the button labelled `from` until the one labelled `to` shows (re-renders can
     * replace a button under the click). */
    const flip = (from, to) =>
      waitFor(`"${to}"`, async () => {
        if (await (await $(`button=${to}`)).isExisting()) return true
        await (await $(`button=${from}`)).click()
        return (await $(`button=${to}`)).isExisting()
      })
    // muted: a join in this room makes no notification (the policy waits 1.2 s to coalesce)
    await flip('Mute room', 'Unmute room')
    assert.equal(await (await $('button=Unmute room')).getAttribute('aria-pressed'), 'true')
    const muted = await peer(server.url, { username: 'quietone', room: 'lobby' })
    await new Promise((r) => setTimeout(r, 2500))
    muted.close()
    assert.equal(joinedNotice('quietone'), undefined, 'no notification from a muted room')
    await flip('Unmute room', 'Mute room')

    // do not disturb: nothing from any room
    const dnd = await $('aria/Do not disturb')
    await dnd.click()
    await waitFor('do not disturb on', async () => (await (await $('aria/Do not disturb')).getAttribute('aria-pressed')) === 'true')
    const hushed = await peer(server.url, { username: 'quiettwo', room: 'lobby' })
    await new Promise((r) => setTimeout(r, 2500))
    hushed.close()
    assert.equal(joinedNotice('quiettwo'), undefined, 'no notification with do-not-disturb on')
    await shot(b, '03d-do-not-disturb')
    await (await $('aria/Do not disturb')).click()
    await waitFor('do not disturb off', async () => (await (await $('aria/Do not disturb')).getAttribute('aria-pressed')) === 'false')

    // and with both off again, a join notifies: the witness still sees what the app sends
    const loud = await peer(server.url, { username: 'loudone', room: 'lobby' })
    try {
      const n = await waitFor('a notification for loudone', () => joinedNotice('loudone'))
      assert.equal(n.summary, 'loudone joined lobby')
    } finally {
      loud.close()
    }
  })

  it('shows HTML in messages as text and runs nothing', async () => {
    const evil = '<img src=x onerror=alert(1)>'
    const carol = await peer(server.url, { username: 'carol', room: 'lobby' })
    try {
      await carol.send(evil)
      await carol.send('<script>window.__pwned = 1</script> and a link https://example.org/x')
      await sendFromComposer('<b onmouseover="window.__pwned=2">bold?</b>')
      await waitFor('the text shown', async () => (await timelineText()).includes(evil))
      const probe = await b.execute(() => ({
        imgs: document.querySelectorAll('[role="log"] img, [role="log"] script, [role="log"] b').length,
        pwned: window.__pwned ?? null,
        link: [...document.querySelectorAll('[role="log"] a')].map((a) => a.getAttribute('href')),
      }))
      assert.deepEqual(probe.imgs, 0)
      assert.equal(probe.pwned, null)
      assert.deepEqual(probe.link, ['https://example.org/x'])
      // no alert is open
      await assert.rejects(() => b.getAlertText())
      await shot(b, '04-html-as-text')
      // a link opens in the system browser, not in the app's window
      const here = await b.execute(() => location.href)
      await (await $('[role="log"] a')).click()
      const opened = await waitFor('xdg-open called', () => existsSync(OPENED_LOG) && readFileSync(OPENED_LOG, 'utf8').trim())
      assert.equal(opened, 'https://example.org/x')
      assert.equal(await b.execute(() => location.href), here, 'the window stayed on the app')
    } finally {
      carol.close()
    }
  })

  it('remembers a token in the keyring only', async () => {
    const secret = `tok-${Date.now()}-s3cret`
    const guarded = await startServer({ db: join(dirs.db, 'guarded.db'), token: secret })
    try {
      await openJoinForm()
      await fill('Server URL', guarded.url)
      await fill('Display name', 'Ann')
      await fill('Room', 'private')
      await (await $('aria/Join')).click()
      const alert = await $('.form-error')
      await waitFor('the token error', async () => /token/i.test(await alert.getText()))
      await shot(b, '05-token-required')
      await fill('Token', secret)
      const remember = await $('#remember')
      if (!(await remember.isSelected())) await remember.click()
      await (await $('aria/Join')).click()
      await waitFor('the private room', async () => (await (await $('h1')).getText()).includes('private'))
      // read back by another process, from the Secret Service
      assert.equal(keyringLookup('banter', guarded.url), secret)
      // and in no file the app wrote, nor in the page's storage
      assert.deepEqual(filesContaining(dirs.config, secret), [])
      assert.deepEqual(filesContaining(dirs.data, secret), [])
      const storage = await b.execute(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
      assert.ok(!storage.includes(secret))
      assert.ok(!(await b.execute(() => document.body.innerText)).includes(secret))
      await shot(b, '06-private-room')
      // back to the lobby for the next test
      await (await $('button[data-room="lobby"]')).click()
    } finally {
      await guarded.stop()
    }
  })

  it('loads older messages on demand', async () => {
    const archivist = await peer(server.url, { username: 'archivist', room: 'archive' })
    try {
      for (let i = 1; i <= 80; i++) {
        await archivist.send(`archived ${i}`)
        await new Promise((r) => setTimeout(r, 55)) // under the server's 20 messages a second
      }
    } finally {
      archivist.close()
    }
    await openJoinForm()
    await fill('Server URL', server.url)
    await fill('Display name', 'Ann')
    await fill('Room', 'archive')
    await (await $('aria/Join')).click()
    await waitFor('the archive room', async () => (await (await $('h1')).getText()).includes('archive'))
    // the join brings the last 50 (31..80); the first 30 come with "Load older messages"
    await waitFor('the recent history', async () => (await timelineText()).includes('archived 80'))
    const older = await $('button=Load older messages')
    await older.waitForDisplayed({ timeout: 10000 })
    await older.click()
    const firstShown = () => b.execute(() => {
      const log = document.querySelector('[role="log"]')
      log.scrollTop = 0
      return log.querySelector('.msg .text')?.textContent?.replace('archived ', '')
    })
    await waitFor('the room\'s first message', async () => (await firstShown()) === '1')
    await waitFor('no more to load', async () => !(await older.isDisplayed()))
    await shot(b, '06b-older-history')
    // leave it, so the restart test below re-joins the rooms it expects
    await (await $('button=Leave')).click()
    await waitFor('the archive room gone', async () => !(await (await $('.sidebar')).getText()).includes('archive'))
    await (await $('button[data-room="lobby"]')).click()
  })

  it('reconnects after the server restarts and delivers a message sent meanwhile once', async () => {
    const port = server.port
    await server.stop('SIGKILL')
    await waitFor('"Reconnecting"', async () => /Reconnecting/.test(await (await $('.sidebar')).getText()))
    const text = `sent while the server was down ${Date.now()}`
    await sendFromComposer(text)
    await waitFor('pending', async () => (await ownStatus(text))[0] === 'pending')
    await shot(b, '07-offline-pending')
    server = await startServer({ port, db: join(dirs.db, 'main.db') })
    await waitFor('delivered after reconnect', async () => (await ownStatus(text))[0]?.startsWith('delivered'), { timeout: 30000 })
    const dave = await peer(server.url, { username: 'dave', room: 'lobby' })
    try {
      const hist = await dave.history()
      assert.equal(hist.filter((m) => m.text === text).length, 1, 'stored exactly once')
    } finally {
      dave.close()
    }
    assert.equal((await ownStatus(text)).length, 1, 'shown once')
    await shot(b, '08-reconnected')
  })

  it('re-joins saved rooms at start', async () => {
    await app()
    const left = connectionsTo(server.port)
    ;({ browser: b, close: app } = await launchApp(appEnv))
    try {
      await waitFor('the lobby after restart', async () => (await (await $('h1')).getText()).includes('lobby'), { timeout: 70000 })
    } catch (e) {
      await shot(b, 'failed-restart')
      console.error(`# connections to the server after the old app was closed:\n${left || '(none)'}\nnow:\n${connectionsTo(server.port)}`)
      throw e
    }
    await waitFor('history', async () => (await timelineText()).includes('hello from the desktop app'))
    const settings = JSON.parse(readFileSync(join(dirs.config, 'settings.json'), 'utf8'))
    assert.ok(settings.rooms.some((r) => r.room === 'lobby'))
    await shot(b, '09-restarted')
  })

  it('at start, waits for a server that is down and joins when it is back', async () => {
    await app()
    const port = server.port
    await server.stop()
    ;({ browser: b, close: app } = await launchApp(appEnv))
    await waitFor('the wait explained', async () => /Cannot reach 127\.0\.0\.1:\d+ yet/.test(await (await $('body')).getText()), { timeout: 20000 })
    await shot(b, '09b-server-down-at-start')
    // the token test's server is gone for good: "Forget" ends the wait and drops it
    const saved = JSON.parse(readFileSync(join(dirs.config, 'settings.json'), 'utf8')).servers.map((x) => x.url)
    const gone = saved.find((u) => !u.endsWith(`:${port}`))
    assert.ok(gone, `a second saved server: ${saved}`)
    const host = gone.replace(/^https?:\/\//, '').replace(/\/$/, '')
    await waitFor('its Forget button', async () => {
      const btn = await $(`aria/Forget ${host}`)
      if (!(await btn.isExisting())) return false
      await btn.click()
      return true
    })
    await waitFor('it gone from the sidebar', async () => !(await (await $('.sidebar')).getText()).includes(host))
    const after = JSON.parse(readFileSync(join(dirs.config, 'settings.json'), 'utf8'))
    assert.ok(!after.servers.some((x) => x.url === gone), 'forgotten in the settings')
    assert.ok(!after.rooms.some((r) => r.server === gone), 'its rooms too')
    server = await startServer({ port, db: join(dirs.db, 'main.db') })
    await waitFor('the lobby once the server is back', async () => (await (await $('h1')).getText()).includes('lobby'), { timeout: 30000 })
    await waitFor('history', async () => (await timelineText()).includes('hello from the desktop app'))
  })
})

describe('Out of the box: host rooms on this computer', { concurrency: false }, () => {
  const fresh = { config: tmp('config2'), data: tmp('data2') }
  let close
  let appPid
  after(async () => {
    await close?.()
  })

  it('starts banter-server next to the app and chats at once (dark theme)', async () => {
    // GTK_THEME's dark variant makes WebKitGTK report prefers-color-scheme: dark
    ;({ browser: b, close, appPid } = await launchApp({ ...appEnv, BANTER_CONFIG_DIR: fresh.config, BANTER_DATA_DIR: fresh.data, GTK_THEME: 'Adwaita:dark' }))
    const host = await $('button=Host rooms on this computer')
    await host.waitForDisplayed({ timeout: 15000 })
    await shot(b, '10-first-start-dark')
    await fill('Display name', 'Ann')
    await host.click()
    await waitFor('the lobby on the local server', async () => (await (await $('h1')).getText()).includes('lobby'), { timeout: 20000 })
    await sendFromComposer('hello from a server hosted here')
    await waitFor('"delivered"', async () => (await ownStatus('hello from a server hosted here'))[0]?.startsWith('delivered'))
    const settings = JSON.parse(readFileSync(join(fresh.config, 'settings.json'), 'utf8'))
    assert.ok(settings.servers[0].local, 'remembered as the local server')
    assert.match(settings.servers[0].url, /^http:\/\/127\.0\.0\.1:\d+$/)
    await shot(b, '11-hosted-here-dark')
  })

  it('closing the window quits the app and stops the server it hosted', async () => {
    const pid = appPid()
    assert.ok(pid, 'the app process is found below the driver')
    const hosted = descendants(pid).filter((p) => exeOf(p) === SERVER_BIN)
    assert.equal(hosted.length, 1, 'the app runs one banter-server of its own')
    assert.equal(closeWindowsOf(pid), 1, 'one window asked to close')
    await waitFor('the app to exit', () => !alive(pid), { timeout: 10000 })
    await waitFor('the hosted server to exit', () => !alive(hosted[0]), { timeout: 10000 })
  })
})

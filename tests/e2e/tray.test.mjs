// The tray (issue 9 items 1, 2 and 6), end to end: a StatusNotifierWatcher test double on
// the private session bus (the machine has no panel; only this file starts one, so the
// other e2e files run without a tray and closing quits there, as app.test.mjs checks),
// the notification witness clicking a notification (ActionInvoked(id, "default")), the real
// window, the server the app hosts, and a socket.io-client peer writing meanwhile.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { APP_BIN, SERVER_BIN, ROOT, ARTIFACTS, tmp, launchApp, shot, waitFor, notifications, closeWindowsOf, descendants, alive, exeOf } from './support/harness.mjs'
import { peer } from './support/peer.mjs'
import * as ui from './support/ui.mjs'

const NOTIFY_LOG = process.env.BANTER_NOTIFY_LOG
assert.ok(NOTIFY_LOG, 'run through scripts/e2e.sh (BANTER_NOTIFY_LOG is not set)')
assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)

const PY = '/usr/bin/python3'
const WATCHER = join(ROOT, 'tests/e2e/support/sni-watcher.py')
const dirs = { config: tmp('tray-config'), data: tmp('tray-data'), logs: tmp('tray-logs') }
const WATCHER_LOG = join(dirs.logs, 'sni.jsonl')
const appEnv = { BANTER_CONFIG_DIR: dirs.config, BANTER_DATA_DIR: dirs.data, BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'info' }

const sni = (...args) => execFileSync(PY, [WATCHER, ...args], { encoding: 'utf8' })
/** What a panel would show: the item's properties and its menu entries. */
const tray = () => JSON.parse(sni('show'))
const menuLabels = () => tray().menu.map((e) => e.label)
const statusLine = () => tray().menu[0].label
const clickMenu = (label) => sni('click', label)
const records = () => (existsSync(WATCHER_LOG) ? readFileSync(WATCHER_LOG, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [])
const settings = () => JSON.parse(readFileSync(join(dirs.config, 'settings.json'), 'utf8'))

/** The user clicks notification `id` (the witness emits ActionInvoked as a server does). */
function clickNotification(id) {
  execFileSync('dbus-send', ['--session', '--type=method_call', '--dest=org.freedesktop.Notifications', '/org/freedesktop/Notifications',
    'chat.banter.Test.Notifications.Invoke', `uint32:${id}`, 'string:default'])
}

/** How many pixels of two images differ (ImageMagick's compare). */
function differingPixels(a, b) {
  try {
    execFileSync('compare', ['-metric', 'AE', a, b, 'null:'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return 0
  } catch (e) {
    return Number(String(e.stderr).trim().split(/\s/)[0])
  }
}

/** How many of `pid`'s top-level windows are mapped (shown) on the X server. */
function shownWindows(pid) {
  const py = `import sys
from Xlib import X, display
d = display.Display(); pid = int(sys.argv[1]); n = 0
atom = d.intern_atom("_NET_WM_PID")
for w in d.screen().root.query_tree().children:
    try:
        p = w.get_full_property(atom, X.AnyPropertyType)
        if p and p.value[0] == pid and w.get_attributes().map_state == X.IsViewable:
            n += 1
    except Exception:
        pass
print(n)`
  return Number(execFileSync(PY, ['-c', py, String(pid)], { encoding: 'utf8' }).trim())
}

let watcher
/** Starts the watcher test double (resolves once it owns its name). */
async function startWatcher() {
  watcher = spawn(PY, [WATCHER, 'serve', WATCHER_LOG], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((res, rej) => {
    watcher.stdout.once('data', (d) => (String(d).includes('ready') ? res() : rej(new Error(`watcher: ${d}`))))
    watcher.once('exit', (c) => rej(new Error(`the watcher exited with ${c}`)))
  })
}
async function stopWatcher() {
  if (!watcher || watcher.exitCode !== null || watcher.signalCode !== null) return
  const gone = new Promise((r) => watcher.once('exit', r))
  watcher.kill()
  await gone
}
let app
let b
let appPid
let pid
let hosted
let bob
const $ = (sel) => b.$(sel)
const h1 = async () => (await $('h1')).getText()

describe('Tray, close to tray, notification clicks, Quit', { concurrency: false }, () => {
  before(async () => {
    await startWatcher()
    ;({ browser: b, close: app, appPid } = await launchApp(appEnv))
  })
  after(async () => {
    bob?.close()
    await app?.()
    await stopWatcher() // before the next file starts: no tray there
  })

  it('registers a tray whose menu has Open Banter, Do not disturb and Quit', async () => {
    const host = await $('button=Host rooms on this computer')
    await host.waitForDisplayed({ timeout: 15000 })
    await ui.fill(b, 'Display name', 'Ann')
    await host.click()
    await waitFor('the lobby on the local server', async () => (await h1()).includes('lobby'), { timeout: 20000 })
    const reg = await waitFor('a RegisterStatusNotifierItem', () => records().find((r) => r.registered))
    assert.match(reg.registered, /^:[\d.]+\/org\/ayatana\/NotificationItem\//, 'libappindicator registers its object path')
    assert.deepEqual(menuLabels(), ['no unread messages', 'Open Banter', 'Do not disturb', 'Quit'])
    assert.equal(tray().menu[0].enabled, false, 'the status line is not a button')
    // Do not disturb from the tray is the setting
    clickMenu('Do not disturb')
    await waitFor('do not disturb saved', () => settings().notifications.doNotDisturb === true)
    assert.equal(tray().menu.find((e) => e.label === 'Do not disturb').checked, true)
    await waitFor('the page shows it', async () => (await $('aria/Do not disturb')).getAttribute('aria-pressed').then((v) => v === 'true'))
    clickMenu('Do not disturb')
    await waitFor('do not disturb off again', () => settings().notifications.doNotDisturb === false)
    assert.equal(settings().closeToTray, true, 'close to tray is on by default')
    // a second room, then back to the lobby: a notification about dev must open dev
    await ui.openJoinForm(b)
    await ui.fill(b, 'Server URL', settings().servers[0].url)
    await ui.fill(b, 'Display name', 'Ann')
    await ui.fill(b, 'Room', 'dev')
    await (await $('aria/Join')).click()
    await waitFor('the dev room', async () => (await h1()).includes('dev'))
    await (await $('button.room[data-room="lobby"]')).click()
    await waitFor('the lobby again', async () => (await h1()).includes('lobby'))
  })

  it('closing the window hides it in the tray; Banter keeps receiving, notifies and counts', async () => {
    pid = appPid()
    assert.ok(pid, 'the app process is found below the driver')
    hosted = descendants(pid).filter((p) => exeOf(p) === SERVER_BIN)
    assert.equal(hosted.length, 1, 'the app hosts one banter-server')
    const iconBefore = tray().item.IconName
    assert.equal(differingPixels(iconBefore, join(ROOT, 'icons/tray/idle.png')), 0, 'nothing unread: the plain icon')
    assert.equal(shownWindows(pid), 1)
    assert.equal(closeWindowsOf(pid), 1, 'one window asked to close')
    await waitFor('the window hidden', () => shownWindows(pid) === 0, { timeout: 10000 })
    await new Promise((r) => setTimeout(r, 1000))
    assert.ok(alive(pid), 'the app still runs')
    assert.ok(alive(hosted[0]), 'and so does the server it hosts')
    const before = notifications(NOTIFY_LOG).length
    bob = await peer(settings().servers[0].url, { username: 'bob', room: 'dev' })
    await bob.send('while you were away')
    const n = await waitFor('a notification about it', () => notifications(NOTIFY_LOG).slice(before).find((x) => /bob in dev/.test(x.summary)), { timeout: 10000 })
    assert.equal(n.body, 'while you were away')
    assert.ok(n.actions.includes('default'), `clickable: it offers the default action (${JSON.stringify(n.actions)})`)
    await waitFor('the tray says 1 unread', () => statusLine() === '1 unread', { timeout: 10000 })
    const icon = tray().item.IconName
    assert.notEqual(icon, iconBefore, 'the icon changed')
    // the file libappindicator hands the panel is the unread variant, pixel for pixel
    copyFileSync(icon, join(ARTIFACTS, 'tray-icon-unread.png'))
    assert.equal(differingPixels(icon, join(ROOT, 'icons/tray/unread.png')), 0, 'the unread icon (blue dot)')
    const badge = await waitFor('a launcher badge signal', () => records().filter((r) => r.badge).pop()?.badge.count === 1 && records().filter((r) => r.badge).pop())
    assert.equal(badge.app_uri, 'application://Banter.desktop')
    assert.equal(badge.badge['count-visible'], true)
  })

  it('clicking the notification raises the window with that room open', async () => {
    const n = notifications(NOTIFY_LOG).filter((x) => /bob in dev/.test(x.summary)).pop()
    const t0 = Date.now()
    clickNotification(n.id)
    await waitFor('the window shown', () => shownWindows(pid) === 1, { timeout: 10000 })
    await waitFor('the dev room open', async () => (await h1()).includes('dev'), { timeout: 10000 })
    console.error(`# notification click → window with #dev: ${Date.now() - t0} ms`)
    await waitFor('the message there', async () => (await ui.timelineText(b)).includes('while you were away'))
    await shot(b, 'tray-1-opened-from-notification')
    await waitFor('read: the tray is back to nothing unread', () => statusLine() === 'no unread messages', { timeout: 10000 })
    assert.equal(records().filter((r) => r.badge).pop().badge['count-visible'], false, 'the badge is hidden')
  })

  it('"Open Banter" in the tray brings the hidden window back, with what came meanwhile', async () => {
    assert.equal(closeWindowsOf(pid), 1)
    await waitFor('the window hidden', () => shownWindows(pid) === 0, { timeout: 10000 })
    const before = notifications(NOTIFY_LOG).length
    await bob.send('and one more')
    await waitFor('it notifies while hidden', () => notifications(NOTIFY_LOG).slice(before).find((x) => x.body === 'and one more'), { timeout: 10000 })
    clickMenu('Open Banter')
    await waitFor('the window shown', () => shownWindows(pid) === 1, { timeout: 10000 })
    await waitFor('the message in dev', async () => (await ui.timelineText(b)).includes('and one more'))
    await shot(b, 'tray-2-open-banter')
  })

  it('Quit in the tray menu ends the app and the server it hosts', async () => {
    clickMenu('Quit')
    await waitFor('the app to exit', () => !alive(pid), { timeout: 10000 })
    await waitFor('the hosted server to exit', () => !alive(hosted[0]), { timeout: 10000 })
    const timeline = readFileSync(join(dirs.data, 'timeline.json'), 'utf8')
    assert.ok(timeline.includes('and one more'), 'the timeline was saved on the way out')
    await waitFor('the tray item gone from the watcher', () => records().some((r) => r.unregistered))
  })
})

describe('Tray: the setting, and a panel that comes later', { concurrency: false }, () => {
  let close
  after(async () => {
    await close?.()
    await stopWatcher()
  })

  it('with close to tray switched off, closing quits even with a tray', async () => {
    const config = tmp('tray-off-config')
    writeFileSync(join(config, 'settings.json'), JSON.stringify({ closeToTray: false }))
    await startWatcher()
    const registered = records().filter((r) => r.registered).length
    let launched
    ;({ close, appPid: launched } = await launchApp({ ...appEnv, BANTER_CONFIG_DIR: config, BANTER_DATA_DIR: tmp('tray-off-data') }))
    await waitFor('its tray', () => records().filter((r) => r.registered).length > registered)
    const p = await waitFor('the app process', () => launched())
    await waitFor('its window', () => shownWindows(p) === 1)
    assert.equal(closeWindowsOf(p), 1)
    await waitFor('the app to exit', () => !alive(p), { timeout: 10000 })
    await close()
    close = undefined
    await stopWatcher()
  })

  it('a watcher that appears after the start gets the tray, and closing then hides', async () => {
    let launched
    ;({ close, appPid: launched } = await launchApp({ ...appEnv, BANTER_CONFIG_DIR: tmp('tray-late-config'), BANTER_DATA_DIR: tmp('tray-late-data') }))
    const p = await waitFor('the app process', () => launched())
    await waitFor('its window', () => shownWindows(p) === 1)
    await new Promise((r) => setTimeout(r, 500))
    const registered = records().filter((r) => r.registered).length
    await startWatcher()
    await waitFor('the tray registered once the watcher came', () => records().filter((r) => r.registered).length > registered)
    assert.equal(closeWindowsOf(p), 1)
    await waitFor('the window hidden', () => shownWindows(p) === 0, { timeout: 10000 })
    assert.ok(alive(p), 'still running in the tray')
    clickMenu('Quit')
    await waitFor('the app to exit', () => !alive(p), { timeout: 10000 })
    await close()
    close = undefined
  })

  it('once the watcher is gone (the panel quit), closing quits rather than hiding into nothing', async () => {
    const registered = records().filter((r) => r.registered).length
    let launched
    ;({ close, appPid: launched } = await launchApp({ ...appEnv, BANTER_CONFIG_DIR: tmp('tray-gone-config'), BANTER_DATA_DIR: tmp('tray-gone-data') }))
    const p = await waitFor('the app process', () => launched())
    await waitFor('its tray', () => records().filter((r) => r.registered).length > registered && tray().menu.length === 4)
    await stopWatcher()
    assert.equal(closeWindowsOf(p), 1)
    await waitFor('the app to exit', () => !alive(p), { timeout: 10000 })
  })
})

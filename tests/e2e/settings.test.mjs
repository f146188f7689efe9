// Issue 9 items 5, 7 and 10 in the real window: the Settings view (sidebar foot, Ctrl+,),
// the 12/24-hour clock in the timeline, start at login (tauri-plugin-autostart's XDG
// autostart file, under a HOME of the test's own), the keyboard (Ctrl+K switcher,
// Alt+Shift+↓ to the unread room, Esc marks read, Ctrl+= zoom, Ctrl+/ list), spell checking
// in the composer, and what survives a restart: the zoom, the clock, the window's size and
// position (tauri-plugin-window-state). Last, with a stand-in StatusNotifierWatcher (a tray),
// the autostart file's command line starts Banter hidden, and the tray menu brings it back.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync, spawn } from 'node:child_process'
import { APP_BIN, SERVER_BIN, ROOT, ARTIFACTS, tmp, startServer, launchApp, shot, waitFor, closeWindowsOf, alive } from './support/harness.mjs'
import { peer } from './support/peer.mjs'
import * as ui from './support/ui.mjs'

assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)

const PY = '/usr/bin/python3'
const home = tmp('set-home')
const config = tmp('set-config')
// BANTER_TRAY=0: no tray in the first part, whatever another test left on the bus
const appEnv = { HOME: home, BANTER_CONFIG_DIR: config, BANTER_DATA_DIR: tmp('set-data'), BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'info', BANTER_TRAY: '0' }
const AUTOSTART = join(home, '.config/autostart/Banter.desktop')
const settingsFile = () => JSON.parse(readFileSync(join(config, 'settings.json'), 'utf8'))

let server
let app
let b
let pid

/** The app's top-level X windows (those a window manager would close): geometry and whether
 * they are mapped. No window manager under Xvfb: what is set is what is. */
function xwindows(p = pid) {
  const out = execFileSync(PY, ['-c', `
import json, sys
from Xlib import X, display
d = display.Display()
pid = int(sys.argv[1])
NET_WM_PID = d.intern_atom("_NET_WM_PID")
WM_DELETE = d.intern_atom("WM_DELETE_WINDOW")
out = []
for w in d.screen().root.query_tree().children:
    try:
        prop = w.get_full_property(NET_WM_PID, X.AnyPropertyType)
        if not prop or prop.value[0] != pid or WM_DELETE not in (w.get_wm_protocols() or []):
            continue
        g = w.get_geometry()
        out.append({"id": w.id, "x": g.x, "y": g.y, "width": g.width, "height": g.height, "viewable": w.get_attributes().map_state == X.IsViewable})
    except Exception:
        pass
print(json.dumps(out))
`, String(p)], { encoding: 'utf8' })
  return JSON.parse(out)
}
const mainWindow = (p = pid) => xwindows(p).sort((a, c) => c.width * c.height - a.width * a.height)[0]

function moveResize(id, x, y, width, height) {
  execFileSync(PY, ['-c', `
import sys
from Xlib import display
d = display.Display()
w = d.create_resource_object("window", int(sys.argv[1]))
w.configure(x=int(sys.argv[2]), y=int(sys.argv[3]), width=int(sys.argv[4]), height=int(sys.argv[5]))
d.sync()
`, String(id), String(x), String(y), String(width), String(height)])
}

/** Takes the X input focus away from every window. */
function unfocusAll() {
  execFileSync(PY, ['-c', 'from Xlib import X, display\nd = display.Display()\nd.set_input_focus(X.NONE, X.RevertToNone, X.CurrentTime)\nd.sync()'])
}

async function launch(opts) {
  const l = await launchApp(appEnv, opts)
  b = l.browser
  app = l.close
  pid = await waitFor('the app process', () => l.appPid())
  return l
}

const activeRoom = () => b.execute(() => document.querySelector('.sidebar .room.active')?.getAttribute('data-room') ?? '')
async function joinRoom(room, first = false) {
  if (!first) await ui.openJoinForm(b)
  await ui.fill(b, 'Server URL', server.url)
  await ui.fill(b, 'Display name', 'ann')
  await ui.fill(b, 'Room', room)
  await (await b.$('aria/Join')).click()
  await waitFor(`#${room} open`, async () => (await activeRoom()) === room)
}

const badges = () =>
  b.execute(() => Object.fromEntries([...document.querySelectorAll('.sidebar .room:not(.dm)')].map((x) => [x.getAttribute('data-room'), Number(x.querySelector('.badge')?.textContent ?? 0)])))
const times = () => b.execute(() => [...document.querySelectorAll('.timeline .msg time')].map((t) => t.textContent))
const ctrl = (key) => b.keys(['Control', key])
/** Ticks a checkbox in Settings by its label, and waits for the save. */
async function setCheck(label, on) {
  const ok = await b.execute((l, v) => {
    const box = [...document.querySelectorAll('.settings-view label.check')].find((x) => x.textContent === l)?.querySelector('input')
    if (!box || box.disabled) return false
    if (box.checked !== v) box.click()
    return true
  }, label, on)
  assert.ok(ok, `the checkbox "${label}" is there and enabled`)
  await waitFor(`"${label}" saved`, async () => (await b.execute(() => document.querySelector('.settings-status')?.textContent)) === 'Saved.')
}
/** Types `text` into the empty composer and counts its reddish pixels (red above green and
 * blue by 0.2: WebKitGTK draws a misspelt word's dotted underline in red, anti-aliased; the
 * text and the page are grey-blue and white); the composer is emptied again. */
let spellShots = 0
async function redPixelsAfterTyping(text) {
  const box = await b.$('form.composer textarea')
  await box.click()
  await box.setValue(text)
  await new Promise((r) => setTimeout(r, 700))
  const r = await b.execute(() => {
    const x = document.querySelector('form.composer textarea').getBoundingClientRect()
    return { x: Math.round(x.left), y: Math.round(x.top), w: Math.round(x.width), h: Math.round(x.height) }
  })
  const png = join(ARTIFACTS, `settings-spell-${++spellShots}.png`)
  execFileSync('/usr/bin/import', ['-window', 'root', '-crop', `${r.w}x${r.h}+${r.x}+${r.y}`, '+repage', png])
  const n = Number(execFileSync('/usr/bin/convert', [png, '-fx', '(r-max(g,b))>0.2', '-colorspace', 'gray', '-format', '%[fx:round(mean*w*h)]', 'info:'], { encoding: 'utf8' }))
  await b.execute(() => {
    const el = document.querySelector('form.composer textarea')
    el.value = ''
    el.dispatchEvent(new Event('input', { bubbles: true }))
  })
  return n
}
const settingsOpen = () => b.execute(() => !!document.querySelector('.settings-view'))

describe('settings, keyboard, startup and window state', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ db: `${tmp('set-db')}/main.db` })
    await launch()
    await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
    await joinRoom('lobby', true)
    await joinRoom('random')
    await joinRoom('dev')
  })
  after(async () => {
    await app?.()
    await server?.stop()
  })

  it('Settings opens from the sidebar and with Ctrl+, with its five sections; without a tray it says closing quits', async () => {
    await (await b.$('.sidebar-foot .settings-button')).click()
    await waitFor('the Settings view', settingsOpen)
    const sections = await b.execute(() => [...document.querySelectorAll('.settings-section h3')].map((x) => x.textContent))
    assert.deepEqual(sections, ['Notifications', 'Appearance', 'Startup and tray', 'Spell checking', 'Servers and accounts'])
    const text = await (await b.$('.settings-view')).getText()
    assert.match(text, /No tray on this desktop: closing the window quits/)
    const rows = await b.execute(() => [...document.querySelectorAll('.server-row .grow')].map((r) => r.textContent))
    assert.deepEqual(rows, [`${new URL(server.url).host}ConnectedGuest as ann`], 'the server, its state and the guest name')
    const trayBoxes = await b.execute(() =>
      ['Start hidden in the tray', 'Closing the window keeps Banter in the tray'].map((l) => [...document.querySelectorAll('.settings-view label.check')].find((x) => x.textContent === l)?.querySelector('input')?.disabled),
    )
    assert.deepEqual(trayBoxes, [true, true], 'the tray options are off without a tray')
    await shot(b, 'settings-01-view')
    await b.execute(() => [...document.querySelectorAll('.settings-nav button')].find((x) => x.textContent === 'Servers and accounts').click())
    await waitFor('the servers in view', async () => b.execute(() => {
      const r = document.querySelector('.server-row').getBoundingClientRect()
      return r.top >= 0 && r.bottom <= window.innerHeight
    }))
    await new Promise((r) => setTimeout(r, 400)) // the smooth scroll ends
    await shot(b, 'settings-01b-servers')
    await b.keys('Escape')
    await waitFor('Settings closed by Esc', async () => !(await settingsOpen()))
    await ctrl(',')
    await waitFor('Settings opened by Ctrl+,', settingsOpen)
    await b.keys('Escape')
    await waitFor('Settings closed again', async () => !(await settingsOpen()))
  })

  it('the 12-hour clock changes the times in the timeline at once, and is saved', async () => {
    await ui.sendFromComposer(b, 'what time is it')
    await waitFor('the message with its time', async () => (await times()).length > 0)
    const before = await times()
    assert.ok(before.every((t) => /^\d{2}:\d{2}$/.test(t)), `24-hour times: ${before}`)
    await ctrl(',')
    await waitFor('Settings', settingsOpen)
    await b.execute(() => document.querySelector('.settings-view input[type=radio][value=h12]').click())
    await waitFor('the clock saved', async () => settingsFile().appearance?.clock === 'h12')
    await b.keys('Escape')
    const after = await waitFor('12-hour times', async () => {
      const t = await times()
      return t.length && t.every((x) => /^\d{1,2}:\d{2} (AM|PM)$/.test(x)) && t
    })
    // the same minute, written the other way
    const [h, m] = before[0].split(':').map(Number)
    assert.equal(after[0], `${h % 12 || 12}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`)
  })

  it('"Start Banter when I log in" writes the XDG autostart file, and removes it again', async () => {
    assert.ok(!existsSync(AUTOSTART), 'off by default: no file')
    await ctrl(',')
    await waitFor('Settings', settingsOpen)
    await setCheck('Start Banter when I log in', true)
    const desktop = await waitFor('the autostart file', () => existsSync(AUTOSTART) && readFileSync(AUTOSTART, 'utf8'))
    assert.match(desktop, /^\[Desktop Entry\]/)
    assert.match(desktop, new RegExp(`^Exec=${APP_BIN} --autostart$`, 'm'), desktop)
    assert.equal(settingsFile().startup.atLogin, true)
    await setCheck('Start Banter when I log in', false)
    await waitFor('the autostart file gone', () => !existsSync(AUTOSTART))
    assert.equal(settingsFile().startup.atLogin, false)
    await b.keys('Escape')
  })

  it('Ctrl+K opens the switcher: typing filters, Enter opens the room', async () => {
    assert.equal(await activeRoom(), 'dev')
    await ctrl('k')
    const input = await b.$('aria/Find a room or direct message')
    await input.waitForDisplayed({ timeout: 5000 })
    const all = await b.execute(() => [...document.querySelectorAll('.switcher-name')].map((x) => x.textContent))
    assert.deepEqual(all, ['lobby', 'random', 'dev'], 'every room, in the sidebar’s order')
    await b.keys(['r', 'a'])
    await waitFor('the filtered list', async () => (await b.execute(() => [...document.querySelectorAll('.switcher-name')].map((x) => x.textContent).join(','))) === 'random')
    await shot(b, 'settings-02-switcher')
    await b.keys('Enter')
    await waitFor('#random open', async () => (await activeRoom()) === 'random')
    assert.ok(!(await b.execute(() => !!document.querySelector('.switcher'))), 'the switcher closed')
  })

  it('Alt+Shift+↓ goes to the room with unread messages, past the one without', async () => {
    const bob = await peer(server.url, { username: 'bob', room: 'lobby' })
    try {
      await bob.send('news in the lobby')
      await waitFor('an unread badge on #lobby', async () => (await badges()).lobby >= 1)
      assert.equal((await badges()).dev, 0)
      // from #random, ↓ would be #dev: Shift goes on to #lobby, the only one unread
      await b.keys(['Alt', 'Shift', 'ArrowDown'])
      await waitFor('#lobby open', async () => (await activeRoom()) === 'lobby')
      assert.equal((await badges()).lobby, 0, 'opened: read')
      await b.keys(['Alt', 'ArrowDown'])
      await waitFor('Alt+↓: #random', async () => (await activeRoom()) === 'random')
      await b.keys(['Alt', 'ArrowUp'])
      await waitFor('Alt+↑: #lobby', async () => (await activeRoom()) === 'lobby')
      // in #dev, where ann wrote: Alt+↑ in the empty composer moves on (plain ↑ would edit her line)
      await (await b.$('.sidebar button.room[data-room="dev"]')).click()
      await waitFor('#dev open', async () => (await activeRoom()) === 'dev')
      await (await b.$('form.composer textarea')).click()
      await b.keys(['Alt', 'ArrowUp'])
      await waitFor('Alt+↑ from the composer: #random', async () => (await activeRoom()) === 'random')
      await b.keys(['Alt', 'ArrowUp'])
      await waitFor('back in #lobby', async () => (await activeRoom()) === 'lobby')
    } finally {
      bob.close()
    }
  })

  it('Esc marks the current room read: its badge clears', async () => {
    const bob = await peer(server.url, { username: 'bob', room: 'lobby' })
    try {
      // not looking at the window: a message in the room shown counts as unread
      unfocusAll()
      await waitFor('the window without the focus', async () => !(await b.execute(() => document.hasFocus())), { timeout: 5000 })
      await bob.send('are you there?')
      await waitFor('an unread badge on the current room', async () => (await badges()).lobby >= 1)
      await shot(b, 'settings-03-unread-current')
      await b.keys('Escape')
      await waitFor('the badge cleared', async () => (await badges()).lobby === 0, { timeout: 5000 })
      // the window's focus handler (which also clears it) did not run: this was the key
      assert.equal(await b.execute(() => document.hasFocus()), false, 'still without the focus: Esc did it')
    } finally {
      bob.close()
    }
  })

  it('Ctrl+/ lists the shortcuts; Esc closes the list', async () => {
    await ctrl('/')
    await waitFor('the shortcut list', async () => b.execute(() => !!document.querySelector('.shortcut-table')))
    const rows = await b.execute(() => [...document.querySelectorAll('.shortcut-table tr')].map((r) => r.textContent))
    for (const want of ['Switch to a room', 'room with unread messages', 'Mark the current room read', 'Zoom in', 'Settings']) {
      assert.ok(rows.some((r) => r.includes(want)), `lists "${want}": ${rows.join(' | ')}`)
    }
    await shot(b, 'settings-04-shortcuts')
    await b.keys('Escape')
    await waitFor('the list closed', async () => !(await b.execute(() => !!document.querySelector('.shortcut-table'))))
  })

  it('spell checking: on in the composer only, off with the setting', async () => {
    const state = () => b.execute(() => ({ composer: document.querySelector('form.composer textarea')?.spellcheck, root: document.documentElement.spellcheck }))
    assert.deepEqual(await state(), { composer: true, root: false }, 'on by default, in the composer only')
    await ctrl(',')
    await waitFor('Settings', settingsOpen)
    const langs = await b.execute(() => [...document.querySelectorAll('#set-spell-lang option')].map((o) => [o.value, o.textContent]))
    assert.deepEqual(langs[0], ['', 'Automatic: American English · en-US'], 'automatic: the locale’s, or English')
    assert.ok(langs.some(([v]) => v === 'en_US'), `the installed en_US dictionary is offered: ${langs}`)
    await b.keys('Escape')
    // WebKit's own verdict, as the user sees it: misspelt words get a red underline
    const typos = await redPixelsAfterTyping('thiss sentense iss mispeled ')
    const fine = await redPixelsAfterTyping('this sentence is spelled right ')
    assert.ok(typos > 20 && fine === 0, `red underline pixels: ${typos} under typos, ${fine} under correct words`)
    await ctrl(',')
    await waitFor('Settings', settingsOpen)
    await setCheck('Check spelling while I type a message', false)
    assert.equal(settingsFile().spellcheck.enabled, false)
    await b.keys('Escape')
    await waitFor('the composer not checked', async () => (await state()).composer === false)
    const off = await redPixelsAfterTyping('thiss sentense iss mispeled ')
    assert.equal(off, 0, 'no underline with spell checking off')
    console.error(`# spell checking: ${typos} red pixels under four typos (on), ${fine} under correct words, ${off} with it off`)
    await ctrl(',')
    await waitFor('Settings', settingsOpen)
    await setCheck('Check spelling while I type a message', true)
    await b.keys('Escape')
    await waitFor('the composer checked again', async () => (await state()).composer === true)
  })

  it('Ctrl+= zooms in, Ctrl+- out, Ctrl+0 resets; the level is saved', async () => {
    const width = () => b.execute(() => window.innerWidth)
    const w100 = await width()
    await ctrl('=')
    await waitFor('zoom 110 saved', async () => settingsFile().appearance.zoomPercent === 110)
    const w110 = await waitFor('the page zoomed', async () => {
      const w = await width()
      return w < w100 && w
    })
    assert.ok(Math.abs(w110 - w100 / 1.1) <= 2, `CSS width ${w100} → ${w110} at 110 %`)
    await ctrl('=')
    await waitFor('zoom 125', async () => settingsFile().appearance.zoomPercent === 125)
    await ctrl('-')
    await waitFor('zoom 110 again', async () => settingsFile().appearance.zoomPercent === 110)
    await ctrl('0')
    await waitFor('zoom 100', async () => settingsFile().appearance.zoomPercent === 100)
    await waitFor('the page at its size', async () => (await width()) === w100)
    // left at 125 % for the restart
    await ctrl('=')
    await ctrl('=')
    await waitFor('zoom 125 saved', async () => settingsFile().appearance.zoomPercent === 125)
  })

  it('after a restart: the same zoom, the same clock, the window’s size and position', async () => {
    const w = mainWindow()
    assert.ok(w?.viewable, 'the window is on screen')
    moveResize(w.id, 40, 30, 960, 640)
    await waitFor('the window moved', async () => {
      const g = mainWindow()
      return g.x === 40 && g.y === 30 && g.width === 960 && g.height === 640
    })
    await new Promise((r) => setTimeout(r, 500)) // the move and resize events reach the plugin
    // closing the window quits (no tray): the plugin saves the window's state on the way out
    const old = pid
    closeWindowsOf(old)
    await waitFor('the app gone', () => !alive(old), { timeout: 10000 })
    await app()
    const state = JSON.parse(readFileSync(join(config, 'window-state.json'), 'utf8'))
    assert.deepEqual([state.main.x, state.main.y, state.main.width, state.main.height], [40, 30, 960, 640], 'saved beside the settings')
    await launch()
    await waitFor('the rooms back', async () => (await b.execute(() => document.querySelectorAll('.sidebar .room').length)) === 3, { timeout: 20000 })
    const g = await waitFor('the window placed', () => {
      const m = mainWindow()
      return m?.viewable && m
    })
    assert.deepEqual([g.x, g.y, g.width, g.height], [40, 30, 960, 640], 'restored size and position')
    const zoomed = await b.execute(() => window.innerWidth)
    assert.ok(Math.abs(zoomed - 960 / 1.25) <= 2, `zoom restored: ${zoomed} CSS px in a 960 px window`)
    await (await b.$('.sidebar button.room[data-room="lobby"]')).click()
    const t = await waitFor('times in the timeline', async () => {
      const x = await times()
      return x.length && x
    })
    assert.ok(t.every((x) => / (AM|PM)$/.test(x)), `still 12-hour: ${t}`)
    // back to the size the screenshots crop, and 100 %
    await ctrl('0')
    await waitFor('zoom 100', async () => settingsFile().appearance.zoomPercent === 100)
    moveResize(mainWindow().id, 0, 0, 1100, 720)
  })

  it('with a tray: the autostart command line starts Banter hidden, and the tray menu shows it', async () => {
    const WATCHER_LOG = join(tmp('set-sni'), 'watcher.jsonl')
    const watcherPy = join(ROOT, 'tests/e2e/support/sni-watcher.py')
    const watcher = spawn(PY, [watcherPy, 'serve', WATCHER_LOG], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await new Promise((res, rej) => {
        watcher.stdout.once('data', (d) => (String(d).includes('ready') ? res() : rej(new Error(`watcher: ${d}`))))
        watcher.once('exit', (c) => rej(new Error(`the watcher exited with ${c}`)))
      })
      await app()
      delete appEnv.BANTER_TRAY
      await launch()
      await waitFor('the rooms back', async () => (await b.execute(() => document.querySelectorAll('.sidebar .room').length)) === 3, { timeout: 20000 })
      moveResize(mainWindow().id, 0, 0, 1100, 720) // where the screenshots crop
      await ctrl(',')
      await waitFor('Settings', settingsOpen)
      assert.doesNotMatch(await (await b.$('.settings-view')).getText(), /No tray on this desktop/)
      await setCheck('Start Banter when I log in', true)
      await setCheck('Start hidden in the tray', true)
      await b.execute(() => [...document.querySelectorAll('.settings-nav button')].find((x) => x.textContent === 'Startup and tray').click())
      await new Promise((r) => setTimeout(r, 600)) // the smooth scroll ends
      await shot(b, 'settings-05-with-tray')
      const exec = await waitFor('the autostart file', () => existsSync(AUTOSTART) && readFileSync(AUTOSTART, 'utf8').match(/^Exec=(.*)$/m)?.[1])
      await app()
      // what the session runs at login
      const [bin, ...args] = exec.split(' ')
      assert.equal(bin, APP_BIN)
      await launch({ args })
      // up and running (the page answers) but no window on screen
      await waitFor('the page loaded', async () => (await b.execute(() => document.readyState)) === 'complete')
      await new Promise((r) => setTimeout(r, 1000))
      assert.ok(!xwindows().some((w) => w.viewable), `no window shown: ${JSON.stringify(xwindows())}`)
      // the tray's "Open Banter", as a panel clicks it
      execFileSync(PY, [watcherPy, 'click', 'Open Banter'], { encoding: 'utf8' })
      await waitFor('the window shown from the tray', () => xwindows().some((w) => w.viewable), { timeout: 5000 })
      // and the settings back to off, the file gone
      await ctrl(',')
      await waitFor('Settings', settingsOpen)
      await setCheck('Start Banter when I log in', false)
      await waitFor('the autostart file gone', () => !existsSync(AUTOSTART))
      await b.keys('Escape')
      // Ctrl+Q quits, tray or not
      const running = pid
      // the window goes while the key is down: WebDriver may report the action failed
      await ctrl('q').catch(() => {})
      await waitFor('the app gone after Ctrl+Q', () => !alive(running), { timeout: 10000 })
    } finally {
      if (watcher.exitCode === null) {
        const gone = new Promise((r) => watcher.once('exit', r))
        watcher.kill()
        await gone
      }
    }
  })
})

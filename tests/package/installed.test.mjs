// The .deb as a user gets it: scripts/package-test.sh installed it with apt; this checks what
// it put on the machine, then launches the installed /usr/bin/banter in a real window (Xvfb,
// private D-Bus session: scripts/e2e.sh's setup, BANTER_APP_BIN=/usr/bin/banter) with fresh
// config and data dirs and nothing else: no BANTER_SERVER_BIN, so "Host rooms on this
// computer" must find the packaged /usr/bin/banter-server by itself. Then a banter:// link
// goes through xdg-open, i.e. the desktop entry's MimeType and Exec, to the running window.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { APP_BIN, tmp, launchApp, shot, waitFor, descendants, exeOf, alive, closeWindowsOf } from '../e2e/support/harness.mjs'
import * as ui from '../e2e/support/ui.mjs'
import { desktopEntry, checkDesktopEntry, run } from './support.mjs'

const BIN = '/usr/bin/banter'
const SERVER = '/usr/bin/banter-server'
const ENTRY = '/usr/share/applications/Banter.desktop'
assert.equal(APP_BIN, BIN, 'run with BANTER_APP_BIN=/usr/bin/banter (scripts/package-test.sh)')
// The packaged app finds its server next to itself; nothing in the environment may point
// elsewhere.
delete process.env.BANTER_SERVER_BIN
delete process.env.BANTER_AUTOHOST

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const dpkgField = (field) => run('dpkg-query', ['-W', `-f=\${${field}}`, 'banter'])
/** Width and height from a PNG's IHDR. */
const pngSize = (path) => {
  const b = readFileSync(path)
  assert.equal(b.toString('latin1', 1, 4), 'PNG', `${path} is a PNG`)
  return [b.readUInt32BE(16), b.readUInt32BE(20)]
}

/** [instance, class] of WM_CLASS of each mapped top-level window of process `pid` (X11). */
function wmClassesOf(pid) {
  const py = `import sys, json
from Xlib import X, display
d = display.Display()
pid_atom = d.intern_atom("_NET_WM_PID")
out = []
for w in d.screen().root.query_tree().children:
    try:
        p = w.get_full_property(pid_atom, X.AnyPropertyType)
        if p and p.value[0] == int(sys.argv[1]) and w.get_attributes().map_state == X.IsViewable:
            out.append(list(w.get_wm_class() or []))
    except Exception:
        pass
print(json.dumps(out))`
  return JSON.parse(run('/usr/bin/python3', ['-c', py, String(pid)]))
}

describe('the installed .deb', () => {
  it('is installed by apt, depends on WebKitGTK 4.1 and GTK 3, recommends a hunspell dictionary', () => {
    assert.equal(dpkgField('Status'), 'install ok installed')
    assert.match(dpkgField('Depends'), /libwebkit2gtk-4\.1-0/)
    assert.match(dpkgField('Depends'), /libgtk-3-0/)
    assert.equal(dpkgField('Recommends'), 'hunspell-en-us | hunspell-dictionary')
  })

  it('puts banter and banter-server in /usr/bin, both runnable, every library found', () => {
    for (const f of [BIN, SERVER]) {
      assert.ok(statSync(f).mode & 0o111, `${f} is executable`)
      assert.doesNotMatch(run('ldd', [f]), /not found/, `${f}: a library is missing`)
    }
    assert.equal(run(SERVER, ['--version']).trim(), 'banter-server 0.1.0')
    const owned = run('dpkg', ['-L', 'banter']).split('\n')
    assert.ok(owned.includes(BIN) && owned.includes(SERVER), 'both belong to the package')
  })

  it('installs a valid desktop entry with the keys notifications and banter:// links need', () => {
    const keys = desktopEntry(readFileSync(ENTRY, 'utf8'))
    checkDesktopEntry(keys, assert)
    if (has('desktop-file-validate')) {
      const v = spawnSync('desktop-file-validate', [ENTRY], { encoding: 'utf8' })
      assert.equal(v.status, 0, `desktop-file-validate: ${v.stdout}${v.stderr}`)
      assert.doesNotMatch(v.stdout + v.stderr, /error/i, v.stdout + v.stderr)
    }
  })

  it('installs the icon in the hicolor theme at its sizes', () => {
    for (const n of [32, 64, 128, 512]) {
      const p = `/usr/share/icons/hicolor/${n}x${n}/apps/banter.png`
      assert.ok(existsSync(p), p)
      assert.deepEqual(pngSize(p), [n, n], p)
    }
  })

  it('is the default handler for banter:// links (xdg-mime)', { skip: !has('xdg-mime') && 'xdg-utils is not installed' }, () => {
    assert.equal(run('xdg-mime', ['query', 'default', 'x-scheme-handler/banter']).trim(), 'Banter.desktop')
  })
})

describe('the installed app, launched', { concurrency: false }, () => {
  const dirs = { config: tmp('pkg-config'), data: tmp('pkg-data') }
  const appEnv = { BANTER_CONFIG_DIR: dirs.config, BANTER_DATA_DIR: dirs.data, BANTER_LOG: 'info' }
  let b
  let close
  let appPid
  let hosted
  before(async () => {
    ;({ browser: b, close, appPid } = await launchApp(appEnv))
  })
  after(async () => {
    await close?.()
  })

  it('opens on the connect screen, offering to host rooms with the packaged banter-server', async () => {
    await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 20000 })
    const host = await b.$('button=Host rooms on this computer')
    await host.waitForDisplayed({ timeout: 10000 })
    assert.equal(await b.getTitle(), 'Banter')
    // docks and window lists tie the window to Banter.desktop by StartupWMClass, the class
    // part of WM_CLASS
    const classes = wmClassesOf(appPid())
    assert.ok(classes.length > 0, 'the app has a mapped top-level window')
    const wanted = desktopEntry(readFileSync(ENTRY, 'utf8')).get('StartupWMClass')
    assert.ok(classes.every(([, cls]) => cls === wanted), `WM_CLASS ${JSON.stringify(classes)} matches StartupWMClass=${wanted}`)
    await shot(b, 'package-01-connect')
  })

  it('the cluster node unit of docs/deploy verifies against the installed /usr/bin/banter-server', () => {
    // systemd-analyze checks the unit's syntax, directives and that ExecStart is executable
    const dir = tmp('unit')
    const unit = `${dir}/banter-server@node1.service`
    writeFileSync(unit, readFileSync(new URL('../../docs/deploy/banter-server@.service', import.meta.url)))
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8', timeout: 30000 })
    assert.equal(r.status, 0, `systemd-analyze verify: ${r.stdout}${r.stderr}`)
    assert.equal(r.stderr.trim(), '', r.stderr)
  })

  it('hosts the lobby through /usr/bin/banter-server and chats in it', async () => {
    await ui.fill(b, 'Display name', 'Ann')
    await (await b.$('button=Host rooms on this computer')).click()
    await waitFor('the lobby on the hosted server', async () => (await (await b.$('h1')).getText()).includes('lobby'), { timeout: 30000 })
    const pid = appPid()
    assert.ok(pid, 'the app process is found below the driver')
    assert.equal(exeOf(pid), BIN)
    hosted = descendants(pid).filter((p) => exeOf(p) === SERVER)
    assert.equal(hosted.length, 1, `the app runs the packaged server: ${descendants(pid).map((p) => `${p}=${exeOf(p)}`).join(' ')}`)
    await ui.sendFromComposer(b, 'hello from the installed package')
    await waitFor('"delivered"', async () => (await ui.ownStatus(b, 'hello from the installed package'))[0]?.startsWith('delivered'))
    await shot(b, 'package-02-hosted-lobby')
  })

  it('a banter:// link opened with xdg-open reaches the running window through the desktop entry', { skip: !has('xdg-open') && 'xdg-utils is not installed' }, async () => {
    const settings = JSON.parse(readFileSync(`${dirs.config}/settings.json`, 'utf8'))
    const url = settings.servers[0].url
    const link = `banter://join?server=${encodeURIComponent(url)}&room=random`
    // BROWSER=false: were the scheme not registered, xdg-open would try a web browser
    const r = spawnSync('xdg-open', [link], { env: { ...process.env, ...appEnv, BROWSER: 'false' }, encoding: 'utf8', timeout: 15000 })
    assert.equal(r.status, 0, `xdg-open: ${r.stdout}${r.stderr}`)
    await waitFor('the join form filled in from the link', async () => {
      const [f, room] = await b.execute(() => [document.getElementById('f-url')?.value, document.getElementById('f-room')?.value])
      return f === url && room === 'random'
    }, { timeout: 10000 })
    await shot(b, 'package-03-invite-link')
  })

  it('closing the window quits the app and the server it hosted', async () => {
    const pid = appPid()
    assert.equal(closeWindowsOf(pid), 1, 'one window asked to close')
    await waitFor('the app to exit', () => !alive(pid), { timeout: 15000 })
    await waitFor('the hosted server to exit', () => !alive(hosted[0]), { timeout: 10000 })
  })
})

// The .rpm that scripts/package.sh built (BANTER_RPM), read with Debian's `rpm` tool: it
// cannot be installed on this Debian machine (no rpm database of the system's libraries;
// Fedora's dependency names mean nothing to dpkg), so its metadata and files are checked.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { desktopEntry, checkDesktopEntry, run } from './support.mjs'

const RPM = process.env.BANTER_RPM
assert.ok(RPM && existsSync(RPM), `BANTER_RPM is not a file: ${RPM}`)
const q = (...args) => run('rpm', ['-qp', ...args, RPM], { stdio: ['ignore', 'pipe', 'ignore'] })

describe('the .rpm', () => {
  it('is banter, for this architecture, with the version of tauri.conf.json', () => {
    assert.equal(q('--queryformat', '%{NAME} %{VERSION} %{ARCH}'), 'banter 0.1.0 x86_64')
  })

  it('carries the app, banter-server next to it, the desktop entry and the icons', () => {
    const files = q('--list').split('\n').filter(Boolean)
    for (const f of ['/usr/bin/banter', '/usr/bin/banter-server', '/usr/share/applications/Banter.desktop', '/usr/share/icons/hicolor/128x128/apps/banter.png']) {
      assert.ok(files.includes(f), `${f} in the rpm:\n${files.join('\n')}`)
    }
    const modes = q('--queryformat', '[%{FILEMODES:perms} %{FILENAMES}\n]')
    assert.match(modes, /^-rwxr-xr-x \/usr\/bin\/banter-server$/m, 'the server is executable')
  })

  it('requires WebKitGTK 4.1 and GTK 3, and recommends a hunspell dictionary for spellcheck', () => {
    const requires = q('--requires')
    // by soname, as rpm states them: any distribution's package providing them will do
    assert.match(requires, /^libwebkit2gtk-4\.1\.so\.0\(\)\(64bit\)$/m, requires)
    assert.match(requires, /^libgtk-3\.so\.0\(\)\(64bit\)$/m, requires)
    assert.match(q('--recommends'), /^hunspell-en-US$/m)
  })

  it('its desktop entry registers banter:// links and says the app notifies', () => {
    // rpm2archive turns the payload into a tar on stdout
    const tar = run('sh', ['-c', 'rpm2archive - < "$1" | tar -xzO ./usr/share/applications/Banter.desktop', 'sh', RPM])
    checkDesktopEntry(desktopEntry(tar), assert)
  })
})

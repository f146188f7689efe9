// After `apt-get remove banter` (scripts/package-test.sh): nothing of the package is left.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

describe('the .deb, removed', () => {
  it('is no longer installed', () => {
    const s = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'banter'], { encoding: 'utf8' })
    assert.notEqual(s.stdout, 'install ok installed', s.stdout)
  })

  it('took /usr/bin/banter, /usr/bin/banter-server, the desktop entry and the icons with it', () => {
    for (const f of ['/usr/bin/banter', '/usr/bin/banter-server', '/usr/share/applications/Banter.desktop', '/usr/share/icons/hicolor/128x128/apps/banter.png']) {
      assert.ok(!existsSync(f), `${f} is still there`)
    }
  })

  it('banter:// links have no handler any more', { skip: !has('xdg-mime') && 'xdg-utils is not installed' }, () => {
    const q = spawnSync('xdg-mime', ['query', 'default', 'x-scheme-handler/banter'], { encoding: 'utf8' })
    assert.equal(q.stdout.trim(), '')
  })
})

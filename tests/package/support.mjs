// Shared by the packaging tests (scripts/package-test.sh): what every package must carry.
import { execFileSync } from 'node:child_process'

/** The keys of a desktop entry's [Desktop Entry] group. */
export function desktopEntry(text) {
  const keys = new Map()
  let inGroup = false
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue
    const group = line.match(/^\[(.+)\]\s*$/)
    if (group) {
      inGroup = group[1] === 'Desktop Entry'
      continue
    }
    const kv = line.match(/^([A-Za-z0-9-]+(?:\[[^\]]+\])?)\s*=\s*(.*)$/)
    if (inGroup && kv) keys.set(kv[1], kv[2])
  }
  return keys
}

/** What notifications, invite links and the menu need from Banter's desktop entry; throws
 * naming the first key that is wrong. */
export function checkDesktopEntry(keys, assert) {
  assert.equal(keys.get('Type'), 'Application')
  assert.equal(keys.get('Name'), 'Banter')
  assert.equal(keys.get('Exec'), 'banter %U', 'the link reaches the app as its argument')
  assert.equal(keys.get('Icon'), 'banter')
  assert.ok((keys.get('MimeType') ?? '').split(';').includes('x-scheme-handler/banter'), `MimeType=${keys.get('MimeType')}`)
  assert.equal(keys.get('X-GNOME-UsesNotifications'), 'true', 'GNOME lists the app under Notifications')
  assert.ok((keys.get('Categories') ?? '').split(';').includes('InstantMessaging'), `Categories=${keys.get('Categories')}`)
  assert.equal(keys.get('StartupWMClass'), 'Banter', 'the class part of the window\'s WM_CLASS (GTK: the program name, capitalised)')
}

export const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts })

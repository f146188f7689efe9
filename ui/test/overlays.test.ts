// overlays.ts: one overlay at a time over the window, Ctrl+/ toggling the shortcut list, the
// switcher opening a room, search refusing kindly with no room joined.
import { describe, it, expect, afterEach } from 'vitest'
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks'
import { Overlays } from '../src/overlays'
import { Store, roomKey } from '../src/store'
import { snapshot } from './fixtures'

function setup(rooms = true) {
  mockIPC(() => null)
  const store = new Store()
  if (rooms) {
    store.addSnapshot(snapshot())
    store.addSnapshot(snapshot({ room: 'general' }))
  }
  const said: string[] = []
  const opened: string[] = []
  let settingsClosed = 0
  let focused = 0
  const o = new Overlays({
    store,
    showingConnect: () => false,
    openRoom: (k) => opened.push(k),
    closeSettings: () => settingsClosed++,
    render: () => {},
    flash: (t) => said.push(t),
    focusComposer: () => focused++,
    jumpTo: () => {},
  })
  return { o, said, opened, settingsClosed: () => settingsClosed, focused: () => focused }
}

const overlays = () => document.body.querySelectorAll('.overlay')

afterEach(() => {
  clearMocks()
  document.body.replaceChildren()
})

describe('overlays over the window', () => {
  it('toggles the shortcut list with a second Ctrl+/, and shows one overlay at a time', () => {
    const t = setup()
    t.o.openShortcuts()
    expect(document.body.querySelector('.shortcut-overlay')).not.toBeNull()
    t.o.openShortcuts()
    expect(overlays()).toHaveLength(0)

    t.o.openShortcuts()
    t.o.openSwitcher() // replaces the shortcut list, and Settings close
    expect(overlays()).toHaveLength(1)
    expect(document.body.querySelector('.switcher-overlay')).not.toBeNull()
    expect(t.settingsClosed()).toBe(1)
    t.o.openSwitcher() // already open: stays, not stacked
    expect(overlays()).toHaveLength(1)
  })

  it('opens the room picked in the switcher and closes itself', () => {
    const t = setup()
    t.o.openSwitcher()
    const items = [...document.body.querySelectorAll<HTMLElement>('.switcher-overlay [role="option"]')]
    expect(items.map((i) => i.textContent)).toEqual(expect.arrayContaining([expect.stringContaining('general')]))
    items.find((i) => i.textContent?.includes('general'))!.dispatchEvent(new MouseEvent('click', { bubbles: true }))
    expect(t.opened).toEqual([roomKey('http://127.0.0.1:3000', 'general')])
    expect(overlays()).toHaveLength(0)
  })

  it('says search needs a joined room, and opens nothing', () => {
    const t = setup(false)
    t.o.openSearch()
    expect(t.said).toEqual(['Join a room first: search looks through the rooms and direct messages you are in.'])
    expect(overlays()).toHaveLength(0)
  })

  it('opens search over the rooms joined, and gives the composer its focus back when closed', () => {
    const t = setup()
    t.o.openSearch()
    expect(document.body.querySelector('.switcher-overlay input')).not.toBeNull()
    const before = t.focused()
    t.o.closeSearch()
    expect(document.body.querySelector('.switcher-overlay')).toBeNull()
    expect(t.focused()).toBe(before + 1)
  })
})

import { describe, it, expect, vi, afterEach } from 'vitest'
import { actionFor, nextRoom, roomOrder, zoomStep, perform, installKeys, type Press, type Place, type KeyDeps } from '../src/keys'
import { Store, roomKey } from '../src/store'
import { snapshot } from './fixtures'

const press = (key: string, mods: Partial<Press> = {}): Press => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods })
const body: Place = { field: false, composer: false, dialog: false }
const composer: Place = { field: true, composer: true, dialog: false }
const input: Place = { field: true, composer: false, dialog: false }

describe('which key does what', () => {
  it('maps the shortcuts', () => {
    expect(actionFor(press('k', { ctrlKey: true }), body)).toEqual({ kind: 'switcher' })
    expect(actionFor(press('K', { ctrlKey: true }), body)).toEqual({ kind: 'switcher' }) // caps lock
    expect(actionFor(press('k', { metaKey: true }), body)).toEqual({ kind: 'switcher' })
    expect(actionFor(press('/', { ctrlKey: true }), body)).toEqual({ kind: 'shortcuts' })
    expect(actionFor(press(',', { ctrlKey: true }), body)).toEqual({ kind: 'settings' })
    expect(actionFor(press('n', { ctrlKey: true }), body)).toEqual({ kind: 'join' })
    expect(actionFor(press('q', { ctrlKey: true }), body)).toEqual({ kind: 'quit' })
    expect(actionFor(press('=', { ctrlKey: true }), body)).toEqual({ kind: 'zoom', to: 'in' })
    expect(actionFor(press('+', { ctrlKey: true, shiftKey: true }), body)).toEqual({ kind: 'zoom', to: 'in' })
    expect(actionFor(press('-', { ctrlKey: true }), body)).toEqual({ kind: 'zoom', to: 'out' })
    expect(actionFor(press('0', { ctrlKey: true }), body)).toEqual({ kind: 'zoom', to: 'reset' })
    expect(actionFor(press('ArrowDown', { altKey: true }), body)).toEqual({ kind: 'room', step: 1, unread: false })
    expect(actionFor(press('ArrowUp', { altKey: true, shiftKey: true }), body)).toEqual({ kind: 'room', step: -1, unread: true })
    expect(actionFor(press('Escape'), body)).toEqual({ kind: 'markRead' })
  })

  it('leaves other keys alone, Ctrl+F (search) included', () => {
    for (const p of [press('f', { ctrlKey: true }), press('k'), press('a', { ctrlKey: true }), press('ArrowDown'), press('k', { ctrlKey: true, altKey: true }), press('Escape', { shiftKey: true })]) {
      expect(actionFor(p, body)).toBeNull()
    }
  })

  it('in a text field: Esc, Ctrl+K and Ctrl+/ work; Alt+arrows only in the composer', () => {
    expect(actionFor(press('k', { ctrlKey: true }), input)).toEqual({ kind: 'switcher' })
    expect(actionFor(press('/', { ctrlKey: true }), input)).toEqual({ kind: 'shortcuts' })
    expect(actionFor(press('Escape'), input)).toEqual({ kind: 'markRead' })
    expect(actionFor(press('ArrowDown', { altKey: true }), input)).toBeNull()
    expect(actionFor(press('ArrowDown', { altKey: true }), composer)).toEqual({ kind: 'room', step: 1, unread: false })
  })

  it('Esc belongs to an open dialog', () => {
    expect(actionFor(press('Escape'), { ...body, dialog: true })).toBeNull()
  })
})

describe('moving between rooms', () => {
  const order = ['a', 'b', 'c', 'd']
  it('steps and wraps', () => {
    expect(nextRoom(order, 'a', 1)).toBe('b')
    expect(nextRoom(order, 'd', 1)).toBe('a')
    expect(nextRoom(order, 'a', -1)).toBe('d')
    expect(nextRoom(order, null, 1)).toBe('a')
    expect(nextRoom(order, null, -1)).toBe('d')
    expect(nextRoom([], null, 1)).toBeNull()
  })

  it('with Shift, to the next room with unread messages, skipping the current one', () => {
    const unread = new Set(['a', 'c'])
    const has = (k: string) => unread.has(k)
    expect(nextRoom(order, 'a', 1, has)).toBe('c')
    expect(nextRoom(order, 'c', 1, has)).toBe('a')
    expect(nextRoom(order, 'd', -1, has)).toBe('c')
    expect(nextRoom(order, 'b', -1, has)).toBe('a')
    expect(nextRoom(order, 'a', 1, (k) => k === 'a')).toBeNull()
  })

  it('follows the sidebar: per server, rooms then direct messages', () => {
    const s = new Store()
    const A = 'http://a:1'
    const B = 'http://b:1'
    s.addSnapshot(snapshot({ server: A, room: 'dm:' + '1'.repeat(24), dmMembers: ['ann', 'bob'] }))
    s.addSnapshot(snapshot({ server: A, room: 'lobby' }))
    s.addSnapshot(snapshot({ server: B, room: 'dev' }))
    s.addSnapshot(snapshot({ server: A, room: 'random' }))
    expect(roomOrder(s)).toEqual([roomKey(A, 'lobby'), roomKey(A, 'random'), roomKey(A, 'dm:' + '1'.repeat(24)), roomKey(B, 'dev')])
  })
})

describe('zoom steps', () => {
  it('goes through the steps and stops at the ends', () => {
    expect(zoomStep(100, 'in')).toBe(110)
    expect(zoomStep(100, 'out')).toBe(90)
    expect(zoomStep(105, 'in')).toBe(110)
    expect(zoomStep(105, 'out')).toBe(100)
    expect(zoomStep(200, 'in')).toBe(200)
    expect(zoomStep(50, 'out')).toBe(50)
    expect(zoomStep(175, 'reset')).toBe(100)
  })
})

describe('the listener', () => {
  let remove: (() => void) | null = null
  afterEach(() => {
    remove?.()
    document.body.replaceChildren()
  })
  const deps = (store = new Store()): KeyDeps => ({
    store,
    openRoom: vi.fn(),
    openConnect: vi.fn(),
    openSwitcher: vi.fn(),
    openShortcuts: vi.fn(),
    openSettings: vi.fn(),
    markRead: vi.fn(),
    zoom: () => 100,
    setZoom: vi.fn(),
    quit: null,
  })

  it('opens the switcher from the composer, and prevents the default', () => {
    const d = deps()
    remove = installKeys(d)
    const form = document.createElement('form')
    form.className = 'composer'
    const ta = document.createElement('textarea')
    form.append(ta)
    document.body.append(form)
    const ev = new KeyboardEvent('keydown', { key: 'k', ctrlKey: true, bubbles: true, cancelable: true })
    ta.dispatchEvent(ev)
    expect(d.openSwitcher).toHaveBeenCalledOnce()
    expect(ev.defaultPrevented).toBe(true)
  })

  it('Alt+Up in the composer switches rooms before the composer’s own Up (edit your last line) sees it; Esc goes to it first', () => {
    const d = deps()
    remove = installKeys(d)
    const form = document.createElement('form')
    form.className = 'composer'
    const ta = document.createElement('textarea')
    form.append(ta)
    document.body.append(form)
    const own = vi.fn((ev: KeyboardEvent) => {
      if (ev.key === 'ArrowUp' || ev.key === 'Escape') ev.preventDefault() // as composer.ts does
    })
    ta.addEventListener('keydown', own)
    const s = d.store
    s.addSnapshot(snapshot({ room: 'lobby' }))
    s.addSnapshot(snapshot({ room: 'dev' }))
    s.setActive(roomKey('http://127.0.0.1:3000', 'dev'))
    ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', altKey: true, bubbles: true, cancelable: true }))
    expect(d.openRoom).toHaveBeenCalledWith(roomKey('http://127.0.0.1:3000', 'lobby'))
    expect(own).not.toHaveBeenCalled()
    ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    expect(own).toHaveBeenCalledOnce()
    expect(d.markRead).not.toHaveBeenCalled()
    ta.removeEventListener('keydown', own)
    ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    expect(d.markRead).toHaveBeenCalledOnce()
  })

  it('typing in a field does nothing; Ctrl+Q without a Quit command is left alone', () => {
    const d = deps()
    remove = installKeys(d)
    const inp = document.createElement('input')
    document.body.append(inp)
    inp.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', altKey: true, bubbles: true }))
    const q = new KeyboardEvent('keydown', { key: 'q', ctrlKey: true, bubbles: true, cancelable: true })
    inp.dispatchEvent(q)
    expect(d.openRoom).not.toHaveBeenCalled()
    expect(q.defaultPrevented).toBe(false)
  })

  it('zooms by a step, marks the current room read, moves to the unread room', () => {
    const s = new Store()
    s.addSnapshot(snapshot({ room: 'lobby' }))
    s.addSnapshot(snapshot({ room: 'random' }))
    s.addSnapshot(snapshot({ room: 'dev' }))
    s.setActive(roomKey('http://127.0.0.1:3000', 'lobby'))
    s.rooms.get(roomKey('http://127.0.0.1:3000', 'dev'))!.unread = 2
    const d = deps(s)
    expect(perform({ kind: 'zoom', to: 'in' }, d)).toBe(true)
    expect(d.setZoom).toHaveBeenCalledWith(110)
    perform({ kind: 'room', step: 1, unread: true }, d)
    expect(d.openRoom).toHaveBeenCalledWith(roomKey('http://127.0.0.1:3000', 'dev'))
    perform({ kind: 'markRead' }, d)
    expect(d.markRead).toHaveBeenCalledWith(s.rooms.get(roomKey('http://127.0.0.1:3000', 'lobby')))
    const quit = vi.fn()
    expect(perform({ kind: 'quit' }, { ...d, quit })).toBe(true)
    expect(quit).toHaveBeenCalledOnce()
  })
})

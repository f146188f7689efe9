// The keyboard: which key does what (pure, tested), the list the shortcut dialog shows, and
// the one document listener that carries the actions out through `KeyDeps`.
// Keys a text field uses itself are left to it: plain keys, and Alt+arrows in fields other
// than the composer (a select opens on Alt+↓). Esc, Ctrl+K and Ctrl+/ work anywhere; so do
// the zoom keys, Ctrl+, Ctrl+N and Ctrl+Q, which no field uses. Ctrl+F is kept for search.
import { roomKey, type RoomKey, type RoomState, type Store } from './store'

export type KeyAction =
  | { kind: 'switcher' }
  | { kind: 'shortcuts' }
  | { kind: 'settings' }
  | { kind: 'join' }
  | { kind: 'quit' }
  | { kind: 'markRead' }
  | { kind: 'room'; step: 1 | -1; unread: boolean }
  | { kind: 'zoom'; to: 'in' | 'out' | 'reset' }

/** What a key press is (the parts of a KeyboardEvent that matter). */
export interface Press {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  shiftKey: boolean
}

/** Where the key was pressed. */
export interface Place {
  /** In a text field, a select or something editable. */
  field: boolean
  /** In the room's composer (a field where Alt+arrows still move between rooms). */
  composer: boolean
  /** A dialog is open: Esc is its own. */
  dialog: boolean
}

/** The action for a key press, or null (the key is left alone). */
export function actionFor(ev: Press, at: Place): KeyAction | null {
  const ctrl = ev.ctrlKey || ev.metaKey
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key
  if (ctrl && !ev.altKey) {
    switch (key) {
      case 'k':
        return ev.shiftKey ? null : { kind: 'switcher' }
      case '/':
      case '?':
        return { kind: 'shortcuts' }
      case ',':
        return { kind: 'settings' }
      case 'n':
        return ev.shiftKey ? null : { kind: 'join' }
      case 'q':
        return ev.shiftKey ? null : { kind: 'quit' }
      case '=':
      case '+':
        return { kind: 'zoom', to: 'in' }
      case '-':
      case '_':
        return { kind: 'zoom', to: 'out' }
      case '0':
        return ev.shiftKey ? null : { kind: 'zoom', to: 'reset' }
    }
    return null
  }
  if (ev.altKey && !ctrl && (key === 'ArrowUp' || key === 'ArrowDown')) {
    if (at.field && !at.composer) return null
    return { kind: 'room', step: key === 'ArrowDown' ? 1 : -1, unread: ev.shiftKey }
  }
  if (key === 'Escape' && !ctrl && !ev.altKey && !ev.shiftKey && !at.dialog) return { kind: 'markRead' }
  return null
}

/** Rooms in the sidebar's order: per server, its rooms, then its direct messages. */
export function roomOrder(store: Pick<Store, 'servers' | 'rooms'>): RoomKey[] {
  const out: RoomKey[] = []
  const all = [...store.rooms.values()]
  for (const s of store.servers.values()) {
    const here = all.filter((r) => r.server === s.url)
    for (const r of [...here.filter((r) => !r.dmMembers), ...here.filter((r) => r.dmMembers)]) out.push(roomKey(r.server, r.room))
  }
  return out
}

/** The room `step` away from `active` in `order` (wrapping); with `unread`, the next one with
 * unread messages, or null when no other room has any. */
export function nextRoom(order: RoomKey[], active: RoomKey | null, step: 1 | -1, unread?: (key: RoomKey) => boolean): RoomKey | null {
  const n = order.length
  if (!n) return null
  const i = active ? order.indexOf(active) : -1
  // from no room (or one not listed), ↓ starts at the first and ↑ at the last
  const from = i >= 0 ? i : step === 1 ? -1 : n
  for (let k = 1; k <= n; k++) {
    const key = order[(((from + step * k) % n) + n) % n]
    if (!unread) return key
    if (key !== active && unread(key)) return key
  }
  return null
}

/** Zoom levels Ctrl+= and Ctrl+- step through, in percent (the settings allow 50 to 200). */
export const ZOOM_STEPS = [50, 67, 80, 90, 100, 110, 125, 150, 175, 200]

/** The next zoom level from `current` (which may lie between steps). */
export function zoomStep(current: number, to: 'in' | 'out' | 'reset'): number {
  if (to === 'reset') return 100
  if (to === 'in') return ZOOM_STEPS.find((z) => z > current) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1]
  return [...ZOOM_STEPS].reverse().find((z) => z < current) ?? ZOOM_STEPS[0]
}

/** The shortcut list (Ctrl+/), in the order shown. */
export const SHORTCUTS: ReadonlyArray<{ keys: string[]; what: string }> = [
  { keys: ['Ctrl', 'K'], what: 'Switch to a room or direct message' },
  { keys: ['Alt', '↑ / ↓'], what: 'Previous / next room' },
  { keys: ['Alt', 'Shift', '↑ / ↓'], what: 'Previous / next room with unread messages' },
  { keys: ['Esc'], what: 'Mark the current room read' },
  { keys: ['Ctrl', 'N'], what: 'Join a room' },
  { keys: ['Ctrl', ','], what: 'Settings' },
  { keys: ['Ctrl', '='], what: 'Zoom in' },
  { keys: ['Ctrl', '-'], what: 'Zoom out' },
  { keys: ['Ctrl', '0'], what: 'Actual size' },
  { keys: ['Ctrl', '/'], what: 'This list of shortcuts' },
  { keys: ['Ctrl', 'Q'], what: 'Quit Banter' },
  { keys: ['Enter'], what: 'Send the message (Shift+Enter: a new line)' },
]

/** What the listener needs from the app. */
export interface KeyDeps {
  store: Store
  openRoom(key: RoomKey): void
  openConnect(): void
  openSwitcher(): void
  openShortcuts(): void
  openSettings(): void
  markRead(r: RoomState): void
  zoom(): number
  setZoom(percent: number): void
  /** Ends the app (null: not offered, the key does nothing). */
  quit: (() => void) | null
}

function placeOf(target: EventTarget | null): Place {
  const el = target instanceof Element ? target : null
  const field = !!el && (el.matches('input, textarea, select') || (el as HTMLElement).isContentEditable)
  return {
    field,
    composer: !!el?.closest('form.composer'),
    dialog: !!document.querySelector('.overlay'),
  }
}

/** Carries out an action; true when it was one (the key's default is then prevented). */
export function perform(a: KeyAction, d: KeyDeps): boolean {
  switch (a.kind) {
    case 'switcher':
      d.openSwitcher()
      return true
    case 'shortcuts':
      d.openShortcuts()
      return true
    case 'settings':
      d.openSettings()
      return true
    case 'join':
      d.openConnect()
      return true
    case 'quit':
      if (!d.quit) return false
      d.quit()
      return true
    case 'zoom':
      d.setZoom(zoomStep(d.zoom(), a.to))
      return true
    case 'room': {
      const { store } = d
      const next = nextRoom(roomOrder(store), store.active, a.step, a.unread ? (k) => (store.rooms.get(k)?.unread ?? 0) > 0 : undefined)
      if (next) d.openRoom(next)
      return true
    }
    case 'markRead': {
      const r = d.store.active ? d.store.rooms.get(d.store.active) : undefined
      if (!r) return false
      d.markRead(r)
      return false // Esc keeps its meaning for whatever else listens
    }
  }
}

/** Installs the document's key listeners; returns a function that removes them. The
 * shortcuts with Ctrl or Alt are taken first (capture phase) and go no further, so a
 * field's own handler (the composer's Up to edit) never sees Alt+Up; Esc comes last
 * (bubble phase) and only when nothing else took it (a dialog, the composer's reply or
 * edit mode, the @-completion). */
export function installKeys(d: KeyDeps): () => void {
  const listener = (capture: boolean) => (ev: KeyboardEvent) => {
    if (ev.isComposing) return
    const a = actionFor(ev, placeOf(ev.target))
    if (!a) return
    const last = a.kind === 'markRead'
    if (last === capture || (last && ev.defaultPrevented)) return
    if (perform(a, d)) {
      ev.preventDefault()
      if (capture) ev.stopPropagation()
    }
  }
  const first = listener(true)
  const late = listener(false)
  document.addEventListener('keydown', first, true)
  document.addEventListener('keydown', late)
  return () => {
    document.removeEventListener('keydown', first, true)
    document.removeEventListener('keydown', late)
  }
}

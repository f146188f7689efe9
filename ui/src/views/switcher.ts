// The room switcher (Ctrl+K): a small dialog listing the open rooms and direct messages;
// typing filters them, ↑/↓ choose, Enter opens, Esc closes. The filtering is pure (tested).
import { h, clear } from '../dom'
import { overlayFor } from './overlay'
import type { RoomKey } from '../store'

export interface SwitchItem {
  key: RoomKey
  /** `lobby`, or the other members of a DM (`bob, cy`). */
  label: string
  dm: boolean
  /** The server's host, shown beside the name. */
  host: string
  unread: number
  active: boolean
}

/** The items matching `query`, best first: names starting with it, then names with a word
 * starting with it, then names containing it, then those whose server matches; the
 * sidebar's order within each. Case and a leading `#` or `@` do not matter. */
export function filterItems(items: SwitchItem[], query: string): SwitchItem[] {
  const q = query.trim().toLowerCase().replace(/^[#@]/, '')
  if (!q) return items
  const rank = (it: SwitchItem): number => {
    const name = it.label.toLowerCase()
    if (name.startsWith(q)) return 0
    if (name.split(/[\s,._-]+/).some((w) => w.startsWith(q))) return 1
    if (name.includes(q)) return 2
    if (it.host.toLowerCase().includes(q)) return 3
    return -1
  }
  return items
    .map((it, i) => ({ it, i, r: rank(it) }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.it)
}

export interface SwitcherOptions {
  items: SwitchItem[]
  open(key: RoomKey): void
  close(): void
}

export function switcher(o: SwitcherOptions): HTMLElement {
  const input = h('input', {
    class: 'switcher-input',
    attrs: { type: 'text', 'aria-label': 'Find a room or direct message', placeholder: 'Go to a room or direct message…', spellcheck: 'false', autocomplete: 'off', role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'switcher-list' },
  })
  const list = h('ul', { class: 'switcher-list', attrs: { id: 'switcher-list', role: 'listbox', 'aria-label': 'Rooms and direct messages' } })
  let shown: SwitchItem[] = []
  let sel = 0
  const paint = () => {
    clear(list)
    shown = filterItems(o.items, input.value)
    sel = Math.min(sel, Math.max(0, shown.length - 1))
    if (!shown.length) {
      list.append(h('li', { class: 'switcher-none', text: o.items.length ? 'No room or direct message matches.' : 'No rooms open yet.' }))
      input.removeAttribute('aria-activedescendant')
      return
    }
    shown.forEach((it, i) => {
      const id = `switcher-opt-${i}`
      list.append(
        h(
          'li',
          {
            class: `switcher-item${i === sel ? ' selected' : ''}`,
            attrs: { id, role: 'option', 'aria-selected': i === sel ? 'true' : 'false', 'data-key': it.key },
            on: { mousedown: (ev) => ev.preventDefault(), click: () => o.open(it.key), mousemove: () => select(i) },
          },
          it.dm
            ? h('span', { class: 'dm-dot', text: [...it.label][0]?.toUpperCase() ?? '?', attrs: { 'aria-hidden': 'true' } })
            : h('span', { class: 'hash', text: '#', attrs: { 'aria-hidden': 'true' } }),
          h('span', { class: 'switcher-name', text: it.label }),
          it.active ? h('span', { class: 'switcher-here', text: 'current' }) : null,
          h('span', { class: 'switcher-host', text: it.host }),
          it.unread ? h('span', { class: 'badge', text: it.unread > 99 ? '99+' : String(it.unread), attrs: { 'aria-label': `${it.unread} unread` } }) : null,
        ),
      )
    })
    input.setAttribute('aria-activedescendant', `switcher-opt-${sel}`)
  }
  const select = (i: number) => {
    if (i === sel) return
    sel = i
    list.querySelectorAll('.switcher-item').forEach((el, k) => {
      el.classList.toggle('selected', k === sel)
      el.setAttribute('aria-selected', k === sel ? 'true' : 'false')
    })
    input.setAttribute('aria-activedescendant', `switcher-opt-${sel}`)
    list.children[sel]?.scrollIntoView?.({ block: 'nearest' })
  }
  input.addEventListener('input', () => {
    sel = 0
    paint()
  })
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault()
      if (shown.length) select((sel + (ev.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length)
    } else if (ev.key === 'Enter') {
      ev.preventDefault()
      const it = shown[sel]
      if (it) o.open(it.key)
    }
  })
  const dialog = h(
    'section',
    { class: 'switcher', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Switch room' } },
    input,
    list,
    h('p', { class: 'switcher-foot', text: '↑ ↓ to choose · Enter to open · Esc to close' }),
  )
  const overlay = overlayFor(dialog, () => o.close(), 'switcher-overlay')
  // the current room is where you are: start on the first other one
  sel = Math.max(0, o.items.findIndex((it) => !it.active))
  paint()
  queueMicrotask(() => input.focus())
  return overlay
}

// The list of keyboard shortcuts (Ctrl+/), from keys.ts's SHORTCUTS.
import { h } from '../dom'
import { overlayFor } from './overlay'
import { SHORTCUTS } from '../keys'

export function shortcutList(o: { close(): void }): HTMLElement {
  const rows = SHORTCUTS.map((s) =>
    h(
      'tr',
      {},
      h('td', { class: 'keys' }, ...s.keys.flatMap((k, i) => [i ? h('span', { class: 'plus', text: '+' }) : null, h('kbd', { text: k })])),
      h('td', { text: s.what }),
    ),
  )
  const close = h('button', { class: 'ghost small', text: 'Close', attrs: { type: 'button' }, on: { click: () => o.close() } })
  const dialog = h(
    'section',
    { class: 'account-menu shortcuts', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'sc-title' } },
    h('header', { class: 'menu-head' }, h('div', {}, h('h2', { text: 'Keyboard shortcuts', attrs: { id: 'sc-title' } }), h('p', { class: 'sub wrap', text: 'Esc, Ctrl+K and Ctrl+/ work while you type; the others leave text fields alone.' })), close),
    h('table', { class: 'shortcut-table' }, h('tbody', {}, ...rows)),
  )
  const overlay = overlayFor(dialog, () => o.close())
  queueMicrotask(() => close.focus())
  return overlay
}

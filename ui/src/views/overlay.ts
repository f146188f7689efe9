// A dialog over the window: the dimmed overlay around it, closed by a click outside the
// dialog or Esc. Shared by search, the room switcher, the shortcut list and Settings.
import { h } from '../dom'

/** Wraps `dialog` in an overlay (`class` added to `overlay`) that calls `close` on a click
 * outside the dialog or on Esc. */
export function overlayFor(dialog: HTMLElement, close: () => void, cls = ''): HTMLElement {
  const overlay = h('div', { class: `overlay${cls ? ` ${cls}` : ''}` }, dialog)
  overlay.addEventListener('mousedown', (ev) => {
    if (ev.target === overlay) close()
  })
  overlay.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault()
      close()
    }
  })
  return overlay
}

// The reaction picker: your recent emoji and the common ones, plus a field for any other
// (the OS emoji input, e.g. Ctrl+. or Super+., types into it). One emoji per reaction; Rust
// and the server check it again.
import { h } from '../dom'

export const COMMON = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀', '✅', '🔥', '👎', '🚀']
const RECENT_KEY = 'banter.recentReactions'
const RECENT_MAX = 8

export function recentReactions(storage: Pick<Storage, 'getItem'> = localStorage): string[] {
  try {
    const v: unknown = JSON.parse(storage.getItem(RECENT_KEY) ?? '[]')
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length <= 16).slice(0, RECENT_MAX) : []
  } catch {
    return []
  }
}

export function rememberReaction(emoji: string, storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): void {
  const next = [emoji, ...recentReactions(storage).filter((e) => e !== emoji)].slice(0, RECENT_MAX)
  try {
    storage.setItem(RECENT_KEY, JSON.stringify(next))
  } catch {
    // no storage: nothing remembered
  }
}

/** An emoji as typed in the field (no letters or spaces, at most 16 code units); the Rust
 * side checks that it is one emoji sequence. */
export function oneEmoji(text: string): string | null {
  const t = text.trim()
  if (!t || t.length > 16 || /[\s\p{L}]/u.test(t)) return null
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u.test(t) ? t : null
}

/** Opens the picker beside `anchor`; `choose` gets the emoji. Closes on a choice, Esc or a
 * click elsewhere. */
export function openPicker(anchor: HTMLElement, choose: (emoji: string) => void): HTMLElement {
  document.querySelector('.picker')?.remove()
  const close = () => {
    el.remove()
    document.removeEventListener('mousedown', outside, true)
  }
  const pick = (e: string) => {
    rememberReaction(e)
    close()
    choose(e)
  }
  const button = (e: string) => h('button', { class: 'picker-emoji', text: e, attrs: { type: 'button', 'aria-label': `React with ${e}` }, on: { click: () => pick(e) } })
  const recent = recentReactions()
  const field = h('input', { attrs: { type: 'text', 'aria-label': 'Any emoji', placeholder: 'Any emoji…', maxlength: 16 } }) as HTMLInputElement
  const hint = h('span', { class: 'picker-hint', attrs: { role: 'status' } })
  field.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault()
      const e = oneEmoji(field.value)
      if (e) pick(e)
      else hint.textContent = 'One emoji, please.'
    }
  })
  const el = h(
    'div',
    { class: 'picker', attrs: { role: 'dialog', 'aria-label': 'Choose a reaction' } },
    recent.length ? h('div', { class: 'picker-row', attrs: { 'aria-label': 'Recent' } }, ...recent.map(button)) : null,
    h('div', { class: 'picker-row', attrs: { 'aria-label': 'Common' } }, ...COMMON.filter((e) => !recent.includes(e)).map(button)),
    h('div', { class: 'picker-other' }, field, hint),
  )
  el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.stopPropagation()
      close()
      anchor.focus()
    }
  })
  const outside = (ev: MouseEvent) => {
    if (!el.contains(ev.target as Node)) close()
  }
  document.addEventListener('mousedown', outside, true)
  document.body.append(el)
  const a = anchor.getBoundingClientRect()
  const w = 300
  el.style.left = `${Math.max(8, Math.min(a.left, window.innerWidth - w - 8))}px`
  el.style.top = `${a.bottom + 6 + 180 > window.innerHeight ? Math.max(8, a.top - 186) : a.bottom + 6}px`
  ;(el.querySelector('button') as HTMLButtonElement | null)?.focus()
  return el
}

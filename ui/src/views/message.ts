// Rendering of one timeline row. Text goes in as text nodes only (see dom.ts).
import { h } from '../dom'
import { linkify, isSafeUrl } from '../linkify'
import { deliveryText, type Row } from '../store'
import type { MessageView } from '../generated/ipc'

export interface RowActions {
  openLink(url: string): void
  retry(m: MessageView): void
  /** Whose name it is: a signed-in account, a guest, or unverified (a classic server). */
  identity?(name: string): 'account' | 'guest' | 'unverified'
  /** Offered to moderators: remove a message for everyone (its tombstone stays). */
  remove?(m: MessageView): void
}

/** A tombstone's words. */
export function tombstoneText(m: Pick<MessageView, 'removedBy'>): string {
  return m.removedBy ? `message removed by ${m.removedBy}` : 'message removed'
}

/** The mark beside an author's name. */
export function identityMark(kind: 'account' | 'guest' | 'unverified' | undefined): HTMLElement | null {
  if (kind === 'account') return h('span', { class: 'id-mark verified', text: '✓', attrs: { title: 'Signed-in account (verified name)', 'aria-label': 'verified account' } })
  if (kind === 'guest') return h('span', { class: 'id-mark guest', text: 'guest', attrs: { title: 'Guest: not signed in' } })
  return null
}

export const ESTIMATE = { day: 44, notice: 30, head: 62, cont: 26 }

export function rowSig(r: Row): string {
  if (r.kind === 'day') return r.label
  const m = r.msg
  return `${m.text}|${deliveryText(m.delivery)}|${r.kind === 'msg' && r.head}|${m.removed ? `x${m.removedBy ?? ''}` : ''}`
}

export function rowEstimate(r: Row): number {
  if (r.kind === 'day') return ESTIMATE.day
  if (r.kind === 'notice') return ESTIMATE.notice
  return r.head ? ESTIMATE.head : ESTIMATE.cont
}

export function messageText(text: string, actions: Pick<RowActions, 'openLink'>): HTMLElement {
  const el = h('div', { class: 'text' })
  for (const seg of linkify(text)) {
    if (seg.kind === 'text') el.append(document.createTextNode(seg.text))
    else
      el.append(
        h('a', {
          text: seg.text,
          attrs: { href: seg.url, rel: 'noopener noreferrer', title: `Open ${seg.url} in your browser` },
          on: {
            click: (ev) => {
              ev.preventDefault()
              actions.openLink(seg.url)
            },
          },
        }),
      )
  }
  return el
}

/** A shared location: one "shared a location" link to its map (http(s) only, opened by the
 * system browser through the app); anything else stays text. */
export function locationText(url: string, actions: Pick<RowActions, 'openLink'>): HTMLElement {
  const el = h('div', { class: 'text location' })
  if (!isSafeUrl(url)) {
    el.append(document.createTextNode(`shared a location: ${url}`))
    return el
  }
  el.append(
    h('a', {
      text: 'shared a location',
      attrs: { href: url, rel: 'noopener noreferrer', title: `Open ${url} in your browser` },
      on: {
        click: (ev) => {
          ev.preventDefault()
          actions.openLink(url)
        },
      },
    }),
  )
  const at = mapCoordinates(url)
  if (at) el.append(h('span', { class: 'location-at', text: ` · ${at}` }))
  return el
}

/** "48.8566, 2.3522" from a map link of the classic shape (`…/maps?q=LAT,LON`), so the line
 * says where without a click; undefined for any other link. */
export function mapCoordinates(url: string): string | undefined {
  let q: string | null
  try {
    q = new URL(url).searchParams.get('q')
  } catch {
    return undefined
  }
  const m = q ? /^(-?\d+(?:\.\d+)?(?:e-?\d+)?),(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/i.exec(q) : null
  if (!m) return undefined
  const [lat, lon] = [Number(m[1]), Number(m[2])]
  if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) return undefined
  const fmt = (v: number) => String(Number(v.toFixed(5)))
  return `${fmt(lat)}, ${fmt(lon)}`
}

function body(m: MessageView, actions: Pick<RowActions, 'openLink'>): HTMLElement {
  return m.kind === 'location' ? locationText(m.text, actions) : messageText(m.text, actions)
}

function avatarColor(name: string): string {
  let x = 0
  for (const c of name) x = (x * 31 + c.codePointAt(0)!) >>> 0
  return `hsl(${x % 360} 55% 48%)`
}

export function renderRow(r: Row, actions: RowActions): HTMLElement {
  if (r.kind === 'day') {
    return h('div', { class: 'day', attrs: { role: 'separator', 'aria-label': r.label } }, h('span', { text: r.label }))
  }
  const m = r.msg
  if (r.kind === 'notice') {
    return h(
      'div',
      { class: 'notice' },
      h('span', { class: 'notice-text', text: m.text }),
      h('time', { text: m.time, attrs: { datetime: new Date(m.createdAt).toISOString() } }),
    )
  }
  const status = m.own && !m.removed ? renderStatus(m, actions) : null
  const cls = ['msg', r.head ? 'head' : 'cont', m.own ? 'own' : '', m.delivery ? `st-${m.delivery.state}` : '', m.removed ? 'removed' : ''].join(' ')
  const time = h('time', { text: m.time, attrs: { datetime: new Date(m.createdAt).toISOString() } })
  const content = m.removed
    ? h('div', { class: 'text tombstone', text: tombstoneText(m) })
    : body(m, actions)
  const tools = actions.remove && !m.removed && m.seq !== null ? removeTool(m, actions.remove) : null
  if (!r.head) {
    return h('div', { class: cls, attrs: { 'data-id': m.id } }, h('div', { class: 'gutter' }, time), h('div', { class: 'content' }, content, status), tools)
  }
  const avatar = h('div', { class: 'avatar', attrs: { 'aria-hidden': 'true' }, text: [...m.username][0]?.toUpperCase() ?? '?' })
  avatar.style.backgroundColor = avatarColor(m.username)
  return h(
    'div',
    { class: cls, attrs: { 'data-id': m.id } },
    h('div', { class: 'gutter' }, avatar),
    h(
      'div',
      { class: 'content' },
      h(
        'div',
        { class: 'meta' },
        h('span', {
          class: 'author',
          text: m.own ? `${m.username} (you)` : m.username,
          attrs: { title: actions.identity?.(m.username) === 'unverified' ? 'Unverified name (this server has no accounts)' : undefined },
        }),
        identityMark(actions.identity?.(m.username)),
        time,
      ),
      content,
      status,
    ),
    tools,
  )
}

/** "Remove", then "Remove for everyone?" to confirm (a second click within 5 s). */
function removeTool(m: MessageView, remove: (m: MessageView) => void): HTMLElement {
  const btn = h('button', { class: 'link-button msg-remove', text: 'Remove', attrs: { type: 'button', 'aria-label': `Remove the message “${m.text.slice(0, 40)}”` } })
  let armed = 0
  btn.addEventListener('click', () => {
    if (Date.now() - armed < 5000) {
      btn.disabled = true
      remove(m)
      return
    }
    armed = Date.now()
    btn.textContent = 'Remove for everyone?'
    btn.classList.add('armed')
    setTimeout(() => {
      if (!btn.disabled) {
        btn.textContent = 'Remove'
        btn.classList.remove('armed')
      }
    }, 5000)
  })
  return h('div', { class: 'msg-tools' }, btn)
}

function renderStatus(m: MessageView, actions: RowActions): HTMLElement {
  const text = deliveryText(m.delivery)
  const el = h('div', { class: 'status' }, h('span', { class: 'delivery', text }))
  if (m.delivery?.state === 'failed') {
    el.append(h('button', { class: 'link-button', text: 'Retry', attrs: { type: 'button' }, on: { click: () => actions.retry(m) } }))
  }
  return el
}

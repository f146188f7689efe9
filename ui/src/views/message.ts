// Rendering of one timeline row. Text goes in as text nodes only (see dom.ts).
import { h } from '../dom'
import { linkify, isSafeUrl } from '../linkify'
import { deliveryText, type Row } from '../store'
import type { MessageView } from '../generated/ipc'

export interface RowActions {
  openLink(url: string): void
  retry(m: MessageView): void
}

export const ESTIMATE = { day: 44, notice: 30, head: 62, cont: 26 }

export function rowSig(r: Row): string {
  if (r.kind === 'day') return r.label
  const m = r.msg
  return `${m.text}|${deliveryText(m.delivery)}|${r.kind === 'msg' && r.head}`
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
  const status = m.own ? renderStatus(m, actions) : null
  const cls = ['msg', r.head ? 'head' : 'cont', m.own ? 'own' : '', m.delivery ? `st-${m.delivery.state}` : ''].join(' ')
  const time = h('time', { text: m.time, attrs: { datetime: new Date(m.createdAt).toISOString() } })
  if (!r.head) {
    return h('div', { class: cls, attrs: { 'data-id': m.id } }, h('div', { class: 'gutter' }, time), h('div', { class: 'content' }, body(m, actions), status))
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
      h('div', { class: 'meta' }, h('span', { class: 'author', text: m.own ? `${m.username} (you)` : m.username }), time),
      body(m, actions),
      status,
    ),
  )
}

function renderStatus(m: MessageView, actions: RowActions): HTMLElement {
  const text = deliveryText(m.delivery)
  const el = h('div', { class: 'status' }, h('span', { class: 'delivery', text }))
  if (m.delivery?.state === 'failed') {
    el.append(h('button', { class: 'link-button', text: 'Retry', attrs: { type: 'button' }, on: { click: () => actions.retry(m) } }))
  }
  return el
}

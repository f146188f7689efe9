// Rendering of one timeline row. Text goes in as text nodes only (see dom.ts).
import { h } from '../dom'
import { linkify, isSafeUrl } from '../linkify'
import { renderMarkdown } from '../markdown'
import { deliveryText, type Row } from '../store'
import { clockText } from '../clock'
import type { FileView, MessageView } from '../generated/ipc'
import { fileLine } from './files'

export interface RowActions {
  openLink(url: string): void
  retry(m: MessageView): void
  /** Whose name it is: a signed-in account, a guest, or unverified (a classic server). */
  identity?(name: string): 'account' | 'guest' | 'unverified'
  /** Offered to moderators: remove a message for everyone (its tombstone stays). */
  remove?(m: MessageView): void
  /** Your name in the room (mentions of you are marked). */
  me?: string
  /** Conversation actions (Banter servers): none on classic servers. */
  reply?(m: MessageView): void
  edit?(m: MessageView): void
  deleteOwn?(m: MessageView): void
  /** Toggle an emoji of yours on a message. */
  react?(m: MessageView, emoji: string, on: boolean): void
  /** Open the emoji picker for a message, beside `anchor`. */
  pickReaction?(m: MessageView, anchor: HTMLElement): void
  /** Show the message a reply quotes (loading the history around it if need be). */
  jumpTo?(id: string, seq: number): void
  /** A message's file line (views/files.ts), with the room's thumbnails and Save. */
  fileLine?(f: FileView): HTMLElement
}

/** A tombstone's words. */
export function tombstoneText(m: Pick<MessageView, 'removedBy' | 'username'>): string {
  if (m.removedBy && m.removedBy === m.username) return 'message deleted'
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
  const reactions = m.reactions.map((x) => `${x.emoji}${x.count}${x.mine ? '*' : ''}`).join(',')
  const reply = m.replyTo ? `${m.replyTo.id}:${m.replyTo.excerpt}:${m.replyTo.removed}` : ''
  return `${m.text}|${deliveryText(m.delivery)}|${r.kind === 'msg' && r.head}|${m.removed ? `x${m.removedBy ?? ''}` : ''}|${m.editedAt ?? ''}|${reactions}|${reply}|${m.mentionsMe}`
}

export function rowEstimate(r: Row): number {
  if (r.kind === 'day') return ESTIMATE.day
  if (r.kind === 'notice') return ESTIMATE.notice
  const extra = (r.msg.file ? (r.msg.file.image ? 250 : 44) : 0) + (r.msg.replyTo ? 24 : 0) + (r.msg.reactions.length ? 30 : 0) + (r.msg.body.some((n) => n.t === 'code_block' || n.t === 'list' || n.t === 'quote') ? 60 : 0)
  return (r.head ? ESTIMATE.head : ESTIMATE.cont) + extra
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

function body(m: MessageView, actions: Pick<RowActions, 'openLink' | 'me' | 'fileLine'>): HTMLElement {
  if (m.kind === 'location') return locationText(m.text, actions)
  // without the room's file actions (no server to ask): name and size, no thumbnail
  if (m.file) return actions.fileLine ? actions.fileLine(m.file) : fileLine({ ...m.file, image: false }, { server: '', room: m.room })
  return m.body.length ? renderMarkdown(m.body, { openLink: actions.openLink, me: actions.me }) : messageText(m.text, actions)
}

/** The quoted line above a reply; a click shows the message it answers. */
export function replyQuote(m: MessageView, actions: Pick<RowActions, 'jumpTo'>): HTMLElement | null {
  const to = m.replyTo
  if (!to) return null
  const excerpt = to.removed ? 'message deleted' : to.excerpt
  return h(
    'button',
    {
      class: `reply-quote${to.removed ? ' gone' : ''}`,
      attrs: { type: 'button', title: 'Show the message this answers', 'aria-label': `In reply to ${to.username}: ${excerpt}` },
      on: { click: () => actions.jumpTo?.(to.id, to.seq) },
    },
    h('span', { class: 'reply-arrow', text: '↱', attrs: { 'aria-hidden': 'true' } }),
    h('span', { class: 'reply-author', text: to.username }),
    h('span', { class: 'reply-excerpt', text: excerpt }),
  )
}

/** The emoji under a message: one toggle each (pressed when yours), with who reacted. */
export function reactionsRow(m: MessageView, actions: Pick<RowActions, 'react' | 'pickReaction'>): HTMLElement | null {
  if (!m.reactions.length || m.removed) return null
  const row = h('div', { class: 'reactions', attrs: { role: 'group', 'aria-label': 'Reactions' } })
  for (const r of m.reactions) {
    const who = r.users.length > 8 ? `${r.users.slice(0, 8).join(', ')} and ${r.users.length - 8} others` : r.users.join(', ')
    row.append(
      h(
        'button',
        {
          class: `reaction${r.mine ? ' mine' : ''}`,
          attrs: {
            type: 'button',
            'aria-pressed': r.mine ? 'true' : 'false',
            'aria-label': `${r.emoji} ${r.count}${r.mine ? ', yours' : ''}`,
            title: `${who} reacted with ${r.emoji}`,
            disabled: actions.react ? undefined : true,
          },
          on: { click: () => actions.react?.(m, r.emoji, !r.mine) },
        },
        h('span', { class: 'reaction-emoji', text: r.emoji }),
        h('span', { class: 'reaction-count', text: String(r.count) }),
      ),
    )
  }
  if (actions.pickReaction) {
    const add = h('button', { class: 'reaction add', text: '+', attrs: { type: 'button', 'aria-label': 'Add a reaction', title: 'Add a reaction' } })
    add.addEventListener('click', () => actions.pickReaction?.(m, add))
    row.append(add)
  }
  return row
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
      h('time', { text: clockText(m.time), attrs: { datetime: new Date(m.createdAt).toISOString() } }),
    )
  }
  const status = m.own && !m.removed ? renderStatus(m, actions) : null
  const cls = ['msg', r.head ? 'head' : 'cont', m.own ? 'own' : '', m.delivery ? `st-${m.delivery.state}` : '', m.removed ? 'removed' : '', m.mentionsMe ? 'mentions-me' : ''].join(' ')
  const time = h('time', { text: clockText(m.time), attrs: { datetime: new Date(m.createdAt).toISOString() } })
  const content = m.removed
    ? h('div', { class: 'text tombstone', text: tombstoneText(m) })
    : body(m, actions)
  const edited =
    m.editedAt !== null && !m.removed
      ? h('span', { class: 'edited', text: '(edited)', attrs: { title: `Edited ${new Date(m.editedAt).toLocaleString()}` } })
      : null
  // beside the text: in its last paragraph when it has one
  if (edited) (content.lastElementChild?.tagName === 'P' ? content.lastElementChild : content).append(edited)
  const quote = m.removed ? null : replyQuote(m, actions)
  const reactions = reactionsRow(m, actions)
  const tools = msgTools(m, actions)
  if (!r.head) {
    return h('div', { class: cls, attrs: { 'data-id': m.id } }, h('div', { class: 'gutter' }, time), h('div', { class: 'content' }, quote, content, reactions, status), tools)
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
      quote,
      content,
      reactions,
      status,
    ),
    tools,
  )
}

/** A line's actions, shown on hover or focus: React, Reply, Edit and Delete (your own), Remove
 * (moderators). None for a pending line, a tombstone or a line of a classic server. */
function msgTools(m: MessageView, actions: RowActions): HTMLElement | null {
  if (m.removed || m.seq === null) return null
  const text = m.kind === 'text' && !m.file // a file's message cannot be edited
  const b = (label: string, aria: string, fn: (el: HTMLElement) => void, cls = '') => {
    const el = h('button', { class: `link-button msg-tool ${cls}`, text: label, attrs: { type: 'button', 'aria-label': aria, title: aria } })
    el.addEventListener('click', () => fn(el))
    return el
  }
  const short = m.text.length > 40 ? `${m.text.slice(0, 40)}…` : m.text
  const buttons = [
    actions.pickReaction ? b('React', `React to ${m.username}’s message`, (el) => actions.pickReaction?.(m, el)) : null,
    actions.reply ? b('Reply', `Reply to ${m.username}’s message “${short}”`, () => actions.reply?.(m)) : null,
    actions.edit && m.own && text ? b('Edit', `Edit your message “${short}”`, () => actions.edit?.(m)) : null,
    actions.deleteOwn && m.own ? confirmTool('Delete', 'Delete for everyone?', `Delete your message “${short}”`, () => actions.deleteOwn?.(m)) : null,
    actions.remove && !m.own ? confirmTool('Remove', 'Remove for everyone?', `Remove the message “${m.text.slice(0, 40)}”`, () => actions.remove?.(m)) : null,
  ].filter((x): x is HTMLElement => x !== null)
  return buttons.length ? h('div', { class: 'msg-tools' }, ...buttons) : null
}

/** A destructive action: its label, then `armedLabel` to confirm (a second click within 5 s). */
function confirmTool(label: string, armedLabel: string, aria: string, act: () => void): HTMLElement {
  const btn = h('button', { class: `link-button msg-tool msg-${label.toLowerCase()}`, text: label, attrs: { type: 'button', 'aria-label': aria } })
  let armed = 0
  btn.addEventListener('click', () => {
    if (Date.now() - armed < 5000) {
      btn.disabled = true
      act()
      return
    }
    armed = Date.now()
    btn.textContent = armedLabel
    btn.classList.add('armed')
    setTimeout(() => {
      if (!btn.disabled) {
        btn.textContent = label
        btn.classList.remove('armed')
      }
    }, 5000)
  })
  return btn
}

function renderStatus(m: MessageView, actions: RowActions): HTMLElement {
  const text = deliveryText(m.delivery)
  const el = h('div', { class: 'status' }, h('span', { class: 'delivery', text }))
  if (m.delivery?.state === 'failed') {
    el.append(h('button', { class: 'link-button', text: 'Retry', attrs: { type: 'button' }, on: { click: () => actions.retry(m) } }))
  }
  return el
}

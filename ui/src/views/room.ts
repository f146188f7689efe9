// The room: header (title, topic, room settings, mute, leave), the virtualised timeline with
// "Load older messages", members with their actions, typing, the banner for connection
// state or removal, and the composer (with /location). Kept across renders and rebuilt
// when the active room changes; `update()` brings it up to date with the store.
import { api, errorMessage } from '../api'
import { h, clear } from '../dom'
import { roomKey, toRows, trimShown, typingText, roomLabel, identityOf, canManage, canModerate, type RoomState, type Row, type Store } from '../store'
import { VirtualList, type Item } from '../vlist'
import { renderRow, rowEstimate, rowSig, identityMark } from './message'
import { composer, type Composer } from './composer'
import { fileControls } from './files'
import { openPicker } from './picker'
import { hostOf, stateText } from './sidebar'
import { isMarker, markerEstimate, markerSig, renderMarker, topOf, withMarkers, type TimelineRow } from '../timeline'
import type { MessageView } from '../generated/ipc'

export type RowItem = Item & { row: TimelineRow }
export interface RoomView {
  key: string
  el: HTMLElement
  list: VirtualList<RowItem>
  update: () => void
  /** Shows a message, loading the history around it if need be (search, replies). */
  jumpTo: (id: string, seq: number) => Promise<void>
  composer: Composer
}

export interface RoomDeps {
  store: Store
  /** The join form is showing over the room. */
  showConnect(): boolean
  render(): void
  flash(text: string): void
  accountOf(url: string): string | null
  isMuted(r: RoomState): boolean
  toggleMute(r: RoomState): Promise<void>
  openRoomSettings(r: RoomState): void
  loadOlder(r: RoomState): Promise<void>
  loadingOlder(): boolean
  markSeen(r: RoomState): void
  /** The accounts blocked on a server, once known. */
  blockedOn(server: string): Set<string> | undefined
  setBlocked(server: string, name: string, block: boolean): Promise<void>
  moderate(r: RoomState, name: string, act: 'kick' | 'ban'): Promise<void>
  messageMember(server: string, me: string, name: string): Promise<void>
}

/** A member's actions, on a line of their own under the name (none: nothing). */
function memberActions(buttons: (HTMLElement | null)[]): HTMLElement | null {
  const shown = buttons.filter((b): b is HTMLElement => b !== null)
  return shown.length ? h('div', { class: 'member-actions' }, ...shown) : null
}

export function buildRoomView(r: RoomState, d: RoomDeps): RoomView {
  const { store } = d
  const key = roomKey(r.server, r.room)
  const dm = !!r.dmMembers
  const label = roomLabel(r)
  const title = h('h1', { text: dm ? label : `# ${r.room}` })
  const sub = h('span', { class: 'sub' })
  const topicEl = h('span', { class: 'topic' })
  const cur = () => store.rooms.get(key) ?? r
  const settingsBtn = h('button', { class: 'ghost small', text: 'Room settings', attrs: { type: 'button' }, on: { click: () => d.openRoomSettings(cur()) } })
  const muteBtn = h('button', { class: 'ghost small', attrs: { type: 'button' }, on: { click: () => void d.toggleMute(r) } })
  const leaveBtn = h('button', {
    class: 'ghost small',
    text: dm ? 'Close' : 'Leave',
    attrs: { type: 'button', title: dm ? 'Stop showing this conversation here (it stays yours, and comes back when someone writes)' : `Leave #${r.room} on all your devices` },
    on: {
      click: async () => {
        try {
          await api.leave(r.server, r.room)
        } catch (e) {
          // a room we were removed from has nothing left to leave
          if (!cur().ended) store.errors.push(errorMessage(e))
        }
        store.removeRoom(r.server, r.room)
        d.render()
      },
    },
  })
  const header = h('header', { class: 'room-head' }, h('div', { class: 'titles' }, title, sub, topicEl), h('div', { class: 'tools' }, settingsBtn, muteBtn, leaveBtn))
  const log = h('div', { class: 'timeline', attrs: { role: 'log', 'aria-label': dm ? `Messages with ${label}` : `Messages in ${r.room}`, tabindex: 0, 'aria-live': 'polite' } })
  const fail = (e: unknown) => d.flash(errorMessage(e))
  const talk = () => cur().banter && !cur().ended
  const files = fileControls({ room: () => ({ server: r.server, room: r.room, banter: talk() }) })
  const list = new VirtualList<RowItem>(log, (it) =>
    isMarker(it.row) ? renderMarker(it.row) : renderRow(it.row, {
      openLink: (url) => void api.openLink(url).catch(fail),
      retry: (m: MessageView) => void api.retry(r.server, r.room, m.id).catch(fail),
      identity: (name) => identityOf(cur(), name),
      remove: canModerate(cur()) && !cur().dmMembers ? (m) => void api.removeMessage(r.server, r.room, m.id).catch(fail) : undefined,
      me: cur().username,
      reply: talk() ? (m) => comp.replyTo(m) : undefined,
      edit: talk() ? (m) => comp.edit(m) : undefined,
      deleteOwn: talk() ? (m) => void api.deleteMessage(r.server, r.room, m.id).catch(fail) : undefined,
      react: talk() ? (m, emoji, on) => void api.react({ server: r.server, room: r.room, id: m.id, emoji, on }).catch(fail) : undefined,
      pickReaction: talk()
        ? (m, anchor) => openPicker(anchor, (emoji) => void api.react({ server: r.server, room: r.room, id: m.id, emoji, on: !m.reactions.some((x) => x.emoji === emoji && x.mine) }).catch(fail))
        : undefined,
      jumpTo: (id, seq) => void jumpTo(id, seq),
      fileLine: files.line,
    }),
  )
  /** Shows message `id` (seq `seq`), loading older pages until it is there (at most 20). */
  const jumpTo = async (id: string, seq: number) => {
    for (let page = 0; page < 20 && !cur().byId.has(id); page++) {
      const oldest = cur().messages.find((m) => m.seq !== null)?.seq
      if (!cur().more || oldest === undefined || oldest === null || oldest <= seq) break
      await d.loadOlder(cur())
      update()
    }
    if (!cur().byId.has(id)) return d.flash('That message is no longer here.')
    update()
    if (list.scrollToKey(id)) list.flash(id)
  }
  const older = h('button', { class: 'ghost small older', text: 'Load older messages', attrs: { type: 'button' } })
  older.addEventListener('click', () => void d.loadOlder(r))
  log.addEventListener('scroll', () => {
    if (log.scrollTop < 80 && r.more && !d.loadingOlder()) void d.loadOlder(r)
  })
  // "Jump to first unread" while the divider is out of sight
  const jumpBtn = h('button', { class: 'jump-unread', text: 'Jump to first unread ↑', attrs: { type: 'button' } })
  jumpBtn.hidden = true
  const dividerInView = () => {
    const el = log.querySelector('.new-divider')
    if (!el) return false
    const a = el.getBoundingClientRect()
    const b = log.getBoundingClientRect()
    return a.bottom > b.top && a.top < b.bottom
  }
  jumpBtn.addEventListener('click', () => {
    const id = cur().firstUnread
    if (id) list.scrollToKey('divider')
    jumpBtn.hidden = true
  })
  log.addEventListener('scroll', () => {
    if (cur().firstUnread) jumpBtn.hidden = dividerInView()
  })
  const members = h('ul', { class: 'member-list' })
  const membersHead = h('h2', {})
  const aside = h('aside', { class: 'members', attrs: { 'aria-label': 'Members' } }, membersHead, members)
  const typing = h('div', { class: 'typing', attrs: { 'aria-live': 'polite' } })
  const empty = h(
    'div',
    { class: 'room-empty' },
    h('div', { class: 'logo big', attrs: { 'aria-hidden': 'true' } }),
    h('p', { class: 'room-empty-title', text: dm ? `Your direct messages with ${label}` : `Welcome to #${r.room}` }),
    h('p', { text: dm ? 'Only its members can read this conversation. Say hello!' : 'No messages yet. Say hello!' }),
  )
  const banner = h('div', { class: 'banner', attrs: { role: 'status' } })

  // composer (views/composer.ts)
  const comp = composer(r, {
    room: cur,
    sent: (m) => {
      store.addOwn(r.server, m)
      list.scrollToBottom()
    },
    files,
  })
  const composerError = comp.error
  const form = comp.form

  const el = h(
    'section',
    { class: 'room-view', attrs: { 'aria-label': dm ? `Direct message with ${label}` : `Room ${r.room}` } },
    header,
    banner,
    h('div', { class: 'room-body' }, h('div', { class: 'timeline-wrap' }, older, jumpBtn, empty, log, typing), aside),
    composerError,
    form,
  )
  files.dropTarget(el)
  // One list item per line, kept while the line is listed the same way: an update lists the
  // room's lines again without a new item (nor a signature string) for each of them; the
  // signature is read only for the rows drawn.
  const items = new WeakMap<MessageView, RowItem>()
  const itemOf = (row: TimelineRow): RowItem => {
    if (isMarker(row)) return { key: row.key, sig: markerSig(row), estimate: markerEstimate(row), row }
    if (row.kind === 'day') return { key: row.key, sig: rowSig(row), estimate: rowEstimate(row), row }
    const held = items.get(row.msg)
    if (held && held.key === row.key && held.row.kind === row.kind && (row.kind !== 'msg' || (held.row.kind === 'msg' && held.row.head === row.head))) return held
    const item: RowItem = {
      key: row.key,
      sig: () => `${rowSig(row)}|${row.kind === 'msg' ? identityOf(cur(), row.msg.username) : ''}|${canModerate(cur())}`,
      estimate: rowEstimate(row),
      row,
    }
    items.set(row.msg, item)
    return item
  }
  const rowOf = (m: MessageView, head: boolean): Row | undefined => {
    const held = items.get(m)?.row
    return held && held.kind === 'msg' && held.head === head && held.key === m.id ? held : undefined
  }
  let first = true
  let membersSig = ''
  const update = () => {
    const room = store.rooms.get(key)
    if (!room) return
    const server = store.servers.get(room.server)
    sub.textContent = room.dmMembers
      ? `Direct message · ${hostOf(room.server)}`
      : room.ended
      ? `${hostOf(room.server)} · no longer a member`
      : `${hostOf(room.server)} · ${room.users.length} ${room.users.length === 1 ? 'member' : 'members'}${room.banter ? '' : ' · classic server'}`
    if (room.dmMembers) title.textContent = roomLabel(room)
    topicEl.textContent = room.info?.topic ? `· ${room.info.topic}` : ''
    topicEl.title = room.info?.topic ?? ''
    settingsBtn.hidden = !canManage(room) || !!room.dmMembers || !!room.ended
    const muted = d.isMuted(room)
    const what = room.dmMembers ? 'conversation' : 'room'
    muteBtn.textContent = muted ? `Unmute ${what}` : `Mute ${what}`
    muteBtn.setAttribute('aria-pressed', muted ? 'true' : 'false')
    // The open room drops its oldest lines only while its reader is at the bottom: never
    // under someone reading back. (Dropping them may offer "Load older messages".)
    if (!first && list.atBottom()) trimShown(room)
    older.hidden = !room.more
    membersHead.textContent = `Members — ${room.users.length}`
    // signed in on a Banter server: write to a member directly (guests cannot)
    const canMessage = !room.dmMembers && room.banter && d.accountOf(room.server) === room.username
    const mod = canModerate(room) && !room.dmMembers && !room.ended
    const blocks = canMessage ? d.blockedOn(room.server) : undefined
    // the list is built again only when something it shows changed (not on every message)
    const sig = [room.users.map((u) => `${u}:${identityOf(room, u)}`).join(','), canMessage, mod, [...(blocks ?? [])].join(','), room.info?.owner ?? '', room.username, !!room.dmMembers, room.ended ?? ''].join('|')
    const rebuild = sig !== membersSig
    membersSig = sig
    if (rebuild) clear(members)
    for (const u of rebuild ? room.users : []) {
      const me = u === room.username
      const who = identityOf(room, u)
      members.append(
        h(
          'li',
          { class: me ? 'me' : '', attrs: { title: who === 'unverified' ? 'Unverified name (this server has no accounts)' : undefined } },
          // the name as plain text (WebDriver's visible text skips a clipped span)
          h(
            'span',
            { class: 'member-line' },
            h('span', { class: 'presence-dot', attrs: { 'aria-hidden': 'true' } }),
            me ? `${u} (you)` : u,
            room.dmMembers ? null : identityMark(who),
          ),
          memberActions([
            canMessage && !me && who === 'account'
              ? h('button', {
                  class: 'link-button member-action',
                  text: 'Message',
                  attrs: { type: 'button', 'aria-label': `Message ${u}`, title: `Write to ${u} directly` },
                  on: { click: () => void d.messageMember(room.server, room.username, u) },
                })
              : null,
            canMessage && !me && who === 'account'
              ? blocks?.has(u)
                ? h('button', { class: 'link-button member-action', text: 'Unblock', attrs: { type: 'button', 'aria-label': `Unblock ${u}`, title: `Let ${u} write to you directly again` }, on: { click: () => void d.setBlocked(room.server, u, false) } })
                : h('button', { class: 'link-button member-action', text: 'Block', attrs: { type: 'button', 'aria-label': `Block ${u}`, title: `Stop ${u} writing to you directly` }, on: { click: () => void d.setBlocked(room.server, u, true) } })
              : null,
            mod && !me && u !== room.info?.owner
              ? h('button', { class: 'link-button member-action', text: 'Kick', attrs: { type: 'button', 'aria-label': `Kick ${u}`, title: `Take ${u} out of #${room.room} (they may join again)` }, on: { click: () => void d.moderate(room, u, 'kick') } })
              : null,
            mod && !me && u !== room.info?.owner
              ? h('button', { class: 'link-button member-action danger', text: 'Ban', attrs: { type: 'button', 'aria-label': `Ban ${u}`, title: `Take ${u} out of #${room.room} for good` }, on: { click: () => void d.moderate(room, u, 'ban') } })
              : null,
          ]),
        ),
      )
    }
    typing.textContent = typingText(store.typingNames(key))
    banner.classList.toggle('ended', !!room.ended)
    if (room.ended) {
      // removed from the room: said in words, and nothing more is sent
      banner.textContent = room.ended
      banner.hidden = false
      clear(members)
      members.append(h('li', { class: 'member-gone', text: 'You are no longer in this room.' }))
      membersHead.textContent = 'Members'
    } else if (server && server.state !== 'connected') {
      banner.textContent = server.detail ?? stateText(server.state)
      banner.hidden = false
    } else {
      banner.hidden = true
    }
    form.hidden = !!room.ended
    muteBtn.hidden = !!room.ended
    leaveBtn.textContent = dm || room.ended ? 'Close' : 'Leave'
    comp.refresh()
    const top = topOf(room)
    empty.hidden = room.messages.length > 0 || top?.kind === 'start'
    const rows = withMarkers(toRows(room.messages, rowOf), top, room.firstUnread)
    list.setItems(rows.map(itemOf), { forceBottom: first })
    first = false
    jumpBtn.hidden = !room.firstUnread || dividerInView()
    // seen: the room is shown and read to its end
    if (list.atBottom() && !d.showConnect()) d.markSeen(room)
  }
  return { key, el, list, update, jumpTo, composer: comp }
}


// The UI's state and the pure logic over it: applying the core's event batches, unread
// counts, delivery states, typing, and turning a timeline into display rows. No DOM here.

import type {
  ConnectionState,
  Delivery,
  MessageView,
  RoomInfoView,
  RoomSnapshot,
  UiEvent,
} from './generated/ipc'

export const TYPING_EXPIRY_MS = 6000
/** Id prefix of the join/leave notices the store writes itself. */
const PRESENCE_ID = 'local-presence-'

export type RoomKey = string
export const roomKey = (server: string, room: string): RoomKey => `${server}\u0000${room}`

export interface RoomState {
  server: string
  room: string
  username: string
  users: string[]
  /** Timeline in display order: history first, then live lines in arrival order. */
  messages: MessageView[]
  /** The same lines by id (updates and dedupe without scanning the timeline). */
  byId: Map<string, MessageView>
  more: boolean
  maxChars: number
  banter: boolean
  unread: number
  /** Of the unread lines, those that ping you (`@you`, `@here`, a keyword). */
  mentions: number
  /** The first unread line (the "New messages" divider goes above it), while there is one. */
  firstUnread: string | null
  /** user → expiry time (ms) of their typing indicator */
  typing: Map<string, number>
  /** A direct message (`room` is its `dm:…` id): its members, yours included; null: a room. */
  dmMembers: string[] | null
  /** Names seen signed in here (verified accounts); a guest can never use one of them. */
  accounts: Set<string>
  /** Those present now who are signed in. */
  signedIn: Set<string>
  /** Owner, topic, privacy, moderators and your role (servers with moderation). */
  info: RoomInfoView | null
  /** Why the room ended here (kicked, banned): shown in words; nothing is sent any more. */
  ended: string | null
}

/** Your role lets you change the room's settings (topic, private, moderators). */
export const canManage = (r: Pick<RoomState, 'info'>): boolean => r.info?.role === 'owner' || r.info?.role === 'admin'
/** Your role lets you remove messages, kick and ban. */
export const canModerate = (r: Pick<RoomState, 'info'>): boolean => canManage(r) || r.info?.role === 'moderator'

/** How a name shows beside its messages and in the member list: a verified account, a
 * guest, or (on a classic server) unverified. */
export function identityOf(r: Pick<RoomState, 'banter' | 'accounts' | 'signedIn' | 'users'>, name: string): 'account' | 'guest' | 'unverified' {
  if (!r.banter) return 'unverified'
  if (r.accounts.has(name) || r.signedIn.has(name)) return 'account'
  return r.users.includes(name) ? 'guest' : 'unverified'
}

/** "You were removed from #lobby by ann." / "… banned …" */
export function endedText(room: string, by: string, banned: boolean): string {
  return banned
    ? `You were banned from #${room} by ${by}. You cannot join it again unless they lift the ban.`
    : `You were removed from #${room} by ${by}. You can join it again from “+ Join a room”.`
}

/** A room name that is a direct message's id. */
export const isDm = (room: string): boolean => room.startsWith('dm:')

/** What a person calls a conversation: `lobby`, or for a DM its other members ("bob, cy"),
 * never its id. */
export function roomLabel(r: Pick<RoomState, 'room' | 'dmMembers' | 'username'>): string {
  if (!isDm(r.room)) return r.room
  const others = (r.dmMembers ?? []).filter((m) => m !== r.username)
  return others.length ? others.join(', ') : 'Direct message'
}

/** The open DM on `server` with exactly `me` and `others`, if any. */
export function findDm(rooms: Iterable<RoomState>, server: string, me: string, others: string[]): RoomState | undefined {
  const want = [...new Set([me, ...others].map((n) => n.toLowerCase()))].sort().join('\u0000')
  for (const r of rooms) {
    if (r.server !== server || !r.dmMembers) continue
    if ([...r.dmMembers].sort().join('\u0000') === want) return r
  }
  return undefined
}

export interface ServerState {
  url: string
  displayName: string
  state: ConnectionState
  detail: string | null
}

export class Store {
  servers = new Map<string, ServerState>()
  rooms = new Map<RoomKey, RoomState>()
  active: RoomKey | null = null
  errors: string[] = []
  private localIds = 0
  /** Room settings that came before their room's snapshot. */
  private pendingInfo = new Map<RoomKey, RoomInfoView>()
  private listeners = new Set<() => void>()

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
  changed(): void {
    for (const fn of this.listeners) fn()
  }

  upsertServer(url: string, displayName: string, state: ConnectionState = 'connected'): ServerState {
    let s = this.servers.get(url)
    if (!s) {
      s = { url, displayName, state, detail: null }
      this.servers.set(url, s)
    } else {
      s.displayName = displayName || s.displayName
      s.state = state
    }
    return s
  }

  /** A room joined (or re-joined): merge its snapshot. */
  addSnapshot(snap: RoomSnapshot): RoomState {
    const key = roomKey(snap.server, snap.room)
    let r = this.rooms.get(key)
    if (!r) {
      r = {
        server: snap.server,
        room: snap.room,
        username: snap.username,
        users: snap.users,
        messages: [],
        byId: new Map(),
        more: snap.more,
        maxChars: snap.maxMessageChars,
        banter: snap.banter,
        unread: 0,
        mentions: 0,
        firstUnread: null,
        typing: new Map(),
        dmMembers: snap.dmMembers,
        accounts: new Set(snap.signedIn),
        signedIn: new Set(snap.signedIn),
        info: snap.info ?? this.pendingInfo.get(key) ?? null,
        ended: null,
      }
      this.pendingInfo.delete(key)
      this.rooms.set(key, r)
    } else {
      r.username = snap.username
      if (snap.users.length) r.users = snap.users
      r.maxChars = snap.maxMessageChars
      r.banter = snap.banter
      if (snap.dmMembers) r.dmMembers = snap.dmMembers
      if (snap.users.length) r.signedIn = new Set(snap.signedIn)
      for (const n of snap.signedIn) r.accounts.add(n)
      if (snap.info) r.info = snap.info
      r.ended = null
    }
    // the account's unread count (its read marker, the same on every device)
    if (snap.unread !== null && this.active !== key) r.unread = snap.unread
    for (const m of snap.messages) upsertMessage(r, m)
    if (r.unread > 0) r.firstUnread = firstUnreadOf(r.messages, r.unread)
    if (!this.servers.has(snap.server)) this.upsertServer(snap.server, snap.username)
    if (this.active === null) this.active = key
    return r
  }

  removeRoom(server: string, room: string): void {
    const key = roomKey(server, room)
    this.rooms.delete(key)
    if (this.active === key) this.active = this.rooms.keys().next().value ?? null
  }

  /** Older history: goes before everything we have. */
  prependHistory(server: string, room: string, messages: MessageView[], more: boolean): number {
    const r = this.rooms.get(roomKey(server, room))
    if (!r) return 0
    const fresh = messages.filter((m) => !r.byId.has(m.id))
    for (const m of fresh) r.byId.set(m.id, m)
    r.messages = [...fresh, ...r.messages]
    r.more = more
    return fresh.length
  }

  setActive(key: RoomKey): void {
    // the room left behind was read: its divider goes
    const left = this.active !== null && this.active !== key ? this.rooms.get(this.active) : undefined
    if (left) left.firstUnread = null
    this.active = key
    const r = this.rooms.get(key)
    if (r) {
      r.unread = 0
      r.mentions = 0
    }
  }

  /** Applies one batch from the core. `focused`: the window has focus. */
  apply(events: UiEvent[], now = Date.now(), focused = true): void {
    const touched = new Set<RoomState>()
    for (const ev of events) {
      const r = this.applyOne(ev, now, focused)
      if (r) touched.add(r)
    }
    // Rooms out of sight keep only their newest lines; the open room is trimmed by the view,
    // and only while its reader is at the bottom (see trimOld).
    for (const r of touched) if (this.active !== roomKey(r.server, r.room)) trimHidden(r)
    this.changed()
  }

  /** Applies one event; returns the room that got a new line, if any. */
  private applyOne(ev: UiEvent, now: number, focused: boolean): RoomState | undefined {
    switch (ev.type) {
      case 'connection': {
        // a server we never connected to appears only with something to say
        if (!this.servers.has(ev.server) && ev.state === 'disconnected' && !ev.detail) break
        const s = this.servers.get(ev.server) ?? this.upsertServer(ev.server, '', ev.state)
        s.state = ev.state
        s.detail = ev.detail
        break
      }
      case 'room':
        this.addSnapshot(ev.snapshot)
        break
      case 'message': {
        const r = this.rooms.get(roomKey(ev.server, ev.message.room))
        if (!r) break
        const isNew = upsertMessage(r, ev.message)
        r.typing.delete(ev.message.username)
        const here = this.active === roomKey(r.server, r.room) && focused
        if (isNew && !ev.message.own && ev.message.kind !== 'notice' && !here) {
          if (r.unread === 0 || r.firstUnread === null) r.firstUnread = ev.message.id
          r.unread += 1
          if (ev.message.mentionsMe) r.mentions += 1
        }
        return isNew ? r : undefined
      }
      case 'delivery': {
        const r = this.rooms.get(roomKey(ev.server, ev.room))
        const m = r?.byId.get(ev.id)
        if (m) {
          m.delivery = mergeDelivery(m.delivery, ev.delivery)
          if (ev.seq !== null) m.seq = ev.seq
        }
        break
      }
      case 'presence': {
        const r = this.rooms.get(roomKey(ev.server, ev.room))
        if (!r) break
        r.users = ev.users
        r.signedIn = new Set(ev.signedIn)
        for (const n of ev.signedIn) r.accounts.add(n)
        if (ev.username) r.typing.delete(ev.username)
        // A classic server says "NAME has joined!" itself; a Banter server sends presence only.
        // In a DM, members coming and going is no news: they are its members either way.
        if (ev.username && r.banter && !r.dmMembers) {
          const last = r.messages[r.messages.length - 1]
          upsertMessage(r, {
            id: `${PRESENCE_ID}${++this.localIds}`,
            room: r.room,
            seq: null,
            username: ev.username,
            kind: 'notice',
            text: `${ev.username} ${ev.joined ? 'joined' : 'left'}`,
            createdAt: now,
            time: formatTime(now),
            // the notice is now: today's group (not the last line's day, which may be older)
            day: localDay(now),
            dayLabel: last && last.day === localDay(now) ? last.dayLabel : 'Today',
            own: false,
            delivery: null,
            removed: false,
            removedBy: null,
            body: [],
            editedAt: null,
            reactions: [],
            replyTo: null,
            mentionsMe: false,
          })
          return r
        }
        break
      }
      case 'typing': {
        const r = this.rooms.get(roomKey(ev.server, ev.room))
        if (!r || ev.username === r.username) break
        if (ev.typing) r.typing.set(ev.username, now + TYPING_EXPIRY_MS)
        else r.typing.delete(ev.username)
        break
      }
      case 'roomInfo': {
        const key = roomKey(ev.server, ev.room)
        const r = this.rooms.get(key)
        if (r) r.info = ev.info
        else this.pendingInfo.set(key, ev.info)
        break
      }
      case 'edited': {
        const m = this.rooms.get(roomKey(ev.server, ev.room))?.byId.get(ev.id)
        if (m && !m.removed) Object.assign(m, { text: ev.text, body: ev.body, editedAt: ev.editedAt })
        break
      }
      case 'reactions': {
        const m = this.rooms.get(roomKey(ev.server, ev.room))?.byId.get(ev.id)
        if (m) m.reactions = ev.reactions
        break
      }
      case 'removed': {
        const m = this.rooms.get(roomKey(ev.server, ev.room))?.byId.get(ev.id)
        if (m) Object.assign(m, { text: '', removed: true, removedBy: ev.by })
        break
      }
      case 'kicked': {
        const r = this.rooms.get(roomKey(ev.server, ev.room))
        if (r) {
          r.ended = endedText(r.room, ev.by, ev.banned)
          r.typing.clear()
        }
        break
      }
      case 'readMarker': {
        const r = this.rooms.get(roomKey(ev.server, ev.room))
        if (r) {
          r.unread = ev.unread
          if (ev.unread === 0) r.mentions = 0
          // read on another device: no divider here either; else it moves to that device's place
          if (this.active !== roomKey(r.server, r.room)) r.firstUnread = ev.unread > 0 ? firstUnreadOf(r.messages, ev.unread) : null
        }
        break
      }
      case 'roomLeft':
        this.removeRoom(ev.server, ev.room)
        break
      case 'error':
        this.errors.push(ev.error.message)
        break
    }
    return undefined
  }

  /** Our own message, shown at once as pending. */
  addOwn(server: string, m: MessageView): void {
    const r = this.rooms.get(roomKey(server, m.room))
    if (r) {
      upsertMessage(r, m)
      r.firstUnread = null // you answered: read
    }
    this.changed()
  }

  typingNames(key: RoomKey, now = Date.now()): string[] {
    const r = this.rooms.get(key)
    if (!r) return []
    const names: string[] = []
    for (const [name, until] of r.typing) {
      if (until > now) names.push(name)
      else r.typing.delete(name)
    }
    return names.sort()
  }
}

/** The id of the first of the newest `unread` lines from others (notices and your own
 * lines are never unread), or null. */
export function firstUnreadOf(messages: MessageView[], unread: number): string | null {
  let seen = 0
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (m.own || m.kind === 'notice' || m.removed) continue
    seen += 1
    if (seen === unread) return m.id
  }
  return null
}

/** Adds or updates a message by id; returns true when it was new. */
export function upsertMessage(r: RoomState, m: MessageView): boolean {
  const old = r.byId.get(m.id)
  if (!old) {
    const line = { ...m }
    r.messages.push(line)
    r.byId.set(line.id, line)
    return true
  }
  Object.assign(old, m, { delivery: m.own ? mergeDelivery(old.delivery, m.delivery) : m.delivery })
  return false
}

/** Lines a room keeps in memory. Older ones are dropped; on a Banter server "Load older
 * messages" fetches them again from the room's history. */
export const KEEP_MESSAGES = 2000
/** Trimming waits for this many extra lines, so it runs once per few hundred, not per line. */
export const TRIM_SLACK = 500

/** Lines a room out of sight keeps on a Banter server (the rest come back through "Load
 * older messages" when it is opened and read back); a classic server keeps no history, so
 * its rooms keep KEEP_MESSAGES wherever they are. */
export const KEEP_HIDDEN = 200
export const HIDDEN_SLACK = 100

/** Lines the open room keeps on a Banter server while its reader is at the bottom: a burst
 * read as it comes does not leave thousands of lines behind it; scrolling up loads the older
 * ones again from the room's history (the view asks when the top comes near). */
export const KEEP_SHOWN = 500
export const SHOWN_SLACK = 250

/** Trims a room that is not shown. */
export function trimHidden(r: RoomState): number {
  return r.banter ? trimOld(r, KEEP_HIDDEN, HIDDEN_SLACK) : trimOld(r)
}

/** Trims the open room; the view calls it only while its reader is at the bottom. */
export function trimShown(r: RoomState): number {
  return r.banter ? trimOld(r, KEEP_SHOWN, SHOWN_SLACK) : trimOld(r)
}

/** Drops a room's oldest lines beyond `keep` (when more than `keep + slack`), never one of
 * your messages still pending or failed, nor anything after it. Returns how many went. */
export function trimOld(r: RoomState, keep = KEEP_MESSAGES, slack = TRIM_SLACK): number {
  if (r.messages.length <= keep + slack) return 0
  let n = r.messages.length - keep
  for (let i = 0; i < n; i++) {
    const d = r.messages[i].delivery
    if (d && (d.state === 'pending' || d.state === 'failed')) {
      n = i
      break
    }
  }
  if (n === 0) return 0
  const dropped = r.messages.splice(0, n)
  for (const m of dropped) r.byId.delete(m.id)
  if (r.banter && dropped.some((m) => m.seq !== null)) r.more = true
  return n
}

const RANK: Record<string, number> = { pending: 0, failed: 1, refused: 2, delivered: 3 }

/** A later event never makes a delivered message pending again, nor loses receipt counts. */
export function mergeDelivery(old: Delivery | null, next: Delivery | null): Delivery | null {
  if (!old) return next
  if (!next) return old
  if (old.state === 'delivered' && next.state !== 'delivered') return old
  const state = next.state === 'pending' && RANK[old.state] > 0 && old.state !== 'failed' ? old.state : next.state
  return {
    state,
    reason: state === next.state ? next.reason : old.reason,
    receivedBy: maxOpt(old.receivedBy, next.receivedBy),
    recipients: next.recipients ?? old.recipients,
  }
}

function maxOpt(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.max(a, b)
}

/** The local calendar day of `ms`, as the Rust side writes it ("2026-11-25"). */
export function localDay(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

function formatTime(ms: number): string {
  const d = new Date(ms)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

/** The readable delivery text of one of your messages. */
export function deliveryText(d: Delivery | null): string {
  if (!d) return ''
  switch (d.state) {
    case 'pending':
      return 'pending'
    case 'delivered':
      if (d.recipients !== null && d.recipients > 0 && d.receivedBy !== null)
        return `delivered · received by ${d.receivedBy} of ${d.recipients}`
      return 'delivered'
    case 'refused':
      return d.reason ? `refused: ${d.reason}` : 'refused'
    case 'failed':
      return d.reason ? `failed: ${d.reason}` : 'failed'
  }
}

// ---- display rows --------------------------------------------------------------------

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'notice'; key: string; msg: MessageView }
  | { kind: 'msg'; key: string; msg: MessageView; head: boolean }

/** A new sender group starts after this many ms of silence. */
export const GROUP_GAP_MS = 5 * 60 * 1000

/** A presence notice the store wrote ("NAME joined" / "NAME left"), read back. */
function presenceOf(m: MessageView): { name: string; joined: boolean } | null {
  if (m.kind !== 'notice' || !m.id.startsWith(PRESENCE_ID)) return null
  const hit = /^(.+) (joined|left)$/.exec(m.text)
  return hit ? { name: hit[1], joined: hit[2] === 'joined' } : null
}

/** "a", "a and b", "a, b and c", "a, b, c and 4 others" */
export function nameList(names: string[]): string {
  if (names.length <= 1) return names.join('')
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} others`
}

/** Runs of this many presence notices or more show as one line. */
export const PRESENCE_RUN = 3

/** One line for a run of joins and leaves: "a, b, c and 9 others joined · a and b left". */
export function presenceSummary(run: { name: string; joined: boolean }[]): string {
  const joined = [...new Set(run.filter((p) => p.joined).map((p) => p.name))]
  const left = [...new Set(run.filter((p) => !p.joined).map((p) => p.name))]
  if (joined.length === left.length && joined.every((n) => left.includes(n))) return `${nameList(joined)} joined and left`
  return [joined.length ? `${nameList(joined)} joined` : '', left.length ? `${nameList(left)} left` : '']
    .filter(Boolean)
    .join(' · ')
}

/** Messages → rows: a day heading when the day changes, sender groups, notices apart, and a
 * run of joins and leaves as one line. `reuse` may hand back a line's row from the last
 * update (same message, same head) instead of a new one. */
export function toRows(messages: MessageView[], reuse?: (m: MessageView, head: boolean) => Row | undefined): Row[] {
  const rows: Row[] = []
  let day: string | null = null
  let prev: MessageView | null = null
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]
    if (m.day && m.day !== day) {
      day = m.day
      rows.push({ kind: 'day', key: `day-${m.day}`, label: m.dayLabel })
      prev = null
    }
    const first = presenceOf(m)
    if (first) {
      const run = [first]
      let j = i + 1
      for (; j < messages.length && messages[j].day === m.day; j++) {
        const p = presenceOf(messages[j])
        if (!p) break
        run.push(p)
      }
      if (run.length >= PRESENCE_RUN) {
        const last = messages[j - 1]
        rows.push({ kind: 'notice', key: m.id, msg: { ...last, id: m.id, text: presenceSummary(run) } })
        i = j - 1
        prev = null
        continue
      }
    }
    if (m.kind === 'notice') {
      rows.push({ kind: 'notice', key: m.id, msg: m })
      prev = null
      continue
    }
    const head = !prev || prev.username !== m.username || m.createdAt - prev.createdAt > GROUP_GAP_MS
    rows.push(reuse?.(m, head) ?? { kind: 'msg', key: m.id, msg: m, head })
    prev = m
  }
  return rows
}

/** "ann is typing…", "ann and bob are typing…", "3 people are typing…" */
export function typingText(names: string[]): string {
  if (names.length === 0) return ''
  if (names.length === 1) return `${names[0]} is typing…`
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`
  return `${names.length} people are typing…`
}

/** Composer counter: characters (not UTF-16 units) as the server counts them. */
export function charCount(text: string): number {
  return [...text].length
}

// Banter's UI: connect screen, sidebar (servers, rooms, unread, connection state), the room
// (virtualised timeline, members, typing), the composer. State lives in store.ts; the Rust
// side does all I/O and validation.
import { api, errorMessage } from './api'
import { h, clear } from './dom'
import { Store, roomKey, toRows, trimOld, typingText, charCount, roomLabel, findDm, identityOf, canManage, canModerate, type RoomState, type Row } from './store'
import { VirtualList, type Item } from './vlist'
import { connectView, type ConnectValues } from './views/connect'
import { renderRow, rowEstimate, rowSig, identityMark } from './views/message'
import { parseComposer } from './commands'
import { sameServer } from './accounts'
import { accountMenu } from './views/account'
import { ReadMarks, newestSeq } from './readmarks'
import { roomSettings } from './views/room-settings'
import type { AppInfo, MessageView, Settings, UiEvent } from './generated/ipc'

type RowItem = Item & { row: Row }

const store = new Store()
let info: AppInfo | null = null
let settings: Settings | null = null
let showConnect = false
let connectPrefill: Partial<ConnectValues> = {}
/** Said above the connect form when an invite link filled it in. */
let connectNotice = ''
let mainMode: 'connect' | 'reconnecting' | 'room' | '' = ''
/** Under "Reconnecting to your rooms…": what each server waits for. */
const reconnectDetails = h('p', { class: 'wait-details', attrs: { role: 'status' } })

const app = document.getElementById('app')!
const sidebar = h('aside', { class: 'sidebar', attrs: { 'aria-label': 'Servers and rooms' } })
const main = h('main', { class: 'main' })
app.append(sidebar, main)

// ---------- room view (kept across renders, rebuilt when the active room changes) -------
let roomView: { key: string; el: HTMLElement; list: VirtualList<RowItem>; update: () => void } | null = null

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

function stateText(s: string): string {
  return { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', disconnected: 'Offline' }[s] ?? s
}

function renderSidebar(): void {
  clear(sidebar)
  sidebar.append(h('div', { class: 'brand' }, h('div', { class: 'logo', attrs: { 'aria-hidden': 'true' } }), h('span', { text: 'Banter' })))
  const nav = h('nav', { class: 'servers', attrs: { 'aria-label': 'Rooms' } })
  for (const s of store.servers.values()) {
    const here = [...store.rooms.values()].filter((r) => r.server === s.url)
    const rooms = here.filter((r) => !r.dmMembers)
    const dms = here.filter((r) => r.dmMembers)
    const item = (r: RoomState) => {
      const key = roomKey(r.server, r.room)
      const active = key === store.active && !showConnect
      const muted = isMuted(r)
      const label = roomLabel(r)
      const btn = h(
        'button',
        {
          class: `room${r.dmMembers ? ' dm' : ''}${active ? ' active' : ''}${r.unread ? ' has-unread' : ''}${r.ended ? ' ended' : ''}`,
          attrs: {
            type: 'button',
            'aria-current': active ? 'page' : undefined,
            'data-room': r.room,
            'aria-label': r.dmMembers ? `Direct message with ${label}${r.unread ? `, ${r.unread} unread` : ''}` : undefined,
            title: r.ended ?? undefined,
          },
          on: { click: () => openRoom(key) },
        },
        r.dmMembers
          ? h('span', { class: 'dm-dot', text: [...label][0]?.toUpperCase() ?? '?', attrs: { 'aria-hidden': 'true' } })
          : h('span', { class: 'hash', text: '#', attrs: { 'aria-hidden': 'true' } }),
        h('span', { class: 'room-name', text: label }),
        muted ? h('span', { class: 'muted-icon', text: 'muted', attrs: { title: 'Muted' } }) : null,
        r.unread ? h('span', { class: 'badge', text: r.unread > 99 ? '99+' : String(r.unread), attrs: { 'aria-label': `${r.unread} unread` } }) : null,
      )
      return h('li', {}, btn)
    }
    const list = h('ul', { class: 'rooms' }, ...rooms.map(item))
    // signed in on a Banter server: its direct messages, under its rooms
    const dmSection =
      accountOf(s.url) && (dms.length > 0 || rooms.some((r) => r.banter))
        ? h(
            'div',
            { class: 'dm-section' },
            h('h3', { class: 'section-title', text: 'Direct messages' }),
            dms.length
              ? h('ul', { class: 'rooms dms', attrs: { 'aria-label': `Direct messages on ${hostOf(s.url)}` } }, ...dms.map(item))
              : h('p', { class: 'section-hint', text: 'Choose Message beside someone in a room’s member list.' }),
          )
        : null
    nav.append(
      h(
        'section',
        { class: 'server' },
        h(
          'div',
          { class: 'server-head' },
          h('span', { class: 'server-name', text: hostOf(s.url), attrs: { title: s.url } }),
          h('span', { class: `conn conn-${s.state}`, attrs: { role: 'status', title: s.detail ?? '' } }, h('span', { class: 'dot', attrs: { 'aria-hidden': 'true' } }), stateText(s.state)),
          accountOf(s.url)
            ? h(
                'span',
                { class: 'account-line' },
                h('button', {
                  class: 'account-name',
                  text: accountOf(s.url)!,
                  attrs: { type: 'button', title: `Signed in as ${accountOf(s.url)}: sessions, password`, 'aria-label': `Account menu for ${hostOf(s.url)}`, 'aria-haspopup': 'dialog' },
                  on: { click: () => openAccountMenu(s.url) },
                }),
                h('button', {
                  class: 'ghost tiny sign-out',
                  text: 'Sign out',
                  attrs: { type: 'button', 'aria-label': `Sign out of ${hostOf(s.url)}`, title: `Sign out of ${s.url} on this computer` },
                  on: { click: () => void signOut(s.url) },
                }),
              )
            : null,
          // a server that is not answering can be let go: its rooms are left and it is forgotten
          s.state === 'connected'
            ? null
            : h('button', {
                class: 'ghost tiny forget',
                text: 'Forget',
                attrs: { type: 'button', 'aria-label': `Forget ${hostOf(s.url)}`, title: `Leave its rooms and forget ${s.url}` },
                on: { click: () => void forgetServer(s.url) },
              }),
        ),
        list,
        dmSection,
      ),
    )
  }
  sidebar.append(nav)
  const dnd = settings?.notifications.doNotDisturb ?? false
  sidebar.append(
    h(
      'div',
      { class: 'sidebar-foot' },
      h('button', { class: 'secondary wide', text: '+ Join a room', attrs: { type: 'button' }, on: { click: () => openConnect() } }),
      h('button', {
        class: `toggle${dnd ? ' on' : ''}`,
        text: dnd ? 'Do not disturb: on' : 'Do not disturb: off',
        attrs: { type: 'button', 'aria-pressed': dnd ? 'true' : 'false', 'aria-label': 'Do not disturb' },
        on: { click: () => toggleDnd() },
      }),
    ),
  )
}

/** The account signed in on a server (the settings keep its name only), or null: a guest. */
function accountOf(url: string): string | null {
  return settings?.servers.find((s) => s.url === url)?.account || null
}

async function signOut(url: string): Promise<void> {
  const account = accountOf(url)
  try {
    await api.signOut(url)
  } catch (e) {
    flash(errorMessage(e))
    return
  }
  for (const r of [...store.rooms.values()]) if (r.server === url) store.removeRoom(r.server, r.room)
  store.servers.delete(url)
  blocked.delete(url) // another account may sign in there next
  signedOut.add(url)
  try {
    info = await api.appInfo()
    settings = info.settings
  } catch (e) {
    flash(errorMessage(e))
  }
  openConnect({ url, displayName: account ?? '', mode: 'signin' })
}
let menu: HTMLElement | null = null
function openAccountMenu(url: string): void {
  const account = accountOf(url)
  if (!account) return
  closeAccountMenu()
  menu = accountMenu({
    server: url,
    host: hostOf(url),
    account,
    sessions: () => api.sessions(url),
    revoke: (id) => api.revokeSession(url, id),
    blocks: async () => {
      const names = await api.blocks(url)
      blocked.set(url, new Set(names))
      render()
      return names
    },
    unblock: async (name) => {
      await api.unblock(url, name)
      blocked.get(url)?.delete(name)
      render()
    },
    changePassword: (old, next) => api.changePassword(url, old, next),
    signOut: () => {
      closeAccountMenu()
      void signOut(url)
    },
    close: closeAccountMenu,
    errorText: errorMessage,
  })
  document.body.append(menu)
}
function closeAccountMenu(): void {
  menu?.remove()
  menu = null
}

/** "Message" on a member: the DM with that account, opened (or created) and shown. */
async function messageMember(server: string, me: string, name: string): Promise<void> {
  const open = findDm(store.rooms.values(), server, me, [name])
  if (open) return openRoom(roomKey(open.server, open.room))
  const key = roomKey(server, name)
  if (opening.has(key)) return // a second click while the first opens it
  opening.add(key)
  try {
    const snap = await api.openDm(server, [name])
    store.addSnapshot(snap)
    openRoom(roomKey(snap.server, snap.room))
  } catch (e) {
    flash(errorMessage(e))
  } finally {
    opening.delete(key)
  }
}
const opening = new Set<string>()

async function restoreAccount(server: string): Promise<void> {
  try {
    for (const snap of await api.restoreAccount(server)) store.addSnapshot(snap)
    settings = (await api.appInfo()).settings
  } catch (e) {
    flash(errorMessage(e))
  }
  render()
}

/** Read markers: the newest seq seen per room, sent at most once a second per room. */
const readMarks = new ReadMarks((key, seq) => {
  const room = store.rooms.get(key)
  return room ? api.markRead(room.server, room.room, seq) : Promise.resolve()
})
function markSeen(r: RoomState): void {
  if (!r.banter || accountOf(r.server) !== r.username || r.ended || document.visibilityState !== 'visible') return
  readMarks.seen(roomKey(r.server, r.room), newestSeq(r.messages))
}

let dialog: HTMLElement | null = null
function openRoomSettings(r: RoomState): void {
  if (!r.info) return
  dialog?.remove()
  dialog = roomSettings({
    server: r.server,
    room: r.room,
    info: r.info,
    save: (req) => api.roomSettings(req),
    members: (add, remove) => api.roomMembers(r.server, r.room, add, remove),
    done: (info) => {
      r.info = { ...info, role: info.role ?? r.info?.role ?? null }
      dialog?.remove()
      dialog = null
      render()
    },
    close: () => {
      dialog?.remove()
      dialog = null
    },
    errorText: errorMessage,
  })
  document.body.append(dialog)
}

/** The accounts blocked per server (signed in there), read once and kept up to date here. */
const blocked = new Map<string, Set<string>>()
const blocksLoading = new Set<string>()
function blockedOn(server: string): Set<string> | undefined {
  const known = blocked.get(server)
  if (known || blocksLoading.has(server)) return known
  blocksLoading.add(server)
  api
    .blocks(server)
    .then((names) => {
      blocked.set(server, new Set(names))
      render()
    })
    .catch(() => {}) // no list: no Unblock shown until it is read again
    .finally(() => blocksLoading.delete(server))
  return undefined
}

/** "Block" / "Unblock" on a member: their DMs to you are refused, their messages there hidden. */
async function setBlocked(server: string, name: string, block: boolean): Promise<void> {
  try {
    await (block ? api.block(server, name) : api.unblock(server, name))
    const set = blocked.get(server) ?? new Set<string>()
    if (block) set.add(name)
    else set.delete(name)
    blocked.set(server, set)
    flash(block ? `${name} is blocked: they cannot write to you directly.` : `${name} is no longer blocked.`)
  } catch (e) {
    flash(errorMessage(e))
  }
  render()
}

/** A member's actions, on a line of their own under the name (none: nothing). */
function memberActions(buttons: (HTMLElement | null)[]): HTMLElement | null {
  const shown = buttons.filter((b): b is HTMLElement => b !== null)
  return shown.length ? h('div', { class: 'member-actions' }, ...shown) : null
}

/** Kick or ban from the member list (moderators and up; the server has the last word). */
async function moderate(r: RoomState, name: string, act: 'kick' | 'ban'): Promise<void> {
  try {
    await (act === 'kick' ? api.kick(r.server, r.room, name) : api.ban(r.server, r.room, name))
    flash(act === 'kick' ? `${name} was removed from #${r.room}.` : `${name} was banned from #${r.room}.`)
  } catch (e) {
    flash(errorMessage(e))
  }
}

/** Servers signed out of: the closing rooms' last events do not bring them back. */
const signedOut = new Set<string>()

function isMuted(r: RoomState): boolean {
  return settings?.notifications.muted.some((m) => m.server === r.server && m.room === r.room) ?? false
}

async function updateSettings(f: (s: Settings) => void): Promise<void> {
  if (!settings) return
  const next = structuredClone(settings)
  f(next)
  try {
    settings = await api.saveSettings(next)
  } catch (e) {
    store.errors.push(errorMessage(e))
  }
  render()
}

const toggleDnd = () => updateSettings((s) => (s.notifications.doNotDisturb = !s.notifications.doNotDisturb))
function toggleMute(r: RoomState): Promise<void> {
  return updateSettings((s) => {
    const i = s.notifications.muted.findIndex((m) => m.server === r.server && m.room === r.room)
    if (i >= 0) s.notifications.muted.splice(i, 1)
    else s.notifications.muted.push({ server: r.server, room: r.room })
  })
}

function openRoom(key: string): void {
  showConnect = false
  store.setActive(key)
  render()
  focusComposer()
}

function openConnect(prefill: Partial<ConnectValues> = {}, notice = ''): void {
  showConnect = true
  connectNotice = notice
  const last = store.active ? store.rooms.get(store.active) : undefined
  connectPrefill = {
    url: last?.server ?? settings?.servers[0]?.url ?? '',
    displayName: last?.username ?? settings?.displayName ?? '',
    room: '',
    ...prefill,
  }
  mainMode = ''
  render()
}

function focusComposer(): void {
  queueMicrotask(() => roomView?.el.querySelector<HTMLTextAreaElement>('textarea')?.focus())
}

async function connectAndJoin(v: ConnectValues, local = false): Promise<string | null> {
  let server = v.url
  let added = false
  try {
    if (local) {
      server = (await api.startLocalServer()).url
    }
    const token = v.token.trim() ? v.token : null
    const known = [...store.servers.values()].find((s) => sameServer(s.url, server) && s.state === 'connected')
    if (v.mode !== 'guest') {
      const c = await api.signIn({
        server,
        name: v.displayName,
        password: v.password,
        register: v.mode === 'register',
        invite: v.invite.trim() ? v.invite : null,
        token,
        rememberToken: v.remember,
      })
      server = c.server
      signedOut.delete(c.server)
      added = !store.servers.has(c.server)
      store.upsertServer(c.server, c.displayName, added ? 'connecting' : store.servers.get(c.server)!.state)
    } else if (!known || token || known.displayName !== v.displayName.trim().toLowerCase()) {
      const c = await api.connect({ url: server, displayName: v.displayName, token, rememberToken: v.remember })
      server = c.server
      signedOut.delete(c.server)
      added = !store.servers.has(c.server)
      // shown as connecting until a room on it is joined
      store.upsertServer(c.server, c.displayName, added ? 'connecting' : store.servers.get(c.server)!.state)
    } else {
      server = known.url
    }
    const snap = await api.join(server, v.room)
    store.addSnapshot(snap)
    store.upsertServer(snap.server, '', 'connected')
    info = await api.appInfo()
    settings = info.settings
    openRoom(roomKey(snap.server, snap.room))
    // signed in: the account's other rooms and its DMs come too (a second computer)
    if (v.mode !== 'guest') void restoreAccount(snap.server)
    return null
  } catch (e) {
    // a server tried for the first time and not joined stays out of the sidebar
    if (added && ![...store.rooms.values()].some((r) => r.server === server)) {
      store.servers.delete(server)
      render()
    }
    return errorMessage(e)
  }
}

let lastView = ''
/** Tells Rust what the window shows, when it changes (a DM shown is not notified). */
function reportView(r: RoomState | undefined): void {
  const view = r ? roomKey(r.server, r.room) : ''
  if (view === lastView) return
  lastView = view
  void api.setView(r ? { server: r.server, room: r.room } : null).catch(() => {})
}

function render(): void {
  renderSidebar()
  const active = store.active ? store.rooms.get(store.active) : undefined
  reportView(showConnect ? undefined : active)
  if (showConnect || !active) {
    roomView = null
    const failed = [...store.servers.values()].some((s) => s.state === 'disconnected')
    const reconnecting = !showConnect && (settings?.rooms.length ?? 0) > 0 && store.rooms.size === 0 && !failed
    const mode = reconnecting ? 'reconnecting' : 'connect'
    if (reconnecting) {
      // what each server is waiting for, in the core's words ("Cannot reach … yet")
      const waits = [...store.servers.values()].filter((s) => s.state !== 'connected' && s.detail).map((s) => s.detail!)
      reconnectDetails.textContent = waits.join('\n')
    }
    if (mainMode === mode) return // keep what the user typed
    mainMode = mode
    clear(main)
    if (reconnecting) {
      main.append(
        h(
          'section',
          { class: 'empty' },
          h('div', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
          h('p', { text: 'Reconnecting to your rooms…' }),
          reconnectDetails,
          h('button', { class: 'ghost small', text: 'Join another room', attrs: { type: 'button' }, on: { click: () => openConnect() } }),
        ),
      )
      return
    }
    main.append(
      connectView({
        initial: showConnect
          ? connectPrefill
          : { url: settings?.servers[0]?.url ?? '', displayName: settings?.displayName || info?.suggestedName || '' },
        notice: showConnect ? connectNotice : '',
        offerLocal: !!info?.localServerAvailable && (settings?.servers.length ?? 0) === 0 && !(showConnect && connectNotice),
        tokenRemembered: false,
        canCancel: store.rooms.size > 0,
        onSubmit: (v) => connectAndJoin(v),
        onHostLocal: (v) => connectAndJoin({ ...v, displayName: v.displayName || info?.suggestedName || 'me', room: v.room || 'lobby' }, true),
        onCancel: () => {
          showConnect = false
          render()
        },
        policyFor: (url, token) => api.accountPolicy(url, token.trim() ? token : null).catch(() => null),
        signedInAs: (url) => {
          const s = settings?.servers.find((e) => sameServer(e.url, url))
          return s?.account && store.servers.get(s.url)?.state === 'connected' ? s.account : null
        },
      }),
    )
    return
  }
  mainMode = 'room'
  const key = roomKey(active.server, active.room)
  if (!roomView || roomView.key !== key) {
    roomView = buildRoomView(active)
    clear(main)
    main.append(roomView.el)
  }
  roomView.update()
}

// ---------- the room ---------------------------------------------------------------------
function buildRoomView(r: RoomState): NonNullable<typeof roomView> {
  const key = roomKey(r.server, r.room)
  const dm = !!r.dmMembers
  const label = roomLabel(r)
  const title = h('h1', { text: dm ? label : `# ${r.room}` })
  const sub = h('span', { class: 'sub' })
  const topicEl = h('span', { class: 'topic' })
  const cur = () => store.rooms.get(key) ?? r
  const settingsBtn = h('button', { class: 'ghost small', text: 'Room settings', attrs: { type: 'button' }, on: { click: () => openRoomSettings(cur()) } })
  const muteBtn = h('button', { class: 'ghost small', attrs: { type: 'button' }, on: { click: () => void toggleMute(r) } })
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
        render()
      },
    },
  })
  const header = h('header', { class: 'room-head' }, h('div', { class: 'titles' }, title, sub, topicEl), h('div', { class: 'tools' }, settingsBtn, muteBtn, leaveBtn))
  const log = h('div', { class: 'timeline', attrs: { role: 'log', 'aria-label': dm ? `Messages with ${label}` : `Messages in ${r.room}`, tabindex: 0, 'aria-live': 'polite' } })
  const list = new VirtualList<RowItem>(log, (it) =>
    renderRow(it.row, {
      openLink: (url) => void api.openLink(url).catch((e) => flash(errorMessage(e))),
      retry: (m: MessageView) => void api.retry(r.server, r.room, m.id).catch((e) => flash(errorMessage(e))),
      identity: (name) => identityOf(cur(), name),
      remove: canModerate(cur()) && !cur().dmMembers ? (m) => void api.removeMessage(r.server, r.room, m.id).catch((e) => flash(errorMessage(e))) : undefined,
    }),
  )
  const older = h('button', { class: 'ghost small older', text: 'Load older messages', attrs: { type: 'button' } })
  older.addEventListener('click', () => void loadOlder(r))
  log.addEventListener('scroll', () => {
    if (log.scrollTop < 80 && r.more && !loadingOlder) void loadOlder(r)
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

  // composer
  const input = h('textarea', { attrs: { 'aria-label': 'Message', rows: 1, placeholder: dm ? `Message ${label}` : `Message #${r.room}`, spellcheck: 'true' } })
  const counter = h('span', { class: 'counter', attrs: { 'aria-live': 'off' } })
  const sendBtn = h('button', { class: 'primary', text: 'Send', attrs: { type: 'submit' } })
  const composerError = h('div', { class: 'composer-error', attrs: { role: 'alert' } })
  const form = h('form', { class: 'composer', attrs: { 'aria-label': 'Write a message' } }, input, h('div', { class: 'composer-side' }, counter, sendBtn))
  let lastTyping = 0
  const refreshComposer = () => {
    const n = charCount(input.value)
    counter.textContent = `${n} / ${r.maxChars}`
    counter.classList.toggle('over', n > r.maxChars)
    counter.classList.toggle('near', n > r.maxChars * 0.9)
    sendBtn.disabled = n > r.maxChars || input.value.trim() === ''
    if (input.isConnected) {
      input.style.height = 'auto'
      input.style.height = `${Math.min(Math.max(input.scrollHeight, 22), 180)}px`
    }
  }
  const send = async () => {
    const text = input.value
    if (!text.trim() || charCount(text) > r.maxChars) return
    composerError.textContent = ''
    // `/location LAT,LON` shares a location; a bad one is said here and the text is kept
    const composed = parseComposer(text)
    if (composed.kind === 'error') {
      composerError.textContent = composed.message
      return
    }
    try {
      const m =
        composed.kind === 'location'
          ? await api.sendLocation({ server: r.server, room: r.room, latitude: composed.latitude, longitude: composed.longitude })
          : await api.send(r.server, r.room, text)
      input.value = ''
      refreshComposer()
      lastTyping = 0
      store.addOwn(r.server, m)
      list.scrollToBottom()
    } catch (e) {
      composerError.textContent = errorMessage(e)
    }
  }
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      void send()
    }
  })
  input.addEventListener('input', () => {
    refreshComposer()
    const now = Date.now()
    if (input.value.trim() && now - lastTyping > 3000) {
      lastTyping = now
      void api.setTyping(r.server, r.room, true).catch(() => {})
    } else if (!input.value.trim() && lastTyping) {
      lastTyping = 0
      void api.setTyping(r.server, r.room, false).catch(() => {})
    }
  })
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    void send()
  })
  refreshComposer()

  const el = h(
    'section',
    { class: 'room-view', attrs: { 'aria-label': dm ? `Direct message with ${label}` : `Room ${r.room}` } },
    header,
    banner,
    h('div', { class: 'room-body' }, h('div', { class: 'timeline-wrap' }, older, empty, log, typing), aside),
    composerError,
    form,
  )
  let first = true
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
    const muted = isMuted(room)
    const what = room.dmMembers ? 'conversation' : 'room'
    muteBtn.textContent = muted ? `Unmute ${what}` : `Mute ${what}`
    muteBtn.setAttribute('aria-pressed', muted ? 'true' : 'false')
    // The open room drops its oldest lines only while its reader is at the bottom: never
    // under someone reading back. (Dropping them may offer "Load older messages".)
    if (!first && list.atBottom()) trimOld(room)
    older.hidden = !room.more
    membersHead.textContent = `Members — ${room.users.length}`
    clear(members)
    // signed in on a Banter server: write to a member directly (guests cannot)
    const canMessage = !room.dmMembers && room.banter && accountOf(room.server) === room.username
    const mod = canModerate(room) && !room.dmMembers && !room.ended
    const blocks = canMessage ? blockedOn(room.server) : undefined
    for (const u of room.users) {
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
                  on: { click: () => void messageMember(room.server, room.username, u) },
                })
              : null,
            canMessage && !me && who === 'account'
              ? blocks?.has(u)
                ? h('button', { class: 'link-button member-action', text: 'Unblock', attrs: { type: 'button', 'aria-label': `Unblock ${u}`, title: `Let ${u} write to you directly again` }, on: { click: () => void setBlocked(room.server, u, false) } })
                : h('button', { class: 'link-button member-action', text: 'Block', attrs: { type: 'button', 'aria-label': `Block ${u}`, title: `Stop ${u} writing to you directly` }, on: { click: () => void setBlocked(room.server, u, true) } })
              : null,
            mod && !me && u !== room.info?.owner
              ? h('button', { class: 'link-button member-action', text: 'Kick', attrs: { type: 'button', 'aria-label': `Kick ${u}`, title: `Take ${u} out of #${room.room} (they may join again)` }, on: { click: () => void moderate(room, u, 'kick') } })
              : null,
            mod && !me && u !== room.info?.owner
              ? h('button', { class: 'link-button member-action danger', text: 'Ban', attrs: { type: 'button', 'aria-label': `Ban ${u}`, title: `Take ${u} out of #${room.room} for good` }, on: { click: () => void moderate(room, u, 'ban') } })
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
    empty.hidden = room.messages.length > 0
    const rows = toRows(room.messages)
    list.setItems(
      rows.map((row) => ({
        key: row.key,
        sig: `${rowSig(row)}|${row.kind === 'msg' ? identityOf(room, row.msg.username) : ''}|${canModerate(room)}`,
        estimate: rowEstimate(row),
        row,
      })),
      { forceBottom: first },
    )
    first = false
    // seen: the room is shown and read to its end
    if (list.atBottom() && !showConnect) markSeen(room)
  }
  return { key, el, list, update }
}

async function forgetServer(url: string): Promise<void> {
  try {
    await api.disconnect(url)
    for (const r of [...store.rooms.values()]) if (r.server === url) store.removeRoom(r.server, r.room)
    store.servers.delete(url)
    info = await api.appInfo()
    settings = info.settings
  } catch (e) {
    flash(errorMessage(e))
  }
  render()
}

let loadingOlder = false
async function loadOlder(r: RoomState): Promise<void> {
  const firstSeq = r.messages.find((m) => m.seq !== null)?.seq
  if (loadingOlder || !firstSeq || firstSeq <= 1) {
    r.more = false
    render()
    return
  }
  loadingOlder = true
  try {
    const page = await api.history(r.server, r.room, firstSeq, 100)
    store.prependHistory(r.server, r.room, page.messages, page.more)
  } catch (e) {
    flash(errorMessage(e))
  } finally {
    loadingOlder = false
  }
  render()
}

const toast = h('div', { class: 'toast', attrs: { role: 'alert' } })
document.body.append(toast)
let toastTimer = 0
function flash(text: string): void {
  toast.textContent = text
  toast.classList.add('show')
  clearTimeout(toastTimer)
  toastTimer = window.setTimeout(() => toast.classList.remove('show'), 6000)
}

// ---------- keyboard ---------------------------------------------------------------------
document.addEventListener('keydown', (ev) => {
  if (ev.altKey && (ev.key === 'ArrowUp' || ev.key === 'ArrowDown')) {
    const keys = [...store.rooms.keys()]
    if (!keys.length) return
    const i = Math.max(0, keys.indexOf(store.active ?? ''))
    const next = keys[(i + (ev.key === 'ArrowDown' ? 1 : keys.length - 1)) % keys.length]
    ev.preventDefault()
    openRoom(next)
  } else if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'n') {
    ev.preventDefault()
    openConnect()
  }
})

// ---------- start --------------------------------------------------------------------------
store.subscribe(() => {
  while (store.errors.length) flash(store.errors.shift()!)
  render()
})
// back to the window: the room in front of you is read
window.addEventListener('focus', () => {
  const r = store.active ? store.rooms.get(store.active) : undefined
  if (r && r.unread && !showConnect) {
    r.unread = 0
    render()
  }
})
setInterval(() => {
  if (roomView && store.active) {
    const r = store.rooms.get(store.active)
    if (r && r.typing.size) render()
  }
}, 1000)

// ---------- invite links (checked in Rust: src-tauri/src/links.rs) ---------------------
let started = false
const heldLinks: LinkEvent[] = []
type LinkEvent = Extract<UiEvent, { type: 'invite' | 'inviteRefused' }>
const isLinkEvent = (ev: UiEvent): ev is LinkEvent => ev.type === 'invite' || ev.type === 'inviteRefused'

/** A valid link fills the join form in, and nothing more: joining is the user's click. */
function onLink(ev: LinkEvent): void {
  if (!started) {
    heldLinks.push(ev)
    return
  }
  if (ev.type === 'inviteRefused') {
    flash(`This invite link was not accepted: ${ev.error.message}`)
    return
  }
  // a refusal still on screen was about another link
  toast.classList.remove('show')
  const { server, room, invite } = ev.link
  const signedIn = settings?.servers.find((e) => sameServer(e.url, server))?.account
  const prefill: Partial<ConnectValues> = { url: server, room, invite: invite ?? '' }
  if (!store.rooms.size) prefill.displayName = settings?.displayName || info?.suggestedName || ''
  if (invite && !signedIn) prefill.mode = 'register'
  openConnect(prefill, `Filled in from an invite link to ${hostOf(server)}. Check it, then join.`)
}

async function start(): Promise<void> {
  await api.subscribe((batch) => {
    for (const ev of batch) if (isLinkEvent(ev)) onLink(ev)
    store.apply(
      batch.filter((ev) => !isLinkEvent(ev) && !('server' in ev && signedOut.has(ev.server))),
      Date.now(),
      document.hasFocus(),
    )
  })
  try {
    info = await api.appInfo()
    settings = info.settings
  } catch (e) {
    flash(errorMessage(e))
  }
  render()
  started = true
  for (const ev of heldLinks.splice(0)) onLink(ev)
  // scripts/run-app.sh: a working chat at once, on a server hosted here
  if (info?.autohost && !showConnect && info.localServerAvailable && (settings?.servers.length ?? 0) === 0) {
    const err = await connectAndJoin({ url: '', displayName: info.suggestedName, room: 'lobby', token: '', remember: false, mode: 'guest', password: '', invite: '' }, true)
    if (err) flash(err)
  }
}
void start()

// Banter's UI: what is shown (the join form, "Reconnecting…" or a room), the join flow,
// accounts, invite links and the keyboard. Blocking, moderation and DMs with members are
// people.ts; the sidebar and the room are views/sidebar.ts and views/room.ts. State lives in
// store.ts; the Rust side does all I/O and validation.
import { api, errorMessage } from './api'
import { h, clear } from './dom'
import { Store, roomKey, type RoomState } from './store'
import { People } from './people'
import { Overlays } from './overlays'
import { connectView, type ConnectValues } from './views/connect'
import { certificateOf } from './views/certificate'
import { renderSidebar, hostOf, stateText } from './views/sidebar'
import { buildRoomView, type RoomDeps, type RoomView } from './views/room'
import { sameServer } from './accounts'
import { accountMenu } from './views/account'
import { ReadMarks, newestSeq } from './readmarks'
import { unreadReporter, unreadTotals } from './unread'
import { roomSettings } from './views/room-settings'
import type { AppInfo, CommandError, Settings, UiEvent } from './generated/ipc'
import { installKeys } from './keys'
import { clock, setClock } from './clock'
import { settingsView, type SettingsView, type ServerRow } from './views/settings'

const store = new Store()
/** Blocking, kicking and banning, DMs with members (people.ts). */
const people = new People({ store, render: () => render(), flash: (t) => flash(t), openRoom: (key) => openRoom(key) })
/** Sharing, the room switcher, the shortcut list and search, over the window (overlays.ts). */
const overlays = new Overlays({
  store,
  showingConnect: () => showConnect,
  openRoom: (key) => openRoom(key),
  closeSettings: () => closeSettings(),
  render: () => render(),
  flash: (t) => flash(t),
  focusComposer: () => focusComposer(),
  jumpTo: (id, seq) => void roomView?.jumpTo(id, seq),
})
/** The unread totals to the tray icon and the launcher badge (Rust: tray.rs, badge.rs). */
const reportUnread = unreadReporter((t) => api.setUnread(t))
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

// ---------- the room view (views/room.ts; kept across renders, rebuilt when the active room changes)
let roomView: RoomView | null = null
// What the page holds, for bench/desktop (read-only counts; nothing of the messages)
;(window as unknown as { __banterModel: () => unknown }).__banterModel = () => ({
  rooms: [...store.rooms.values()].map((r) => ({ room: r.room, lines: r.messages.length, byId: r.byId.size, more: r.more })),
  list: roomView?.list.sizes() ?? null,
})

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
  people.forget(url)
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
    blocks: () => people.readBlocks(url),
    unblock: (name) => people.unblock(url, name),
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

async function connectAndJoin(v: ConnectValues, local = false): Promise<string | CommandError | null> {
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
    // a certificate to trust (or one that changed) goes to the form as is, with its fingerprints
    return certificateOf(e) ? (e as CommandError) : errorMessage(e)
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
  reportUnread(unreadTotals(store.rooms.values()))
  applyPageSettings()
  settingsOpen?.update()
  renderSidebar(sidebar, {
    store,
    showConnect,
    doNotDisturb: settings?.notifications.doNotDisturb ?? false,
    accountOf,
    isMuted,
    openRoom,
    openConnect: () => openConnect(),
    openAccountMenu,
    signOut,
    forgetServer,
    toggleDnd: () => void toggleDnd(),
    openSettings,
    hostedShared: (url) => (settings?.servers.some((e) => e.local && sameServer(e.url, url)) ? overlays.sharedHere.has(url) : null),
    openSharing: (url) => overlays.openSharing(url),
  })
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
        policyFor: (url, token) =>
          api.accountPolicy(url, token.trim() ? token : null).catch((e) => {
            if (certificateOf(e)) throw e // the form offers to trust it
            return null
          }),
        onTrust: (c) => api.trustCertificate(c.server, c.fingerprint, c.pinned),
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
    roomView = buildRoomView(active, roomDeps)
    clear(main)
    main.append(roomView.el)
  }
  roomView.update()
  const composer = roomView.el.querySelector<HTMLTextAreaElement>('form.composer textarea')
  const spell = settings?.spellcheck.enabled ?? true
  if (composer && composer.spellcheck !== spell) composer.spellcheck = spell // a write re-checks the text
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
const roomDeps: RoomDeps = {
  store,
  showConnect: () => showConnect,
  render: () => render(),
  flash: (t) => flash(t),
  accountOf,
  isMuted,
  toggleMute,
  openRoomSettings,
  loadOlder,
  loadingOlder: () => loadingOlder,
  markSeen,
  blockedOn: (server) => people.blockedOn(server),
  setBlocked: (server, name, block) => people.setBlocked(server, name, block),
  moderate: (r, name, act) => people.moderate(r, name, act),
  messageMember: (server, me, name) => people.messageMember(server, me, name),
}
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

// ---------- keyboard (keys.ts) and Settings -------------------------------------------------
let settingsOpen: SettingsView | null = null
/** Settings, with whether a tray exists read again (a panel may have come since the start). */
function openSettings(): void {
  if (settingsOpen) return
  void api
    .appInfo()
    .then((fresh) => {
      if (info) info.tray = fresh.tray
    })
    .catch(() => {})
    .finally(showSettings)
}
function showSettings(): void {
  if (settingsOpen) return
  overlays.close()
  settingsOpen = settingsView({
    settings: () => settings,
    info: () => info,
    servers: serverRows,
    save: async (f) => {
      if (!settings) return 'Settings are not loaded yet.'
      const next = structuredClone(settings)
      f(next)
      try {
        settings = await api.saveSettings(next)
        if (info) info.settings = settings
        render()
        return null
      } catch (e) {
        return errorMessage(e)
      }
    },
    setZoom,
    openAccountMenu,
    signOut: async (url) => {
      closeSettings()
      await signOut(url)
    },
    forgetServer,
    close: closeSettings,
  })
  document.body.append(settingsOpen.el)
}
function closeSettings(): void {
  settingsOpen?.el.remove()
  settingsOpen = null
}
/** The servers for Settings: those saved, then any other connected now. */
function serverRows(): ServerRow[] {
  const urls = [...new Set([...(settings?.servers.map((s) => s.url) ?? []), ...store.servers.keys()])]
  return urls.map((url) => {
    const saved = settings?.servers.find((s) => s.url === url)
    const live = store.servers.get(url)
    return { url, host: hostOf(url), account: accountOf(url), name: live?.displayName || saved?.displayName || '', state: live ? stateText(live.state) : 'Not connected' }
  })
}

/** Zoom (Ctrl+= / Ctrl+- / Ctrl+0): saved in the settings, applied by Rust to the webview. */
let zoomWanted: number | null = null
function setZoom(percent: number): void {
  if (!settings || percent === (zoomWanted ?? settings.appearance.zoomPercent)) return
  zoomWanted = percent
  void updateSettings((s) => (s.appearance.zoomPercent = percent)).finally(() => (zoomWanted = null))
}

/** Ctrl+Q: Quit, as the tray menu's (the app and the server it hosts end). */
const quit = (): void => void api.quit().catch((e) => flash(errorMessage(e)))

installKeys({
  store,
  openRoom: (key) => {
    overlays.close()
    openRoom(key)
  },
  openConnect: () => openConnect(),
  openSwitcher: () => overlays.openSwitcher(),
  openShortcuts: () => overlays.openShortcuts(),
  openSettings,
  markRead: (r) => {
    if (showConnect) return
    // the badge clears, and the account's read marker moves (signed in on a Banter server)
    store.setActive(roomKey(r.server, r.room))
    markSeen(r)
    render()
  },
  zoom: () => zoomWanted ?? settings?.appearance.zoomPercent ?? 100,
  setZoom,
  quit,
})

/** What the settings say about the page itself: the timeline's clock, spell checking in the composer. */
function applyPageSettings(): void {
  if (!settings) return
  if (settings.appearance.clock !== clock()) {
    setClock(settings.appearance.clock)
    roomView = null // its rows show times: built again
  }
}
document.documentElement.spellcheck = false // only the composer is checked

// Ctrl+F: search (overlays.ts)
document.addEventListener('keydown', (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && ev.key.toLowerCase() === 'f') {
    ev.preventDefault()
    overlays.openSearch()
  }
})

// ---------- the tray, the launcher badge, notification clicks (src-tauri/src/tray.rs, notify.rs)
function onDesktopEvent(ev: UiEvent): void {
  if (ev.type === 'openRoom') {
    // a notification was clicked (Rust raised the window): its room, if it is still here
    const key = roomKey(ev.server, ev.room)
    if (store.rooms.has(key)) openRoom(key)
  } else if (ev.type === 'settingsChanged') {
    // changed outside the page: the tray menu's "Do not disturb"
    settings = ev.settings
    render()
  }
}

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
    r.mentions = 0
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
    for (const ev of batch) if (ev.type === 'openRoom' || ev.type === 'settingsChanged') onDesktopEvent(ev)
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
    if (err) flash(typeof err === 'string' ? err : err.message)
  }
}
void start()

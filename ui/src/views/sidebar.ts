// The sidebar: the servers (connection state, the account signed in there, Sign out or
// Forget), their rooms and direct messages with unread counts, "+ Join a room", Do not
// disturb and Settings. Built anew on each render from the store; actions go back through `SidebarDeps`.
import { h, clear } from '../dom'
import { roomKey, roomLabel, type RoomState, type Store } from '../store'

export interface SidebarDeps {
  store: Store
  /** The join form is showing (no room is then "current"). */
  showConnect: boolean
  doNotDisturb: boolean
  accountOf(url: string): string | null
  isMuted(r: RoomState): boolean
  openRoom(key: string): void
  openConnect(): void
  openAccountMenu(url: string): void
  signOut(url: string): Promise<void>
  forgetServer(url: string): Promise<void>
  toggleDnd(): void
  /** The Settings view (also Ctrl+,). */
  openSettings(): void
  /** The server this app hosts: "Share" opens views/sharing.ts ("Shared" while it is). */
  hostedShared?(url: string): boolean | null
  openSharing?(url: string): void
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

export function stateText(s: string): string {
  return { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', disconnected: 'Offline' }[s] ?? s
}

export function renderSidebar(sidebar: HTMLElement, d: SidebarDeps): void {
  const { store } = d
  // built again on every change: where the list was scrolled to stays (20 rooms overflow it)
  const scrolled = sidebar.querySelector('nav.servers')?.scrollTop ?? 0
  clear(sidebar)
  sidebar.append(h('div', { class: 'brand' }, h('div', { class: 'logo', attrs: { 'aria-hidden': 'true' } }), h('span', { text: 'Banter' })))
  const nav = h('nav', { class: 'servers', attrs: { 'aria-label': 'Rooms' } })
  for (const s of store.servers.values()) {
    const here = [...store.rooms.values()].filter((r) => r.server === s.url)
    const rooms = here.filter((r) => !r.dmMembers)
    const dms = here.filter((r) => r.dmMembers)
    const item = (r: RoomState) => {
      const key = roomKey(r.server, r.room)
      const active = key === store.active && !d.showConnect
      const muted = d.isMuted(r)
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
          on: { click: () => d.openRoom(key) },
        },
        r.dmMembers
          ? h('span', { class: 'dm-dot', text: [...label][0]?.toUpperCase() ?? '?', attrs: { 'aria-hidden': 'true' } })
          : h('span', { class: 'hash', text: '#', attrs: { 'aria-hidden': 'true' } }),
        h('span', { class: 'room-name', text: label }),
        muted ? h('span', { class: 'muted-icon', text: 'muted', attrs: { title: 'Muted' } }) : null,
        r.mentions ? h('span', { class: 'badge mentions', text: `@${r.mentions > 99 ? '99+' : r.mentions}`, attrs: { 'aria-label': `${r.mentions} ${r.mentions === 1 ? 'mention' : 'mentions'} of you`, title: 'Mentions of you' } }) : null,
        r.unread ? h('span', { class: 'badge', text: r.unread > 99 ? '99+' : String(r.unread), attrs: { 'aria-label': `${r.unread} unread` } }) : null,
      )
      return h('li', {}, btn)
    }
    const list = h('ul', { class: 'rooms' }, ...rooms.map(item))
    // signed in on a Banter server: its direct messages, under its rooms
    const dmSection =
      d.accountOf(s.url) && (dms.length > 0 || rooms.some((r) => r.banter))
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
          d.accountOf(s.url)
            ? h(
                'span',
                { class: 'account-line' },
                h('button', {
                  class: 'account-name',
                  text: d.accountOf(s.url)!,
                  attrs: { type: 'button', title: `Signed in as ${d.accountOf(s.url)}: sessions, password`, 'aria-label': `Account menu for ${hostOf(s.url)}`, 'aria-haspopup': 'dialog' },
                  on: { click: () => d.openAccountMenu(s.url) },
                }),
                h('button', {
                  class: 'ghost tiny sign-out',
                  text: 'Sign out',
                  attrs: { type: 'button', 'aria-label': `Sign out of ${hostOf(s.url)}`, title: `Sign out of ${s.url} on this computer` },
                  on: { click: () => void d.signOut(s.url) },
                }),
              )
            : null,
          // the server this app hosts: share it on the network (views/sharing.ts)
          d.openSharing && d.hostedShared?.(s.url) != null
            ? h('button', {
                class: `ghost tiny share${d.hostedShared(s.url) ? ' on' : ''}`,
                text: d.hostedShared(s.url) ? 'Shared' : 'Share',
                attrs: { type: 'button', 'aria-label': `Share ${hostOf(s.url)} on my network`, 'aria-haspopup': 'dialog', title: d.hostedShared(s.url) ? 'Shared on your network (with an access token)' : 'Only this computer can reach it: share it on your network' },
                on: { click: () => d.openSharing?.(s.url) },
              })
            : null,
          // a server that is not answering can be let go: its rooms are left and it is forgotten
          s.state === 'connected'
            ? null
            : h('button', {
                class: 'ghost tiny forget',
                text: 'Forget',
                attrs: { type: 'button', 'aria-label': `Forget ${hostOf(s.url)}`, title: `Leave its rooms and forget ${s.url}` },
                on: { click: () => void d.forgetServer(s.url) },
              }),
        ),
        list,
        dmSection,
      ),
    )
  }
  sidebar.append(nav)
  if (scrolled) nav.scrollTop = scrolled
  const dnd = d.doNotDisturb
  sidebar.append(
    h(
      'div',
      { class: 'sidebar-foot' },
      h('button', { class: 'secondary wide', text: '+ Join a room', attrs: { type: 'button' }, on: { click: () => d.openConnect() } }),
      h(
        'div',
        { class: 'foot-row' },
        h('button', {
          class: `toggle${dnd ? ' on' : ''}`,
          text: dnd ? 'Do not disturb: on' : 'Do not disturb: off',
          attrs: { type: 'button', 'aria-pressed': dnd ? 'true' : 'false', 'aria-label': 'Do not disturb' },
          on: { click: () => d.toggleDnd() },
        }),
        h(
          'button',
          {
            class: 'toggle settings-button',
            attrs: { type: 'button', title: 'Settings (Ctrl+,)', 'aria-label': 'Settings', 'aria-haspopup': 'dialog' },
            on: { click: () => d.openSettings() },
          },
          h('span', { class: 'gear', attrs: { 'aria-hidden': 'true' } }),
        ),
      ),
    ),
  )
}


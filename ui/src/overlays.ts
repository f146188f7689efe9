// What opens over the window: one overlay at a time — Share on my network (views/sharing.ts;
// Rust: commands/sharing.rs), the room switcher (Ctrl+K, views/switcher.ts), the shortcut list
// (Ctrl+/, views/shortcuts.ts) — and the search dialog (Ctrl+F, views/search.ts). main.ts
// wires it to the rest of the page.
import { api, errorMessage } from './api'
import { roomKey, roomLabel, type Store } from './store'
import { roomOrder } from './keys'
import { hostOf } from './views/sidebar'
import { sharingView } from './views/sharing'
import { switcher } from './views/switcher'
import { shortcutList } from './views/shortcuts'
import { searchDialog } from './views/search'
import type { SharingInfo } from './generated/ipc'

export interface OverlayDeps {
  store: Store
  /** The join form is shown instead of a room. */
  showingConnect(): boolean
  openRoom(key: string): void
  closeSettings(): void
  render(): void
  flash(text: string): void
  focusComposer(): void
  /** The shown room scrolls to a message (loading older pages as needed) and marks it. */
  jumpTo(id: string, seq: number): void
}

export class Overlays {
  private overlay: HTMLElement | null = null
  private searchEl: HTMLElement | null = null
  /** The hosted servers shared on the network now (for the sidebar's "Shared"). */
  readonly sharedHere = new Set<string>()

  constructor(private d: OverlayDeps) {}

  close(): void {
    this.overlay?.remove()
    this.overlay = null
  }

  private show(el: HTMLElement): void {
    this.overlay = el
    document.body.append(el)
  }

  openSharing(url: string): void {
    this.close()
    this.d.closeSettings()
    const { store } = this.d
    const r = store.active ? store.rooms.get(store.active) : undefined
    const room = r && r.server === url && !r.dmMembers ? r.room : 'lobby'
    const note = (i: SharingInfo) => {
      if (i.shared) this.sharedHere.add(url)
      else this.sharedHere.delete(url)
      this.d.render()
      return i
    }
    this.show(
      sharingView({
        room,
        load: () => api.sharing().then(note),
        set: (on, room) => api.setSharing(on, room).then(note),
        copy: (text) => navigator.clipboard.writeText(text),
        errorText: errorMessage,
        close: () => this.close(),
      }),
    )
  }

  openSwitcher(): void {
    if (this.overlay?.classList.contains('switcher-overlay')) return
    this.close()
    this.d.closeSettings()
    const { store } = this.d
    this.show(
      switcher({
        items: roomOrder(store).map((key) => {
          const r = store.rooms.get(key)!
          return { key, label: roomLabel(r), dm: !!r.dmMembers, host: hostOf(r.server), unread: r.unread, active: key === store.active && !this.d.showingConnect() }
        }),
        open: (key) => {
          this.close()
          this.d.openRoom(key)
        },
        close: () => this.close(),
      }),
    )
  }

  /** Ctrl+/ opens the list, and again closes it. */
  openShortcuts(): void {
    const wasOpen = this.overlay?.classList.contains('shortcut-overlay')
    this.close()
    if (wasOpen) return
    const el = shortcutList({ close: () => this.close() })
    el.classList.add('shortcut-overlay')
    this.show(el)
  }

  closeSearch(): void {
    this.searchEl?.remove()
    this.searchEl = null
    this.d.focusComposer()
  }

  /** Search through the rooms and DMs joined here, the shown room's server first. */
  openSearch(): void {
    this.closeSearch()
    const { store } = this.d
    const current = store.active ? store.rooms.get(store.active)?.server : undefined
    const urls = [...new Set([current, ...[...store.rooms.values()].map((r) => r.server)].filter((u): u is string => !!u))]
    if (!urls.length) return this.d.flash('Join a room first: search looks through the rooms and direct messages you are in.')
    this.searchEl = searchDialog({
      servers: urls.map((u) => [u, hostOf(u)]),
      search: (server, query) => api.search({ server, query, room: null }),
      open: (hit) => {
        const key = roomKey(hit.server, hit.room)
        if (!store.rooms.has(key)) {
          this.d.flash(hit.room.startsWith('dm:') ? `That direct message is not open here: open it with ${hit.label} first.` : `Join #${hit.room} to see that message.`)
          return
        }
        this.closeSearch()
        this.d.openRoom(key)
        if (hit.seq !== null) this.d.jumpTo(hit.id, hit.seq)
      },
      close: () => this.closeSearch(),
      errorText: errorMessage,
    })
    document.body.append(this.searchEl)
  }
}

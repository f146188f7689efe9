// What you do about other people on a server, from the member list and the account menu:
// block and unblock (the blocked list per server, read once and kept up to date here), kick
// and ban (moderators and up; the server has the last word), and "Message" (the DM with a
// member, opened or created). main.ts wires it to the views.
import { api, errorMessage } from './api'
import { roomKey, findDm, type RoomState, type Store } from './store'

export interface PeopleDeps {
  store: Store
  render(): void
  flash(text: string): void
  openRoom(key: string): void
}

export class People {
  /** The accounts blocked per server (signed in there). */
  private blocked = new Map<string, Set<string>>()
  private loading = new Set<string>()
  /** DMs being opened: a second click while the first opens it does nothing. */
  private opening = new Set<string>()

  constructor(private d: PeopleDeps) {}

  /** The blocked list on a server, or undefined until it has been read (it is asked for once). */
  blockedOn(server: string): Set<string> | undefined {
    const known = this.blocked.get(server)
    if (known || this.loading.has(server)) return known
    this.loading.add(server)
    api
      .blocks(server)
      .then((names) => {
        this.blocked.set(server, new Set(names))
        this.d.render()
      })
      .catch(() => {}) // no list: no Unblock shown until it is read again
      .finally(() => this.loading.delete(server))
    return undefined
  }

  /** The account menu's list, read from the server: it replaces what is known. */
  async readBlocks(server: string): Promise<string[]> {
    const names = await api.blocks(server)
    this.blocked.set(server, new Set(names))
    this.d.render()
    return names
  }

  /** The account menu's "Unblock" (its own error display: the error is thrown). */
  async unblock(server: string, name: string): Promise<void> {
    await api.unblock(server, name)
    this.blocked.get(server)?.delete(name)
    this.d.render()
  }

  /** Signed out: another account may sign in there next. */
  forget(server: string): void {
    this.blocked.delete(server)
  }

  /** "Block" / "Unblock" on a member: their DMs to you are refused, their messages there hidden. */
  async setBlocked(server: string, name: string, block: boolean): Promise<void> {
    try {
      await (block ? api.block(server, name) : api.unblock(server, name))
      const set = this.blocked.get(server) ?? new Set<string>()
      if (block) set.add(name)
      else set.delete(name)
      this.blocked.set(server, set)
      this.d.flash(block ? `${name} is blocked: they cannot write to you directly.` : `${name} is no longer blocked.`)
    } catch (e) {
      this.d.flash(errorMessage(e))
    }
    this.d.render()
  }

  /** Kick or ban from the member list. */
  async moderate(r: RoomState, name: string, act: 'kick' | 'ban'): Promise<void> {
    try {
      await (act === 'kick' ? api.kick(r.server, r.room, name) : api.ban(r.server, r.room, name))
      this.d.flash(act === 'kick' ? `${name} was removed from #${r.room}.` : `${name} was banned from #${r.room}.`)
    } catch (e) {
      this.d.flash(errorMessage(e))
    }
  }

  /** "Message" on a member: the DM with that account, opened (or created) and shown. */
  async messageMember(server: string, me: string, name: string): Promise<void> {
    const open = findDm(this.d.store.rooms.values(), server, me, [name])
    if (open) return this.d.openRoom(roomKey(open.server, open.room))
    const key = roomKey(server, name)
    if (this.opening.has(key)) return
    this.opening.add(key)
    try {
      const snap = await api.openDm(server, [name])
      this.d.store.addSnapshot(snap)
      this.d.openRoom(roomKey(snap.server, snap.room))
    } catch (e) {
      this.d.flash(errorMessage(e))
    } finally {
      this.opening.delete(key)
    }
  }
}

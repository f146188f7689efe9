// people.ts against Tauri's own IPC mock (@tauri-apps/api/mocks): what it asks the Rust side
// for, what it keeps, and what it tells the user.
import { describe, it, expect, afterEach } from 'vitest'
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks'
import { People } from '../src/people'
import { Store, roomKey } from '../src/store'
import { snapshot } from './fixtures'

const SERVER = 'http://127.0.0.1:3000'
const DM = `dm:${'ab'.repeat(12)}`

type Call = { cmd: string; request: Record<string, unknown> }

function setup(answer: (c: Call) => unknown = () => null) {
  const calls: Call[] = []
  mockIPC((cmd, args) => {
    const c = { cmd, request: ((args as { request?: Record<string, unknown> })?.request ?? {}) }
    calls.push(c)
    return answer(c)
  })
  const store = new Store()
  store.addSnapshot(snapshot())
  const said: string[] = []
  const opened: string[] = []
  let renders = 0
  const people = new People({ store, render: () => renders++, flash: (t) => said.push(t), openRoom: (k) => opened.push(k) })
  return { people, store, calls, said, opened, renders: () => renders }
}

const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1]
const tick = () => new Promise((r) => setTimeout(r, 0))

afterEach(() => clearMocks())

describe('people: blocking, moderation and DMs with members', () => {
  it('reads the blocked list of a server once, and keeps it up to date on block and unblock', async () => {
    const t = setup((c) => (c.cmd === 'blocks' ? ['eve'] : null))
    expect(t.people.blockedOn(SERVER)).toBeUndefined() // asked for, not known yet
    expect(t.people.blockedOn(SERVER)).toBeUndefined() // not asked twice while it loads
    await tick()
    expect([...(t.people.blockedOn(SERVER) ?? [])]).toEqual(['eve'])
    expect(t.calls.filter((c) => c.cmd === 'blocks')).toHaveLength(1)
    expect(t.renders()).toBeGreaterThan(0)

    await t.people.setBlocked(SERVER, 'mallory', true)
    expect([...(t.people.blockedOn(SERVER) ?? [])].sort()).toEqual(['eve', 'mallory'])
    expect(last(t.calls)).toEqual({ cmd: 'block', request: { server: SERVER, name: 'mallory' } })
    expect(last(t.said)).toMatch(/mallory is blocked/)

    await t.people.setBlocked(SERVER, 'eve', false)
    expect([...(t.people.blockedOn(SERVER) ?? [])]).toEqual(['mallory'])
    expect(last(t.said)).toBe('eve is no longer blocked.')

    t.people.forget(SERVER) // signed out: read again for whoever signs in next
    expect(t.people.blockedOn(SERVER)).toBeUndefined()
  })

  it('says why a block was refused and keeps the list as it was', async () => {
    const t = setup((c) => {
      if (c.cmd === 'block') throw { code: 'not_signed_in', message: 'Sign in to block someone.' }
      return []
    })
    t.people.blockedOn(SERVER)
    await tick()
    await t.people.setBlocked(SERVER, 'eve', true)
    expect(t.said).toEqual(['Sign in to block someone.'])
    expect([...(t.people.blockedOn(SERVER) ?? [])]).toEqual([])
  })

  it('kicks and bans through the server and says what happened, or why not', async () => {
    const t = setup((c) => {
      if (c.cmd === 'ban') throw { code: 'forbidden', message: 'Only moderators can ban.' }
      return null
    })
    const room = t.store.rooms.get(roomKey(SERVER, 'lobby'))!
    await t.people.moderate(room, 'bob', 'kick')
    expect(last(t.calls)).toEqual({ cmd: 'kick', request: { server: SERVER, room: 'lobby', name: 'bob' } })
    await t.people.moderate(room, 'bob', 'ban')
    expect(t.said).toEqual(['bob was removed from #lobby.', 'Only moderators can ban.'])
  })

  it('opens a DM once however often "Message" is clicked, and shows an open one without asking', async () => {
    let release: (v: unknown) => void = () => {}
    const t = setup((c) => (c.cmd === 'open_dm' ? new Promise((r) => (release = r)) : null))
    const first = t.people.messageMember(SERVER, 'ann', 'bob')
    const second = t.people.messageMember(SERVER, 'ann', 'bob') // while the first is opening it
    await tick()
    expect(t.calls.filter((c) => c.cmd === 'open_dm')).toHaveLength(1)
    release(snapshot({ room: DM, users: ['ann', 'bob'], dmMembers: ['ann', 'bob'] }))
    await Promise.all([first, second])
    expect(t.opened).toEqual([roomKey(SERVER, DM)])
    expect(t.store.rooms.has(roomKey(SERVER, DM))).toBe(true)

    await t.people.messageMember(SERVER, 'ann', 'Bob') // now open: shown, not asked again
    expect(t.calls.filter((c) => c.cmd === 'open_dm')).toHaveLength(1)
    expect(t.opened).toEqual([roomKey(SERVER, DM), roomKey(SERVER, DM)])
  })
})

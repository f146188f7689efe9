import { describe, it, expect } from 'vitest'
import { Store, roomKey, identityOf, canManage, canModerate, endedText } from '../src/store'
import { tombstoneText, renderRow } from '../src/views/message'
import { parseNames, diffNames } from '../src/views/room-settings'
import { msg, snapshot } from './fixtures'

const S = 'http://127.0.0.1:3000'
const info = (role: string | null) => ({ owner: 'ann', topic: 'plans', private: false, moderators: [], role, members: null })

describe('verified and guest names', () => {
  it('marks signed-in accounts as verified, others present as guests; classic names are unverified', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot({ users: ['ann', 'bob', 'zed'], signedIn: ['ann', 'bob'] }))
    expect(identityOf(r, 'bob')).toBe('account')
    expect(identityOf(r, 'zed')).toBe('guest')
    // bob leaves: his old messages still show him as an account (no guest can take his name)
    s.apply([{ type: 'presence', server: S, room: 'lobby', username: 'bob', joined: false, users: ['ann', 'zed'], signedIn: ['ann'] }])
    expect(identityOf(r, 'bob')).toBe('account')
    const classic = s.addSnapshot(snapshot({ room: 'c', banter: false, users: ['ann', 'bob'] }))
    expect(identityOf(classic, 'bob')).toBe('unverified')
  })
})

describe('moderation in the store', () => {
  it('knows who may manage and moderate, from the room info (even when it comes before the room)', () => {
    const s = new Store()
    s.apply([{ type: 'roomInfo', server: S, room: 'lobby', info: info('moderator') }])
    const r = s.addSnapshot(snapshot())
    expect(r.info?.topic).toBe('plans')
    expect(canModerate(r) && !canManage(r)).toBe(true)
    r.info = info('owner')
    expect(canManage(r)).toBe(true)
    r.info = info('none')
    expect(canModerate(r)).toBe(false)
  })

  it('turns a removed message into a tombstone naming who removed it', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot({ messages: [msg({ id: 'x1', text: 'rude words' })] }))
    s.apply([{ type: 'removed', server: S, room: 'lobby', id: 'x1', by: 'ann' }])
    const m = r.byId.get('x1')!
    expect([m.text, m.removed, m.removedBy]).toEqual(['', true, 'ann'])
    expect(tombstoneText(m)).toBe('message removed by ann')
    expect(tombstoneText({ removedBy: null, username: 'bob' })).toBe('message removed')
    expect(tombstoneText({ removedBy: 'bob', username: 'bob' })).toBe('message deleted')
    const row = renderRow({ kind: 'msg', key: 'x1', msg: m, head: true }, { openLink: () => {}, retry: () => {} })
    expect(row.querySelector('.tombstone')?.textContent).toBe('message removed by ann')
    expect(row.textContent).not.toContain('rude words')
  })

  it('a kick or ban ends the room in words; leaving on another device removes it', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot())
    s.addSnapshot(snapshot({ room: 'random' }))
    s.apply([{ type: 'kicked', server: S, room: 'lobby', by: 'ann', banned: true }])
    expect(r.ended).toBe(endedText('lobby', 'ann', true))
    expect(r.ended).toContain('banned from #lobby by ann')
    s.apply([{ type: 'roomLeft', server: S, room: 'random' }])
    expect(s.rooms.has(roomKey(S, 'random'))).toBe(false)
  })
})

describe('read markers', () => {
  it('take the unread count of a join and of another device', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    const r = s.addSnapshot(snapshot({ room: 'random', unread: 3 }))
    expect(r.unread).toBe(3)
    s.apply([{ type: 'readMarker', server: S, room: 'random', readSeq: 9, unread: 0 }])
    expect(r.unread).toBe(0)
  })
})

describe('room settings form', () => {
  it('reads names and what changed', () => {
    expect(parseNames(' Bob, ann ,, bob cy')).toEqual(['ann', 'bob', 'cy'])
    expect(diffNames(['ann', 'bob'], ['bob', 'cy'])).toEqual({ add: ['cy'], remove: ['ann'] })
  })
})

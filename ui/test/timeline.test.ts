// The timeline's markers: the divider above the first unread line, the start of a room once
// its whole history is here, and a cut history said in words; the store keeps the divider's
// place while the room is read and lets it go when you leave or answer.
import { describe, it, expect } from 'vitest'
import { topOf, withMarkers } from '../src/timeline'
import { Store, roomKey, toRows, firstUnreadOf, localDay } from '../src/store'
import { msg, snapshot } from './fixtures'

const S = 'http://127.0.0.1:3000'
const room = (p: Partial<Parameters<typeof topOf>[0]> = {}) => ({ room: 'team', banter: true, more: false, messages: [], dmMembers: null, username: 'ann', info: null, ...p })

describe('the top of a room', () => {
  it('is its start when the first message is here, with topic and owner', () => {
    const top = topOf(room({ messages: [msg({ seq: 1 })], info: { owner: 'ann', topic: 'ship it', private: false, moderators: [], role: null, members: null } }))
    expect(top).toEqual({ kind: 'start', key: 'top', title: '#team', lines: ['This is the start of #team.', 'Topic: ship it', 'Created by ann.'] })
    expect(topOf(room())?.kind).toBe('start')
    const dm = topOf(room({ dmMembers: ['ann', 'bob'], room: 'dm:x' }))
    expect(dm?.kind === 'start' && dm.lines[0]).toBe('This is the beginning of your direct messages with bob.')
  })
  it('says where history is cut, and nothing while older messages can be loaded', () => {
    expect(topOf(room({ messages: [msg({ seq: 40 })] }))).toEqual({ kind: 'cut', key: 'top', text: 'Older messages are not shown here.' })
    const classic = topOf(room({ banter: false }))
    expect(classic?.kind === 'cut' && classic.text).toMatch(/classic chat server: it keeps no history/)
    expect(topOf(room({ more: true, messages: [msg({ seq: 40 })] }))).toBeNull()
  })
})

describe('the New messages divider', () => {
  it('goes above the first unread line, or above its day heading', () => {
    const ms = [msg({ id: 'a', day: 'd1', dayLabel: 'Monday' }), msg({ id: 'b', day: 'd2', dayLabel: 'Today' }), msg({ id: 'c', day: 'd2' })]
    const keys = (first: string | null) => withMarkers(toRows(ms), null, first).map((r) => r.key)
    expect(keys('c')).toEqual(['day-d1', 'a', 'day-d2', 'b', 'divider', 'c'])
    expect(keys('b')).toEqual(['day-d1', 'a', 'divider', 'day-d2', 'b', 'c'])
    expect(keys(null)).not.toContain('divider')
  })
  it('the first unread is counted from the newest lines of others', () => {
    const ms = [msg({ id: 'a' }), msg({ id: 'b' }), msg({ id: 'mine', own: true }), msg({ id: 'c' })]
    expect(firstUnreadOf(ms, 2)).toBe('b')
    expect(firstUnreadOf(ms, 9)).toBeNull()
  })
  it('stays while the room is read, and goes when you leave it or answer', () => {
    const s = new Store()
    s.addSnapshot(snapshot({ messages: [] }))
    s.addSnapshot(snapshot({ room: 'random', messages: [] }))
    s.setActive(roomKey(S, 'lobby'))
    s.apply([{ type: 'message', server: S, message: msg({ room: 'random', id: 'r1' }) }, { type: 'message', server: S, message: msg({ room: 'random', id: 'r2' }) }])
    const random = s.rooms.get(roomKey(S, 'random'))!
    expect(random.firstUnread).toBe('r1')
    s.setActive(roomKey(S, 'random'))
    expect([random.unread, random.firstUnread]).toEqual([0, 'r1'])
    s.setActive(roomKey(S, 'lobby'))
    expect(random.firstUnread).toBeNull()
    s.apply([{ type: 'message', server: S, message: msg({ room: 'random', id: 'r3' }) }])
    expect(random.firstUnread).toBe('r3')
    s.addOwn(S, msg({ room: 'random', id: 'mine', own: true }))
    expect(random.firstUnread).toBeNull()
  })
  it('a join notice of today is grouped under today, not above the first day', () => {
    const s = new Store()
    s.addSnapshot(snapshot({ banter: true, messages: [] }))
    const now = Date.now()
    s.apply([{ type: 'presence', server: S, room: 'lobby', username: 'gus', joined: true, users: ['ann', 'gus'], signedIn: [] }], now)
    const r = s.rooms.get(roomKey(S, 'lobby'))!
    expect(toRows(r.messages).map((x) => x.kind)).toEqual(['day', 'notice'])
    expect(r.messages[0].day).toBe(localDay(now))
  })
})

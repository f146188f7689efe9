import { describe, it, expect } from 'vitest'
import { Store, roomLabel, findDm, isDm, roomKey } from '../src/store'
import { revokedText, checkPasswordForm } from '../src/views/account'
import { msg, snapshot } from './fixtures'

const DM = `dm:${'ab'.repeat(12)}`

describe('direct messages in the store', () => {
  it('names a DM by its other members, never by its id', () => {
    expect(roomLabel({ room: DM, username: 'ann', dmMembers: ['ann', 'bob'] })).toBe('bob')
    expect(roomLabel({ room: DM, username: 'ann', dmMembers: ['ann', 'bob', 'cy'] })).toBe('bob, cy')
    expect(roomLabel({ room: DM, username: 'ann', dmMembers: null })).toBe('Direct message')
    expect(roomLabel({ room: 'lobby', username: 'ann', dmMembers: null })).toBe('lobby')
    expect(isDm(DM) && !isDm('lobby')).toBe(true)
  })

  it('finds the open DM with exactly those members, in any case and order', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    s.addSnapshot(snapshot({ room: DM, users: ['ann', 'bob'], dmMembers: ['ann', 'bob'] }))
    s.addSnapshot(snapshot({ room: `dm:${'cd'.repeat(12)}`, users: ['ann', 'bob', 'cy'], dmMembers: ['ann', 'bob', 'cy'] }))
    expect(findDm(s.rooms.values(), 'http://127.0.0.1:3000', 'ann', ['Bob'])?.room).toBe(DM)
    expect(findDm(s.rooms.values(), 'http://127.0.0.1:3000', 'ann', ['cy', 'bob'])?.room).toBe(`dm:${'cd'.repeat(12)}`)
    expect(findDm(s.rooms.values(), 'http://127.0.0.1:3000', 'ann', ['cy'])).toBeUndefined()
    expect(findDm(s.rooms.values(), 'http://other:1', 'ann', ['bob'])).toBeUndefined()
  })

  it('counts unread DM messages like a room, keeps its members on a re-join, and writes no presence lines', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    s.addSnapshot(snapshot({ room: DM, users: ['ann', 'bob'], dmMembers: ['ann', 'bob'] }))
    s.setActive(roomKey('http://127.0.0.1:3000', 'lobby'))
    s.apply([{ type: 'message', server: 'http://127.0.0.1:3000', message: msg({ room: DM, username: 'bob' }) }])
    const dm = s.rooms.get(roomKey('http://127.0.0.1:3000', DM))!
    expect(dm.unread).toBe(1)
    s.apply([{ type: 'room', snapshot: snapshot({ room: DM, users: ['ann', 'bob'], dmMembers: null }) }])
    expect(dm.dmMembers).toEqual(['ann', 'bob'])
    s.apply([{ type: 'presence', server: 'http://127.0.0.1:3000', room: DM, username: 'bob', joined: false, users: ['ann'], signedIn: [] }])
    expect(dm.messages.filter((m) => m.kind === 'notice')).toEqual([])
  })
})

describe('the account menu', () => {
  it('says how many sessions a password change signed out', () => {
    expect(revokedText(0)).toBe('Password changed. No other session was signed in.')
    expect(revokedText(1)).toBe('Password changed. 1 other session was signed out.')
    expect(revokedText(3)).toBe('Password changed. 3 other sessions were signed out.')
  })

  it('checks the password form in words before asking the server', () => {
    expect(checkPasswordForm('', 'new password', 'new password')).toBe('Enter your current password.')
    expect(checkPasswordForm('old', 'short', 'short')).toBe('The new password must be at least 8 characters long.')
    expect(checkPasswordForm('old', 'new password', 'new passw0rd')).toBe('The two new passwords are not the same.')
    expect(checkPasswordForm('same password', 'same password', 'same password')).toBe('The new password is the same as the current one.')
    expect(checkPasswordForm('old password', 'new password', 'new password')).toBeNull()
  })
})

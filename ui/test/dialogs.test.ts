import { describe, it, expect, vi } from 'vitest'
import { accountMenu } from '../src/views/account'
import { roomSettings } from '../src/views/room-settings'
import type { RoomInfoView, SessionView } from '../src/generated/ipc'

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('the account menu view', () => {
  it('marks this computer’s session, offers Sign out for the others, and revokes one', async () => {
    let sessions: SessionView[] = [
      { id: 'a1', device: 'Banter desktop', current: true, lastUsed: 'Today 10:00', created: 'Today' },
      { id: 'b2', device: 'banter-cli', current: false, lastUsed: 'Yesterday 09:00', created: 'Monday' },
    ]
    const revoke = vi.fn(async (id: string) => {
      sessions = sessions.filter((s) => s.id !== id)
    })
    const el = accountMenu({
      server: 'http://h:1', host: 'h:1', account: 'ann',
      sessions: async () => sessions, revoke, blocks: async () => [], unblock: async () => {},
      changePassword: async () => ({ revoked: 0 }),
      signOut: () => {}, close: () => {}, errorText: String,
    })
    document.body.append(el)
    await tick()
    const rows = [...el.querySelectorAll('.session')]
    expect(rows.map((r) => r.querySelector('.device')?.textContent)).toEqual(['Banter desktop', 'banter-cli'])
    expect(rows[0].querySelector('.this-device')?.textContent).toBe('This computer')
    expect(rows[0].querySelector('button')).toBeNull()
    rows[1].querySelector('button')!.click()
    await tick()
    await tick()
    expect(revoke).toHaveBeenCalledWith('b2')
    expect(el.querySelectorAll('.session').length).toBe(1)
    expect(el.querySelector('.menu-status')?.textContent).toBe('banter-cli was signed out.')
    el.remove()
  })

  it('says a refused password change in words and clears the current password', async () => {
    const el = accountMenu({
      server: 'http://h:1', host: 'h:1', account: 'ann',
      sessions: async () => [],
      revoke: async () => {}, blocks: async () => [], unblock: async () => {},
      changePassword: async () => Promise.reject({ code: 'account', message: 'Your current password is not right.' }),
      signOut: () => {}, close: () => {}, errorText: (e) => (e as { message: string }).message,
    })
    document.body.append(el)
    const set = (id: string, v: string) => ((el.querySelector(`#${id}`) as HTMLInputElement).value = v)
    set('pw-old', 'wrong one')
    set('pw-new', 'a new password')
    set('pw-again', 'a new password')
    el.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }))
    await tick()
    await tick()
    expect(el.querySelector('.password-form .form-error')?.textContent).toBe('Your current password is not right.')
    expect((el.querySelector('#pw-old') as HTMLInputElement).value).toBe('')
    el.remove()
  })
})

describe('the account menu’s blocked accounts', () => {
  it('lists the blocked names and unblocks one', async () => {
    let names = ['bob', 'cat']
    const unblock = vi.fn(async (name: string) => {
      names = names.filter((n) => n !== name)
    })
    const el = accountMenu({
      server: 'http://h:1', host: 'h:1', account: 'ann',
      sessions: async () => [], revoke: async () => {}, blocks: async () => names, unblock,
      changePassword: async () => ({ revoked: 0 }),
      signOut: () => {}, close: () => {}, errorText: String,
    })
    document.body.append(el)
    await tick()
    const list = el.querySelector('[aria-label="Blocked accounts"]')!
    expect([...list.querySelectorAll('.blocked-name')].map((n) => n.textContent)).toEqual(['bob', 'cat'])
    ;(list.querySelector('[aria-label="Unblock bob"]') as HTMLButtonElement).click()
    await tick()
    await tick()
    expect(unblock).toHaveBeenCalledWith('bob')
    expect([...list.querySelectorAll('.blocked-name')].map((n) => n.textContent)).toEqual(['cat'])
    el.remove()
  })
})

describe('the room settings view', () => {
  it('saves topic, privacy and moderators, then the members that changed', async () => {
    const info: RoomInfoView = { owner: 'ann', topic: 'old', private: true, moderators: ['bob'], role: 'owner', members: ['cy'] }
    const save = vi.fn(async () => info)
    const members = vi.fn(async () => info)
    const done = vi.fn()
    const el = roomSettings({ server: 'http://h:1', room: 'lobby', info, save, members, done, close: () => {}, errorText: String })
    document.body.append(el)
    ;(el.querySelector('#rs-topic') as HTMLInputElement).value = ' Plans '
    ;(el.querySelector('#rs-mods') as HTMLInputElement).value = 'Bob, dee'
    ;(el.querySelector('#rs-members') as HTMLInputElement).value = 'eve'
    el.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }))
    await tick()
    await tick()
    expect(save).toHaveBeenCalledWith({ server: 'http://h:1', room: 'lobby', topic: ' Plans ', private: true, moderators: ['bob', 'dee'] })
    expect(members).toHaveBeenCalledWith(['eve'], ['cy'])
    expect(done).toHaveBeenCalled()
    el.remove()
  })
})

// The connect screen on servers with accounts: which ways to join are offered, and the form
// keeps what was typed except the password after a failure.
import { describe, it, expect, vi } from 'vitest'
import { authModes, pickMode, modeText, needsInvite, sameServer } from '../src/accounts'
import { connectView, type ConnectValues } from '../src/views/connect'
import type { AccountPolicy } from '../src/generated/ipc'

const policy = (registration: AccountPolicy['registration'], guests = true): AccountPolicy => ({ server: 'http://s:1', registration, guests })
const tick = () => new Promise((r) => setTimeout(r, 0))

describe('account modes', () => {
  it('a classic server (no policy) has the guest form only', () => {
    expect(authModes(null)).toEqual(['guest'])
  })
  it('open registration and guests: all three, guest stays the default', () => {
    const m = authModes(policy('open'))
    expect(m).toEqual(['signin', 'register', 'guest'])
    expect(pickMode(m)).toBe('guest')
    expect(pickMode(m, 'signin')).toBe('signin')
  })
  it('closed registration offers no Create account; guests denied, no guest', () => {
    expect(authModes(policy('closed'))).toEqual(['signin', 'guest'])
    const m = authModes(policy('invite', false))
    expect(m).toEqual(['signin', 'register'])
    expect(pickMode(m)).toBe('signin')
    expect(pickMode(['guest'], 'register')).toBe('guest')
  })
  it('an invite code only when creating an account by invitation', () => {
    expect(needsInvite(policy('invite'), 'register')).toBe(true)
    expect(needsInvite(policy('invite'), 'signin')).toBe(false)
    expect(needsInvite(policy('open'), 'register')).toBe(false)
    expect(modeText('signin').nameLabel).toBe('Account name')
    expect(modeText('guest').nameLabel).toBe('Display name')
  })
  it('servers compare as typed', () => {
    expect(sameServer('http://Host:3000/', 'http://host:3000')).toBe(true)
    expect(sameServer('http://host:3000', 'http://host:3001')).toBe(false)
  })
})

function mount(p: AccountPolicy | null, onSubmit: (v: ConnectValues) => Promise<string | null>) {
  const view = connectView({
    initial: { url: 'http://127.0.0.1:3000', displayName: 'ann', room: 'lobby' },
    offerLocal: false,
    tokenRemembered: false,
    canCancel: false,
    onSubmit,
    onHostLocal: async () => null,
    onCancel: () => {},
    onTrust: async () => {},
    policyFor: async () => p,
    signedInAs: () => null,
  })
  document.body.append(view)
  const q = <T extends HTMLElement>(sel: string) => view.querySelector<T>(sel)!
  const button = (text: string) => [...view.querySelectorAll('button')].find((b) => b.textContent === text)
  return { view, q, button }
}

describe('connect view with accounts', () => {
  it('shows the ways the server offers; Create account with an invite field', async () => {
    const { view, q, button } = mount(policy('invite'), async () => null)
    await tick()
    expect([...view.querySelectorAll('.auth-modes button')].map((b) => b.textContent)).toEqual(['Sign in', 'Create account', 'Continue as guest'])
    expect(q<HTMLElement>('#f-password').closest<HTMLElement>('.field')!.hidden).toBe(true)
    button('Create account')!.click()
    expect(q<HTMLInputElement>('#f-password').type).toBe('password')
    expect(q<HTMLElement>('#f-password').closest<HTMLElement>('.field')!.hidden).toBe(false)
    expect(q<HTMLElement>('#f-invite').closest<HTMLElement>('.field')!.hidden).toBe(false)
    expect(q('label[for="f-name"]').textContent).toBe('Account name')
    expect(q('button[type="submit"]').textContent).toBe('Create account and join')
    view.remove()
  })

  it('a classic server keeps today’s form', async () => {
    const { view, q } = mount(null, async () => null)
    await tick()
    expect(q<HTMLElement>('.auth-modes').hidden).toBe(true)
    expect(q('label[for="f-name"]').textContent).toBe('Display name')
    expect(q('button[type="submit"]').textContent).toBe('Join')
    view.remove()
  })

  it('a failed sign-in says why and keeps everything typed but the password', async () => {
    const submit = vi.fn(async (_v: ConnectValues) => 'Wrong name or password.')
    const { view, q, button } = mount(policy('open'), submit)
    await tick()
    button('Sign in')!.click()
    q<HTMLInputElement>('#f-password').value = 'not-it-at-all'
    q<HTMLFormElement>('form').dispatchEvent(new Event('submit', { cancelable: true }))
    await tick()
    expect(submit).toHaveBeenCalledTimes(1)
    expect(submit.mock.calls[0][0]).toMatchObject({ mode: 'signin', displayName: 'ann', password: 'not-it-at-all', room: 'lobby' })
    expect(q('.form-error').textContent).toBe('Wrong name or password.')
    expect(q<HTMLInputElement>('#f-password').value).toBe('')
    expect(q<HTMLInputElement>('#f-name').value).toBe('ann')
    expect(q<HTMLInputElement>('#f-url').value).toBe('http://127.0.0.1:3000')
    expect(q('button[type="submit"]').textContent).toBe('Sign in and join')
    view.remove()
  })

  it('a guest join sends no password', async () => {
    const submit = vi.fn(async (_v: ConnectValues) => null)
    const { view, q } = mount(policy('open'), submit)
    await tick()
    q<HTMLInputElement>('#f-password').value = 'left over'
    q<HTMLFormElement>('form').dispatchEvent(new Event('submit', { cancelable: true }))
    await tick()
    expect(submit.mock.calls[0][0]).toMatchObject({ mode: 'guest', password: '', invite: '' })
    view.remove()
  })
})

describe('connect view filled in from an invite link', () => {
  it('shows the link notice, the invite code and Create account; submits nothing by itself', async () => {
    const onSubmit = vi.fn(async () => null)
    const view = connectView({
      initial: { url: 'http://127.0.0.1:3000', displayName: 'ann', room: 'plans', invite: '0123456789abcdef0123456789abcdef', mode: 'register' },
      notice: 'Filled in from an invite link to 127.0.0.1:3000. Check it, then join.',
      offerLocal: false,
      tokenRemembered: false,
      canCancel: true,
      onSubmit,
      onHostLocal: async () => null,
      onCancel: () => {},
      onTrust: async () => {},
      policyFor: async () => policy('invite'),
      signedInAs: () => null,
    })
    document.body.append(view)
    await tick()
    expect(view.querySelector('.invite-note')?.textContent).toContain('invite link to 127.0.0.1:3000')
    expect(view.querySelector<HTMLInputElement>('#f-room')!.value).toBe('plans')
    expect(view.querySelector<HTMLInputElement>('#f-invite')!.value).toBe('0123456789abcdef0123456789abcdef')
    expect(view.querySelector<HTMLElement>('#f-invite')!.closest<HTMLElement>('.field')!.hidden).toBe(false)
    expect(view.querySelector('.auth-modes button[aria-pressed="true"]')?.textContent).toBe('Create account')
    expect(onSubmit).not.toHaveBeenCalled()
    view.remove()
  })
  it('has no notice otherwise', () => {
    const { view } = mount(null, async () => null)
    expect(view.querySelector('.invite-note')).toBeNull()
    view.remove()
  })
})

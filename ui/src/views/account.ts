// The account menu of a server where you are signed in: this account's sessions (the one of
// this computer marked, the others can be signed out from here), changing the password
// (which signs the other sessions out), the accounts it blocks (each can be unblocked) and
// Sign out. Passwords live in the form's fields only
// for the one call; the session token never reaches the page.
import { h, clear } from '../dom'
import { overlayFor } from './overlay'
import type { PasswordChanged, SessionView } from '../generated/ipc'

export interface AccountMenuOptions {
  server: string
  host: string
  account: string
  sessions(): Promise<SessionView[]>
  revoke(id: string): Promise<void>
  blocks(): Promise<string[]>
  unblock(name: string): Promise<void>
  changePassword(old: string, next: string): Promise<PasswordChanged>
  signOut(): void
  close(): void
  errorText(e: unknown): string
}

/** "2 other sessions were signed out." and the like. */
export function revokedText(n: number): string {
  if (n === 0) return 'Password changed. No other session was signed in.'
  return `Password changed. ${n} other ${n === 1 ? 'session was' : 'sessions were'} signed out.`
}

/** Checks the change-password form before asking the server; returns what is wrong, if anything. */
export function checkPasswordForm(old: string, next: string, again: string): string | null {
  if (!old) return 'Enter your current password.'
  if (new TextEncoder().encode(next).length < 8) return 'The new password must be at least 8 characters long.'
  if (next !== again) return 'The two new passwords are not the same.'
  if (next === old) return 'The new password is the same as the current one.'
  return null
}

function passwordField(id: string, label: string, autocomplete: string): [HTMLElement, HTMLInputElement] {
  const input = h('input', { attrs: { id, type: 'password', autocomplete, maxlength: 1024 } })
  return [h('div', { class: 'field' }, h('label', { text: label, attrs: { for: id } }), input), input]
}

export function accountMenu(o: AccountMenuOptions): HTMLElement {
  const list = h('ul', { class: 'session-list', attrs: { 'aria-label': 'Sessions' } })
  const listStatus = h('p', { class: 'menu-status', attrs: { role: 'status' } })
  const refresh = async (): Promise<void> => {
    try {
      const sessions = await o.sessions()
      clear(list)
      for (const s of sessions) list.append(sessionRow(s))
      if (!sessions.length) list.append(h('li', { class: 'session muted', text: 'No sessions.' }))
    } catch (e) {
      listStatus.textContent = o.errorText(e)
    }
  }
  const sessionRow = (s: SessionView): HTMLElement => {
    const main = h(
      'div',
      { class: 'session-main' },
      h('span', { class: 'device', text: s.device }),
      s.current ? h('span', { class: 'this-device', text: 'This computer' }) : null,
      h('span', { class: 'session-meta', text: `Last used ${s.lastUsed} · signed in ${s.created}` }),
    )
    const row = h('li', { class: `session${s.current ? ' current' : ''}` }, main)
    if (!s.current) {
      const btn = h('button', {
        class: 'ghost tiny',
        text: 'Sign out',
        attrs: { type: 'button', 'aria-label': `Sign out the session ${s.device}, last used ${s.lastUsed}` },
      })
      btn.addEventListener('click', async () => {
        btn.disabled = true
        listStatus.textContent = ''
        try {
          await o.revoke(s.id)
          listStatus.textContent = `${s.device} was signed out.`
          await refresh()
        } catch (e) {
          btn.disabled = false
          listStatus.textContent = o.errorText(e)
        }
      })
      row.append(btn)
    }
    return row
  }

  const blockList = h('ul', { class: 'session-list block-list', attrs: { 'aria-label': 'Blocked accounts' } })
  const blockStatus = h('p', { class: 'menu-status', attrs: { role: 'status' } })
  const refreshBlocks = async (): Promise<void> => {
    try {
      const names = await o.blocks()
      clear(blockList)
      for (const name of names) blockList.append(blockRow(name))
      if (!names.length) blockList.append(h('li', { class: 'blocked-row muted', text: 'You block no one.' }))
    } catch (e) {
      blockStatus.textContent = o.errorText(e)
    }
  }
  const blockRow = (name: string): HTMLElement => {
    const btn = h('button', { class: 'ghost tiny', text: 'Unblock', attrs: { type: 'button', 'aria-label': `Unblock ${name}` } })
    btn.addEventListener('click', async () => {
      btn.disabled = true
      blockStatus.textContent = ''
      try {
        await o.unblock(name)
        blockStatus.textContent = `${name} is no longer blocked.`
        await refreshBlocks()
      } catch (e) {
        btn.disabled = false
        blockStatus.textContent = o.errorText(e)
      }
    })
    return h('li', { class: 'blocked-row' }, h('span', { class: 'blocked-name', text: name }), btn)
  }

  const [oldField, oldInput] = passwordField('pw-old', 'Current password', 'current-password')
  const [newField, newInput] = passwordField('pw-new', 'New password', 'new-password')
  const [againField, againInput] = passwordField('pw-again', 'New password again', 'new-password')
  const formError = h('div', { class: 'form-error', attrs: { role: 'alert' } })
  const formDone = h('p', { class: 'menu-status ok', attrs: { role: 'status' } })
  const submit = h('button', { class: 'primary', text: 'Change password', attrs: { type: 'submit' } })
  const form = h(
    'form',
    { class: 'password-form', attrs: { 'aria-label': 'Change password' } },
    oldField,
    newField,
    againField,
    h('p', { class: 'hint', text: 'Your other sessions are signed out when the password changes; this computer stays signed in.' }),
    formError,
    formDone,
    h('div', { class: 'actions' }, submit),
  )
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    formError.textContent = ''
    formDone.textContent = ''
    const wrong = checkPasswordForm(oldInput.value, newInput.value, againInput.value)
    if (wrong) {
      formError.textContent = wrong
      return
    }
    submit.disabled = true
    try {
      const r = await o.changePassword(oldInput.value, newInput.value)
      formDone.textContent = revokedText(r.revoked)
      oldInput.value = newInput.value = againInput.value = ''
      await refresh()
    } catch (e) {
      formError.textContent = o.errorText(e)
      oldInput.value = ''
    } finally {
      submit.disabled = false
    }
  })

  const closeBtn = h('button', { class: 'ghost small', text: 'Close', attrs: { type: 'button' }, on: { click: () => o.close() } })
  const dialog = h(
    'section',
    { class: 'account-menu', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'account-menu-title' } },
    h(
      'header',
      { class: 'menu-head' },
      h('div', {}, h('h2', { text: o.account, attrs: { id: 'account-menu-title' } }), h('p', { class: 'sub', text: `Your account on ${o.host}` })),
      closeBtn,
    ),
    h('h3', { text: 'Where you are signed in' }),
    list,
    listStatus,
    h('h3', { text: 'Blocked accounts' }),
    blockList,
    blockStatus,
    h('h3', { text: 'Change password' }),
    form,
    h(
      'footer',
      { class: 'menu-foot' },
      h('button', {
        class: 'ghost danger',
        text: 'Sign out of this computer',
        attrs: { type: 'button' },
        on: { click: () => o.signOut() },
      }),
    ),
  )
  const overlay = overlayFor(dialog, () => o.close())
  list.append(h('li', { class: 'session muted', text: 'Loading…' }))
  void refresh()
  blockList.append(h('li', { class: 'blocked-row muted', text: 'Loading…' }))
  void refreshBlocks()
  queueMicrotask(() => closeBtn.focus())
  return overlay
}

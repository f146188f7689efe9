// The connect screen: server URL, display name, room, token (+ remember), and the offer to
// host rooms on this computer when no server is configured. On a server with accounts:
// Sign in, Create account (with an invite code when the server wants one) and, where guests
// may chat, Continue as guest (the only way on a classic server). An https:// server whose
// certificate is not trusted, or changed, gets the certificate panel (views/certificate.ts)
// in place of the error line; trusting the certificate joins again.
import { h, clear } from '../dom'
import { authModes, modeText, needsInvite, pickMode, type AuthMode } from '../accounts'
import type { AccountPolicy, CertificateProblem, CommandError } from '../generated/ipc'
import { certificateOf, certificatePanel } from './certificate'

export interface ConnectValues {
  url: string
  displayName: string
  room: string
  token: string
  remember: boolean
  mode: AuthMode
  /** Only for signing in or creating an account; never kept (cleared after a failure). */
  password: string
  invite: string
}

export interface ConnectOptions {
  initial: Partial<ConnectValues>
  offerLocal: boolean
  tokenRemembered: boolean
  canCancel: boolean
  /** Joins; resolves to the failure (its text, or the command's error as is) or null. */
  onSubmit(v: ConnectValues): Promise<string | CommandError | null>
  onHostLocal(v: ConnectValues): Promise<string | CommandError | null>
  /** Pins the certificate for its server only; rejects with the command's error. */
  onTrust(cert: CertificateProblem): Promise<void>
  onCancel(): void
  /** The server's account policy; `null` when it has none (classic) or cannot say; rejects
   * with the command's error when the server's certificate is at issue. */
  policyFor(url: string, token: string): Promise<AccountPolicy | null>
  /** The account signed in on that server in this app, if any. */
  signedInAs(url: string): string | null
  /** A line above the form, e.g. that an invite link filled it in. */
  notice?: string
}

function field(id: string, label: string, input: HTMLInputElement, hint?: string): HTMLElement {
  input.id = id
  const wrap = h('div', { class: 'field' }, h('label', { text: label, attrs: { for: id } }), input)
  if (hint) {
    const hid = `${id}-hint`
    input.setAttribute('aria-describedby', hid)
    wrap.append(h('p', { class: 'hint', text: hint, attrs: { id: hid } }))
  }
  return wrap
}

export function connectView(o: ConnectOptions): HTMLElement {
  const url = h('input', { attrs: { type: 'url', placeholder: 'http://localhost:3000', autocomplete: 'url', spellcheck: 'false' } })
  const name = h('input', { attrs: { type: 'text', placeholder: 'ann', autocomplete: 'nickname', maxlength: 32, spellcheck: 'false' } })
  const room = h('input', { attrs: { type: 'text', placeholder: 'lobby', maxlength: 64, spellcheck: 'false' } })
  const token = h('input', { attrs: { type: 'password', autocomplete: 'off', placeholder: o.tokenRemembered ? 'Remembered in your keyring' : 'Only if the server asks for one' } })
  const remember = h('input', { attrs: { type: 'checkbox', id: 'remember' } })
  url.value = o.initial.url ?? ''
  name.value = o.initial.displayName ?? ''
  room.value = o.initial.room ?? 'lobby'
  remember.checked = o.initial.remember ?? true
  const password = h('input', { attrs: { type: 'password', autocomplete: 'current-password', maxlength: 1024 } })
  const invite = h('input', { attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 256, placeholder: 'From the server’s owner' } })
  invite.value = o.initial.invite ?? ''
  const nameField = field('f-name', 'Display name', name)
  const nameLabel = nameField.querySelector('label')!
  const passwordHint = 'At least 8 characters.'
  const passwordField = field('f-password', 'Password', password, passwordHint)
  const passwordHintEl = passwordField.querySelector('.hint') as HTMLElement
  const inviteField = field('f-invite', 'Invite code', invite, 'This server lets people in by invitation.')
  const modesBar = h('div', { class: 'auth-modes', attrs: { role: 'group', 'aria-label': 'How to join' } })
  const signedIn = h('p', { class: 'signed-in-note', attrs: { role: 'status' } })
  let policy: AccountPolicy | null = null
  let mode: AuthMode = 'guest'
  let wanted: AuthMode | undefined = o.initial.mode
  let account: string | null = null
  const error = h('div', { class: 'form-error', attrs: { role: 'alert', 'aria-live': 'assertive' } })
  const certSlot = h('div', { class: 'cert-slot' })
  /** The certificate panel for the server typed, after a join (then trusting joins again) or
   * the policy question (then it asks again). */
  const showCertificate = (cert: CertificateProblem | null, after: 'join' | 'policy' = 'join') => {
    clear(certSlot)
    if (!cert) return
    error.textContent = ''
    certSlot.append(
      certificatePanel({
        cert,
        onTrust: async (c) => {
          try {
            await o.onTrust(c)
          } catch (e) {
            return e && typeof e === 'object' && 'message' in e ? String((e as CommandError).message) : String(e)
          }
          clear(certSlot)
          if (after === 'join') void busy(() => o.onSubmit(values()), join)
          else {
            askPolicy()
            ;(name.value ? room : name).focus()
          }
          return null
        },
      }),
    )
    queueMicrotask(() => certSlot.scrollIntoView?.({ block: 'nearest' }))
  }
  const join = h('button', { class: 'primary', text: 'Join', attrs: { type: 'submit' } })
  const values = (): ConnectValues => ({
    url: url.value,
    displayName: name.value,
    room: room.value,
    token: token.value,
    remember: remember.checked,
    mode: account ? 'guest' : mode,
    password: mode === 'guest' || account ? '' : password.value,
    invite: needsInvite(policy, mode) ? invite.value : '',
  })
  const showMode = () => {
    account = o.signedInAs(url.value)
    const modes = account ? ['guest' as AuthMode] : authModes(policy)
    mode = pickMode(modes, wanted)
    clear(modesBar)
    modesBar.hidden = modes.length < 2
    for (const m of modes) {
      modesBar.append(
        h('button', {
          class: `mode${m === mode ? ' on' : ''}`,
          text: modeText(m).tab,
          attrs: { type: 'button', 'aria-pressed': m === mode ? 'true' : 'false' },
          on: {
            click: () => {
              wanted = m
              showMode()
              ;(m !== 'guest' && name.value ? password : name).focus()
            },
          },
        }),
      )
    }
    const t = modeText(mode)
    nameLabel.textContent = account ? 'Account name' : t.nameLabel
    name.disabled = !!account
    if (account) name.value = account
    name.setAttribute('autocomplete', mode === 'guest' ? 'nickname' : 'username')
    passwordField.hidden = mode === 'guest' || !!account
    password.setAttribute('autocomplete', mode === 'register' ? 'new-password' : 'current-password')
    passwordHintEl.hidden = mode !== 'register'
    if (mode === 'register') password.setAttribute('aria-describedby', 'f-password-hint')
    else password.removeAttribute('aria-describedby')
    inviteField.hidden = !needsInvite(policy, mode)
    signedIn.hidden = !account
    signedIn.textContent = account ? `Signed in as ${account} on this server.` : ''
    if (!join.disabled) join.textContent = account ? 'Join' : t.submit
  }
  // the server's account policy, asked again when the URL (or token) changes; only the
  // answer for what is typed now counts
  let asked = 0
  let timer = 0
  const askPolicy = () => {
    const n = ++asked
    const u = url.value.trim()
    if (!/^https?:\/\/[^/]/i.test(u)) {
      policy = null
      showMode()
      return
    }
    void o.policyFor(u, token.value).then(
      (p) => {
        if (n !== asked) return
        policy = p
        showMode()
      },
      (e) => {
        if (n !== asked) return
        const cert = certificateOf(e)
        if (cert) showCertificate(cert, 'policy')
      },
    )
  }
  const policySoon = () => {
    clearTimeout(timer)
    showCertificate(null) // it was about the URL as it was
    // the form stays as it is while the URL is being typed
    if (o.signedInAs(url.value) !== account) showMode()
    timer = window.setTimeout(askPolicy, 400)
  }
  url.addEventListener('input', policySoon)
  url.addEventListener('change', () => {
    clearTimeout(timer)
    askPolicy()
  })
  const busy = async (fn: () => Promise<string | CommandError | null>, btn: HTMLButtonElement) => {
    error.textContent = ''
    showCertificate(null)
    const label = btn.textContent
    btn.disabled = true
    btn.setAttribute('aria-busy', 'true')
    btn.textContent = btn === join ? modeText(account ? 'guest' : mode).busy : 'Connecting…'
    try {
      const err = await fn()
      if (err) {
        const cert = certificateOf(err)
        if (cert) showCertificate(cert)
        else error.textContent = typeof err === 'string' ? err : err.message
        // what was typed stays, except the password
        if (password.value) {
          password.value = ''
          if (!passwordField.hidden) password.focus()
        }
      }
    } finally {
      btn.disabled = false
      btn.removeAttribute('aria-busy')
      btn.textContent = label
      if (btn === join) showMode()
    }
  }
  const form = h(
    'form',
    { class: 'connect-card', attrs: { 'aria-labelledby': 'connect-title', novalidate: true } },
    h('div', { class: 'brand' }, h('div', { class: 'logo', attrs: { 'aria-hidden': 'true' } }), h('span', { text: 'Banter' })),
    h('h1', { text: 'Join a room', attrs: { id: 'connect-title' } }),
    h('p', { class: 'lede', text: 'Chat in rooms on your own server.' }),
  )
  if (o.notice) form.append(h('p', { class: 'invite-note', text: o.notice, attrs: { role: 'status' } }))
  if (o.offerLocal) {
    const host = h('button', { class: 'secondary', text: 'Host rooms on this computer', attrs: { type: 'button' } })
    host.addEventListener('click', () => busy(() => o.onHostLocal(values()), host))
    form.append(
      h(
        'div',
        { class: 'host-card' },
        h('div', {}, h('strong', { text: 'No server yet?' }), h('p', { text: 'Start one on this computer; later you can share it on your network (with an access token).' })),
        host,
      ),
    )
  }
  form.append(
    field('f-url', 'Server URL', url, 'The address of a Socket.IO chat server.'),
    modesBar,
    signedIn,
    h('div', { class: 'row2' }, nameField, field('f-room', 'Room', room)),
    passwordField,
    inviteField,
    field('f-token', 'Token', token),
    h('div', { class: 'check' }, remember, h('label', { text: 'Remember token', attrs: { for: 'remember' } })),
    error,
    certSlot,
    h('div', { class: 'actions' }, o.canCancel ? h('button', { class: 'ghost', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => o.onCancel() } }) : null, join),
  )
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    void busy(() => o.onSubmit(values()), join)
  })
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && o.canCancel) o.onCancel()
  })
  showMode()
  if (url.value) askPolicy()
  const screen = h('section', { class: 'connect-screen' }, form)
  queueMicrotask(() => (url.value ? (name.value ? room : name) : url).focus())
  return screen
}

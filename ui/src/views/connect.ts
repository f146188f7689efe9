// The connect screen: server URL, display name, room, token (+ remember), and the offer to
// host rooms on this computer when no server is configured.
import { h } from '../dom'

export interface ConnectValues {
  url: string
  displayName: string
  room: string
  token: string
  remember: boolean
}

export interface ConnectOptions {
  initial: Partial<ConnectValues>
  offerLocal: boolean
  tokenRemembered: boolean
  canCancel: boolean
  onSubmit(v: ConnectValues): Promise<string | null>
  onHostLocal(v: ConnectValues): Promise<string | null>
  onCancel(): void
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
  const error = h('div', { class: 'form-error', attrs: { role: 'alert', 'aria-live': 'assertive' } })
  const join = h('button', { class: 'primary', text: 'Join', attrs: { type: 'submit' } })
  const values = (): ConnectValues => ({
    url: url.value,
    displayName: name.value,
    room: room.value,
    token: token.value,
    remember: remember.checked,
  })
  const busy = async (fn: () => Promise<string | null>, btn: HTMLButtonElement) => {
    error.textContent = ''
    const label = btn.textContent
    btn.disabled = true
    btn.setAttribute('aria-busy', 'true')
    btn.textContent = 'Connecting…'
    try {
      const err = await fn()
      if (err) {
        error.textContent = err
      }
    } finally {
      btn.disabled = false
      btn.removeAttribute('aria-busy')
      btn.textContent = label
    }
  }
  const form = h(
    'form',
    { class: 'connect-card', attrs: { 'aria-labelledby': 'connect-title', novalidate: true } },
    h('div', { class: 'brand' }, h('div', { class: 'logo', attrs: { 'aria-hidden': 'true' } }), h('span', { text: 'Banter' })),
    h('h1', { text: 'Join a room', attrs: { id: 'connect-title' } }),
    h('p', { class: 'lede', text: 'Chat in rooms on your own server.' }),
  )
  if (o.offerLocal) {
    const host = h('button', { class: 'secondary', text: 'Host rooms on this computer', attrs: { type: 'button' } })
    host.addEventListener('click', () => busy(() => o.onHostLocal(values()), host))
    form.append(
      h(
        'div',
        { class: 'host-card' },
        h('div', {}, h('strong', { text: 'No server yet?' }), h('p', { text: 'Start one on this computer; others on your network can join later.' })),
        host,
      ),
    )
  }
  form.append(
    field('f-url', 'Server URL', url, 'The address of a Socket.IO chat server.'),
    h('div', { class: 'row2' }, field('f-name', 'Display name', name), field('f-room', 'Room', room)),
    field('f-token', 'Token', token),
    h('div', { class: 'check' }, remember, h('label', { text: 'Remember token', attrs: { for: 'remember' } })),
    error,
    h('div', { class: 'actions' }, o.canCancel ? h('button', { class: 'ghost', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => o.onCancel() } }) : null, join),
  )
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    void busy(() => o.onSubmit(values()), join)
  })
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && o.canCancel) o.onCancel()
  })
  const screen = h('section', { class: 'connect-screen' }, form)
  queueMicrotask(() => (url.value ? (name.value ? room : name) : url).focus())
  return screen
}

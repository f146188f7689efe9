// "Share on my network" for the server this app hosts (issue 9 item 11), from the hosted
// server's "Share" in the sidebar. Off by default: the server listens on this computer only.
// Turned on (an explicit click), it listens on the network and requires an access token,
// shown here with the addresses and a banter:// invite link to copy; turned off, it is back on
// this computer only. The page only asks: Rust restarts the server (commands/sharing.rs).
import { h, clear } from '../dom'
import { overlayFor } from './overlay'
import type { SharingInfo } from '../generated/ipc'

export interface SharingOptions {
  /** The room the invite link names. */
  room: string
  load(): Promise<SharingInfo>
  set(on: boolean, room: string): Promise<SharingInfo>
  copy(text: string): Promise<void>
  errorText(e: unknown): string
  close(): void
}

function copyRow(label: string, value: string, copy: (t: string) => Promise<void>, id: string): HTMLElement {
  const status = h('span', { class: 'copy-status', attrs: { role: 'status' } })
  const field = h('input', { class: 'copy-value', attrs: { id, type: 'text', readonly: true, value, spellcheck: 'false' } })
  field.value = value
  field.addEventListener('focus', () => field.select())
  return h(
    'div',
    { class: 'field copy-field' },
    h('label', { text: label, attrs: { for: id } }),
    h(
      'div',
      { class: 'copy-line' },
      field,
      h('button', {
        class: 'secondary small',
        text: 'Copy',
        attrs: { type: 'button', 'aria-label': `Copy ${label.toLowerCase()}` },
        on: {
          click: () =>
            void copy(value).then(
              () => (status.textContent = 'Copied'),
              () => {
                field.focus()
                status.textContent = 'Press Ctrl+C to copy'
              },
            ),
        },
      }),
      status,
    ),
  )
}

export function sharingView(o: SharingOptions): HTMLElement {
  const body = h('div', { class: 'sharing-body' })
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } })
  const closeBtn = h('button', { class: 'ghost small', text: 'Close', attrs: { type: 'button' }, on: { click: () => o.close() } })
  const paint = (info: SharingInfo) => {
    clear(body)
    if (!info.hosted) {
      body.append(h('p', { text: 'This app hosts no server right now: choose “Host rooms on this computer” on the join form first.' }))
      return
    }
    const toggle = h('button', {
      class: info.shared ? 'ghost' : 'primary',
      text: info.shared ? 'Stop sharing' : 'Share on my network',
      attrs: { type: 'button' },
    })
    toggle.addEventListener('click', async () => {
      error.textContent = ''
      toggle.disabled = true
      toggle.setAttribute('aria-busy', 'true')
      toggle.textContent = info.shared ? 'Stopping…' : 'Starting on the network…'
      try {
        paint(await o.set(!info.shared, o.room))
        body.querySelector<HTMLButtonElement>('button')?.focus()
      } catch (e) {
        error.textContent = o.errorText(e)
        paint(info)
      }
    })
    if (!info.shared) {
      body.append(
        h('p', { class: 'sharing-state', text: 'Only this computer can reach your server now.', attrs: { 'data-shared': 'false' } }),
        h('p', {
          class: 'hint',
          text: 'Sharing restarts it on your network with an access token: people on the same network can join with the address and the token you give them. Nobody can join without the token. It stops when you turn it off or quit Banter.',
        }),
        h('div', { class: 'actions' }, toggle),
      )
      return
    }
    body.append(h('p', { class: 'sharing-state', text: 'Shared on your network. People need the access token to join.', attrs: { 'data-shared': 'true' } }))
    if (!info.addresses.length) {
      body.append(h('p', { class: 'form-error', text: 'This computer has no network address others could use (no network?).' }))
    }
    info.addresses.forEach((a, i) => body.append(copyRow(i === 0 ? 'Address' : `Address ${i + 1}`, a, o.copy, `share-address-${i}`)))
    if (info.token) body.append(copyRow('Access token', info.token, o.copy, 'share-token'))
    if (info.link) {
      body.append(
        copyRow('Invite link', info.link, o.copy, 'share-link'),
        h('p', { class: 'hint', text: `The link opens Banter's join form for #${o.room} on this server; they type the access token in its Token field.` }),
      )
    }
    body.append(h('div', { class: 'actions' }, toggle))
  }
  const dialog = h(
    'section',
    { class: 'account-menu sharing-view', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'sharing-title' } },
    h('header', { class: 'menu-head' }, h('div', {}, h('h2', { text: 'Share on my network', attrs: { id: 'sharing-title' } }), h('p', { class: 'sub', text: 'The server this computer hosts' })), closeBtn),
    body,
    error,
  )
  const overlay = overlayFor(dialog, () => o.close())
  body.append(h('p', { class: 'muted', text: 'Loading…' }))
  void o.load().then(paint, (e) => (error.textContent = o.errorText(e)))
  queueMicrotask(() => closeBtn.focus())
  return overlay
}

// What the join form shows when a server's certificate is at issue (issue 9 item 9):
// - not trusted by this computer (self-signed, a private authority): its SHA-256 fingerprint
//   and "Trust this certificate for HOST", which pins it for that server only;
// - changed since it was trusted: a warning naming both fingerprints. Replacing the pin is
//   possible, but never in one click: the user first ticks that they checked the new
//   fingerprint with the server's owner, and the button is styled as the warning it is.
import { h } from '../dom'
import type { CertificateProblem, CommandError } from '../generated/ipc'

/** The certificate a command's failure is about, if it is about one. */
export function certificateOf(e: unknown): CertificateProblem | null {
  if (!e || typeof e !== 'object' || !('code' in e)) return null
  const err = e as CommandError
  if ((err.code === 'untrusted_certificate' || err.code === 'certificate_changed') && err.certificate) return err.certificate
  return null
}

/** The fingerprint in two lines of 16 pairs, easier to compare by eye than one long line. */
function fingerprintBlock(fp: string, label: string): HTMLElement {
  const pairs = fp.split(':')
  const lines = pairs.length === 32 ? [pairs.slice(0, 16).join(':'), pairs.slice(16).join(':')] : [fp]
  return h(
    'div',
    { class: 'fp' },
    h('span', { class: 'fp-label', text: label }),
    h('code', { class: 'fp-value', attrs: { 'aria-label': `${label} ${fp}`, 'data-fingerprint': fp } }, ...lines.flatMap((l, i) => (i ? [h('br'), l] : [l]))),
  )
}

export interface CertificatePanelOptions {
  cert: CertificateProblem
  /** Pins the presented certificate (replacing `cert.pinned` when set); resolves to an error text or null. */
  onTrust(cert: CertificateProblem): Promise<string | null>
}

export function certificatePanel(o: CertificatePanelOptions): HTMLElement {
  const { cert } = o
  const changed = !!cert.pinned
  const status = h('p', { class: 'cert-status', attrs: { role: 'status' } })
  const checked = h('input', { attrs: { type: 'checkbox', id: 'cert-checked' } })
  const trust = h('button', {
    class: changed ? 'danger-button' : 'primary',
    text: changed ? 'Trust the new certificate' : `Trust this certificate for ${cert.host}`,
    attrs: { type: 'button' },
  })
  trust.addEventListener('click', async () => {
    trust.disabled = true
    trust.setAttribute('aria-busy', 'true')
    status.textContent = ''
    try {
      const err = await o.onTrust(cert)
      if (err) status.textContent = err
    } finally {
      trust.disabled = changed && !checked.checked
      trust.removeAttribute('aria-busy')
    }
  })
  if (!changed) {
    return h(
      'div',
      { class: 'cert-panel', attrs: { role: 'alert', 'aria-labelledby': 'cert-title' } },
      h('strong', { text: 'This server’s certificate is not trusted', attrs: { id: 'cert-title' } }),
      h('p', {
        text: `${cert.host} uses a certificate this computer does not trust: it is self-signed or from a private authority. Trust it only if the server’s owner gave you this same fingerprint.`,
      }),
      fingerprintBlock(cert.fingerprint, 'SHA-256 fingerprint'),
      h('p', { class: 'hint', text: `Trusting it is for ${cert.host} only; any other server is checked as before.` }),
      h('div', { class: 'actions' }, trust),
      status,
    )
  }
  trust.disabled = true
  checked.addEventListener('change', () => (trust.disabled = !checked.checked))
  return h(
    'div',
    { class: 'cert-panel cert-changed', attrs: { role: 'alert', 'aria-labelledby': 'cert-title' } },
    h('strong', { text: `Warning: the certificate of ${cert.host} has changed`, attrs: { id: 'cert-title' } }),
    h('p', {
      text: 'Banter did not connect. Someone may be intercepting the connection, or the server’s owner replaced its certificate. Ask the owner which fingerprint is right before you go on.',
    }),
    fingerprintBlock(cert.pinned!, 'Trusted until now'),
    fingerprintBlock(cert.fingerprint, 'Presented now'),
    h('div', { class: 'check' }, checked, h('label', { text: 'I checked the new fingerprint with the server’s owner', attrs: { for: 'cert-checked' } })),
    h('div', { class: 'actions' }, trust),
    status,
  )
}

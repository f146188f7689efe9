// The join form's certificate panel: an untrusted certificate offers one button that trusts it
// for that server and joins again; a changed one names both fingerprints and its button stays
// disabled until the user says they checked the new one.
import { describe, it, expect, vi } from 'vitest'
import { connectView } from '../src/views/connect'
import { certificateOf } from '../src/views/certificate'
import type { CertificateProblem, CommandError } from '../src/generated/ipc'

const A = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase().slice(-2)).join(':')
const B = Array.from({ length: 32 }, (_, i) => (255 - i).toString(16).toUpperCase()).join(':')
const tick = () => new Promise((r) => setTimeout(r, 0))
const cert = (pinned: string | null = null): CertificateProblem => ({ server: 'https://127.0.0.1:8443', host: '127.0.0.1:8443', fingerprint: pinned ? B : A, pinned })
const failure = (c: CertificateProblem): CommandError => ({
  code: c.pinned ? 'certificate_changed' : 'untrusted_certificate',
  message: 'The certificate of 127.0.0.1:8443 is not trusted…',
  certificate: c,
})

function mount(first: CommandError) {
  const onSubmit = vi.fn<() => Promise<string | CommandError | null>>().mockResolvedValueOnce(first).mockResolvedValue(null)
  const onTrust = vi.fn(async () => {})
  const view = connectView({
    initial: { url: 'https://127.0.0.1:8443', displayName: 'ann', room: 'lobby' },
    offerLocal: false,
    tokenRemembered: false,
    canCancel: false,
    onSubmit,
    onHostLocal: async () => null,
    onCancel: () => {},
    onTrust,
    policyFor: async () => null,
    signedInAs: () => null,
  })
  document.body.append(view)
  const button = (text: string) => [...view.querySelectorAll('button')].find((b) => b.textContent === text)
  return { view, onSubmit, onTrust, button }
}

describe('certificate panel', () => {
  it('reads the certificate only from certificate errors', () => {
    expect(certificateOf(failure(cert()))?.fingerprint).toBe(A)
    expect(certificateOf({ code: 'unreachable', message: 'x' })).toBeNull()
    expect(certificateOf('a string')).toBeNull()
  })

  it('an untrusted certificate: its fingerprint, then Trust pins it and joins again', async () => {
    const { view, onSubmit, onTrust, button } = mount(failure(cert()))
    view.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }))
    await tick()
    await tick()
    const panel = view.querySelector('.cert-panel')!
    expect(panel.getAttribute('role')).toBe('alert')
    expect([...panel.querySelectorAll('[data-fingerprint]')].map((e) => e.getAttribute('data-fingerprint'))).toEqual([A])
    expect(view.querySelector('.form-error')!.textContent).toBe('')
    button('Trust this certificate for 127.0.0.1:8443')!.click()
    await tick()
    await tick()
    expect(onTrust).toHaveBeenCalledWith(cert())
    expect(onSubmit).toHaveBeenCalledTimes(2)
    expect(view.querySelector('.cert-panel')).toBeNull()
    view.remove()
  })

  it('a changed certificate: both fingerprints, and no one-click override', async () => {
    const { view, onTrust, button } = mount(failure(cert(A)))
    view.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }))
    await tick()
    await tick()
    const panel = view.querySelector('.cert-panel.cert-changed')!
    expect(panel.querySelector('strong')!.textContent).toBe('Warning: the certificate of 127.0.0.1:8443 has changed')
    expect([...panel.querySelectorAll('[data-fingerprint]')].map((e) => e.getAttribute('data-fingerprint'))).toEqual([A, B])
    const trust = button('Trust the new certificate')!
    expect(trust.disabled).toBe(true)
    trust.click()
    await tick()
    expect(onTrust).not.toHaveBeenCalled()
    const check = panel.querySelector<HTMLInputElement>('#cert-checked')!
    check.checked = true
    check.dispatchEvent(new Event('change'))
    expect(trust.disabled).toBe(false)
    trust.click()
    await tick()
    expect(onTrust).toHaveBeenCalledWith(cert(A))
    view.remove()
  })
})

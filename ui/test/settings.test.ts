import { describe, it, expect, vi } from 'vitest'
import { clockText } from '../src/clock'
import { settingsView, startupNote, languageChoices, languageName, parseKeywords, identityLine, type SettingsDeps, type ServerRow } from '../src/views/settings'
import type { AppInfo, Settings } from '../src/generated/ipc'

const tick = () => new Promise((r) => setTimeout(r, 0))

function defaults(): Settings {
  return {
    servers: [{ url: 'http://h:1', displayName: 'ann', local: false, account: 'ann' }],
    displayName: 'ann',
    rooms: [],
    dms: [],
    removedFrom: [],
    notifications: { doNotDisturb: false, onJoin: true, onMessage: true, muted: [{ server: 'http://h:1', room: 'noisy' }], mentions: true, keywords: ['deploy'] },
    closeToTray: true,
    appearance: { clock: 'h24', zoomPercent: 100 },
    startup: { atLogin: false, hidden: false },
    spellcheck: { enabled: true, language: '' },
  }
}

function info(s: Settings, p: Partial<AppInfo> = {}): AppInfo {
  return { version: '0.1.0', settings: s, localServerAvailable: false, rememberedTokens: [], suggestedName: 'me', autohost: false, tray: true, dictionaries: ['de_DE', 'en_US'], automaticDictionary: 'en_US', ...p }
}

/** A Settings view over an in-memory copy that `save` changes, as main.ts's does. */
function mount(p: { tray?: boolean; servers?: ServerRow[] } = {}) {
  let s = defaults()
  const deps: SettingsDeps = {
    settings: () => s,
    info: () => info(s, { tray: p.tray ?? true }),
    servers: () => p.servers ?? [{ url: 'http://h:1', host: 'h:1', account: 'ann', name: 'ann', state: 'Connected' }],
    save: vi.fn(async (f: (x: Settings) => void) => {
      const next = structuredClone(s)
      f(next)
      s = next
      return null
    }),
    setZoom: vi.fn((z: number) => {
      s = { ...s, appearance: { ...s.appearance, zoomPercent: z } }
    }),
    openAccountMenu: vi.fn(),
    signOut: vi.fn(async () => {}),
    forgetServer: vi.fn(async () => {}),
    close: vi.fn(),
  }
  const view = settingsView(deps)
  document.body.append(view.el)
  return { view, deps, get: () => s, el: view.el }
}

const checkbox = (el: HTMLElement, label: string) => {
  const l = [...el.querySelectorAll('label.check')].find((x) => x.textContent === label)
  if (!l) throw new Error(`no checkbox ${label}`)
  return l.querySelector('input')!
}

describe('the clock', () => {
  it('shows 24-hour times as they come, or as 12-hour ones', () => {
    expect(clockText('14:05', 'h24')).toBe('14:05')
    expect(clockText('14:05', 'h12')).toBe('2:05 PM')
    expect(clockText('00:30', 'h12')).toBe('12:30 AM')
    expect(clockText('12:00', 'h12')).toBe('12:00 PM')
    expect(clockText('09:59', 'h12')).toBe('9:59 AM')
    expect(clockText('', 'h12')).toBe('')
    expect(clockText('25:00', 'h12')).toBe('25:00')
  })
})

describe('settings form logic', () => {
  it('says what the tray allows', () => {
    const s = defaults()
    expect(startupNote(false, s)).toMatch(/^No tray on this desktop: closing the window quits/)
    expect(startupNote(true, s)).toBe('')
    expect(startupNote(true, { startup: { atLogin: false, hidden: true } })).toBe('Starting hidden applies when Banter starts at login.')
  })

  it('offers Automatic and the dictionaries installed', () => {
    expect(languageChoices({ dictionaries: ['en_US'], automaticDictionary: 'en_US' }, '')).toEqual([
      { value: '', label: 'Automatic: American English · en-US' },
      { value: 'en_US', label: 'American English · en-US' },
    ])
    expect(languageChoices({ dictionaries: [], automaticDictionary: '' }, 'fr_FR').map((c) => c.label)).toEqual(['Automatic', 'French (France) · fr-FR, not installed'])
    expect(languageName('xx_YY')).toBe('xx-YY')
  })

  it('reads keywords and names identities', () => {
    expect(parseKeywords(' Deploy, on-call  deploy,,x ')).toEqual(['deploy', 'on-call', 'x'])
    expect(identityLine({ account: 'ann', name: 'ann' })).toBe('Signed in as ann')
    expect(identityLine({ account: null, name: 'bob' })).toBe('Guest as bob')
  })
})

describe('the Settings view', () => {
  it('has the five sections and saves a change at once', async () => {
    const { el, deps, get, view } = mount()
    expect([...el.querySelectorAll('.settings-section h3')].map((x) => x.textContent)).toEqual(['Notifications', 'Appearance', 'Startup and tray', 'Spell checking', 'Servers and accounts'])
    const twelve = el.querySelector<HTMLInputElement>('input[type=radio][value=h12]')!
    expect(twelve.checked).toBe(false)
    twelve.checked = true
    twelve.dispatchEvent(new Event('change'))
    await tick()
    expect(deps.save).toHaveBeenCalledOnce()
    expect(get().appearance.clock).toBe('h12')
    expect(el.querySelector('.settings-status')?.textContent).toBe('Saved.')
    const login = checkbox(el, 'Start Banter when I log in')
    login.checked = true
    login.dispatchEvent(new Event('change'))
    await tick()
    expect(get().startup.atLogin).toBe(true)
    view.update()
    expect(login.checked).toBe(true)
    el.remove()
  })

  it('the section list marks the one clicked', () => {
    const { el } = mount()
    const nav = [...el.querySelectorAll<HTMLButtonElement>('.settings-nav button')]
    expect(nav.map((b) => b.textContent)).toEqual(['Notifications', 'Appearance', 'Startup and tray', 'Spell checking', 'Servers and accounts'])
    nav[2].click()
    expect(el.querySelector('.settings-nav .current')?.textContent).toBe('Startup and tray')
    expect(nav[2].getAttribute('aria-current')).toBe('true')
    el.remove()
  })

  it('lists muted rooms with Unmute, and the servers with their accounts', async () => {
    const { el, deps, get } = mount({
      servers: [
        { url: 'http://h:1', host: 'h:1', account: 'ann', name: 'ann', state: 'Connected' },
        { url: 'http://g:2', host: 'g:2', account: null, name: 'zed', state: 'Offline' },
      ],
    })
    const unmute = el.querySelector<HTMLButtonElement>('[aria-label="Unmute #noisy on h:1"]')!
    unmute.click()
    await tick()
    expect(get().notifications.muted).toEqual([])
    expect(el.querySelector('.muted-list')?.textContent).toMatch(/No muted rooms/)
    const rows = [...el.querySelectorAll('.server-row')]
    expect(rows.map((r) => r.querySelector('.grow')?.textContent)).toEqual(['h:1ConnectedSigned in as ann', 'g:2OfflineGuest as zed'])
    expect(rows[1].querySelector('[aria-label="Sign out of g:2"]')).toBeNull()
    rows[0].querySelector<HTMLButtonElement>('[aria-label="Account on h:1"]')!.click()
    expect(deps.openAccountMenu).toHaveBeenCalledWith('http://h:1')
    const forget = rows[1].querySelector<HTMLButtonElement>('[aria-label="Forget g:2"]')!
    forget.click()
    expect(deps.forgetServer).not.toHaveBeenCalled()
    expect(forget.textContent).toBe('Forget g:2?')
    forget.click()
    expect(deps.forgetServer).toHaveBeenCalledWith('http://g:2')
    el.remove()
  })

  it('without a tray: the tray options are off and disabled, and it says why', () => {
    const { el } = mount({ tray: false })
    const hidden = checkbox(el, 'Start hidden in the tray')
    const close = checkbox(el, 'Closing the window keeps Banter in the tray')
    expect([hidden.disabled, hidden.checked, close.disabled, close.checked]).toEqual([true, false, true, false])
    expect(el.querySelector('.note:not([hidden])')?.textContent).toMatch(/^No tray on this desktop: closing the window quits/)
    el.remove()
  })

  it('zoom buttons step, and spell checking switches its language list off with it', async () => {
    const { el, deps, get, view } = mount()
    el.querySelector<HTMLButtonElement>('[aria-label="Zoom in"]')!.click()
    expect(deps.setZoom).toHaveBeenCalledWith(110)
    view.update()
    expect(el.querySelector('.zoom-value')?.textContent).toBe('110%')
    const lang = el.querySelector<HTMLSelectElement>('#set-spell-lang')!
    expect([...lang.options].map((o) => o.textContent)).toEqual(['Automatic: American English · en-US', 'German (Germany) · de-DE', 'American English · en-US'])
    lang.value = 'de_DE'
    lang.dispatchEvent(new Event('change'))
    await tick()
    expect(get().spellcheck.language).toBe('de_DE')
    const on = checkbox(el, 'Check spelling while I type a message')
    on.checked = false
    on.dispatchEvent(new Event('change'))
    await tick()
    expect(get().spellcheck.enabled).toBe(false)
    expect(lang.disabled).toBe(true)
    el.remove()
  })
})

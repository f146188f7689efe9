// The Settings view (sidebar foot, Ctrl+,): notifications, appearance (clock, zoom), startup
// and tray, spell checking, and the servers with their accounts. Each change is saved at once
// through `save_settings` (checked in Rust: Settings::validated); the view is built once and
// `update()` brings its controls up to date, so focus stays where the user is.
import { h, clear } from '../dom'
import { overlayFor } from './overlay'
import type { AppInfo, Clock, Settings } from '../generated/ipc'
import { ZOOM_STEPS } from '../keys'

/** A server as the Servers and accounts section shows it. */
export interface ServerRow {
  url: string
  host: string
  /** The account signed in there, or null: a guest. */
  account: string | null
  /** The name used there as a guest (or the account's). */
  name: string
  /** Connected, Offline, …; empty when it is only remembered. */
  state: string
}

export interface SettingsDeps {
  settings(): Settings | null
  info(): AppInfo | null
  servers(): ServerRow[]
  /** Changes the settings and saves them; resolves with the error's words, or null. */
  save(change: (s: Settings) => void): Promise<string | null>
  setZoom(percent: number): void
  openAccountMenu(url: string): void
  signOut(url: string): Promise<void>
  forgetServer(url: string): Promise<void>
  close(): void
}

export interface SettingsView {
  el: HTMLElement
  update(): void
}

/** What "Start hidden" can do here, in words (empty: nothing to say). */
export function startupNote(tray: boolean, s: Pick<Settings, 'startup'>): string {
  if (!tray) return 'No tray on this desktop: closing the window quits, and Banter always starts with its window.'
  if (s.startup.hidden && !s.startup.atLogin) return 'Starting hidden applies when Banter starts at login.'
  return ''
}

/** The spell checking languages to offer: Automatic (and what it means here), then each
 * dictionary installed; a chosen one that is no longer installed stays listed, marked. */
export function languageChoices(info: Pick<AppInfo, 'dictionaries' | 'automaticDictionary'>, chosen: string): { value: string; label: string }[] {
  const auto = info.automaticDictionary ? `Automatic: ${languageName(info.automaticDictionary)}` : 'Automatic'
  const out = [{ value: '', label: auto }, ...info.dictionaries.map((d) => ({ value: d, label: languageName(d) }))]
  if (chosen && !info.dictionaries.includes(chosen)) out.push({ value: chosen, label: `${languageName(chosen)}, not installed` })
  return out
}

/** `en_US` → "American English · en-US" (no underscore: GTK's menus take it for a
 * mnemonic and hide it); a code the browser cannot name stays a code. */
export function languageName(dict: string): string {
  const tag = dict.replace(/_/g, '-')
  let name = ''
  try {
    name = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(tag) ?? ''
  } catch {
    name = ''
  }
  return name && name.toLowerCase() !== tag.toLowerCase() ? `${name} · ${tag}` : tag
}

/** "deploy, On-call  x" → ["deploy", "on-call", "x"] (Rust checks and normalises them again). */
export function parseKeywords(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).map((k) => k.trim().toLowerCase()).filter(Boolean))]
}

/** How a server's identity reads: "Signed in as ann" or "Guest as ann". */
export function identityLine(r: Pick<ServerRow, 'account' | 'name'>): string {
  if (r.account) return `Signed in as ${r.account}`
  return r.name ? `Guest as ${r.name}` : 'Guest'
}

let ids = 0

export function settingsView(d: SettingsDeps): SettingsView {
  const status = h('p', { class: 'menu-status settings-status', attrs: { role: 'status' } })
  const save = async (change: (s: Settings) => void, done = 'Saved.') => {
    status.className = 'menu-status settings-status'
    status.textContent = ''
    const err = await d.save(change)
    status.textContent = err ?? done
    status.classList.toggle('error', !!err)
    status.classList.toggle('ok', !err)
    view.update()
  }
  const updaters: Array<(s: Settings, info: AppInfo | null) => void> = []

  /** A labelled checkbox bound to one setting. */
  const check = (label: string, get: (s: Settings) => boolean, set: (s: Settings, v: boolean) => void, hint?: string, enabled?: (info: AppInfo | null) => boolean) => {
    const id = `set-${++ids}`
    const box = h('input', { attrs: { id, type: 'checkbox' } })
    box.addEventListener('change', () => void save((s) => set(s, box.checked)))
    const hintEl = hint ? h('p', { class: 'hint', text: hint }) : null
    updaters.push((s, info) => {
      box.checked = get(s)
      box.disabled = enabled ? !enabled(info) : false
    })
    return h('div', { class: 'setting' }, h('label', { class: 'check', attrs: { for: id } }, box, h('span', { text: label })), hintEl)
  }

  // ---- Notifications
  const mutedList = h('ul', { class: 'plain-list muted-list', attrs: { 'aria-label': 'Muted rooms' } })
  let mutedSig = ''
  updaters.push((s) => {
    const sig = JSON.stringify(s.notifications.muted)
    if (sig === mutedSig) return
    mutedSig = sig
    clear(mutedList)
    if (!s.notifications.muted.length) {
      mutedList.append(h('li', { class: 'muted', text: 'No muted rooms. Mute one with “Mute room” in its header.' }))
      return
    }
    for (const m of s.notifications.muted) {
      const host = hostOf(m.server)
      mutedList.append(
        h(
          'li',
          {},
          h('span', { class: 'grow', text: `#${m.room}` }),
          h('span', { class: 'sub', text: host }),
          h('button', {
            class: 'ghost tiny',
            text: 'Unmute',
            attrs: { type: 'button', 'aria-label': `Unmute #${m.room} on ${host}` },
            on: { click: () => void save((x) => (x.notifications.muted = x.notifications.muted.filter((r) => !(r.server === m.server && r.room === m.room)))) },
          }),
        ),
      )
    }
  })
  const keywords = h('input', { attrs: { id: 'set-keywords', type: 'text', spellcheck: 'false', placeholder: 'e.g. deploy, on-call', autocomplete: 'off' } })
  let keywordsShown = ''
  const saveKeywords = () => {
    const next = parseKeywords(keywords.value)
    if (next.join(',') === keywordsShown) return
    void save((s) => (s.notifications.keywords = next))
  }
  keywords.addEventListener('change', saveKeywords)
  keywords.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault()
      saveKeywords()
    }
  })
  updaters.push((s) => {
    const shown = s.notifications.keywords.join(',')
    // what the user is typing stays until it is saved
    if (shown !== keywordsShown || document.activeElement !== keywords) keywords.value = s.notifications.keywords.join(', ')
    keywordsShown = shown
  })
  const notifications = section(
    'Notifications',
    check('Do not disturb', (s) => s.notifications.doNotDisturb, (s, v) => (s.notifications.doNotDisturb = v), 'No notification at all until you turn it off (also in the sidebar and the tray menu).'),
    check('New messages', (s) => s.notifications.onMessage, (s, v) => (s.notifications.onMessage = v)),
    check('Someone joins a room', (s) => s.notifications.onJoin, (s, v) => (s.notifications.onJoin = v)),
    check('Mentions of you, even in muted rooms', (s) => s.notifications.mentions, (s, v) => (s.notifications.mentions = v)),
    h(
      'div',
      { class: 'field setting' },
      h('label', { text: 'Keywords that notify you like a mention', attrs: { for: 'set-keywords' } }),
      keywords,
      h('p', { class: 'hint', text: 'Whole words, any case, separated by commas.' }),
    ),
    h('h4', { class: 'setting-sub', text: 'Muted rooms' }),
    mutedList,
  )

  // ---- Appearance
  const clockName = `set-clock-${++ids}`
  const clockRadio = (value: Clock, label: string) => {
    const id = `${clockName}-${value}`
    const r = h('input', { attrs: { id, type: 'radio', name: clockName, value } })
    r.addEventListener('change', () => {
      if (r.checked) void save((s) => (s.appearance.clock = value))
    })
    updaters.push((s) => (r.checked = s.appearance.clock === value))
    return h('label', { class: 'check', attrs: { for: id } }, r, h('span', { text: label }))
  }
  const zoomValue = h('output', { class: 'zoom-value', attrs: { 'aria-live': 'polite', 'aria-label': 'Zoom level' } })
  const zoomBy = (dir: 1 | -1) => {
    const cur = d.settings()?.appearance.zoomPercent ?? 100
    const next = dir > 0 ? ZOOM_STEPS.find((z) => z > cur) : [...ZOOM_STEPS].reverse().find((z) => z < cur)
    if (next) d.setZoom(next)
  }
  const zoomOut = h('button', { class: 'ghost small', text: '−', attrs: { type: 'button', 'aria-label': 'Zoom out', title: 'Zoom out (Ctrl+-)' }, on: { click: () => zoomBy(-1) } })
  const zoomIn = h('button', { class: 'ghost small', text: '+', attrs: { type: 'button', 'aria-label': 'Zoom in', title: 'Zoom in (Ctrl+=)' }, on: { click: () => zoomBy(1) } })
  const zoomReset = h('button', { class: 'ghost small', text: 'Actual size', attrs: { type: 'button', title: 'Ctrl+0' }, on: { click: () => d.setZoom(100) } })
  updaters.push((s) => {
    const z = s.appearance.zoomPercent
    zoomValue.textContent = `${z}%`
    zoomOut.disabled = z <= ZOOM_STEPS[0]
    zoomIn.disabled = z >= ZOOM_STEPS[ZOOM_STEPS.length - 1]
    zoomReset.disabled = z === 100
  })
  const appearance = section(
    'Appearance',
    h(
      'div',
      { class: 'setting', attrs: { role: 'radiogroup', 'aria-label': 'Time format' } },
      h('span', { class: 'setting-label', text: 'Time format' }),
      h('div', { class: 'choices' }, clockRadio('h24', '24-hour (14:05)'), clockRadio('h12', '12-hour (2:05 PM)')),
    ),
    h('div', { class: 'setting' }, h('span', { class: 'setting-label', text: 'Zoom' }), h('div', { class: 'zoom-row' }, zoomOut, zoomValue, zoomIn, zoomReset)),
  )

  // ---- Startup and tray
  const trayNote = h('p', { class: 'note' })
  updaters.push((s, info) => {
    trayNote.textContent = startupNote(!!info?.tray, s)
    trayNote.hidden = !trayNote.textContent
  })
  const startup = section(
    'Startup and tray',
    check('Start Banter when I log in', (s) => s.startup.atLogin, (s, v) => (s.startup.atLogin = v)),
    check('Start hidden in the tray', (s) => s.startup.hidden && !!d.info()?.tray, (s, v) => (s.startup.hidden = v), 'At login, only the tray icon shows; open the window from it.', (info) => !!info?.tray),
    check('Closing the window keeps Banter in the tray', (s) => s.closeToTray && !!d.info()?.tray, (s, v) => (s.closeToTray = v), 'Banter keeps receiving and notifying; Quit from the tray menu or Ctrl+Q.', (info) => !!info?.tray),
    trayNote,
  )

  // ---- Spellcheck
  const lang = h('select', { attrs: { id: 'set-spell-lang' } })
  let langSig = ''
  lang.addEventListener('change', () => void save((s) => (s.spellcheck.language = lang.value)))
  const noDict = h('p', { class: 'note', text: 'No dictionary is installed: install one (e.g. the hunspell-en-us package) for spell checking.' })
  updaters.push((s, info) => {
    const choices = languageChoices(info ?? { dictionaries: [], automaticDictionary: '' }, s.spellcheck.language)
    const sig = JSON.stringify(choices)
    if (sig !== langSig) {
      langSig = sig
      clear(lang)
      for (const c of choices) lang.append(h('option', { text: c.label, attrs: { value: c.value } }))
    }
    lang.value = s.spellcheck.language
    lang.disabled = !s.spellcheck.enabled
    noDict.hidden = !!info?.dictionaries.length
  })
  const spelling = section(
    'Spell checking',
    check('Check spelling while I type a message', (s) => s.spellcheck.enabled, (s, v) => (s.spellcheck.enabled = v)),
    h('div', { class: 'field setting' }, h('label', { text: 'Language', attrs: { for: 'set-spell-lang' } }), lang),
    noDict,
  )

  // ---- Servers and accounts
  const serverList = h('ul', { class: 'plain-list server-list', attrs: { 'aria-label': 'Servers' } })
  let serversSig = ''
  const armed = new Map<string, number>()
  const paintServers = () => {
    const rows = d.servers()
    const sig = JSON.stringify(rows)
    if (sig === serversSig) return
    serversSig = sig
    clear(serverList)
    if (!rows.length) serverList.append(h('li', { class: 'muted', text: 'No servers yet: join a room to add one.' }))
    for (const r of rows) {
      const forget = h('button', {
        class: 'ghost tiny danger',
        text: 'Forget',
        attrs: { type: 'button', 'aria-label': `Forget ${r.host}`, title: `Leave its rooms here and forget ${r.url}` },
      })
      forget.addEventListener('click', () => {
        if (Date.now() - (armed.get(r.url) ?? 0) < 5000) {
          forget.disabled = true
          void d.forgetServer(r.url).then(paintServers)
          return
        }
        armed.set(r.url, Date.now())
        forget.textContent = `Forget ${r.host}?`
        setTimeout(() => {
          if (!forget.disabled) forget.textContent = 'Forget'
        }, 5000)
      })
      serverList.append(
        h(
          'li',
          { class: 'server-row', attrs: { 'data-server': r.url } },
          h(
            'div',
            { class: 'grow' },
            h('div', { class: 'server-row-head' }, h('strong', { text: r.host }), r.state ? h('span', { class: 'sub', text: r.state }) : null),
            h('div', { class: 'sub', text: identityLine(r) }),
          ),
          r.account
            ? h('button', { class: 'ghost tiny', text: 'Account…', attrs: { type: 'button', 'aria-label': `Account on ${r.host}` }, on: { click: () => d.openAccountMenu(r.url) } })
            : null,
          r.account
            ? h('button', { class: 'ghost tiny', text: 'Sign out', attrs: { type: 'button', 'aria-label': `Sign out of ${r.host}` }, on: { click: () => void d.signOut(r.url) } })
            : null,
          forget,
        ),
      )
    }
  }
  const servers = section('Servers and accounts', serverList, h('p', { class: 'hint', text: 'Forget leaves its rooms on this computer; an account keeps its rooms for next time.' }))

  // a list of the sections beside them: a click scrolls there, scrolling marks where you are
  const sections = [notifications, appearance, startup, spelling, servers]
  const body = h('div', { class: 'settings-body' }, ...sections)
  const navButtons = sections.map((sec) =>
    h('button', {
      class: 'settings-nav-item',
      text: sec.getAttribute('aria-label') ?? '',
      attrs: { type: 'button' },
      on: {
        click: () => {
          // the one clicked stays marked, even when the end of the list cannot scroll to it
          pinned = sections.indexOf(sec)
          mark(pinned)
          body.scrollTo?.({ top: sec.offsetTop - body.offsetTop, behavior: 'smooth' })
        },
      },
    }),
  )
  let pinned: number | null = null
  const nav = h('nav', { class: 'settings-nav', attrs: { 'aria-label': 'Settings sections' } }, ...navButtons)
  const mark = (cur: number) =>
    navButtons.forEach((b, i) => {
      b.classList.toggle('current', i === cur)
      if (i === cur) b.setAttribute('aria-current', 'true')
      else b.removeAttribute('aria-current')
    })
  const markCurrent = () => {
    if (pinned !== null) return
    const top = body.scrollTop + 24
    let cur = 0
    sections.forEach((sec, i) => {
      if (sec.offsetTop - body.offsetTop <= top) cur = i
    })
    // at the very end, the last section is where you are even when it is short
    if (body.scrollTop > 0 && body.scrollTop + body.clientHeight >= body.scrollHeight - 2) cur = sections.length - 1
    mark(cur)
  }
  body.addEventListener('scroll', markCurrent)
  // the user scrolls again: the mark follows the scrolling
  for (const ev of ['wheel', 'pointerdown', 'keydown'] as const)
    body.addEventListener(ev, () => {
      pinned = null
    })
  queueMicrotask(markCurrent)
  const close = h('button', { class: 'ghost small', text: 'Close', attrs: { type: 'button' }, on: { click: () => d.close() } })
  const dialog = h(
    'section',
    { class: 'account-menu settings-view', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'settings-title' } },
    h('header', { class: 'menu-head' }, h('div', {}, h('h2', { text: 'Settings', attrs: { id: 'settings-title' } }), h('p', { class: 'sub', text: 'Changes are saved at once.' })), close),
    h('div', { class: 'settings-main' }, nav, body),
    status,
  )
  const overlay = overlayFor(dialog, () => d.close(), 'settings-overlay')
  const view: SettingsView = {
    el: overlay,
    update() {
      const s = d.settings()
      if (!s) return
      const info = d.info()
      for (const u of updaters) u(s, info)
      paintServers()
    },
  }
  view.update()
  queueMicrotask(() => close.focus())
  return view
}

function section(title: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return h('section', { class: 'settings-section', attrs: { 'aria-label': title } }, h('h3', { text: title }), ...children)
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

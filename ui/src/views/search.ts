// Search (Ctrl+F): a dialog over the window. The query goes to the chosen server's full-text
// index (every room and DM you may read there), or, on a classic server, over the lines this
// app holds, and the dialog says which. Results: where, who, when, and the text around the
// match with the matched words marked (text nodes and <mark> only); choosing one opens the
// message in its room.
import { h, clear } from '../dom'
import { overlayFor } from './overlay'
import type { SearchHitView, SearchResults } from '../generated/ipc'

export interface SearchOptions {
  /** Servers to search, the current room's first: [url, host]. */
  servers: [string, string][]
  search(server: string, query: string): Promise<SearchResults>
  open(hit: SearchHitView): void
  close(): void
  errorText(e: unknown): string
}

/** The filters the query understands, as the hint lists them. */
export const FILTERS_HINT = 'Words, "a phrase", from:name, in:room, before:2026-11-30, after:2026-11-01'

export function searchDialog(o: SearchOptions): HTMLElement {
  const input = h('input', {
    class: 'switcher-input',
    attrs: { type: 'search', 'aria-label': 'Search messages', placeholder: 'Search messages…', spellcheck: 'false', autocomplete: 'off', maxlength: 256 },
  }) as HTMLInputElement
  const scope = h('select', { class: 'search-scope', attrs: { 'aria-label': 'Server to search' } }) as HTMLSelectElement
  for (const [url, host] of o.servers) scope.append(h('option', { text: host, attrs: { value: url } }))
  scope.hidden = o.servers.length < 2
  const status = h('p', { class: 'search-status', attrs: { role: 'status' }, text: FILTERS_HINT })
  const list = h('ul', { class: 'switcher-list search-results', attrs: { role: 'listbox', 'aria-label': 'Search results' } })
  let hits: SearchHitView[] = []
  let sel = 0
  let asked = 0

  const select = (i: number) => {
    sel = i
    list.querySelectorAll('.search-hit').forEach((el, k) => {
      el.classList.toggle('selected', k === sel)
      el.setAttribute('aria-selected', k === sel ? 'true' : 'false')
    })
    list.children[sel]?.scrollIntoView?.({ block: 'nearest' })
  }
  const paint = (r: SearchResults) => {
    clear(list)
    hits = r.hits
    sel = 0
    const where = r.full ? '' : ' (a classic server has no search: these are the lines this app holds)'
    status.textContent = hits.length ? `${hits.length} ${hits.length === 1 ? 'result' : 'results'}${where}` : `Nothing found${where}.`
    hits.forEach((hit, i) => {
      const snippet = h('span', { class: 'search-snippet' })
      for (const p of hit.parts) snippet.append(p.hit ? h('mark', { text: p.text }) : document.createTextNode(p.text))
      list.append(
        h(
          'li',
          {
            class: `search-hit${i === 0 ? ' selected' : ''}`,
            attrs: { role: 'option', 'aria-selected': i === 0 ? 'true' : 'false', 'aria-label': `${hit.username} in ${hit.label}, ${hit.when}: ${hit.parts.map((p) => p.text).join('')}` },
            on: { mousedown: (ev) => ev.preventDefault(), click: () => o.open(hit), mousemove: () => sel !== i && select(i) },
          },
          h(
            'span',
            { class: 'search-where' },
            h('span', { class: 'search-room', text: hit.room.startsWith('dm:') ? hit.label : `#${hit.label}` }),
            h('span', { class: 'search-who', text: hit.username }),
            h('span', { class: 'search-when', text: hit.when }),
          ),
          snippet,
        ),
      )
    })
  }
  const run = async () => {
    const q = input.value
    if (!q.trim()) {
      clear(list)
      status.textContent = FILTERS_HINT
      return
    }
    const mine = ++asked
    status.textContent = 'Searching…'
    try {
      const r = await o.search(scope.value, q)
      if (mine === asked) paint(r)
    } catch (e) {
      if (mine !== asked) return
      clear(list)
      hits = []
      status.textContent = o.errorText(e)
    }
  }
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault()
      if (hits.length && list.children.length && !input.dataset.dirty) o.open(hits[sel])
      else {
        delete input.dataset.dirty
        void run()
      }
    } else if ((ev.key === 'ArrowDown' || ev.key === 'ArrowUp') && hits.length) {
      ev.preventDefault()
      select((sel + (ev.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length)
    }
  })
  // typing changes the query: Enter then searches again before it opens anything
  input.addEventListener('input', () => (input.dataset.dirty = '1'))
  scope.addEventListener('change', () => void run())
  const dialog = h(
    'section',
    { class: 'switcher search', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Search messages' } },
    h('div', { class: 'search-bar' }, input, scope),
    status,
    list,
    h('p', { class: 'switcher-foot', text: 'Enter to search, then ↑ ↓ and Enter to open · Esc to close' }),
  )
  const overlay = overlayFor(dialog, () => o.close(), 'switcher-overlay')
  queueMicrotask(() => input.focus())
  return overlay
}

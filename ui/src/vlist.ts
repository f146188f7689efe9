// A virtualised list for long timelines: only the rows in (and near) the viewport are in
// the DOM, between two spacers sized from measured (or estimated) row heights. New rows
// scroll into view only when the user was already at the bottom; older rows added on top
// keep what the user is reading in place.

import { h, clear } from './dom'

export interface Item {
  key: string
  /** Changes when the row must be re-rendered (e.g. a delivery state changed). A function
   * is called only for the rows rendered (a long list makes no string per row per update). */
  sig: string | (() => string)
  estimate: number
}

/** Which rows to render: [start, end) for a viewport, with `overscan` rows either side. */
export function visibleRange(
  heights: number[],
  scrollTop: number,
  viewport: number,
  overscan = 8,
): { start: number; end: number; before: number; after: number } {
  const n = heights.length
  let y = 0
  let start = 0
  while (start < n && y + heights[start] <= scrollTop) {
    y += heights[start]
    start++
  }
  let end = start
  let yEnd = y
  while (end < n && yEnd < scrollTop + viewport) {
    yEnd += heights[end]
    end++
  }
  const s = Math.max(0, start - overscan)
  const e = Math.min(n, end + overscan)
  let before = 0
  for (let i = 0; i < s; i++) before += heights[i]
  let after = 0
  for (let i = e; i < n; i++) after += heights[i]
  return { start: s, end: e, before, after }
}

export const BOTTOM_SLACK_PX = 48

const sigOf = (it: Item): string => (typeof it.sig === 'function' ? it.sig() : it.sig)

export class VirtualList<T extends Item> {
  readonly el: HTMLElement
  private top = h('div', { class: 'vl-spacer', attrs: { 'aria-hidden': 'true' } })
  private body = h('div', { class: 'vl-body' })
  private bottom = h('div', { class: 'vl-spacer', attrs: { 'aria-hidden': 'true' } })
  private items: T[] = []
  private measured = new Map<string, number>()
  private rendered = new Map<string, { sig: string; node: HTMLElement }>()
  private frame = 0
  /** Rows marked for a moment (a search hit opened): the mark survives a row re-rendered
   * meanwhile (a delivery state, older lines loaded above it). */
  private flashed = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(
    el: HTMLElement,
    private render: (item: T) => HTMLElement,
  ) {
    this.el = el
    clear(el)
    el.append(this.top, this.body, this.bottom)
    el.addEventListener('scroll', () => this.schedule(), { passive: true })
    new ResizeObserver(() => this.schedule()).observe(el)
  }

  atBottom(): boolean {
    const el = this.el
    return el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX
  }

  private height(it: T): number {
    return this.measured.get(it.key) ?? it.estimate
  }

  /** Replaces the rows. Keeps the reading position; follows new rows only at the bottom. */
  setItems(items: T[], opts: { forceBottom?: boolean } = {}): void {
    const follow = opts.forceBottom || this.atBottom()
    const oldFirst = this.items[0]?.key
    const oldTop = this.el.scrollTop
    this.items = items
    // heights of rows no longer listed go (a room at the bottom of a long burst lists its
    // newest lines only, and would otherwise keep one height per line it ever showed)
    if (this.measured.size > 2 * items.length + 100) {
      const listed = new Set(items.map((i) => i.key))
      for (const k of this.measured.keys()) if (!listed.has(k)) this.measured.delete(k)
    }
    const idx = oldFirst ? items.findIndex((i) => i.key === oldFirst) : -1
    let added = 0
    for (let i = 0; i < idx; i++) added += this.height(items[i])
    this.paint()
    if (follow) this.scrollToBottom()
    else if (idx > 0) this.el.scrollTop = oldTop + added
  }

  scrollToBottom(): void {
    this.el.scrollTop = this.el.scrollHeight
    this.paint()
    this.el.scrollTop = this.el.scrollHeight
  }

  private schedule(): void {
    if (this.frame) return
    this.frame = requestAnimationFrame(() => {
      this.frame = 0
      this.paint()
    })
  }

  /** Renders the visible rows, then measures them (two passes at most). */
  paint(): void {
    for (let pass = 0; pass < 2; pass++) {
      const heights = this.items.map((i) => this.height(i))
      const r = visibleRange(heights, this.el.scrollTop, this.el.clientHeight || 800)
      const wanted = this.items.slice(r.start, r.end)
      const keep = new Set(wanted.map((i) => i.key))
      for (const [k, v] of this.rendered) {
        if (!keep.has(k)) {
          v.node.remove()
          this.rendered.delete(k)
        }
      }
      let prev: HTMLElement | null = null
      for (const it of wanted) {
        let cur = this.rendered.get(it.key)
        const sig = sigOf(it)
        if (!cur || cur.sig !== sig) {
          const node = this.render(it)
          if (this.flashed.has(it.key)) node.classList.add('flash')
          if (cur) cur.node.replaceWith(node)
          cur = { sig, node }
          this.rendered.set(it.key, cur)
        }
        const expectedNext: ChildNode | null = prev ? prev.nextSibling : this.body.firstChild
        if (expectedNext !== cur.node) this.body.insertBefore(cur.node, expectedNext)
        prev = cur.node
      }
      this.top.style.height = `${r.before}px`
      this.bottom.style.height = `${r.after}px`
      let changed = false
      for (const it of wanted) {
        const hgt = this.rendered.get(it.key)?.node.offsetHeight ?? 0
        if (hgt > 0 && hgt !== this.measured.get(it.key)) {
          this.measured.set(it.key, hgt)
          changed = true
        }
      }
      if (!changed) break
    }
  }

  /** Scrolls row `key` into view (a third from the top) and returns its node, or null
   * when no such row is in the list. */
  scrollToKey(key: string): HTMLElement | null {
    const idx = this.items.findIndex((i) => i.key === key)
    if (idx < 0) return null
    let offset = 0
    for (let i = 0; i < idx; i++) offset += this.height(this.items[i])
    for (let pass = 0; pass < 2; pass++) {
      this.el.scrollTop = Math.max(0, offset - (this.el.clientHeight || 800) / 3)
      this.paint()
      offset = 0
      for (let i = 0; i < idx; i++) offset += this.height(this.items[i])
    }
    return this.rendered.get(key)?.node ?? null
  }

  /** Marks row `key` with the class `flash` for `ms` (the style fades it out). */
  flash(key: string, ms = 2000): void {
    const timer = this.flashed.get(key)
    if (timer) clearTimeout(timer)
    this.rendered.get(key)?.node.classList.add('flash')
    this.flashed.set(
      key,
      setTimeout(() => {
        this.flashed.delete(key)
        this.rendered.get(key)?.node.classList.remove('flash')
      }, ms),
    )
  }

  /** Rows listed, rendered and measured (the bench reads these). */
  sizes(): { items: number; rendered: number; measured: number } {
    return { items: this.items.length, rendered: this.rendered.size, measured: this.measured.size }
  }

    /** How many rows are in the DOM (tests). */
  renderedCount(): number {
    return this.rendered.size
  }
}

import { describe, it, expect, beforeAll, vi } from 'vitest'
import { visibleRange, VirtualList } from '../src/vlist'
import { h } from '../src/dom'

beforeAll(() => {
  // jsdom has no layout: a stand-in ResizeObserver is enough for these tests
  ;(globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = class {
    observe() {}
    disconnect() {}
  }
})

describe('visibleRange', () => {
  it('renders the viewport plus overscan, spacers sized from heights', () => {
    const heights = Array(1000).fill(20)
    const r = visibleRange(heights, 2000, 400, 5)
    expect(r.start).toBe(95)
    expect(r.end).toBe(125)
    expect(r.before).toBe(95 * 20)
    expect(r.after).toBe((1000 - 125) * 20)
  })
  it('handles the edges and mixed heights', () => {
    expect(visibleRange([], 0, 400)).toEqual({ start: 0, end: 0, before: 0, after: 0 })
    const r = visibleRange([100, 10, 10, 500, 10], 0, 50, 0)
    expect([r.start, r.end]).toEqual([0, 1])
    const bottom = visibleRange(Array(10).fill(30), 10_000, 100, 2)
    expect(bottom.end).toBe(10)
  })
})

describe('VirtualList', () => {
  it('keeps only a window of a long history in the DOM', () => {
    const el = h('div')
    document.body.append(el)
    const list = new VirtualList(el, (it: { key: string; sig: string; estimate: number }) => h('div', { text: it.key }))
    const items = Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, sig: '', estimate: 30 }))
    list.setItems(items)
    expect(list.renderedCount()).toBeGreaterThan(0)
    expect(list.renderedCount()).toBeLessThan(100)
    // re-rendering with a changed signature replaces that row only
    const first = el.querySelector('.vl-body')!.firstElementChild
    list.setItems(items.map((it, i) => (i === 0 ? { ...it, sig: 'changed' } : it)))
    expect(el.querySelector('.vl-body')!.firstElementChild).not.toBe(first)
  })
  it('keeps a flashed row marked when it is re-rendered meanwhile, and unmarks it after', () => {
    vi.useFakeTimers()
    try {
      const el = h('div')
      document.body.append(el)
      const list = new VirtualList(el, (it: { key: string; sig: string; estimate: number }) => h('div', { text: it.key }))
      const items = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, sig: '', estimate: 30 }))
      list.setItems(items)
      const node = list.scrollToKey('k3')
      expect(node).not.toBeNull()
      list.flash('k3')
      expect(node!.classList.contains('flash')).toBe(true)
      // its delivery state changes: a new node, still marked
      list.setItems(items.map((it, i) => (i === 3 ? { ...it, sig: 'delivered' } : it)))
      const again = [...el.querySelectorAll('.vl-body > div')].find((n) => n.textContent === 'k3')!
      expect(again).not.toBe(node)
      expect(again.classList.contains('flash')).toBe(true)
      vi.advanceTimersByTime(2001)
      expect(again.classList.contains('flash')).toBe(false)
      // and a later re-render does not mark it again
      list.setItems(items.map((it, i) => (i === 3 ? { ...it, sig: 'read' } : it)))
      expect(el.querySelectorAll('.vl-body > .flash').length).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})

import { describe, it, expect, vi } from 'vitest'
import { filterItems, switcher, type SwitchItem } from '../src/views/switcher'

const item = (label: string, p: Partial<SwitchItem> = {}): SwitchItem => ({ key: label, label, dm: false, host: 'chat.example.org', unread: 0, active: false, ...p })
const items = [item('lobby', { active: true }), item('random'), item('dev-ops'), item('bob, cy', { dm: true, host: 'other:3000' }), item('old-lobby')]
const tick = () => new Promise((r) => setTimeout(r, 0))

describe('filtering the switcher', () => {
  it('shows everything for an empty query, in the given order', () => {
    expect(filterItems(items, '  ').map((i) => i.label)).toEqual(items.map((i) => i.label))
  })

  it('ranks names starting with it, then words, then anywhere, then the server', () => {
    expect(filterItems(items, 'lob').map((i) => i.label)).toEqual(['lobby', 'old-lobby'])
    expect(filterItems(items, 'ops').map((i) => i.label)).toEqual(['dev-ops'])
    expect(filterItems(items, 'cy').map((i) => i.label)).toEqual(['bob, cy'])
    expect(filterItems(items, 'o').map((i) => i.label)).toEqual(['old-lobby', 'dev-ops', 'lobby', 'random', 'bob, cy'])
    expect(filterItems(items, 'other').map((i) => i.label)).toEqual(['bob, cy'])
  })

  it('ignores case and a leading # or @', () => {
    expect(filterItems(items, '#RAN').map((i) => i.label)).toEqual(['random'])
    expect(filterItems(items, '@bob').map((i) => i.label)).toEqual(['bob, cy'])
    expect(filterItems(items, 'zzz')).toEqual([])
  })
})

describe('the switcher dialog', () => {
  it('starts on the first room that is not the current one; typing filters; Enter opens', async () => {
    const open = vi.fn()
    const el = switcher({ items, open, close: () => {} })
    document.body.append(el)
    await tick()
    const input = el.querySelector('input')!
    expect(document.activeElement).toBe(input)
    expect(el.querySelector('.selected .switcher-name')?.textContent).toBe('random')
    input.value = 'dev'
    input.dispatchEvent(new Event('input'))
    expect([...el.querySelectorAll('.switcher-name')].map((n) => n.textContent)).toEqual(['dev-ops'])
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    expect(open).toHaveBeenCalledWith('dev-ops')
    el.remove()
  })

  it('arrows move the choice (wrapping), Esc closes, nothing found says so', async () => {
    const open = vi.fn()
    const close = vi.fn()
    const el = switcher({ items, open, close })
    document.body.append(el)
    const input = el.querySelector('input')!
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }))
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }))
    expect(el.querySelector('.selected .switcher-name')?.textContent).toBe('old-lobby')
    expect(input.getAttribute('aria-activedescendant')).toBe('switcher-opt-4')
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    expect(open).toHaveBeenCalledWith('old-lobby')
    input.value = 'nothing like it'
    input.dispatchEvent(new Event('input'))
    expect(el.querySelector('.switcher-none')?.textContent).toBe('No room or direct message matches.')
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(close).toHaveBeenCalledOnce()
    el.remove()
  })
})

// Escaping: whatever a peer sends is shown as text; nothing in it becomes markup or runs.
import { describe, it, expect, vi } from 'vitest'
import { renderRow, messageText } from '../src/views/message'
import { linkify, isSafeUrl } from '../src/linkify'
import { h } from '../src/dom'
import { msg } from './fixtures'

const actions = { openLink: vi.fn(), retry: vi.fn() }

describe('message rendering', () => {
  it('shows HTML as text and creates no elements from it', () => {
    const evil = '<img src=x onerror=alert(1)><script>window.__pwned=1</script>'
    const row = renderRow({ kind: 'msg', key: 'k', head: true, msg: msg({ text: evil, username: '<b>mallory</b>' }) }, actions)
    document.body.append(row)
    expect(row.querySelector('img')).toBeNull()
    expect(row.querySelector('script')).toBeNull()
    expect(row.querySelector('b')).toBeNull()
    expect(row.querySelector('.text')!.textContent).toBe(evil)
    expect(row.querySelector('.author')!.textContent).toBe('<b>mallory</b>')
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined()
    row.remove()
  })

  it('notices are set apart and escaped too', () => {
    const row = renderRow({ kind: 'notice', key: 'n', msg: msg({ kind: 'notice', text: '<i>x</i> joined' }) }, actions)
    expect(row.className).toBe('notice')
    expect(row.querySelector('i')).toBeNull()
    expect(row.textContent).toContain('<i>x</i> joined')
  })

  it('own messages carry their delivery state as text, failed ones a Retry button', () => {
    const failed = msg({ own: true, username: 'ann', delivery: { state: 'failed', reason: 'The server did not answer in time.', receivedBy: null, recipients: null } })
    const row = renderRow({ kind: 'msg', key: 'f', head: false, msg: failed }, actions)
    expect(row.querySelector('.delivery')!.textContent).toBe('failed: The server did not answer in time.')
    const retry = [...row.querySelectorAll('button')].find((b) => b.textContent === 'Retry')!
    retry.click()
    expect(actions.retry).toHaveBeenCalledWith(failed)
  })

  it('links only http(s), opened through the app (never navigating the page)', () => {
    const el = messageText('see https://example.org/a?b=1, or javascript:alert(1) or file:///etc/passwd', actions)
    const links = [...el.querySelectorAll('a')]
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.org/a?b=1'])
    expect(el.textContent).toBe('see https://example.org/a?b=1, or javascript:alert(1) or file:///etc/passwd')
    const ev = new MouseEvent('click', { cancelable: true, bubbles: true })
    links[0].dispatchEvent(ev)
    expect(ev.defaultPrevented).toBe(true)
    expect(actions.openLink).toHaveBeenCalledWith('https://example.org/a?b=1')
  })
})

describe('linkify', () => {
  it('splits text and links, trims trailing punctuation', () => {
    expect(linkify('go to http://a.b/c. now')).toEqual([
      { kind: 'text', text: 'go to ' },
      { kind: 'link', text: 'http://a.b/c', url: 'http://a.b/c' },
      { kind: 'text', text: '. now' },
    ])
    expect(linkify('plain')).toEqual([{ kind: 'text', text: 'plain' }])
    expect(linkify('<a href="http://x.y">')).toEqual([
      { kind: 'text', text: '<a href="' },
      { kind: 'link', text: 'http://x.y', url: 'http://x.y' },
      { kind: 'text', text: '">' },
    ])
  })
  it('only http and https are safe', () => {
    expect(isSafeUrl('https://x.org')).toBe(true)
    expect(isSafeUrl('javascript:alert(1)')).toBe(false)
    expect(isSafeUrl('data:text/html,hi')).toBe(false)
    expect(isSafeUrl('http://')).toBe(false)
  })
})

describe('dom helper', () => {
  it('refuses event-handler attributes and treats strings as text', () => {
    expect(() => h('div', { attrs: { onclick: 'alert(1)' } })).toThrow()
    const el = h('p', {}, '<em>hi</em>')
    expect(el.querySelector('em')).toBeNull()
    expect(el.textContent).toBe('<em>hi</em>')
  })
})

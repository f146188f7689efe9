// Conversations in the window: markdown built from the Rust tree with DOM calls only, the
// reply quote, "(edited)", reactions, a line's actions, mention marks, @-completion and the
// reaction picker's input; and the store applying edits and reactions.
import { describe, it, expect, vi } from 'vitest'
import { renderMarkdown, mentionText } from '../src/markdown'
import { renderRow } from '../src/views/message'
import { mentionAt, completions } from '../src/views/composer'
import { oneEmoji, recentReactions, rememberReaction } from '../src/views/picker'
import { Store, roomKey } from '../src/store'
import type { MdNode } from '../src/generated/ipc'
import { msg, snapshot } from './fixtures'

const t = (text: string): MdNode => ({ t: 'text', text })

describe('markdown', () => {
  it('builds elements for what chat needs and keeps every text as text', () => {
    const evil = '<img src=x onerror=alert(1)><script>window.__pwned=1</script>'
    const el = renderMarkdown(
      [
        { t: 'paragraph', children: [{ t: 'strong', children: [t('bold')] }, t(' and '), { t: 'code', text: evil }, { t: 'emphasis', children: [t(evil)] }] },
        { t: 'quote', children: [{ t: 'paragraph', children: [{ t: 'strike', children: [t('gone')] }] }] },
        { t: 'list', ordered: true, start: 3, children: [{ t: 'item', children: [t('three')] }] },
        { t: 'code_block', lang: 'rust', text: 'fn main() {}\n' + evil },
      ],
      { openLink: vi.fn() },
    )
    document.body.append(el)
    expect(el.querySelector('strong')?.textContent).toBe('bold')
    expect(el.querySelector('p > code')?.textContent).toBe(evil)
    expect(el.querySelector('blockquote del')?.textContent).toBe('gone')
    expect(el.querySelector('ol')?.getAttribute('start')).toBe('3')
    expect(el.querySelector('.code-block pre code')?.textContent).toContain('fn main()')
    expect(el.querySelector('.code-lang')?.textContent).toBe('rust')
    expect(el.querySelector('.code-copy')?.textContent).toBe('Copy')
    expect(el.querySelector('img, script')).toBeNull()
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined()
    el.remove()
  })

  it('opens http(s) links through the app and leaves any other target as its text', () => {
    const openLink = vi.fn()
    const el = renderMarkdown(
      [
        { t: 'paragraph', children: [{ t: 'link', href: 'https://example.org/a', children: [t('docs')] }] },
        { t: 'paragraph', children: [{ t: 'link', href: 'javascript:alert(1)', children: [t('click')] }] },
        { t: 'paragraph', children: [{ t: 'link', href: 'mailto:a@example.org', children: [t('mail')] }] },
      ],
      { openLink },
    )
    const links = el.querySelectorAll('a')
    expect(links.length).toBe(1)
    expect(links[0].getAttribute('href')).toBe('https://example.org/a')
    links[0].dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }))
    expect(openLink).toHaveBeenCalledWith('https://example.org/a')
    expect(el.textContent).toContain('click')
    expect(el.textContent).toContain('mail')
  })

  it('a 16-deep tree and a 64 KiB code block render quickly (the Rust side caps depth at 16)', () => {
    let deep: MdNode = t('bottom')
    for (let i = 0; i < 16; i++) deep = { t: 'quote', children: [deep] }
    const big: MdNode = { t: 'code_block', lang: null, text: 'x'.repeat(64 * 1024) }
    const start = performance.now()
    const el = renderMarkdown([deep, big], { openLink: vi.fn() })
    expect(performance.now() - start).toBeLessThan(50)
    expect(el.querySelectorAll('blockquote').length).toBe(16)
    expect(el.querySelector('pre code')!.textContent!.length).toBeLessThan(21_000)
  })

  it('marks @mentions, and those of you apart', () => {
    const host = document.createElement('div')
    host.append(mentionText('hi @Ann and @bob, mail ann@example.org, @here', 'ann'))
    const spans = [...host.querySelectorAll('.mention')].map((s) => [s.textContent, s.classList.contains('me')])
    expect(spans).toEqual([
      ['@Ann', true],
      ['@bob', false],
      ['@here', true],
    ])
    expect(host.textContent).toBe('hi @Ann and @bob, mail ann@example.org, @here')
  })
})

describe('a line of a conversation', () => {
  const actions = () => ({ openLink: vi.fn(), retry: vi.fn(), reply: vi.fn(), edit: vi.fn(), deleteOwn: vi.fn(), react: vi.fn(), pickReaction: vi.fn(), jumpTo: vi.fn(), me: 'ann' })

  it('shows the quoted line, (edited), reactions with who, and toggles yours', () => {
    const a = actions()
    const m = msg({
      text: 'yes',
      body: [{ t: 'paragraph', children: [t('yes')] }],
      editedAt: 1_764_000_000_000,
      replyTo: { id: 'q1', seq: 4, username: 'bob', excerpt: 'ship it?', removed: false },
      reactions: [
        { emoji: '👍', count: 2, mine: true, users: ['ann', 'bob'] },
        { emoji: '🎉', count: 1, mine: false, users: ['cy'] },
      ],
    })
    const row = renderRow({ kind: 'msg', key: m.id, head: true, msg: m }, a)
    const quote = row.querySelector<HTMLButtonElement>('.reply-quote')!
    expect(quote.getAttribute('aria-label')).toBe('In reply to bob: ship it?')
    quote.click()
    expect(a.jumpTo).toHaveBeenCalledWith('q1', 4)
    expect(row.querySelector('.edited')?.textContent).toBe('(edited)')
    const [thumbs, party] = [...row.querySelectorAll<HTMLButtonElement>('.reaction:not(.add)')]
    expect([thumbs.getAttribute('aria-pressed'), thumbs.title]).toEqual(['true', 'ann, bob reacted with 👍'])
    thumbs.click()
    party.click()
    expect(a.react.mock.calls.map((c) => [c[1], c[2]])).toEqual([
      ['👍', false],
      ['🎉', true],
    ])
  })

  it('offers Reply and React on others’ lines, Edit and Delete on yours, none on a pending or removed line', () => {
    const names = (m: ReturnType<typeof msg>) => [...renderRow({ kind: 'msg', key: m.id, head: true, msg: m }, actions()).querySelectorAll('.msg-tool')].map((b) => b.textContent)
    expect(names(msg({ username: 'bob' }))).toEqual(['React', 'Reply'])
    expect(names(msg({ username: 'ann', own: true }))).toEqual(['React', 'Reply', 'Edit', 'Delete'])
    expect(names(msg({ own: true, seq: null }))).toEqual([])
    expect(names(msg({ removed: true, text: '' }))).toEqual([])
  })

  it('a line that pings you is set apart', () => {
    const row = renderRow({ kind: 'msg', key: 'p', head: true, msg: msg({ mentionsMe: true }) }, actions())
    expect(row.classList.contains('mentions-me')).toBe(true)
  })
})

describe('the composer', () => {
  it('finds the @prefix before the caret', () => {
    expect(mentionAt('hi @bo', 6)).toEqual({ start: 3, prefix: 'bo' })
    expect(mentionAt('@', 1)).toEqual({ start: 0, prefix: '' })
    expect(mentionAt('mail a@b', 8)).toBeNull()
    expect(mentionAt('hi @bob there', 13)).toBeNull()
  })

  it('completes members (not yourself), and @here only for moderators', () => {
    expect(completions(['ann', 'bob', 'jimbo', 'bobby', 'rob'], 'ann', 'bo', false)).toEqual(['bob', 'bobby', 'jimbo'])
    expect(completions(['ann', 'bob'], 'ann', '', true)).toEqual(['here', 'bob'])
    expect(completions(['ann', 'hera'], 'ann', 'he', false)).toEqual(['hera'])
  })

  it('the picker takes one emoji typed, not text', () => {
    expect(oneEmoji(' 🦀 ')).toBe('🦀')
    expect(oneEmoji('👍🏽')).toBe('👍🏽')
    expect(oneEmoji('ok')).toBeNull()
    expect(oneEmoji('')).toBeNull()
    const store = new Map<string, string>()
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) }
    rememberReaction('🎉', storage)
    rememberReaction('👍', storage)
    rememberReaction('🎉', storage)
    expect(recentReactions(storage)).toEqual(['🎉', '👍'])
    store.set('banter.recentReactions', '{"not":"a list"}')
    expect(recentReactions(storage)).toEqual([])
  })
})

describe('the store', () => {
  it('applies edits and reactions to the line, and counts mentions beside unread', () => {
    const s = new Store()
    const S = 'http://127.0.0.1:3000'
    s.addSnapshot(snapshot({ messages: [msg({ id: 'a1', text: 'teh plan' })] }))
    s.addSnapshot(snapshot({ room: 'random', messages: [] }))
    s.setActive(roomKey(S, 'lobby'))
    s.apply([
      { type: 'edited', server: S, room: 'lobby', id: 'a1', text: 'the plan', body: [{ t: 'paragraph', children: [t('the plan')] }], editedAt: 5 },
      { type: 'reactions', server: S, room: 'lobby', id: 'a1', reactions: [{ emoji: '👍', count: 1, mine: false, users: ['bob'] }] },
      { type: 'message', server: S, message: msg({ room: 'random', id: 'r1', text: '@ann look', mentionsMe: true }) },
      { type: 'message', server: S, message: msg({ room: 'random', id: 'r2', text: 'other' }) },
    ])
    const m = s.rooms.get(roomKey(S, 'lobby'))!.byId.get('a1')!
    expect([m.text, m.editedAt, m.reactions.length]).toEqual(['the plan', 5, 1])
    const random = s.rooms.get(roomKey(S, 'random'))!
    expect([random.unread, random.mentions]).toEqual([2, 1])
    s.setActive(roomKey(S, 'random'))
    expect([random.unread, random.mentions]).toEqual([0, 0])
  })
})

import { describe, expect, it, vi } from 'vitest'
import { unreadReporter, unreadTotals } from '../src/unread'
import { msg } from './fixtures'

describe('unread totals for the tray and the badge', () => {
  it('sums rooms and counts mentions among the unread lines only', () => {
    const lobby = { unread: 2, dmMembers: null, messages: [msg({ mentionsMe: true }), msg(), msg({ mentionsMe: true }), msg({ own: true })] }
    const dm = { unread: 1, dmMembers: ['ann', 'bob'], messages: [msg()] }
    const quiet = { unread: 0, dmMembers: null, messages: [msg({ mentionsMe: true })] }
    // lobby: the two newest lines from others are unread; one of them mentions you (the older mention was read)
    expect(unreadTotals([lobby, dm, quiet])).toEqual({ unread: 3, mentions: 2 })
    expect(unreadTotals([])).toEqual({ unread: 0, mentions: 0 })
  })

  it('tells Rust once per burst, and only changes', async () => {
    vi.useFakeTimers()
    const sent: unknown[] = []
    const report = unreadReporter(async (t) => void sent.push(t), 500)
    report({ unread: 1, mentions: 0 })
    report({ unread: 2, mentions: 0 })
    vi.advanceTimersByTime(500)
    expect(sent).toEqual([{ unread: 2, mentions: 0 }])
    report({ unread: 2, mentions: 0 })
    vi.advanceTimersByTime(500)
    expect(sent.length).toBe(1)
    vi.useRealTimers()
  })
})

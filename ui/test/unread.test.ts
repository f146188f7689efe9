import { describe, expect, it, vi } from 'vitest'
import { unreadReporter, unreadTotals } from '../src/unread'

describe('unread totals for the tray and the badge', () => {
  it('sums rooms and DMs; a DM is addressed to you', () => {
    const lobby = { unread: 2, mentions: 1, dmMembers: null }
    const dm = { unread: 1, mentions: 0, dmMembers: ['ann', 'bob'] }
    const read = { unread: 0, mentions: 3, dmMembers: null }
    expect(unreadTotals([lobby, dm, read])).toEqual({ unread: 3, mentions: 2 })
    expect(unreadTotals([{ unread: 1, mentions: 5, dmMembers: null }])).toEqual({ unread: 1, mentions: 1 })
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

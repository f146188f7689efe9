import { describe, it, expect, vi } from 'vitest'
import { ReadMarks, newestSeq } from '../src/readmarks'

describe('read markers', () => {
  it('send the newest seq seen, at most once a second per room, only when the marker moves', async () => {
    vi.useFakeTimers()
    const sent: [string, number][] = []
    const marks = new ReadMarks(async (k, s) => {
      sent.push([k, s])
    })
    marks.seen('lobby', 3)
    marks.seen('lobby', 5)
    marks.seen('dev', 1)
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(1000)
    expect(sent).toEqual([['lobby', 5], ['dev', 1]])
    marks.seen('lobby', 5)
    marks.seen('lobby', 4)
    await vi.advanceTimersByTimeAsync(1000)
    expect(sent.length).toBe(2) // nothing new: nothing sent
    marks.seen('lobby', 6)
    await vi.advanceTimersByTimeAsync(999)
    expect(sent.length).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent[sent.length - 1]).toEqual(['lobby', 6])
    vi.useRealTimers()
  })

  it('try again after a failed call', async () => {
    vi.useFakeTimers()
    let fail = true
    const calls: number[] = []
    const marks = new ReadMarks(async (_k, s) => {
      calls.push(s)
      if (fail) throw new Error('offline')
    })
    marks.seen('lobby', 2)
    await vi.advanceTimersByTimeAsync(1000)
    fail = false
    marks.seen('lobby', 2)
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toEqual([2, 2])
    vi.useRealTimers()
  })

  it('find the newest seq of a timeline (pending lines have none)', () => {
    expect(newestSeq([{ seq: 1 }, { seq: 4 }, { seq: null }])).toBe(4)
    expect(newestSeq([])).toBe(0)
  })
})

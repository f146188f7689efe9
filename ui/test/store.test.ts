import { describe, it, expect } from 'vitest'
import { Store, roomKey, toRows, mergeDelivery, deliveryText, typingText, charCount, trimOld, trimShown, nameList, presenceSummary, GROUP_GAP_MS, KEEP_MESSAGES, TRIM_SLACK, KEEP_HIDDEN, HIDDEN_SLACK, KEEP_SHOWN, SHOWN_SLACK } from '../src/store'
import { msg, snapshot } from './fixtures'

const S = 'http://127.0.0.1:3000'

describe('Store', () => {
  it('merges snapshots and dedupes messages by id', () => {
    const s = new Store()
    const a = msg()
    s.addSnapshot(snapshot({ messages: [a] }))
    s.apply([{ type: 'room', snapshot: snapshot({ messages: [a, msg()] }) }])
    expect(s.rooms.get(roomKey(S, 'lobby'))!.messages).toHaveLength(2)
    expect(s.active).toBe(roomKey(S, 'lobby'))
  })

  it('counts unread only for other rooms and not for own messages or notices', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    s.addSnapshot(snapshot({ room: 'dev' }))
    s.setActive(roomKey(S, 'lobby'))
    s.apply([
      { type: 'message', server: S, message: msg({ room: 'dev' }) },
      { type: 'message', server: S, message: msg({ room: 'dev' }) },
      { type: 'message', server: S, message: msg({ room: 'dev', own: true, username: 'ann' }) },
      { type: 'message', server: S, message: msg({ room: 'dev', kind: 'notice', username: 'Admin' }) },
      { type: 'message', server: S, message: msg({ room: 'lobby' }) },
    ])
    expect(s.rooms.get(roomKey(S, 'dev'))!.unread).toBe(2)
    expect(s.rooms.get(roomKey(S, 'lobby'))!.unread).toBe(0)
    s.setActive(roomKey(S, 'dev'))
    expect(s.rooms.get(roomKey(S, 'dev'))!.unread).toBe(0)
  })

  it('counts unread in the active room while the window is not focused', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    s.apply([{ type: 'message', server: S, message: msg() }], Date.now(), false)
    expect(s.rooms.get(roomKey(S, 'lobby'))!.unread).toBe(1)
  })

  it('tracks own message delivery: pending → delivered with receipts, seq filled in', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    const own = msg({ own: true, username: 'ann', seq: null, delivery: { state: 'pending', reason: null, receivedBy: null, recipients: null } })
    s.addOwn(S, own)
    s.apply([{ type: 'delivery', server: S, room: 'lobby', id: own.id, seq: 42, delivery: { state: 'delivered', reason: null, receivedBy: null, recipients: null } }])
    s.apply([{ type: 'delivery', server: S, room: 'lobby', id: own.id, seq: 42, delivery: { state: 'delivered', reason: null, receivedBy: 1, recipients: 2 } }])
    // the echo of our own message arrives after: it must not lose the receipt counts
    s.apply([{ type: 'message', server: S, message: { ...own, seq: 42, delivery: { state: 'delivered', reason: null, receivedBy: null, recipients: null } } }])
    const m = s.rooms.get(roomKey(S, 'lobby'))!.messages[0]
    expect(m.seq).toBe(42)
    expect(deliveryText(m.delivery)).toBe('delivered · received by 1 of 2')
  })

  it('shows presence as notices and updates members; typing expires', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    s.apply([{ type: 'presence', server: S, room: 'lobby', username: 'cy', joined: true, users: ['ann', 'bob', 'cy'], signedIn: [] }], 1000)
    const r = s.rooms.get(roomKey(S, 'lobby'))!
    expect(r.users).toEqual(['ann', 'bob', 'cy'])
    expect(r.messages[r.messages.length - 1].text).toBe('cy joined')
    expect(r.messages[r.messages.length - 1].kind).toBe('notice')
    s.apply([{ type: 'typing', server: S, room: 'lobby', username: 'bob', typing: true }], 1000)
    s.apply([{ type: 'typing', server: S, room: 'lobby', username: 'ann', typing: true }], 1000)
    expect(s.typingNames(roomKey(S, 'lobby'), 2000)).toEqual(['bob'])
    expect(s.typingNames(roomKey(S, 'lobby'), 1000 + 6001)).toEqual([])
  })

  it('keeps connection state per server and collects errors', () => {
    const s = new Store()
    s.apply([
      { type: 'connection', server: S, state: 'reconnecting', detail: 'Connection lost. Reconnecting…' },
      { type: 'error', error: { code: 'refused', message: 'nope' } },
    ])
    expect(s.servers.get(S)!.state).toBe('reconnecting')
    expect(s.errors).toEqual(['nope'])
  })

  it('prepends older history without duplicates', () => {
    const s = new Store()
    const a = msg()
    s.addSnapshot(snapshot({ messages: [a], more: true }))
    const older = [msg(), msg()]
    expect(s.prependHistory(S, 'lobby', [...older, a], false)).toBe(2)
    const r = s.rooms.get(roomKey(S, 'lobby'))!
    expect(r.messages.map((m) => m.id)).toEqual([older[0].id, older[1].id, a.id])
    expect(r.more).toBe(false)
  })
})

describe('presence notices', () => {
  it('are added for Banter rooms only: a classic server writes its own', () => {
    const s = new Store()
    s.addSnapshot(snapshot({ room: 'b' }))
    s.addSnapshot(snapshot({ room: 'c', banter: false }))
    s.apply([
      { type: 'presence', server: S, room: 'b', users: ['ann', 'bob'], username: 'bob', joined: true, signedIn: [] },
      { type: 'presence', server: S, room: 'c', users: ['ann', 'bob'], username: 'bob', joined: true, signedIn: [] },
    ])
    expect(s.rooms.get(roomKey(S, 'b'))!.messages.map((m) => m.text)).toEqual(['bob joined'])
    expect(s.rooms.get(roomKey(S, 'c'))!.messages).toEqual([])
    expect(s.rooms.get(roomKey(S, 'c'))!.users).toEqual(['ann', 'bob'])
  })
})

describe('runs of joins and leaves', () => {
  const presence = (username: string, joined: boolean, users: string[] = []) => ({ type: 'presence' as const, server: S, room: 'lobby', users, username, joined, signedIn: [] })

  it('show as one line from three on; one or two stay as they are', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot())
    s.apply([presence('ann2', true), presence('bob2', true)])
    expect(toRows(r.messages).flatMap((x) => (x.kind === 'day' ? [] : [x.msg.text]))).toEqual(['ann2 joined', 'bob2 joined'])
    s.apply([presence('cy', true), presence('ann2', false)])
    s.addOwn(S, msg({ own: true, username: 'ann', text: 'hello' }))
    s.apply(['d1', 'd2', 'd3', 'd4', 'd5'].map((n) => presence(n, true)))
    const rows = toRows(r.messages).flatMap((x) => (x.kind === 'day' ? [] : [x]))
    expect(rows.map((x) => x.msg.text)).toEqual([
      'ann2, bob2 and cy joined · ann2 left',
      'hello',
      'd1, d2, d3 and 2 others joined',
    ])
    // the line keeps the key of the run's first notice, so the list updates it in place
    expect(rows[0].key).toBe(r.messages[0].id)
  })

  it('reads well', () => {
    expect(nameList(['a'])).toBe('a')
    expect(nameList(['a', 'b'])).toBe('a and b')
    expect(nameList(['a', 'b', 'c'])).toBe('a, b and c')
    expect(nameList(['a', 'b', 'c', 'd', 'e'])).toBe('a, b, c and 2 others')
    expect(presenceSummary([{ name: 'x', joined: false }, { name: 'y', joined: false }, { name: 'x', joined: false }])).toBe('x and y left')
    expect(presenceSummary([{ name: 'x', joined: true }, { name: 'y', joined: true }, { name: 'y', joined: false }, { name: 'x', joined: false }])).toBe('x and y joined and left')
  })

  it('a name that reads like a notice is still one name', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot())
    s.apply([presence('a left', true), presence('b', true), presence('c', true)])
    expect(toRows(r.messages).filter((x) => x.kind === 'notice').map((x) => (x.kind === 'notice' ? x.msg.text : ''))).toEqual(['a left, b and c joined'])
  })
})

describe('bounded timelines', () => {
  const live = (n: number, p = {}) => Array.from({ length: n }, () => ({ type: 'message' as const, server: S, message: msg(p) }))

  it('a room out of sight keeps only its newest lines, and can load the rest again', () => {
    const s = new Store()
    s.addSnapshot(snapshot({ room: 'open' }))
    s.addSnapshot(snapshot({ room: 'lobby' }))
    s.setActive(roomKey(S, 'open'))
    const burst = live(KEEP_HIDDEN + HIDDEN_SLACK + 1)
    s.apply(burst)
    const r = s.rooms.get(roomKey(S, 'lobby'))!
    expect(r.messages).toHaveLength(KEEP_HIDDEN)
    expect(r.byId.size).toBe(KEEP_HIDDEN)
    expect(r.messages[0].id).toBe(burst[HIDDEN_SLACK + 1].message.id)
    expect(r.messages[r.messages.length - 1].id).toBe(burst[burst.length - 1].message.id)
    expect(r.more).toBe(true)
    expect(r.unread).toBe(burst.length)
  })

  it('a room out of sight on a classic server (no history to load again) keeps as many as an open one', () => {
    const s = new Store()
    s.addSnapshot(snapshot({ room: 'open', banter: false }))
    s.addSnapshot(snapshot({ room: 'lobby', banter: false }))
    s.setActive(roomKey(S, 'open'))
    s.apply(live(KEEP_MESSAGES + TRIM_SLACK + 1))
    const r = s.rooms.get(roomKey(S, 'lobby'))!
    expect(r.messages).toHaveLength(KEEP_MESSAGES)
    expect(r.more).toBe(false)
  })

  it('the open room is left for the view to trim', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    s.apply(live(KEEP_MESSAGES + TRIM_SLACK + 1))
    expect(s.rooms.get(roomKey(S, 'lobby'))!.messages).toHaveLength(KEEP_MESSAGES + TRIM_SLACK + 1)
  })

  it('the open room read at the bottom keeps its newest lines on a Banter server, and can load the rest again', () => {
    const s = new Store()
    s.addSnapshot(snapshot())
    const burst = live(KEEP_SHOWN + SHOWN_SLACK + 1)
    s.apply(burst)
    const r = s.rooms.get(roomKey(S, 'lobby'))!
    expect(trimShown(r)).toBe(SHOWN_SLACK + 1)
    expect(r.messages).toHaveLength(KEEP_SHOWN)
    expect(r.byId.size).toBe(KEEP_SHOWN)
    expect(r.messages[0].id).toBe(burst[SHOWN_SLACK + 1].message.id)
    expect(r.messages[r.messages.length - 1].id).toBe(burst[burst.length - 1].message.id)
    expect(r.more).toBe(true)
    // within the slack nothing goes
    s.apply(live(SHOWN_SLACK))
    expect(trimShown(r)).toBe(0)
  })

  it('the open room on a classic server (no history to load again) keeps as many as before', () => {
    const s = new Store()
    s.addSnapshot(snapshot({ banter: false }))
    s.apply(live(KEEP_MESSAGES + TRIM_SLACK))
    const r = s.rooms.get(roomKey(S, 'lobby'))!
    expect(trimShown(r)).toBe(0)
    s.apply(live(1))
    expect(trimShown(r)).toBe(TRIM_SLACK + 1)
    expect(r.messages).toHaveLength(KEEP_MESSAGES)
    expect(r.more).toBe(false)
  })

  it('waits for the slack, and never drops a pending or failed message of yours', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot())
    const own = msg({ own: true, delivery: { state: 'failed', reason: 'x', receivedBy: null, recipients: null } })
    for (const m of [msg(), msg(), own, msg(), msg(), msg()]) s.addOwn(S, m)
    expect(trimOld(r, 2, 4)).toBe(0)
    expect(trimOld(r, 2, 3)).toBe(2)
    expect(r.messages[0].id).toBe(own.id)
    expect(r.byId.has(own.id)).toBe(true)
  })

  it('on a classic server (no history) trimming does not offer older messages', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot({ banter: false }))
    for (let i = 0; i < 6; i++) s.addOwn(S, msg())
    expect(trimOld(r, 2, 1)).toBe(4)
    expect(r.more).toBe(false)
  })

  it('updates a line in place by id', () => {
    const s = new Store()
    const r = s.addSnapshot(snapshot())
    const own = msg({ own: true, delivery: { state: 'pending', reason: null, receivedBy: null, recipients: null } })
    s.addOwn(S, own)
    s.apply([{ type: 'delivery', server: S, room: 'lobby', id: own.id, seq: 77, delivery: { state: 'delivered', reason: null, receivedBy: null, recipients: null } }])
    expect(r.messages[0].delivery!.state).toBe('delivered')
    expect(r.messages[0].seq).toBe(77)
    s.apply([{ type: 'message', server: S, message: { ...own, delivery: { state: 'pending', reason: null, receivedBy: null, recipients: null } } }])
    expect(r.messages).toHaveLength(1)
    expect(r.messages[0].delivery!.state).toBe('delivered')
  })
})

describe('delivery', () => {
  const d = (state: 'pending' | 'delivered' | 'refused' | 'failed', reason: string | null = null) => ({ state, reason, receivedBy: null, recipients: null })
  it('never goes back from delivered', () => {
    expect(mergeDelivery(d('delivered'), d('pending'))!.state).toBe('delivered')
    expect(mergeDelivery(d('failed', 'x'), d('pending'))!.state).toBe('pending')
    expect(mergeDelivery(d('pending'), d('refused', 'Profanity is not allowed!'))!.state).toBe('refused')
  })
  it('reads as text', () => {
    expect(deliveryText(d('pending'))).toBe('pending')
    expect(deliveryText(d('delivered'))).toBe('delivered')
    expect(deliveryText(d('refused', 'Profanity is not allowed!'))).toBe('refused: Profanity is not allowed!')
    expect(deliveryText(d('failed', 'timeout'))).toBe('failed: timeout')
    expect(deliveryText(null)).toBe('')
  })
})

describe('rows', () => {
  it('groups by sender and by day, notices apart', () => {
    const t = 1_764_000_000_000
    const rows = toRows([
      msg({ username: 'bob', createdAt: t, day: '2026-11-24', dayLabel: 'Yesterday' }),
      msg({ username: 'bob', createdAt: t + 1000, day: '2026-11-24', dayLabel: 'Yesterday' }),
      msg({ username: 'ann', createdAt: t + 2000, day: '2026-11-24', dayLabel: 'Yesterday' }),
      msg({ username: 'ann', createdAt: t + 3000 + GROUP_GAP_MS, day: '2026-11-24', dayLabel: 'Yesterday' }),
      msg({ username: 'Admin', kind: 'notice', text: 'cy has joined!', day: '2026-11-24', dayLabel: 'Yesterday' }),
      msg({ username: 'ann', createdAt: t + 90_000_000, day: '2026-11-25', dayLabel: 'Today' }),
    ])
    expect(rows.map((r) => (r.kind === 'msg' ? `${r.msg.username}${r.head ? '*' : ''}` : r.kind === 'day' ? `[${r.label}]` : '(notice)'))).toEqual([
      '[Yesterday]',
      'bob*',
      'bob',
      'ann*',
      'ann*',
      '(notice)',
      '[Today]',
      'ann*',
    ])
  })
  it('typing and counting helpers', () => {
    expect(typingText([])).toBe('')
    expect(typingText(['bob'])).toBe('bob is typing…')
    expect(typingText(['bob', 'cy'])).toBe('bob and cy are typing…')
    expect(typingText(['a', 'b', 'c'])).toBe('3 people are typing…')
    expect(charCount('é👍a')).toBe(3)
  })
})

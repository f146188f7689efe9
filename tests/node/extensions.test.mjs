// Banter's extensions (docs/protocol.md) against the real banter-server, with the official
// socket.io-client.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBanter, connect, sleep } from './support/harness.mjs'

let srv
const clients = []
async function client () { const c = await connect(srv.url); clients.push(c); return c }
const bjoin = (c, username, room, since) => c.ackArgs('join', { username, room, banter: since === undefined ? { v: 1 } : { v: 1, since } })
before(async () => { srv = await startBanter({ args: ['--rate-limit', '0'] }) })
after(async () => { clients.forEach((c) => c.close()); await srv.stop() })

test('the server says hello and answers a Banter join with JoinAccepted', async () => {
  const c = await client()
  const [hello] = await c.next('banter:hello')
  assert.equal(hello.protocol, 1)
  assert.match(hello.server, /^banter-server\/\d+\.\d+\.\d+$/)
  assert.ok(hello.features.includes('history'))
  assert.equal(hello.limits.maxMessageChars, 2000)
  const ack = await bjoin(c, ' Ann ', 'Ext-Hello')
  assert.equal(ack.length, 2)
  assert.equal(ack[0], null)
  assert.deepEqual({ ...ack[1], features: undefined, limits: undefined }, {
    protocol: 1, room: 'ext-hello', username: 'ann', latestSeq: 0, history: [], more: false, users: ['ann'], features: undefined, limits: undefined,
    // a guest's room: no owner (moderation, protocol.md § 9)
    roomInfo: { room: 'ext-hello', topic: '', private: false, moderators: [], role: 'none' }
  })
  // A Banter socket gets no classic welcome
  await sleep(50)
  assert.equal(c.of('message').length, 0)
})

test('ids: a resend is acknowledged again but stored and broadcast once', async () => {
  const a = await client(); const b = await client()
  await bjoin(a, 'a', 'dedupe'); await bjoin(b, 'b', 'dedupe')
  const first = await a.ackArgs('banter:send', { id: 'msg-1', room: 'dedupe', text: 'once' })
  const again = await a.ackArgs('banter:send', { id: 'msg-1', room: 'dedupe', text: 'once' })
  assert.equal(first[0], null); assert.equal(first[1].duplicate, false); assert.equal(first[1].seq, 1)
  assert.deepEqual(again[1], { ...first[1], duplicate: true })
  await a.ackArgs('banter:send', { id: 'msg-2', room: 'dedupe', text: 'twice' })
  await b.next('banter:message', (m) => m.id === 'msg-2')
  assert.deepEqual(b.of('banter:message').map(([m]) => [m.id, m.seq, m.username, m.text, m.kind, m.room]),
    [['msg-1', 1, 'a', 'once', 'text', 'dedupe'], ['msg-2', 2, 'a', 'twice', 'text', 'dedupe']])
  const history = await a.ackArgs('banter:history', { room: 'dedupe', since: 0 })
  assert.deepEqual(history[1].messages.map((m) => m.id), ['msg-1', 'msg-2'])
})

test('history on join, catch-up with since, and paging', async () => {
  const a = await client()
  await bjoin(a, 'writer', 'hist')
  for (let i = 1; i <= 70; i++) {
    const ack = await a.ackArgs('banter:send', { id: `h-${i}`, room: 'hist', text: `note ${i}` })
    assert.equal(ack[1].seq, i)
  }
  const b = await client()
  const [, joined] = await bjoin(b, 'reader', 'hist')
  assert.equal(joined.latestSeq, 70)
  assert.equal(joined.history.length, 50)
  assert.deepEqual([joined.history[0].seq, joined.history[49].seq], [21, 70])
  assert.equal(joined.more, true)
  const c = await client()
  const [, caught] = await bjoin(c, 'catcher', 'hist', 65)
  assert.deepEqual(caught.history.map((m) => m.seq), [66, 67, 68, 69, 70])
  assert.equal(caught.more, false)
  const [, page] = await b.ackArgs('banter:history', { room: 'hist', since: 10, limit: 5 })
  assert.deepEqual(page.messages.map((m) => m.text), ["note 11", "note 12", "note 13", "note 14", "note 15"])
  assert.equal(page.more, true)
  // backward: the newest page before a seq, oldest first
  const [, older] = await b.ackArgs('banter:history', { room: 'hist', before: 21, limit: 5 })
  assert.deepEqual(older.messages.map((m) => m.seq), [16, 17, 18, 19, 20])
  assert.equal(older.more, true)
  const [, oldest] = await b.ackArgs('banter:history', { room: 'hist', before: 3, limit: 5 })
  assert.deepEqual([oldest.messages.map((m) => m.seq), oldest.more], [[1, 2], false])
  assert.deepEqual(await b.ackArgs('banter:history', { room: 'not-mine', since: 0 }), ['Not in that room!'])
})

test('structured presence for Banter sockets, classic notices for classic ones, in one room', async () => {
  const banter = await client(); const classic = await client()
  await bjoin(banter, 'bea', 'mixed')
  assert.deepEqual(await classic.ackArgs('join', { username: 'carl', room: 'mixed' }), [])
  const [p] = await banter.next('banter:presence')
  assert.deepEqual({ ...p, at: 0 }, { room: 'mixed', username: 'carl', event: 'joined', users: ['bea', 'carl'], at: 0 })
  // classic roomData lists the Banter member too
  const [rd] = await classic.next('roomData')
  assert.deepEqual(rd.users.map((u) => u.username), ['bea', 'carl'])
  // a Banter send reaches the classic member as a classic message, and vice versa
  await banter.ackArgs('banter:send', { id: 'mix-1', room: 'mixed', text: 'from banter' })
  const [cm] = await classic.next('message', (m) => m.username === 'bea')
  assert.deepEqual(Object.keys(cm), ['username', 'text', 'createdAt'])
  assert.equal(cm.text, 'from banter')
  await classic.ackArgs('sendMessage', 'from classic')
  const [bm] = await banter.next('banter:message', (m) => m.username === 'carl')
  assert.equal(bm.text, 'from classic')
  assert.match(bm.id, /^[0-9a-f-]{36}$/)
  classic.close()
  const [left] = await banter.next('banter:presence', (x) => x.event === 'left')
  assert.deepEqual([left.username, left.users], ['carl', ['bea']])
  // no event is sent twice to a Banter socket
  await sleep(50)
  assert.equal(banter.of('message').length + banter.of('roomData').length, 0)
})

test('one Banter socket in several rooms, and leaving one', async () => {
  const multi = await client(); const x = await client(); const y = await client()
  await bjoin(multi, 'mo', 'room-x'); await bjoin(multi, 'maurice', 'room-y')
  await bjoin(x, 'xa', 'room-x'); await bjoin(y, 'ya', 'room-y')
  assert.deepEqual(await bjoin(multi, 'again', 'room-x'), ['Already in that room!'])
  await multi.ackArgs('banter:send', { id: 'to-x', room: 'room-x', text: 'x!' })
  await multi.ackArgs('banter:send', { id: 'to-y', room: 'room-y', text: 'y!' })
  const [mx] = await x.next('banter:message'); const [my] = await y.next('banter:message')
  assert.deepEqual([mx.room, mx.username, mx.text], ['room-x', 'mo', 'x!'])
  assert.deepEqual([my.room, my.username, my.text], ['room-y', 'maurice', 'y!'])
  assert.deepEqual(await multi.ackArgs('banter:leave', { room: 'room-x' }), [])
  const [left] = await x.next('banter:presence', (p) => p.event === 'left')
  assert.equal(left.username, 'mo')
  assert.deepEqual(await multi.ackArgs('banter:send', { id: 'late', room: 'room-x', text: 'x?' }), ['Not in that room!'])
  assert.deepEqual(await multi.ackArgs('banter:leave', { room: 'room-x' }), ['Not in that room!'])
})

test('typing goes to the others only', async () => {
  const a = await client(); const b = await client()
  await bjoin(a, 'typist', 'typing'); await bjoin(b, 'watcher', 'typing')
  a.socket.emit('banter:typing', { room: 'typing', typing: true })
  const [t] = await b.next('banter:typing')
  assert.deepEqual(t, { room: 'typing', username: 'typist', typing: true })
  await sleep(50)
  assert.equal(a.of('banter:typing').length, 0)
})

test('delivery receipts count the members who confirmed', async () => {
  const a = await client(); const b = await client(); const c = await client(); const classic = await client()
  await bjoin(a, 'sender', 'receipts'); await bjoin(b, 'r1', 'receipts'); await bjoin(c, 'r2', 'receipts')
  await classic.ackArgs('join', { username: 'old-school', room: 'receipts' })
  const [, sent] = await a.ackArgs('banter:send', { id: 'rc-1', room: 'receipts', text: 'did you get this?' })
  b.socket.emit('banter:received', { room: 'receipts', seq: sent.seq })
  const [r1] = await a.next('banter:receipt')
  assert.deepEqual(r1, { room: 'receipts', id: 'rc-1', seq: sent.seq, receivedBy: 1, recipients: 3 })
  c.socket.emit('banter:received', { room: 'receipts', seq: sent.seq })
  c.socket.emit('banter:received', { room: 'receipts', seq: sent.seq }) // twice: counted once
  const [r2] = await a.next('banter:receipt', (r) => r.receivedBy === 2)
  assert.equal(r2.recipients, 3)
  await sleep(250)
  assert.equal(a.of('banter:receipt').filter(([r]) => r.receivedBy > 2).length, 0)
  assert.equal(b.of('banter:receipt').length, 0, 'only the sender gets receipts')
})

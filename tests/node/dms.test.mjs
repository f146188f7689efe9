// Direct messages and blocking (docs/protocol.md § 10): DMs between accounts, 1:1 and groups
// of up to 8, as rooms under reserved ids that only their members' sockets are in. The
// official socket.io-client (4.x) against the real banter-server binary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startBanter, connect, tempDir, sleep } from './support/harness.mjs'

const PASSWORD = 'dm-password-4711'
const NOT_IN_ROOM = 'Not in that room!'
const NO_SUCH_DM = 'No such conversation.'
const TOO_MANY = 'A direct message has at most 8 members.'
const BLOCKED = 'You cannot write to this conversation: a member has blocked you.'
const RESERVED = 'Room names starting with "dm:" are reserved for direct messages!'
const SIGN_IN_FIRST = 'Sign in first!'

async function withServer (opts, fn) {
  const srv = await startBanter({ args: ['--rate-limit', '0'], ...opts })
  const clients = []
  try {
    await fn(srv, async (o) => { const c = await connect(srv.url, o); clients.push(c); return c })
  } finally {
    clients.forEach((c) => c.close())
    await srv.stop()
  }
}

async function register (c, name) {
  const [err, signed] = await c.ackArgs('banter:register', { name, password: PASSWORD, device: 'test' })
  assert.equal(err, null, `register ${name}: ${err}`)
  return signed.token
}

async function open (c, req) {
  const [err, dm] = await c.ackArgs('banter:dm-open', req)
  assert.equal(err, null, `dm-open ${JSON.stringify(req)}: ${err}`)
  return dm
}

async function send (c, room, id, text) {
  const [err, ok] = await c.ackArgs('banter:send', { id, room, text })
  assert.equal(err, null, `send ${id}: ${err}`)
  return ok
}

const dmMessages = (c, dm) => c.of('banter:message').map(([m]) => m).filter((m) => m.room === dm)

test('a 1:1 DM reaches every device of both accounts, deduplicates resends, has typing and receipts, and keeps its id', async () => {
  await withServer({}, async (srv, client) => {
    const a1 = await client(); const annToken = await register(a1, 'ann')
    const a2 = await client({ auth: { session: annToken } })
    const b1 = await client(); const bobToken = await register(b1, 'bob')
    const b2 = await client({ auth: { session: bobToken } })

    const opened = await open(a1, { with: ['Bob'] })
    assert.match(opened.dm, /^dm:[0-9a-f]{24}$/)
    assert.deepEqual(opened.members, ['ann', 'bob'])
    assert.equal(opened.created, true)
    assert.equal(opened.latestSeq, 0)
    const dm = opened.dm
    // every other signed-in socket of the members is told, and is in it without opening it
    for (const c of [a2, b1, b2]) assert.equal((await c.next('banter:dm'))[0].dm, dm)

    const ok = await send(a1, dm, 'dm-1', 'hello bob')
    assert.deepEqual([ok.seq, ok.duplicate], [1, false])
    for (const c of [a1, a2, b1, b2]) {
      const [m] = await c.next('banter:message', (m) => m.room === dm)
      assert.deepEqual([m.seq, m.username, m.text, m.id], [1, 'ann', 'hello bob', 'dm-1'])
    }
    // a resend of the same id: acknowledged again, not stored or delivered again
    const again = await send(a1, dm, 'dm-1', 'hello bob')
    assert.deepEqual([again.seq, again.duplicate], [1, true])
    await sleep(200)
    assert.equal(dmMessages(b1, dm).length, 1)
    assert.equal(dmMessages(b2, dm).length, 1)

    // typing: to the other account's devices, not the typist's other device
    b1.socket.emit('banter:typing', { room: dm, typing: true })
    for (const c of [a1, a2]) assert.equal((await c.next('banter:typing', (t) => t.room === dm))[0].username, 'bob')
    await sleep(150)
    assert.equal(b2.of('banter:typing').length, 0)
    // receipts
    b1.socket.emit('banter:received', { room: dm, seq: 1 })
    const [receipt] = await a1.next('banter:receipt', (r) => r.room === dm)
    assert.equal(receipt.id, 'dm-1')
    assert.ok(receipt.receivedBy >= 1 && receipt.recipients >= 1, JSON.stringify(receipt))

    // opened from the other side: the same DM, with its history
    const fromBob = await open(b1, { with: ['ann'] })
    assert.equal(fromBob.dm, dm)
    assert.equal(fromBob.created, false)
    assert.deepEqual(fromBob.history.map((m) => m.text), ['hello bob'])
    // listed in banter:my-dms with its unread count, not in banter:my-rooms
    const [e1, list] = await b2.ackArgs('banter:my-dms')
    assert.equal(e1, null)
    assert.deepEqual(list.dms.map(({ dm, members, latestSeq, unread }) => ({ dm, members, latestSeq, unread })),
      [{ dm, members: ['ann', 'bob'], latestSeq: 1, unread: 1 }])
    const [, marker] = await b2.ackArgs('banter:read', { room: dm, seq: 1 })
    assert.equal(marker.unread, 0)
    const [, rooms] = await b2.ackArgs('banter:my-rooms')
    assert.deepEqual(rooms.rooms, [])
    // a socket that signs in later is in the account's DMs from then on
    const b3 = await client()
    assert.equal((await b3.ackArgs('banter:login', { name: 'bob', password: PASSWORD }))[0], null)
    await send(a2, dm, 'dm-2', 'to every device')
    for (const c of [b1, b2, b3]) assert.equal((await c.next('banter:message', (m) => m.id === 'dm-2'))[0].text, 'to every device')
    // nobody joins a DM's id, and a DM cannot be left
    assert.deepEqual(await b1.ackArgs('join', { username: 'bob', room: dm, banter: { v: 1 } }), [RESERVED])
    assert.deepEqual(await b1.ackArgs('banter:leave', { room: dm }), ['A direct message cannot be left.'])
    assert.deepEqual(await b1.ackArgs('banter:dm-open', { with: ['bob'] }), ['Name at least one other account to write to.'])
    assert.deepEqual(await b1.ackArgs('banter:dm-open', { with: ['nobody'] }), ['No account named nobody.'])
  })
})

test('catch-up with since after a reconnect; DMs survive a server restart and reach devices that never opened them', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  try {
    let dm, annToken, bobToken
    await withServer({ db, keepDb: true }, async (srv, client) => {
      const a = await client(); annToken = await register(a, 'ann')
      const b = await client(); bobToken = await register(b, 'bob')
      dm = (await open(a, { with: ['bob'] })).dm
      await send(a, dm, 'r-1', 'one')
      await b.next('banter:message', (m) => m.seq === 1)
      b.close()
      await send(a, dm, 'r-2', 'two')
      await send(a, dm, 'r-3', 'three')
      const b2 = await client({ auth: { session: bobToken } })
      const caught = await open(b2, { dm, since: 1 })
      assert.deepEqual(caught.history.map((m) => [m.seq, m.text]), [[2, 'two'], [3, 'three']])
      assert.equal(caught.latestSeq, 3)
      const [, page] = await b2.ackArgs('banter:history', { room: dm, since: 2 })
      assert.deepEqual(page.messages.map((m) => m.text), ['three'])
    })
    await withServer({ db, keepDb: true }, async (srv, client) => {
      const a = await client({ auth: { session: annToken } })
      const b = await client({ auth: { session: bobToken } })
      // ann has not opened it since the restart: her socket still receives bob's message
      const ok = await send(b, dm, 'r-4', 'after the restart')
      assert.equal(ok.seq, 4)
      const [m] = await a.next('banter:message', (m) => m.room === dm)
      assert.deepEqual([m.seq, m.text], [4, 'after the restart'])
      const reopened = await open(a, { with: ['bob'] })
      assert.equal(reopened.dm, dm)
      assert.deepEqual(reopened.history.map((m) => m.seq), [1, 2, 3, 4])
      // the ids are still deduplicated after the restart
      assert.equal((await send(a, dm, 'r-1', 'one')).duplicate, true)
      const [, list] = await a.ackArgs('banter:my-dms')
      assert.deepEqual(list.dms.map((d) => d.dm), [dm])
    })
  } finally {
    remove()
  }
})

test('a group DM of 3 reaches all three; 8 members are the most', async () => {
  await withServer({}, async (srv, client) => {
    const socks = {}
    for (const n of ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy']) {
      socks[n] = await client(); await register(socks[n], n)
    }
    const group = await open(socks.ann, { with: ['bob', 'cat'] })
    assert.deepEqual(group.members, ['ann', 'bob', 'cat'])
    await send(socks.cat, group.dm, 'g-1', 'hi all')
    for (const n of ['ann', 'bob', 'cat']) assert.equal((await socks[n].next('banter:message', (m) => m.room === group.dm))[0].text, 'hi all')
    await sleep(150)
    assert.equal(dmMessages(socks.dan, group.dm).length, 0)
    // the same set in another order is the same DM; a 1:1 of two of them is another
    assert.equal((await open(socks.bob, { with: ['cat', 'ann'] })).dm, group.dm)
    assert.notEqual((await open(socks.bob, { with: ['cat'] })).dm, group.dm)
    // ann and 8 others would be 9
    const eight = ['bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy']
    assert.deepEqual(await socks.ann.ackArgs('banter:dm-open', { with: eight }), [TOO_MANY])
    const full = await open(socks.ann, { with: eight.slice(0, 7) })
    assert.equal(full.members.length, 8)
    assert.match((await socks.ann.ackArgs('banter:dm-open', { with: 'bob' }))[0], /^Invalid payload/)
    assert.match((await socks.ann.ackArgs('banter:dm-open', {}))[0], /^Invalid payload/)
  })
})

test('a third account cannot read, send to, type into, confirm or learn a DM by any event; guests cannot DM', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client(); await register(a, 'ann')
    const b = await client(); await register(b, 'bob')
    const eve = await client(); await register(eve, 'eve')
    const dm = (await open(a, { with: ['bob'] })).dm
    await send(a, dm, 'secret-1', 'the secret')

    assert.deepEqual(await eve.ackArgs('banter:history', { room: dm }), [NOT_IN_ROOM])
    assert.deepEqual(await eve.ackArgs('banter:history', { room: dm, before: 10 }), [NOT_IN_ROOM])
    assert.deepEqual(await eve.ackArgs('banter:send', { id: 'e-1', room: dm, text: 'let me in' }), [NOT_IN_ROOM])
    assert.deepEqual(await eve.ackArgs('banter:send', { id: 'secret-1', room: dm, text: 'dup?' }), [NOT_IN_ROOM])
    assert.deepEqual(await eve.ackArgs('banter:location', { id: 'e-2', room: dm, latitude: 1, longitude: 2 }), [NOT_IN_ROOM])
    assert.deepEqual(await eve.ackArgs('banter:dm-open', { dm }), [NO_SUCH_DM])
    assert.deepEqual(await eve.ackArgs('banter:dm-open', { dm: 'dm:000000000000000000000000' }), [NO_SUCH_DM])
    assert.deepEqual(await eve.ackArgs('join', { username: 'eve', room: dm, banter: { v: 1 } }), [RESERVED])
    assert.deepEqual(await eve.ackArgs('join', { username: 'eve', room: dm }), [RESERVED])
    assert.deepEqual(await eve.ackArgs('banter:leave', { room: dm }), [NOT_IN_ROOM])
    assert.deepEqual(await eve.ackArgs('banter:read', { room: dm, seq: 1 }), ['Not one of your rooms: join it first!'])
    for (const [event, payload] of [['banter:room', { room: dm }], ['banter:remove', { room: dm, id: 'secret-1' }],
      ['banter:modlog', { room: dm }], ['banter:kick', { room: dm, name: 'ann' }], ['banter:members', { room: dm, add: ['eve'] }]]) {
      assert.deepEqual(await eve.ackArgs(event, payload), ['You may not do that in this room.'], event)
    }
    eve.socket.emit('banter:typing', { room: dm, typing: true })
    eve.socket.emit('banter:received', { room: dm, seq: 1 })
    await sleep(300)
    assert.equal(a.of('banter:typing').length + b.of('banter:typing').length, 0, 'no typing from eve')
    assert.equal(a.of('banter:receipt').length, 0, 'no receipt from eve')
    const [, eveDms] = await eve.ackArgs('banter:my-dms')
    assert.deepEqual(eveDms.dms, [])
    assert.ok(!JSON.stringify(eve.events).includes('the secret'), 'eve saw nothing of the DM')
    assert.ok(!eve.events.some((e) => JSON.stringify(e.args).includes(dm)), 'eve never heard the DM id')
    // nothing eve tried reached the DM
    const [, page] = await b.ackArgs('banter:history', { room: dm })
    assert.deepEqual(page.messages.map((m) => m.text), ['the secret'])

    // guests: cannot open a DM, cannot be written to, are in no DM
    const guest = await client()
    assert.equal((await guest.ackArgs('join', { username: 'gus', room: 'lobby', banter: { v: 1 } }))[0], null)
    assert.deepEqual(await guest.ackArgs('banter:dm-open', { with: ['ann'] }), [SIGN_IN_FIRST])
    assert.deepEqual(await guest.ackArgs('banter:my-dms'), [SIGN_IN_FIRST])
    assert.deepEqual(await guest.ackArgs('banter:block', { name: 'ann' }), [SIGN_IN_FIRST])
    assert.deepEqual(await guest.ackArgs('banter:history', { room: dm }), [NOT_IN_ROOM])
    assert.deepEqual(await guest.ackArgs('banter:send', { id: 'g-1', room: dm, text: 'hi' }), [NOT_IN_ROOM])
    assert.deepEqual(await a.ackArgs('banter:dm-open', { with: ['gus'] }), ['No account named gus.'])
  })
})

test('blocking refuses the blocked account\'s DMs, is listed on every device, and unblocking restores them', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client(); await register(a, 'ann')
    const b1 = await client(); const bobToken = await register(b1, 'bob')
    const b2 = await client({ auth: { session: bobToken } })
    const c = await client(); await register(c, 'cat')
    const dm = (await open(a, { with: ['bob'] })).dm
    await send(a, dm, 'b-1', 'before')

    assert.deepEqual(await b1.ackArgs('banter:block', { name: 'ANN' }), [])
    assert.deepEqual((await b2.next('banter:blocked'))[0].blocked, ['ann'])
    assert.deepEqual(await b1.ackArgs('banter:blocks'), [null, { blocked: ['ann'] }])
    assert.deepEqual(await a.ackArgs('banter:send', { id: 'b-2', room: dm, text: 'blocked?' }), [BLOCKED])
    // nor a new group with bob in it; a group without bob is fine
    assert.deepEqual(await a.ackArgs('banter:dm-open', { with: ['bob', 'cat'] }), [BLOCKED])
    await open(a, { with: ['cat'] })
    // bob may still write to ann, and read the DM
    await send(b1, dm, 'b-3', 'from bob')
    await a.next('banter:message', (m) => m.id === 'b-3')
    assert.equal((await open(b1, { dm })).history.length, 2)
    await sleep(150)
    assert.ok(!dmMessages(b1, dm).some((m) => m.id === 'b-2'), 'the refused message reached nobody')
    assert.deepEqual(await b1.ackArgs('banter:block', { name: 'bob' }), ['You cannot block yourself.'])
    assert.deepEqual(await b1.ackArgs('banter:block', { name: 'nobody' }), ['No account named nobody.'])
    assert.match((await b1.ackArgs('banter:block', {}))[0], /^Invalid payload/)

    assert.deepEqual(await b1.ackArgs('banter:unblock', { name: 'ann' }), [])
    assert.deepEqual((await b2.next('banter:blocked'))[0].blocked, [])
    const ok = await send(a, dm, 'b-2', 'after unblocking')
    assert.equal(ok.duplicate, false)
    for (const s of [b1, b2]) assert.equal((await s.next('banter:message', (m) => m.id === 'b-2'))[0].text, 'after unblocking')
  })
})

test('a new DM counts against the new rooms an hour of its address; opening an existing one does not', async () => {
  await withServer({ args: ['--rate-limit', '0', '--room-creations-per-hour', '1'] }, async (srv, client) => {
    const a = await client(); await register(a, 'ann')
    const b = await client(); await register(b, 'bob')
    const c = await client(); await register(c, 'cat')
    const dm = (await open(a, { with: ['bob'] })).dm
    assert.match((await a.ackArgs('banter:dm-open', { with: ['cat'] }))[0], /^Too many new rooms/)
    assert.equal((await open(b, { with: ['ann'] })).dm, dm)
    assert.equal((await open(a, { dm })).dm, dm)
  })
})

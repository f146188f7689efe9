// Membership that lasts (docs/protocol.md, "Membership"): an account's rooms, read markers and
// unread counts kept by the server; one account on several devices at once. The official
// socket.io-client (4.x, Banter and classic joins) against the real banter-server binary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startBanter, connect, tempDir, sleep } from './support/harness.mjs'

const IN_USE = 'Username is in use!'
const SIGN_IN_FIRST = 'Sign in first!'
const NOT_MINE = 'Not one of your rooms: join it first!'
const PASSWORD = 'membership-pw-4711'

async function withServer (opts, fn) {
  const srv = await startBanter(opts)
  const clients = []
  try {
    await fn(srv, async (o) => { const c = await connect(srv.url, o); clients.push(c); return c })
  } finally {
    clients.forEach((c) => c.close())
    await srv.stop()
  }
}

const banterJoin = (c, username, room) => c.ackArgs('join', { username, room, banter: { v: 1 } })
const classicJoin = (c, username, room) => c.ackArgs('join', { username, room })

async function joined (c, username, room) {
  const ack = await banterJoin(c, username, room)
  assert.equal(ack[0], null, `join ${room} as ${username}: ${ack[0]}`)
  return ack[1]
}

let ids = 0
async function send (c, room, text) {
  const ack = await c.ackArgs('banter:send', { id: `m-${++ids}`, room, text })
  assert.equal(ack[0], null, `send to ${room}: ${ack[0]}`)
  return ack[1]
}

async function signIn (c, event, name, device) {
  const [err, signed] = await c.ackArgs(event, { name, password: PASSWORD, device })
  assert.equal(err, null, `${event} ${name}: ${err}`)
  return signed
}

async function myRooms (c) {
  const [err, list] = await c.ackArgs('banter:my-rooms')
  assert.equal(err, null, `my-rooms: ${err}`)
  return list.rooms.map(({ joinedAt, ...r }) => r)
}

async function read (c, room, seq) {
  const [err, marker] = await c.ackArgs('banter:read', { room, seq })
  assert.equal(err, null, `read ${room} ${seq}: ${err}`)
  return marker
}

test('an account\'s rooms, read markers and unread counts reach a second computer', async () => {
  await withServer({}, async (srv, client) => {
    const laptop = await client()
    assert.ok((await laptop.next('banter:hello'))[0].features.includes('membership'))
    await signIn(laptop, 'banter:register', 'ann', 'laptop')
    const bob = await client()
    for (const room of ['mr-one', 'mr-two', 'mr-three']) {
      const accepted = await joined(laptop, 'ann', room)
      assert.equal(accepted.readSeq, 0, 'a new member\'s marker starts at the room\'s latest seq')
      await joined(bob, 'bob', room)
    }
    // mr-one: bob 1, 2; mr-two: bob 1, 2, ann 3, bob 4; mr-three: bob 1
    await send(bob, 'mr-one', 'one-1'); await send(bob, 'mr-one', 'one-2')
    await send(bob, 'mr-two', 'two-1'); await send(bob, 'mr-two', 'two-2')
    await send(laptop, 'mr-two', 'two-3 from ann'); await send(bob, 'mr-two', 'two-4')
    await send(bob, 'mr-three', 'three-1')
    await laptop.next('banter:message', (m) => m.room === 'mr-three' && m.seq === 1)

    assert.deepEqual(await read(laptop, 'mr-one', 2), { room: 'mr-one', readSeq: 2, latestSeq: 2, unread: 0 })
    // never back, never past the latest message
    assert.deepEqual(await read(laptop, 'mr-one', 1), { room: 'mr-one', readSeq: 2, latestSeq: 2, unread: 0 })
    assert.deepEqual(await read(laptop, 'mr-two', 1), { room: 'mr-two', readSeq: 1, latestSeq: 4, unread: 2 })
    assert.deepEqual(await laptop.ackArgs('banter:read', { room: 'elsewhere', seq: 1 }), [NOT_MINE])
    assert.match((await laptop.ackArgs('banter:read', { room: 'mr-one' }))[0], /^Invalid payload/)

    // a second computer: a new session, from a sign-in of its own
    const desktop = await client()
    await signIn(desktop, 'banter:login', 'ann', 'desktop')
    assert.deepEqual(await myRooms(desktop), [
      { room: 'mr-one', latestSeq: 2, readSeq: 2, unread: 0 },
      { room: 'mr-two', latestSeq: 4, readSeq: 1, unread: 2 },
      { room: 'mr-three', latestSeq: 1, readSeq: 0, unread: 1 }
    ])
    // joining one of them again gives its marker
    assert.equal((await joined(desktop, 'ann', 'mr-two')).readSeq, 1)
    // guests have no rooms kept for them
    assert.deepEqual(await bob.ackArgs('banter:my-rooms'), [SIGN_IN_FIRST])
    assert.deepEqual(await bob.ackArgs('banter:read', { room: 'mr-one', seq: 1 }), [SIGN_IN_FIRST])
    assert.equal((await joined(bob, 'bob', 'mr-guest')).readSeq, undefined)
  })
})

test('one account on two devices in one room: presence once, its messages its own on both, read markers follow', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client()
    const { token } = await signIn(a, 'banter:register', 'ann', 'laptop')
    const bob = await client()
    const carl = await client()
    await joined(bob, 'bob', 'mr-both')
    assert.deepEqual(await classicJoin(carl, 'carl', 'mr-both'), [])
    await joined(a, 'ann', 'mr-both')
    await bob.next('banter:presence', (p) => p.username === 'ann' && p.event === 'joined')
    await carl.next('message', (m) => m.text === 'ann has joined!')

    const b = await client()
    await signIn(b, 'banter:login', 'ann', 'desktop')
    const second = await joined(b, 'ann', 'mr-both')
    assert.deepEqual(second.users, ['ann', 'bob', 'carl'])
    assert.deepEqual(second.signedIn, ['ann'])
    // a guest cannot take the name meanwhile, Banter or classic
    const mallory = await client()
    assert.deepEqual(await banterJoin(mallory, 'ann', 'mr-both'), [IN_USE])
    assert.deepEqual(await classicJoin(mallory, 'Ann', 'mr-both'), [IN_USE])

    // what device A sends reaches device B under the account's name (Banter clients: mine)
    const sent = await send(a, 'mr-both', 'from the laptop')
    const [onB] = await b.next('banter:message', (m) => m.id === sent.id)
    assert.equal(onB.username, 'ann')
    await carl.next('message', (m) => m.text === 'from the laptop' && m.username === 'ann')
    // receipts: the account's other device is not a recipient (bob and carl are)
    b.socket.emit('banter:received', { room: 'mr-both', seq: sent.seq })
    bob.socket.emit('banter:received', { room: 'mr-both', seq: sent.seq })
    const [receipt] = await a.next('banter:receipt', (r) => r.id === sent.id)
    assert.deepEqual([receipt.receivedBy, receipt.recipients], [1, 2])
    await send(bob, 'mr-both', 'from bob')
    await a.next('banter:message', (m) => m.text === 'from bob')
    // typing on A shows to the others, not on B (nobody sees themselves typing)
    a.socket.emit('banter:typing', { room: 'mr-both', typing: true })
    const [typing] = await bob.next('banter:typing')
    assert.equal(typing.username, 'ann')
    await sleep(100)
    assert.equal(b.of('banter:typing').length, 0)

    // the marker moved on B reaches A (and only the account's sockets)
    assert.deepEqual(await read(b, 'mr-both', 2), { room: 'mr-both', readSeq: 2, latestSeq: 2, unread: 0 })
    const [marker] = await a.next('banter:read-marker')
    assert.deepEqual(marker, { room: 'mr-both', readSeq: 2, latestSeq: 2, unread: 0 })
    // a marker that does not move tells nobody
    await read(b, 'mr-both', 1)

    // one device goes: no leave while the other is there
    a.close()
    await sleep(400)
    assert.equal(a.of('banter:read-marker').length, 1)
    assert.deepEqual(bob.of('banter:presence').filter(([p]) => p.username === 'ann').map(([p]) => p.event), ['joined'],
      'bob saw ann join once, and no leave')
    assert.equal(carl.of('message').filter(([m]) => m.text === 'ann has joined!').length, 1)
    assert.equal(carl.of('message').filter(([m]) => m.text === 'ann has left!').length, 0)
    assert.ok(carl.of('roomData').every(([d]) => d.users.filter((u) => u.username === 'ann').length <= 1), 'roomData lists ann once')
    // a disconnect keeps the room among the account's
    const c = await client({ auth: { session: token } })
    assert.deepEqual((await myRooms(c)).map((r) => r.room), ['mr-both'])

    // the last device leaves: now the others see it, and the room is no longer the account's
    assert.deepEqual(await b.ackArgs('banter:leave', { room: 'mr-both' }), [])
    const [left] = await bob.next('banter:presence', (p) => p.username === 'ann' && p.event === 'left')
    assert.deepEqual(left.users, ['bob', 'carl'])
    await carl.next('message', (m) => m.text === 'ann has left!')
    assert.deepEqual(await myRooms(c), [])
    assert.deepEqual(await c.ackArgs('banter:read', { room: 'mr-both', seq: 2 }), [NOT_MINE])
  })
})

test('an account\'s rooms and markers survive a server restart', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  let token
  try {
    await withServer({ db, keepDb: true }, async (srv, client) => {
      const a = await client()
      token = (await signIn(a, 'banter:register', 'ann', 'laptop')).token
      const bob = await client()
      for (const room of ['mr-kept', 'mr-also']) {
        await joined(a, 'ann', room)
        await joined(bob, 'bob', room)
      }
      await send(bob, 'mr-kept', 'k1'); await send(bob, 'mr-kept', 'k2'); await send(bob, 'mr-kept', 'k3')
      await send(bob, 'mr-also', 'a1')
      await read(a, 'mr-kept', 2)
    })
    await withServer({ db, keepDb: true }, async (srv, client) => {
      const again = await client({ auth: { session: token } })
      assert.deepEqual(await myRooms(again), [
        { room: 'mr-kept', latestSeq: 3, readSeq: 2, unread: 1 },
        { room: 'mr-also', latestSeq: 1, readSeq: 0, unread: 1 }
      ])
      const accepted = await joined(again, 'ann', 'mr-kept')
      assert.equal(accepted.readSeq, 2)
      assert.equal(accepted.latestSeq, 3)
    })
  } finally {
    remove()
  }
})

test('guests are as before: one name per room, a join and a leave each, no read marker', async () => {
  await withServer({}, async (srv, client) => {
    const watcher = await client()
    await joined(watcher, 'wes', 'mr-guests')
    const g1 = await client()
    const g2 = await client()
    const accepted = await joined(g1, 'gus', 'mr-guests')
    assert.equal(accepted.readSeq, undefined)
    assert.deepEqual(accepted.users, ['gus', 'wes'])
    assert.deepEqual(await banterJoin(g2, 'gus', 'mr-guests'), [IN_USE])
    assert.deepEqual(await classicJoin(g2, 'GUS', 'mr-guests'), [IN_USE])
    await watcher.next('banter:presence', (p) => p.username === 'gus' && p.event === 'joined')
    g1.close()
    const [left] = await watcher.next('banter:presence', (p) => p.username === 'gus' && p.event === 'left')
    assert.deepEqual(left.users, ['wes'])
    // the name is free again once its holder left
    assert.deepEqual(await classicJoin(g2, 'gus', 'mr-guests'), [])
    await watcher.next('banter:presence', (p) => p.username === 'gus' && p.event === 'joined')
    // a guest cannot take a signed-in account's name, even when that account is elsewhere
    const ann = await client()
    await signIn(ann, 'banter:register', 'ann', 'laptop')
    const g3 = await client()
    assert.deepEqual(await banterJoin(g3, 'ann', 'mr-guests'), [IN_USE])
  })
})

test('a socket that signs out no longer hears the account\'s read markers', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client()
    await signIn(a, 'banter:register', 'ann', 'laptop')
    const b = await client()
    await signIn(b, 'banter:login', 'ann', 'desktop')
    const bob = await client()
    await joined(a, 'ann', 'mr-out'); await joined(b, 'ann', 'mr-out'); await joined(bob, 'bob', 'mr-out')
    await send(bob, 'mr-out', 'one'); await send(bob, 'mr-out', 'two')
    await read(b, 'mr-out', 1)
    await a.next('banter:read-marker', (m) => m.readSeq === 1)
    assert.deepEqual(await a.ackArgs('banter:logout'), [])
    await read(b, 'mr-out', 2)
    await sleep(200)
    assert.deepEqual(a.of('banter:read-marker').map(([m]) => m.readSeq), [1])
    assert.deepEqual(await a.ackArgs('banter:my-rooms'), [SIGN_IN_FIRST])
  })
})

test('banter:leave on one device takes the account out of the room on its other devices too', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client()
    await signIn(a, 'banter:register', 'ann', 'laptop')
    const b = await client()
    await signIn(b, 'banter:login', 'ann', 'desktop')
    const bob = await client()
    await joined(bob, 'bob', 'mr-gone')
    await joined(a, 'ann', 'mr-gone'); await joined(b, 'ann', 'mr-gone')
    await joined(a, 'ann', 'mr-stay'); await joined(b, 'ann', 'mr-stay')
    assert.deepEqual(await a.ackArgs('banter:leave', { room: 'mr-gone' }), [])
    const [gone] = await b.next('banter:room-left')
    assert.deepEqual(gone, { room: 'mr-gone' })
    const [left] = await bob.next('banter:presence', (p) => p.username === 'ann' && p.event === 'left')
    assert.deepEqual(left.users, ['bob'])
    await sleep(100)
    assert.equal(bob.of('banter:presence').filter(([p]) => p.username === 'ann' && p.event === 'left').length, 1)
    assert.deepEqual(await b.ackArgs('banter:send', { id: 'after-leave', room: 'mr-gone', text: 'x' }), ['Not in that room!'])
    assert.equal(a.of('banter:room-left').length, 0)
    assert.deepEqual((await myRooms(b)).map((r) => r.room), ['mr-stay'])
  })
})

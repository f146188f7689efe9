// Rooms with owners, moderation (docs/protocol.md § 8) and room limits (§ 5) with the
// official socket.io-client (4.x, Banter and classic joins) against the real banter-server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startBanter, connect, tempDir, sleep } from './support/harness.mjs'

const V = { v: 1 }

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

const banterJoin = (c, username, room, extra = {}) => c.ackArgs('join', { username, room, banter: { ...V, ...extra } })
const classicJoin = (c, username, room) => c.ackArgs('join', { username, room })

test('room limits: rooms per socket and new rooms per hour, per address and server-wide', async () => {
  await withServer({ args: ['--max-rooms-per-socket', '3', '--room-creations-per-hour', '5', '--room-creations-per-hour-total', '7'] }, async (srv, client) => {
    const a = await client()
    for (const r of ['r1', 'r2', 'r3']) assert.equal((await banterJoin(a, 'ann', r))[0], null)
    const [tooMany] = await banterJoin(a, 'ann', 'r4')
    assert.equal(tooMany, 'Too many rooms: at most 3 per connection. Leave one first!')
    // leaving one makes room for another
    assert.deepEqual(await a.ackArgs('banter:leave', { room: 'r1' }), [])
    assert.equal((await banterJoin(a, 'ann', 'r4'))[0], null)
    // r1..r4 were created: one more new room from this address, then refused
    const b = await client()
    assert.equal((await banterJoin(b, 'bob', 'r5'))[0], null)
    const [newRoom] = await banterJoin(b, 'bob', 'r6')
    assert.equal(newRoom, 'Too many new rooms: at most 5 an hour from one address. Join an existing room or try again later.')
    // a classic client gets the same refusal as its join's ack error
    const c = await client()
    assert.deepEqual(await classicJoin(c, 'cid', 'r7'), [newRoom])
    // existing rooms (in the store, even when nobody is in them) may still be joined
    assert.deepEqual(await classicJoin(c, 'cid', 'r1'), [])
    // the refused rooms are not kept in memory: open are r2, r3, r4 (a), r5 (b), r1 (c)
    const health = await (await fetch(`${srv.url}/healthz`)).json()
    assert.equal(health.roomsOpen, 5)
  })
  // server-wide: 2 new rooms an hour in all; the per-address limit is lifted
  await withServer({ args: ['--room-creations-per-hour', '0', '--room-creations-per-hour-total', '2'] }, async (srv, client) => {
    const a = await client()
    assert.equal((await banterJoin(a, 'ann', 'n1'))[0], null)
    assert.equal((await banterJoin(a, 'ann', 'n2'))[0], null)
    assert.equal((await banterJoin(a, 'ann', 'n3'))[0], 'Too many new rooms on this server right now: join an existing room or try again later.')
  })
})

test('room limits: the defaults refuse a socket joining hundreds of new rooms', async () => {
  await withServer({ args: ['--rate-limit', '0'] }, async (srv, client) => {
    const a = await client()
    const acks = []
    for (let i = 0; i < 60; i++) acks.push((await banterJoin(a, 'ann', `flood-${i}`))[0])
    const joined = acks.filter((e) => e === null).length
    assert.equal(joined, 30, 'the first 30 new rooms from one address')
    assert.match(acks[30], /^Too many new rooms: at most 30 an hour from one address/)
    // a socket may be in 50 rooms: existing rooms are joined by another socket up to that
    const b = await client()
    for (let i = 0; i < 30; i++) assert.equal((await banterJoin(b, 'bob', `flood-${i}`))[0], null)
    const health = await (await fetch(`${srv.url}/healthz`)).json()
    assert.equal(health.roomsOpen, 30)
  })
})

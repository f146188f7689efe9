// Rooms with owners, moderation (docs/protocol.md § 9) and room limits (§ 5) with the
// official socket.io-client (4.x, Banter and classic joins) against the real banter-server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { startBanter, connect, serverBin, storeFlags, tempDir, sleep } from './support/harness.mjs'

const V = { v: 1 }
const PRIVATE = 'This room is private: only its members may join.'
const BANNED = 'You are banned from this room.'
const NOT_ALLOWED = 'You may not do that in this room.'
const OWNERS_ONLY = "Only the room's owner or a server admin may do that."
const PROTECTED = 'That member is an owner, admin or moderator of this room: they cannot be kicked or banned.'
const GUEST_ROOM = 'This room has no owner (a guest created it): only server admins may change it.'
const PASSWORD = 'moderation-test-pw'

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

async function register (c, name) {
  const ack = await c.ackArgs('banter:register', { name, password: PASSWORD })
  assert.equal(ack[0], null, `register ${name}: ${ack[0]}`)
  return ack[1].token
}

const ok = (ack, what) => { assert.equal(ack[0], null, `${what}: ${ack[0]}`); return ack[1] }

test('owners, moderators, private rooms, removal, kick and ban; bans and settings survive a restart; the log has every act', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  const made = spawnSync(serverBin(), ['user', 'create', '--admin', 'boss', ...storeFlags(db)], { input: `${PASSWORD}\n`, encoding: 'utf8', timeout: 20000 })
  assert.equal(made.status, 0, made.stderr)
  const clients = []
  const client = async (srv, o) => { const c = await connect(srv.url, o); clients.push(c); return c }
  let srv = await startBanter({ db, keepDb: true })
  try {
    const ann = await client(srv)
    const tokens = { ann: await register(ann, 'ann') }
    const bob = await client(srv)
    tokens.bob = await register(bob, 'bob')
    const cid = await client(srv)
    tokens.cid = await register(cid, 'cid')
    const dan = await client(srv)
    tokens.dan = await register(dan, 'dan')
    const [hello] = await ann.next('banter:hello')
    assert.ok(hello.features.includes('moderation'), hello.features)

    // the signed-in creator owns the room
    const joined = ok(await banterJoin(ann, 'ann', 'club'), 'ann joins')
    assert.deepEqual(joined.roomInfo, { room: 'club', owner: 'ann', topic: '', private: false, moderators: [], role: 'owner', members: [], bans: [] })
    const danJoined = ok(await banterJoin(dan, 'dan', 'club'), 'dan joins')
    assert.equal(danJoined.roomInfo.role, 'none')
    assert.equal(danJoined.roomInfo.members, undefined)

    // a non-owner can do none of it
    assert.deepEqual(await dan.ackArgs('banter:room', { room: 'club', topic: 'mine now' }), [OWNERS_ONLY])
    assert.deepEqual(await dan.ackArgs('banter:room', { room: 'club', private: true }), [OWNERS_ONLY])
    assert.deepEqual(await dan.ackArgs('banter:room', { room: 'club', moderators: ['dan'] }), [OWNERS_ONLY])
    assert.deepEqual(await dan.ackArgs('banter:members', { room: 'club', add: ['dan'] }), [OWNERS_ONLY])
    assert.deepEqual(await dan.ackArgs('banter:kick', { room: 'club', name: 'ann' }), [NOT_ALLOWED])
    assert.deepEqual(await dan.ackArgs('banter:ban', { room: 'club', name: 'ann' }), [NOT_ALLOWED])
    assert.deepEqual(await dan.ackArgs('banter:remove', { room: 'club', id: 'whatever' }), [NOT_ALLOWED])
    assert.deepEqual(await dan.ackArgs('banter:modlog', { room: 'club' }), [NOT_ALLOWED])
    assert.match((await dan.ackArgs('banter:room', { room: 'club', topic: 42 }))[0], /^Invalid payload/)
    // bad input gets a clear error, and nothing changes
    assert.equal((await ann.ackArgs('banter:room', { room: 'club', topic: 'bell\u0007' }))[0], 'Invalid payload: the topic cannot contain control characters')
    assert.match((await ann.ackArgs('banter:members', { room: 'club', add: 'cid' }))[0], /^Invalid payload/)
    assert.match((await ann.ackArgs('banter:kick', { room: 'club' }))[0], /^Invalid payload/)
    assert.equal((await ann.ackArgs('banter:remove', { room: 'club', id: 'not an id!' }))[0], "Message id must be 1 to 64 characters of A-Z, a-z, 0-9, '-' or '_'!")
    assert.equal((await ann.ackArgs('banter:room', { room: 'club', moderators: Array.from({ length: 101 }, (_, i) => `m${i}`) }))[0], 'Too many names (at most 100 moderators or 1000 members).')
    // a guest may do none of it either
    const guest = await client(srv)
    ok(await banterJoin(guest, 'gus', 'club'), 'a guest joins the public room')
    assert.deepEqual(await guest.ackArgs('banter:room', { room: 'club', topic: 'guest topic' }), [OWNERS_ONLY])
    assert.deepEqual(await guest.ackArgs('banter:kick', { room: 'club', name: 'dan' }), [NOT_ALLOWED])
    assert.equal((await ann.ackArgs('banter:room', { room: 'club' }))[1].topic, '')

    // topic: set by the owner, announced to the room
    const set = ok(await ann.ackArgs('banter:room', { room: 'club', topic: '  Members only  ' }), 'topic')
    assert.equal(set.topic, 'Members only')
    const [announced] = await dan.next('banter:room', (i) => i.topic === 'Members only')
    assert.equal(announced.role, undefined)
    assert.equal((await ann.ackArgs('banter:room', { room: 'club', topic: 'x'.repeat(257) }))[0], 'The topic is too long (at most 256 characters)!')
    assert.equal((await ann.ackArgs('banter:room', { room: 'club', moderators: ['nobody'] }))[0], 'No account named nobody.')

    // moderators and members, then private
    assert.deepEqual(ok(await ann.ackArgs('banter:room', { room: 'club', moderators: ['BOB'] }), 'moderators').moderators, ['bob'])
    assert.deepEqual(ok(await ann.ackArgs('banter:members', { room: 'club', add: ['cid'] }), 'members').members, ['cid'])
    // a classic guest in the room: made private, the room keeps its members only
    const fay = await client(srv)
    assert.deepEqual(await classicJoin(fay, 'fay', 'club'), [])
    assert.equal(ok(await ann.ackArgs('banter:room', { room: 'club', private: true }), 'private').private, true)
    assert.deepEqual((await dan.next('banter:kicked'))[0], { room: 'club', by: 'ann', banned: false })
    await fay.next('message', (m) => m.username === 'Admin' && m.text === 'You were removed from this room.')
    assert.deepEqual(await banterJoin(dan, 'dan', 'club'), [PRIVATE])
    // nor is it one of dan's rooms any more (membership, § 8)
    assert.deepEqual(ok(await dan.ackArgs('banter:my-rooms'), 'my-rooms').rooms.map((r) => r.room), [])
    const eve = await client(srv)
    assert.deepEqual(await banterJoin(eve, 'eve', 'club'), [PRIVATE])
    assert.deepEqual(await classicJoin(fay, 'fay', 'club'), [PRIVATE])
    const fay2 = await client(srv)
    assert.deepEqual(await classicJoin(fay2, 'fay', 'club'), [PRIVATE])
    assert.deepEqual(await dan.ackArgs('banter:room', { room: 'club' }), [PRIVATE])
    assert.equal(ok(await banterJoin(bob, 'bob', 'club'), 'bob joins').roomInfo.role, 'moderator')
    assert.equal(ok(await banterJoin(cid, 'cid', 'club'), 'cid joins').roomInfo.role, 'member')

    // a moderator removes a message: a tombstone reaches every Banter client of the room
    const sent = ok(await cid.ackArgs('banter:send', { id: 'spam-1', room: 'club', text: 'buy my stuff' }), 'send')
    await ann.next('banter:message', (m) => m.id === 'spam-1')
    const removed = ok(await bob.ackArgs('banter:remove', { room: 'club', id: 'spam-1' }), 'remove')
    assert.deepEqual({ ...removed, at: 0 }, { room: 'club', id: 'spam-1', seq: sent.seq, by: 'bob', at: 0 })
    for (const c of [ann, bob, cid]) {
      const [t] = await c.next('banter:removed', (r) => r.id === 'spam-1')
      assert.equal(t.seq, sent.seq)
    }
    assert.deepEqual(await bob.ackArgs('banter:remove', { room: 'club', id: 'no-such-id' }), ['No such message in this room.'])
    // moderators do not change moderators or owners, nor kick them
    assert.deepEqual(await bob.ackArgs('banter:room', { room: 'club', moderators: [] }), [OWNERS_ONLY])
    assert.deepEqual(await bob.ackArgs('banter:kick', { room: 'club', name: 'ann' }), [PROTECTED])
    assert.deepEqual(await ann.ackArgs('banter:kick', { room: 'club', name: 'nobody-here' }), ['Nobody of that name is in this room.'])

    // history shows it removed after a reconnect
    cid.close()
    let cid2 = await client(srv, { auth: { session: tokens.cid } })
    const back = ok(await banterJoin(cid2, 'cid', 'club', { since: 0 }), 'cid rejoins')
    const tomb = back.history.find((m) => m.id === 'spam-1')
    assert.equal(tomb.removed, true)
    assert.equal(tomb.text, '')

    // kick: removed now, may rejoin
    assert.deepEqual(await bob.ackArgs('banter:kick', { room: 'club', name: 'cid' }), [])
    const [kicked] = await cid2.next('banter:kicked')
    assert.deepEqual(kicked, { room: 'club', by: 'bob', banned: false })
    await ann.next('banter:presence', (p) => p.username === 'cid' && p.event === 'left')
    assert.equal((await cid2.ackArgs('banter:send', { id: 'after-kick', room: 'club', text: 'x' }))[0], 'Not in that room!')
    ok(await banterJoin(cid2, 'cid', 'club'), 'cid rejoins after the kick')

    // ban: removed, refused at join, across reconnects
    assert.deepEqual(await bob.ackArgs('banter:ban', { room: 'club', name: 'Cid' }), [])
    assert.deepEqual((await cid2.next('banter:kicked', (k) => k.banned))[0], { room: 'club', by: 'bob', banned: true })
    assert.deepEqual(await banterJoin(cid2, 'cid', 'club'), [BANNED])
    cid2.close()
    cid2 = await client(srv, { auth: { session: tokens.cid } })
    assert.deepEqual(await banterJoin(cid2, 'cid', 'club'), [BANNED])
    // a ban takes the room off the account's rooms, so its devices do not try it again
    assert.deepEqual(ok(await cid2.ackArgs('banter:my-rooms'), 'my-rooms').rooms.map((r) => r.room), [])
    assert.deepEqual((await ann.ackArgs('banter:room', { room: 'club' }))[1].bans, ['cid'])

    // a guest name is banned too, Banter and classic, with its case and look-alike variants
    ok(await banterJoin(ann, 'ann', 'open'), 'ann opens a public room')
    const troll = await client(srv)
    ok(await banterJoin(troll, 'troll', 'open'), 'a guest joins')
    assert.deepEqual(await ann.ackArgs('banter:ban', { room: 'open', name: 'troll' }), [])
    await troll.next('banter:kicked')
    assert.deepEqual(await banterJoin(troll, 'TROLL', 'open'), [BANNED])
    const classicTroll = await client(srv)
    assert.deepEqual(await classicJoin(classicTroll, 'tr\u043ell', 'open'), [BANNED])
    assert.deepEqual(await ann.ackArgs('banter:unban', { room: 'open', name: 'troll' }), [])
    assert.deepEqual(await ann.ackArgs('banter:unban', { room: 'open', name: 'troll' }), ['That name is not banned here.'])
    assert.deepEqual(await classicJoin(classicTroll, 'troll', 'open'), [])

    // a guest's room has no owner; a server admin counts as its owner (and as every room's)
    const guestRoom = ok(await banterJoin(eve, 'eve', 'guests'), 'eve creates a room')
    assert.equal(guestRoom.roomInfo.owner, undefined)
    assert.equal(guestRoom.roomInfo.role, 'none')
    assert.deepEqual(await ann.ackArgs('banter:room', { room: 'guests', topic: 'hijack' }), [GUEST_ROOM])
    const root = await client(srv)
    assert.equal((await root.ackArgs('banter:login', { name: 'boss', password: PASSWORD }))[0], null)
    assert.equal(ok(await root.ackArgs('banter:room', { room: 'guests', topic: 'set by an admin' }), 'admin topic').role, 'admin')
    assert.equal(ok(await banterJoin(root, 'boss', 'club'), 'admin joins the private room').roomInfo.role, 'admin')
    assert.deepEqual(await root.ackArgs('banter:kick', { room: 'club', name: 'ann' }), [PROTECTED])

    // every act is in the log, with who did it
    const log = ok(await bob.ackArgs('banter:modlog', { room: 'club' }), 'modlog')
    const acts = log.entries.map((e) => `${e.by} ${e.action} ${e.target}`).reverse()
    assert.deepEqual(acts, [
      'ann create ', 'ann topic Members only', 'ann moderator bob', 'ann member cid', 'ann private on',
      'bob remove spam-1', 'bob kick cid', 'bob ban cid'
    ])
    assert.ok(log.entries.every((e) => typeof e.at === 'number' && e.at > 0))

    // a restart: the ban, the settings and the tombstone hold
    for (const c of clients.splice(0)) c.close()
    await srv.stop()
    srv = await startBanter({ db, keepDb: true, port: srv.port })
    const cid3 = await client(srv, { auth: { session: tokens.cid } })
    assert.deepEqual(await banterJoin(cid3, 'cid', 'club'), [BANNED])
    const dan2 = await client(srv, { auth: { session: tokens.dan } })
    assert.deepEqual(await banterJoin(dan2, 'dan', 'club'), [PRIVATE])
    const ann2 = await client(srv, { auth: { session: tokens.ann } })
    const again = ok(await banterJoin(ann2, 'ann', 'club', { since: 0 }), 'ann after the restart')
    assert.deepEqual({ ...again.roomInfo }, { room: 'club', owner: 'ann', topic: 'Members only', private: true, moderators: ['bob'], role: 'owner', members: ['cid'], bans: ['cid'] })
    assert.equal(again.history.find((m) => m.id === 'spam-1').removed, true)
    assert.equal((await ann2.ackArgs('banter:modlog', { room: 'club', limit: 2 }))[1].entries.length, 2)
  } finally {
    clients.forEach((c) => c.close())
    await srv.stop()
    remove()
  }
})

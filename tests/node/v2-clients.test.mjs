// socket.io-client 2.x (Engine.IO v3 / Socket.IO v4, the version the chat tutorial was
// written on; npm alias socket.io-client-v2) against the real banter-server: every classic
// rule over WebSocket and over long-polling only, the default polling → WebSocket upgrade, a
// 2.x and a 4.x client in one room, Banter's extensions and limits on the 2.x path, the raw
// v3 protocol (the client pings, no explicit "40"), and a differential test against the
// official socket.io 2.x tutorial server (2.5.1 and 2.2.0).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startBanter, startClassic, connect, connectError, sleep, until, tempDir } from './support/harness.mjs'
import { scenario } from './support/differential.mjs'

const V2 = { client: 'v2' }
const TRANSPORTS = { websocket: ['websocket'], polling: ['polling'] }

let srv
const clients = []
before(async () => { srv = await startBanter({ args: ['--rate-limit', '0'] }) })
after(async () => { clients.forEach((c) => c.close()); await srv.stop() })

/** A 2.x client on `transport` ('websocket' | 'polling'), or a 4.x one with { client: 'v4' }. */
async function client (transport = 'websocket', opts = {}) {
  const c = await connect(srv.url, { ...V2, transports: TRANSPORTS[transport], ...opts })
  clients.push(c)
  return c
}

const health = () => fetch(srv.url + '/healthz').then((r) => r.json())

for (const transport of Object.keys(TRANSPORTS)) {
  test(`2.x over ${transport}: join needs a username and a room, trimmed, lower-cased and unique`, async () => {
    const c = await client(transport)
    assert.equal(c.socket.io.engine.transport.name, transport)
    assert.deepEqual(await c.ackArgs('join', { username: '', room: 'x' }), ['Username and room are required!'])
    assert.deepEqual(await c.ackArgs('join', { username: 'ann', room: '   ' }), ['Username and room are required!'])
    assert.deepEqual(await c.ackArgs('join', { room: 'x' }), ['Username and room are required!'])
    assert.deepEqual(await c.ackArgs('join', 'not an object'), ['Username and room are required!'])
    assert.deepEqual(await c.ackArgs('sendMessage', 'too early'), ['Join a room first!'])
    assert.deepEqual(await c.ackArgs('join', { username: '  Ann ', room: ` ${transport.toUpperCase()}-Rules ` }), [])
    const room = `${transport}-rules`
    const [data] = await c.next('roomData')
    assert.deepEqual(data, { room, users: [{ id: c.socket.id, username: 'ann', room }] })
    assert.deepEqual(await c.ackArgs('join', { username: 'ann', room: 'second' }), ['Already in a room!'])
    const d = await client(transport)
    assert.deepEqual(await d.ackArgs('join', { username: ' ANN ', room }), ['Username is in use!'])
    assert.deepEqual(await d.ackArgs('join', { username: 'ann', room: `${room}-2` }), [])
  })

  test(`2.x over ${transport}: welcome, "has joined!", roomData, messages, locations, refusals, "has left!"`, async () => {
    const room = `${transport}-flow`
    const a = await client(transport); const b = await client(transport); const other = await client(transport)
    assert.deepEqual(await a.ackArgs('join', { username: 'alice', room }), [])
    assert.deepEqual(await other.ackArgs('join', { username: 'olga', room: `${room}-elsewhere` }), [])
    assert.deepEqual(await b.ackArgs('join', { username: 'Bob', room }), [])
    // the classic order: welcome to the joiner, notice to the others, roomData to the room, then the ack
    assert.deepEqual(b.events.map((e) => e.event), ['banter:hello', 'message', 'roomData'])
    assert.deepEqual({ ...b.events[1].args[0], createdAt: 0 }, { username: 'Admin', text: 'Welcome!', createdAt: 0 })
    const [joined] = await a.next('message', (m) => m.text.endsWith('has joined!'))
    assert.deepEqual({ ...joined, createdAt: 0 }, { username: 'Admin', text: 'bob has joined!', createdAt: 0 })
    assert.ok(Math.abs(joined.createdAt - Date.now()) < 60_000, 'createdAt is ms since the epoch')
    const [rd] = await a.next('roomData', (d) => d.users.length === 2)
    assert.deepEqual(rd.users.map((u) => [u.id, u.username, u.room]), [[a.socket.id, 'alice', room], [b.socket.id, 'bob', room]])

    // messages reach the whole room, sender included, unchanged (non-ASCII too), no other room
    const text = 'héllo wörld — 日本語 😀 <b>x</b> "quoted" \\ back'
    assert.deepEqual(await a.ackArgs('sendMessage', text), [])
    for (const c of [a, b]) {
      const [m] = await c.next('message', (m) => m.username === 'alice')
      assert.equal(m.text, text)
      assert.deepEqual(Object.keys(m), ['username', 'text', 'createdAt'])
    }
    // refusals come back through the ack and are not delivered
    assert.deepEqual(await b.ackArgs('sendMessage', 'what the fuck'), ['Profanity is not allowed!'])
    assert.deepEqual(await b.ackArgs('sendMessage', 42), ['Invalid payload: the message must be a string'])
    assert.deepEqual(await b.ackArgs('sendMessage', Buffer.from('binary')), ['Invalid payload: the message must be a string'])
    assert.deepEqual(await b.ackArgs('sendMessage', '   '), ['Message is empty!'])
    const [badLocation, ...rest] = await b.ackArgs('sendLocation', { latitude: 'north', longitude: 2 })
    assert.match(badLocation, /^Invalid payload: expected \{"latitude": number, "longitude": number\}/)
    assert.deepEqual(rest, [])
    assert.deepEqual(await b.ackArgs('sendLocation', { latitude: 91, longitude: 2 }), ['Invalid payload: latitude must be within ±90 and longitude within ±180'])
    // locations
    assert.deepEqual(await b.ackArgs('sendLocation', { latitude: 51.5, longitude: -0.125 }), [])
    for (const c of [a, b]) {
      const [m] = await c.next('locationMessage')
      assert.deepEqual({ ...m, createdAt: 0 }, { username: 'bob', url: 'https://google.com/maps?q=51.5,-0.125', createdAt: 0 })
    }
    assert.deepEqual(await b.ackArgs('sendMessage', 'still here after the refusals'), [])
    await a.next('message', (m) => m.text === 'still here after the refusals')
    await sleep(100)
    assert.equal(a.of('message').filter(([m]) => m.username === 'bob').length, 1, 'refused messages are not delivered')
    assert.equal(other.of('message').filter(([m]) => m.username !== 'Admin').length, 0, 'nothing leaks to another room')
    assert.equal(b.of('message').filter(([m]) => m.text === 'Welcome!').length, 1)

    // a client that leaves: "has left!" and roomData to the rest; the name is free again
    b.close()
    const [left] = await a.next('message', (m) => m.text === 'bob has left!')
    assert.equal(left.username, 'Admin')
    const [after] = await a.next('roomData', (d) => d.users.length === 1)
    assert.deepEqual(after, { room, users: [{ id: a.socket.id, username: 'alice', room }] })
    const again = await client(transport)
    assert.deepEqual(await again.ackArgs('join', { username: 'bob', room }), [])
  })

  test(`2.x over ${transport}: a payload over 64 KiB closes only that connection`, async () => {
    const room = `${transport}-huge`
    const big = await client(transport); const small = await client(transport)
    await big.ackArgs('join', { username: 'big', room }); await small.ackArgs('join', { username: 'small', room })
    const closed = new Promise((resolve) => big.socket.once('disconnect', resolve))
    big.socket.emit('sendMessage', 'x'.repeat(200 * 1024), () => {})
    const reason = await Promise.race([closed, sleep(5000).then(() => 'still open')])
    assert.notEqual(reason, 'still open')
    await small.next('message', (m) => m.text === 'big has left!')
    assert.deepEqual(await small.ackArgs('sendMessage', 'server is fine'), [])
    assert.equal(small.of('message').filter(([m]) => m.username === 'big').length, 0)
  })

  // engine.io-client 3.x sends everything it has queued in one polling POST and cannot learn
  // the server's limit (server/src/eio3.rs splits such POSTs): without the split this burst
  // closed the connection after 3 messages.
  test(`2.x over ${transport}: a burst of long messages (well over 64 KiB in all) is delivered in order`, async () => {
    const room = `${transport}-burst`
    const a = await client(transport); const b = await client(transport)
    await a.ackArgs('join', { username: 'bursty', room }); await b.ackArgs('join', { username: 'reader', room })
    const texts = Array.from({ length: 40 }, (_, i) => `${i} ` + (i % 4 === 0 ? '😀é'.repeat(600) : 'x'.repeat(1900)))
    let dropped = null
    a.socket.once('disconnect', (reason) => { dropped = reason })
    const acks = Promise.all([
      ...texts.map((t) => a.ackArgs('sendMessage', t)),
      a.ackArgs('sendMessage', Buffer.from('a binary packet makes it a binary payload'))
    ])
    assert.deepEqual(await acks, [...texts.map(() => []), ['Invalid payload: the message must be a string']])
    await until(() => b.of('message').filter(([m]) => m.username === 'bursty').length === texts.length, 5000, 'every message')
    assert.deepEqual(b.of('message').filter(([m]) => m.username === 'bursty').map(([m]) => m.text), texts)
    assert.equal(dropped, null)
  })
}

test('2.x with its default transports: starts on polling, upgrades to WebSocket, chats on; /healthz counts polling sockets', async () => {
  const up = await client('websocket', { transports: ['polling', 'websocket'] })
  await until(() => up.socket.io.engine.transport.name === 'websocket', 5000, 'the upgrade to WebSocket')
  assert.deepEqual(await up.ackArgs('join', { username: 'upgraded', room: 'upgrade' }), [])
  assert.deepEqual(await up.ackArgs('sendMessage', 'after the upgrade'), [])
  await up.next('message', (m) => m.text === 'after the upgrade')

  const before = await health()
  const poller = await client('polling')
  await until(async () => (await health()).pollingConnections === before.pollingConnections + 1, 3000, 'pollingConnections + 1')
  const h = await health()
  assert.equal(h.connections, before.connections + 1)
  assert.deepEqual(Object.keys(h).sort(), ['connections', 'droppedEvents', 'failedDeliveries', 'messages', 'pollingConnections', 'refused', 'roomsOpen', 'status', 'store', 'version', 'adapter', 'node', 'presence'].sort())
  poller.close()
  await until(async () => (await health()).pollingConnections === before.pollingConnections, 3000, 'pollingConnections back')
})

test('a 2.x and a 4.x client (and a Banter client) in one room see each other\'s messages and presence', async () => {
  const room = 'mixed'
  const banter = await client('websocket', { client: 'v4' })
  const [, accepted] = await banter.ackArgs('join', { username: 'dora', room, banter: { v: 1 } })
  assert.equal(accepted.room, room)
  const old = await client('websocket'); const oldPoll = await client('polling'); const modern = await client('websocket', { client: 'v4' })
  assert.deepEqual(await old.ackArgs('join', { username: 'old', room }), [])
  assert.deepEqual(await oldPoll.ackArgs('join', { username: 'oldpoll', room }), [])
  assert.deepEqual(await modern.ackArgs('join', { username: 'modern', room }), [])
  const [rd] = await old.next('roomData', (d) => d.users.length === 4)
  assert.deepEqual(rd.users.map((u) => u.username), ['dora', 'old', 'oldpoll', 'modern'])
  assert.deepEqual(rd.users.map((u) => u.id), [banter.socket.id, old.socket.id, oldPoll.socket.id, modern.socket.id])
  await old.next('message', (m) => m.text === 'modern has joined!')
  await oldPoll.next('message', (m) => m.text === 'modern has joined!')
  await modern.next('roomData', (d) => d.users.length === 4)
  const [presence] = await banter.next('banter:presence', (p) => p.username === 'modern')
  assert.deepEqual(presence.users, ['dora', 'modern', 'old', 'oldpoll']) // sorted

  const classics = [old, oldPoll, modern]
  const says = async (c, text) => {
    assert.deepEqual(await c.ackArgs('sendMessage', text), [])
    for (const peer of classics) await peer.next('message', (m) => m.text === text)
    const [m] = await banter.next('banter:message', (m) => m.text === text)
    return m
  }
  assert.equal((await says(old, '2.x over websocket here')).username, 'old')
  assert.equal((await says(oldPoll, '2.x over polling here')).username, 'oldpoll')
  assert.equal((await says(modern, '4.x here')).username, 'modern')
  assert.deepEqual(await oldPoll.ackArgs('sendLocation', { latitude: -33.9, longitude: 18.4 }), [])
  for (const peer of classics) {
    const [loc] = await peer.next('locationMessage')
    assert.equal(loc.url, 'https://google.com/maps?q=-33.9,18.4')
  }
  const [, sent] = await banter.ackArgs('banter:send', { id: 'mixed-1', room, text: 'Banter here' })
  assert.equal(sent.duplicate, false)
  for (const peer of classics) {
    const [m] = await peer.next('message', (m) => m.text === 'Banter here')
    assert.equal(m.username, 'dora')
  }

  old.close()
  for (const peer of [oldPoll, modern]) {
    await peer.next('message', (m) => m.text === 'old has left!')
    await peer.next('roomData', (d) => d.users.length === 3)
  }
  const [gone] = await banter.next('banter:presence', (p) => p.event === 'left')
  assert.deepEqual([gone.username, gone.users], ['old', ['dora', 'modern', 'oldpoll']])
  oldPoll.close()
  await modern.next('message', (m) => m.text === 'oldpoll has left!')
  await banter.next('banter:presence', (p) => p.event === 'left' && p.username === 'oldpoll')
})

test('2.x client with Banter\'s extensions: join reply, ids, history, typing, leave', async () => {
  const room = 'v2-banter'
  const a = await client('polling'); const b = await client('websocket')
  const [hello] = await a.next('banter:hello')
  assert.equal(hello.protocol, 1)
  const [err, joined] = await a.ackArgs('join', { username: 'ext', room, banter: { v: 1 } })
  assert.equal(err, null)
  assert.deepEqual([joined.room, joined.username, joined.latestSeq, joined.users], [room, 'ext', 0, ['ext']])
  assert.deepEqual(await b.ackArgs('join', { username: 'ext2', room, banter: { v: 1 } }).then((r) => r.length), 2)
  const [, sent] = await a.ackArgs('banter:send', { id: 'v2-1', room, text: 'über 2.x' })
  assert.deepEqual([sent.seq, sent.duplicate], [1, false])
  const [m] = await b.next('banter:message', (m) => m.id === 'v2-1')
  assert.deepEqual([m.seq, m.username, m.text], [1, 'ext', 'über 2.x'])
  const [, dup] = await a.ackArgs('banter:send', { id: 'v2-1', room, text: 'über 2.x' })
  assert.deepEqual([dup.seq, dup.duplicate], [1, true])
  const [, page] = await b.ackArgs('banter:history', { room, since: 0 })
  assert.deepEqual(page.messages.map((x) => x.id), ['v2-1'])
  a.socket.emit('banter:typing', { room, typing: true })
  const [typing] = await b.next('banter:typing')
  assert.deepEqual(typing, { room, username: 'ext', typing: true })
  assert.deepEqual(await a.ackArgs('banter:leave', { room }), [])
  const [left] = await b.next('banter:presence', (p) => p.event === 'left')
  assert.equal(left.username, 'ext')
})

test('a server with a token refuses 2.x clients (they cannot send auth) with the Banter error', async () => {
  const guarded = await startBanter({ token: 'correct horse battery staple' })
  try {
    for (const transports of [['websocket'], ['polling']]) {
      const err = await connectError(guarded.url, { ...V2, transports })
      assert.equal(err.message, 'Unauthorized: this server requires a valid access token')
    }
    const h = await fetch(guarded.url + '/healthz').then((r) => r.json())
    assert.equal(h.connections, 0)
  } finally {
    await guarded.stop()
  }
})

test('2.x clients reconnect by themselves after a server restart and join again', async () => {
  const tmp = tempDir()
  const db = join(tmp.dir, 'restart.db')
  const first = await startBanter({ db, args: ['--rate-limit', '0'] })
  let second
  const cs = []
  try {
    for (const transports of [['websocket'], ['polling']]) {
      const c = await connect(first.url, { ...V2, transports, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 300 })
      cs.push(c)
      assert.deepEqual(await c.ackArgs('join', { username: `back-${transports}`, room: 'restart' }), [])
    }
    const reconnected = cs.map((c) => new Promise((resolve) => c.socket.once('reconnect', resolve)))
    await first.stop()
    second = await startBanter({ port: first.port, db, args: ['--rate-limit', '0'] })
    await Promise.race([Promise.all(reconnected), sleep(8000).then(() => { throw new Error('no reconnect within 8 s') })])
    for (const c of cs) {
      const name = `back-${c.socket.io.opts.transports}`
      assert.deepEqual(await c.ackArgs('join', { username: name, room: 'restart' }), [], 'the old socket is gone: the name is free')
    }
    assert.deepEqual(await cs[0].ackArgs('sendMessage', 'after the restart'), [])
    await cs[1].next('message', (m) => m.text === 'after the restart')
  } finally {
    cs.forEach((c) => c.close())
    await first.stop()
    if (second) await second.stop()
    tmp.remove()
  }
})

// ---- the raw v3 protocol -----------------------------------------------------------------

/** Splits an Engine.IO v3 string payload: `<length>:<packet>`…, lengths in UTF-16 units. */
function v3Packets (body) {
  const out = []
  let i = 0
  while (i < body.length) {
    const colon = body.indexOf(':', i)
    assert.ok(colon > i, `malformed v3 payload: ${body}`)
    const n = Number(body.slice(i, colon))
    out.push(body.slice(colon + 1, colon + 1 + n))
    i = colon + 1 + n
  }
  return out
}
const v3Payload = (...packets) => packets.map((p) => `${p.length}:${p}`).join('')

test('raw Engine.IO v3 polling: the server connects "/" by itself, ignores an explicit "40", answers the client\'s pings', async () => {
  const base = `${srv.url}/socket.io/?EIO=3&transport=polling&b64=1`
  const open = v3Packets(await fetch(base).then((r) => r.text()))
  assert.equal(open[0][0], '0')
  const handshake = JSON.parse(open[0].slice(1))
  assert.deepEqual([handshake.pingInterval, handshake.pingTimeout], [25000, 20000])
  const url = `${base}&sid=${handshake.sid}`
  const received = [...open.slice(1)]
  const poll = async (ms = 2000) => {
    try {
      received.push(...v3Packets(await fetch(url, { signal: AbortSignal.timeout(ms) }).then((r) => r.text())))
    } catch (e) {
      if (e.name !== 'TimeoutError') throw e
    }
  }
  const post = (...packets) => fetch(url, { method: 'POST', body: v3Payload(...packets), headers: { 'content-type': 'text/plain;charset=UTF-8' } }).then((r) => r.text())
  await until(async () => { if (!received.includes('40')) await poll(); return received.includes('40') }, 3000, 'the server\'s own "40"')
  // a client that also sends "40" (some 2.x-era clients do) is not connected twice
  assert.equal(await post('40', '421["join",{"username":"raw","room":"raw-v3"}]', '2'), 'ok')
  await until(async () => { await poll(); return received.includes('431[]') && received.includes('3') }, 3000, 'the join ack and the pong')
  await poll(300)
  const welcomes = received.filter((p) => p.startsWith('42["message"') && p.includes('"Welcome!"'))
  assert.equal(welcomes.length, 1, `one welcome: ${JSON.stringify(received)}`)
  assert.equal(received.filter((p) => p.startsWith('40')).length, 1, 'one connect packet')
  assert.ok(!received.includes('2'), 'a v3 server never pings: the client does')
  // a non-ASCII message over a v3 payload: lengths count UTF-16 units both ways
  assert.equal(await post('422["sendMessage","naïve 😀 ok"]'), 'ok')
  await until(async () => { await poll(); return received.includes('432[]') }, 3000, 'the send ack')
  assert.ok(received.some((p) => p.startsWith('42["message"') && JSON.parse(p.slice(2))[1].text === 'naïve 😀 ok'), JSON.stringify(received))
  // a burst in one binary-framed POST (as browsers send them), 40 packets, ~80 KB in all:
  // split by server/src/eio3.rs, every packet handled, in order
  const frames = []
  for (let i = 0; i < 40; i++) {
    const bytes = Buffer.from(`42${100 + i}["sendMessage","${i} ${'y'.repeat(1990)}"]`)
    frames.push(Buffer.from([0, ...String(bytes.length).split('').map(Number), 0xff]), bytes)
  }
  const burst = Buffer.concat(frames)
  assert.ok(burst.length > 64 * 1024)
  assert.equal(await fetch(url, { method: 'POST', body: burst, headers: { 'content-type': 'application/octet-stream' } }).then((r) => r.text()), 'ok')
  await until(async () => { await poll(); return received.includes('43139[]') }, 5000, 'the last ack of the burst')
  const acked = received.filter((p) => /^431\d\d\[\]$/.test(p)).map((p) => Number(p.slice(2, 5)))
  assert.deepEqual(acked, Array.from({ length: 40 }, (_, i) => 100 + i))
  assert.equal(await post('1'), 'ok') // close
})

// ---- differential: the official socket.io 2.x tutorial server vs banter-server -----------

for (const [pkg, transports] of [['socket.io-v2', ['websocket']], ['socket.io-v2', ['polling']], ['socket.io-v2.2', ['websocket']]]) {
  test(`differential: 2.x clients over ${transports} see the same from ${pkg} and from banter-server`, async () => {
    const node = await startClassic({ script: 'classic-server-v2.cjs', env: { SOCKETIO_PACKAGE: pkg } })
    const banter = await startBanter({ args: ['--rate-limit', '0'] })
    try {
      const expected = await scenario(node.url, { ...V2, transports })
      const actual = await scenario(banter.url, { ...V2, transports })
      assert.deepEqual(actual.acks, expected.acks)
      for (const name of Object.keys(expected.seen)) {
        assert.deepEqual(actual.seen[name], expected.seen[name], `events seen by ${name}`)
      }
      assert.ok(expected.seen.ann.length >= 8, `ann saw ${expected.seen.ann.length} events`)
      assert.equal(expected.banterEvents, 0)
      assert.equal(actual.banterEvents, 5, 'one banter:hello per socket, nothing else')
      console.log(`differential ${pkg} over ${transports}: ${expected.acks.length} acks and ${Object.values(expected.seen).flat().length} events equal`)
    } finally {
      await node.stop(); await banter.stop()
    }
  })
}

// Classic roomData during a join storm (server/src/chat/room_data.rs): coalesced per room,
// with the classic guarantees kept. The official socket.io-client against the real binary.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBanter, connect, sleep, until } from './support/harness.mjs'

const N = 200
const ROOM = 'storm'

let srv
const clients = []
before(async () => { srv = await startBanter({ args: ['--rate-limit', '0'] }) })
after(async () => { clients.forEach((c) => c.close()); await srv.stop() })

const roomData = (c) => c.of('roomData').map(([d]) => d)
const lastList = (c) => roomData(c).at(-1)

/** Joins and records where in the client's event log the ack came. */
function join (c, username) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no join ack for ${username} within 20 s`)), 20_000)
    c.socket.emit('join', { username, room: ROOM }, (...args) => {
      clearTimeout(t)
      c.ackAt = c.events.length
      resolve(args)
    })
  })
}

test(`${N} classic clients joining one room at once get far fewer than N²/2 lists, the last one complete`, async () => {
  const joined = await Promise.all(Array.from({ length: N }, () => connect(srv.url)))
  clients.push(...joined)
  // Every join is emitted before any ack is awaited: a storm.
  const acks = await Promise.all(joined.map((c, i) => join(c, `u${i}`)))
  acks.forEach((a, i) => assert.deepEqual(a, [], `u${i}'s join was refused: ${a}`))

  // Within a short window of the last join, every member's last list holds all N.
  await until(() => joined.every((c) => lastList(c)?.users.length === N), 10_000, `every client's last roomData listing ${N}`)
  await sleep(300)
  const ids = new Set(joined.map((c) => c.socket.id))
  for (const [i, c] of joined.entries()) {
    const last = lastList(c)
    assert.equal(last.room, ROOM)
    assert.equal(last.users.length, N, `u${i}'s last list`)
    assert.deepEqual(new Set(last.users.map((u) => u.id)), ids, `u${i}'s last list names every member`)

    // The classic order for the joiner: welcome, its own roomData (itself in it), then the ack.
    // (banter:hello, on connect, is Banter's offer to extension clients: not part of it.)
    const welcome = c.events.findIndex((e) => e.event === 'message')
    assert.equal(c.events[welcome]?.args[0].text, 'Welcome!', `u${i}: the welcome is its first message`)
    const firstData = c.events.findIndex((e) => e.event === 'roomData')
    assert.ok(welcome < firstData, `u${i}: the welcome comes before roomData`)
    assert.ok(firstData >= 0 && firstData < c.ackAt, `u${i}: a roomData before the join ack`)
    assert.ok(c.events[firstData].args[0].users.some((u) => u.id === c.socket.id && u.username === `u${i}`), `u${i}'s first roomData lists itself`)

    // Only joins happened: no list is older (shorter) than one seen before it.
    const sizes = roomData(c).map((d) => d.users.length)
    for (let k = 1; k < sizes.length; k++) assert.ok(sizes[k] >= sizes[k - 1], `u${i} saw a list of ${sizes[k]} after one of ${sizes[k - 1]}`)
  }

  const total = joined.reduce((n, c) => n + roomData(c).length, 0)
  const classic = N * (N + 1) / 2 // one list to every member on every join
  console.log(`# roomData events for ${N} joins: ${total} (one per member per join: ${classic})`)
  assert.ok(total < classic / 4, `${total} roomData events, expected far fewer than ${classic}`)
})

test(`then ${N / 2} leave at once: every remaining member's last list holds the other ${N / 2}`, async () => {
  const leaving = clients.slice(0, N / 2)
  const staying = clients.slice(N / 2)
  const counts = staying.map((c) => roomData(c).length)
  leaving.forEach((c) => c.close())
  const expected = new Set(staying.map((c) => c.socket.id))
  await until(() => staying.every((c) => lastList(c).users.length === N / 2), 10_000, `every remaining client's last roomData listing ${N / 2}`)
  await sleep(300)
  for (const [i, c] of staying.entries()) {
    const last = lastList(c)
    assert.deepEqual(new Set(last.users.map((u) => u.id)), expected, `member ${i}'s last list is the ones who stayed`)
    // Only leaves happened: the lists shrink, never grow back.
    const sizes = roomData(c).slice(counts[i] - 1).map((d) => d.users.length)
    for (let k = 1; k < sizes.length; k++) assert.ok(sizes[k] <= sizes[k - 1], `member ${i} saw a list of ${sizes[k]} after one of ${sizes[k - 1]}`)
  }
  const total = staying.reduce((n, c, i) => n + roomData(c).length - counts[i], 0)
  const classic = (N / 2) * (N / 2) // each of the N/2 who stay gets one list per leave
  console.log(`# roomData events to the ${N / 2} who stayed, for ${N / 2} leaves: ${total} (one per member per leave: ${classic})`)
  assert.ok(total < classic / 4, `${total} roomData events for the leaves, expected far fewer than ${classic}`)
})

test('one join at a time in a quiet room: roomData to everyone at once, as the classic server does', async () => {
  const a = await connect(srv.url); const b = await connect(srv.url)
  clients.push(a, b)
  assert.deepEqual(await a.ackArgs('join', { username: 'ann', room: 'quiet' }), [])
  await sleep(100) // longer than the coalescing window
  assert.deepEqual(await b.ackArgs('join', { username: 'bob', room: 'quiet' }), [])
  await a.next('roomData', (d) => d.users.length === 2)
  await sleep(100)
  // Once each, no flush after: a coalesced list would have reached bob a second time.
  assert.deepEqual(roomData(a).map((d) => d.users.length), [1, 2])
  assert.deepEqual(roomData(b).map((d) => d.users.length), [2])
})

test('a Banter-extension member of a storming room gets presence for every join, never roomData', async () => {
  const M = 50
  const watcher = await connect(srv.url)
  clients.push(watcher)
  const [err] = await watcher.ackArgs('join', { username: 'watcher', room: 'storm-b', banter: { v: 1 } })
  assert.equal(err, null)
  const classic = await Promise.all(Array.from({ length: M }, () => connect(srv.url)))
  clients.push(...classic)
  await Promise.all(classic.map((c, i) => new Promise((resolve) => c.socket.emit('join', { username: `c${i}`, room: 'storm-b' }, resolve))))
  await until(() => classic.every((c) => lastList(c)?.users.length === M + 1), 10_000, `every classic client's last roomData listing ${M + 1}`)
  await until(() => watcher.of('banter:presence').length === M, 10_000, `${M} presence events`)
  await sleep(200)
  assert.equal(watcher.of('roomData').length, 0, 'no roomData to a Banter socket')
  const presence = watcher.of('banter:presence').map(([p]) => p)
  assert.ok(presence.every((p) => p.event === 'joined' && p.room === 'storm-b'))
  assert.deepEqual(presence.map((p) => p.users.length), Array.from({ length: M }, (_, i) => i + 2), 'one presence per join, each with the room as it was then')
  // The classic members' list names the Banter member too, as before.
  assert.ok(lastList(classic[0]).users.some((u) => u.username === 'watcher'))
})

// `banter:location` (docs/protocol.md) against the real banter-server, with the official
// socket.io-client: stored as a location, sent to Banter sockets as banter:message and to
// classic sockets as locationMessage, deduplicated by id, bad coordinates refused.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBanter, connect, sleep } from './support/harness.mjs'

let srv
const clients = []
async function client () { const c = await connect(srv.url); clients.push(c); return c }
const bjoin = (c, username, room) => c.ackArgs('join', { username, room, banter: { v: 1 } })
before(async () => { srv = await startBanter({ args: ['--rate-limit', '0'] }) })
after(async () => { clients.forEach((c) => c.close()); await srv.stop() })

const PARIS = 'https://google.com/maps?q=48.8566,2.3522'

test('the server lists the location feature', async () => {
  const c = await client()
  const [hello] = await c.next('banter:hello')
  assert.ok(hello.features.includes('location'), hello.features)
  const [, joined] = await bjoin(c, 'ann', 'loc-hello')
  assert.ok(joined.features.includes('location'), joined.features)
})

test('a location goes to Banter sockets as a location message and to classic ones as locationMessage, once', async () => {
  const a = await client(); const b = await client(); const classic = await client()
  await bjoin(a, 'ann', 'loc-room'); await bjoin(b, 'bob', 'loc-room')
  assert.deepEqual(await classic.ackArgs('join', { username: 'cleo', room: 'loc-room' }), [])
  const first = await a.ackArgs('banter:location', { id: 'loc-1', room: 'loc-room', latitude: 48.8566, longitude: 2.3522 })
  assert.equal(first[0], null)
  assert.deepEqual({ ...first[1], createdAt: 0 }, { id: 'loc-1', room: 'loc-room', seq: 1, createdAt: 0, duplicate: false })
  const again = await a.ackArgs('banter:location', { id: 'loc-1', room: 'loc-room', latitude: 48.8566, longitude: 2.3522 })
  assert.deepEqual(again[1], { ...first[1], duplicate: true })
  const [m] = await b.next('banter:message', (m) => m.id === 'loc-1')
  assert.deepEqual(m, { id: 'loc-1', room: 'loc-room', seq: 1, username: 'ann', kind: 'location', text: PARIS, createdAt: first[1].createdAt })
  const [own] = await a.next('banter:message', (m) => m.id === 'loc-1')
  assert.equal(own.kind, 'location')
  const [cm] = await classic.next('locationMessage')
  assert.deepEqual(cm, { username: 'ann', url: PARIS, createdAt: first[1].createdAt })
  await sleep(100)
  assert.equal(b.of('banter:message').length, 1, 'the duplicate was not broadcast')
  assert.equal(classic.of('locationMessage').length, 1)
  // history keeps it a location
  const [, page] = await b.ackArgs('banter:history', { room: 'loc-room', since: 0 })
  assert.deepEqual(page.messages.map((m) => [m.id, m.kind, m.text]), [['loc-1', 'location', PARIS]])
})

test('bad coordinates, ids and rooms are refused, and nothing is stored', async () => {
  const a = await client(); const b = await client()
  await bjoin(a, 'ann', 'loc-bad'); await bjoin(b, 'bob', 'loc-bad')
  const send = (p) => a.ackArgs('banter:location', { id: 'x1', room: 'loc-bad', latitude: 1, longitude: 2, ...p })
  for (const p of [{ latitude: 91 }, { latitude: -90.5 }, { longitude: 180.01 }, { longitude: -181 }]) {
    assert.deepEqual(await send(p), ['Invalid payload: latitude must be within ±90 and longitude within ±180'], JSON.stringify(p))
  }
  for (const p of [{ latitude: 'north' }, { longitude: null }, { latitude: undefined }]) {
    const [err] = await send(p)
    assert.match(err, /^Invalid payload: expected \{"id": string, "room": string, "latitude": number, "longitude": number\}/, JSON.stringify(p))
  }
  assert.match((await send({ id: 'a b' }))[0], /^Message id must be/)
  assert.deepEqual(await send({ room: 'elsewhere' }), ['Not in that room!'])
  await sleep(100)
  assert.equal(b.of('banter:message').length, 0)
  const [, page] = await b.ackArgs('banter:history', { room: 'loc-bad', since: 0 })
  assert.deepEqual(page.messages, [])
})

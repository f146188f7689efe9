// Every classic rule of shared/docs/protocol.md, with the official socket.io-client against
// the real banter-server binary.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBanter, connect, sleep, until } from './support/harness.mjs'

let srv
const clients = []
async function client () { const c = await connect(srv.url); clients.push(c); return c }
before(async () => { srv = await startBanter({ args: ['--rate-limit', '0'] }) })
after(async () => { clients.forEach((c) => c.close()); await srv.stop() })

test('join needs a username and a room, trimmed and lower-cased', async () => {
  const c = await client()
  assert.deepEqual(await c.ackArgs('join', { username: '', room: 'x' }), ['Username and room are required!'])
  assert.deepEqual(await c.ackArgs('join', { username: 'ann', room: '   ' }), ['Username and room are required!'])
  assert.deepEqual(await c.ackArgs('join', { room: 'x' }), ['Username and room are required!'])
  assert.deepEqual(await c.ackArgs('join', 'not an object'), ['Username and room are required!'])
  assert.deepEqual(await c.ackArgs('join', { username: '  Ann ', room: ' TRIM-Room ' }), [])
  const [data] = await c.next('roomData')
  assert.deepEqual(data, { room: 'trim-room', users: [{ id: c.socket.id, username: 'ann', room: 'trim-room' }] })
})

test('welcome to the joiner only, "has joined!" to the others, roomData to all', async () => {
  const a = await client(); const b = await client()
  assert.deepEqual(await a.ackArgs('join', { username: 'alice', room: 'welcome' }), [])
  const [welcome] = await a.next('message')
  assert.equal(welcome.username, 'Admin')
  assert.equal(welcome.text, 'Welcome!')
  assert.equal(typeof welcome.createdAt, 'number')
  assert.ok(Math.abs(welcome.createdAt - Date.now()) < 60_000, 'createdAt is ms since the epoch')
  assert.deepEqual(await b.ackArgs('join', { username: 'Bob', room: 'Welcome' }), [])
  const [joined] = await a.next('message', (m) => m.text.endsWith('has joined!'))
  assert.deepEqual({ ...joined, createdAt: 0 }, { username: 'Admin', text: 'bob has joined!', createdAt: 0 })
  const [rd] = await a.next('roomData', (d) => d.users.length === 2)
  assert.deepEqual(rd.users.map((u) => [u.id, u.username, u.room]), [[a.socket.id, 'alice', 'welcome'], [b.socket.id, 'bob', 'welcome']])
  await b.next('roomData', (d) => d.users.length === 2)
  await sleep(100)
  // The joiner gets its welcome, not its own "has joined!"
  const bTexts = b.of('message').map(([m]) => m.text)
  assert.deepEqual(bTexts, ['Welcome!'])
  // and a welcome only once, to itself
  assert.equal(a.of('message').filter(([m]) => m.text === 'Welcome!').length, 1)
})

test('a username is unique within a room, not across rooms', async () => {
  const a = await client(); const b = await client(); const c = await client()
  assert.deepEqual(await a.ackArgs('join', { username: 'sam', room: 'uniq' }), [])
  assert.deepEqual(await b.ackArgs('join', { username: ' SAM ', room: 'uniq' }), ['Username is in use!'])
  assert.deepEqual(await c.ackArgs('join', { username: 'sam', room: 'uniq-2' }), [])
})

test('sendMessage reaches the whole room, sender included, and no other room', async () => {
  const a = await client(); const b = await client(); const other = await client()
  await a.ackArgs('join', { username: 'a', room: 'talk' })
  await b.ackArgs('join', { username: 'b', room: 'talk' })
  await other.ackArgs('join', { username: 'o', room: 'elsewhere' })
  assert.deepEqual(await a.ackArgs('sendMessage', 'hello room'), [])
  for (const c of [a, b]) {
    const [m] = await c.next('message', (m) => m.username === 'a')
    assert.equal(m.text, 'hello room')
    assert.deepEqual(Object.keys(m), ['username', 'text', 'createdAt'])
  }
  await sleep(100)
  assert.equal(other.of('message').filter(([m]) => m.username === 'a').length, 0)
})

test('profanity is refused with the classic text and not delivered', async () => {
  const a = await client(); const b = await client()
  await a.ackArgs('join', { username: 'p1', room: 'clean' })
  await b.ackArgs('join', { username: 'p2', room: 'clean' })
  assert.deepEqual(await a.ackArgs('sendMessage', 'what the fuck'), ['Profanity is not allowed!'])
  assert.deepEqual(await a.ackArgs('sendMessage', 'what the heck'), [])
  await b.next('message', (m) => m.text === 'what the heck')
  assert.equal(b.of('message').filter(([m]) => m.text.includes('fuck')).length, 0)
})

test('sendLocation becomes a locationMessage with a maps URL for the whole room', async () => {
  const a = await client(); const b = await client()
  await a.ackArgs('join', { username: 'geo', room: 'maps' })
  await b.ackArgs('join', { username: 'viewer', room: 'maps' })
  assert.deepEqual(await a.ackArgs('sendLocation', { latitude: 51.5, longitude: -0.125 }), [])
  for (const c of [a, b]) {
    const [m] = await c.next('locationMessage')
    assert.equal(m.username, 'geo')
    assert.equal(m.url, 'https://google.com/maps?q=51.5,-0.125')
    assert.deepEqual(Object.keys(m), ['username', 'url', 'createdAt'])
  }
})

test('disconnect: "has left!" and roomData to the rest of the room', async () => {
  const a = await client(); const b = await client()
  await a.ackArgs('join', { username: 'stay', room: 'door' })
  await b.ackArgs('join', { username: 'go', room: 'door' })
  await a.next('roomData', (d) => d.users.length === 2)
  b.close()
  const [left] = await a.next('message', (m) => m.text === 'go has left!')
  assert.equal(left.username, 'Admin')
  const [rd] = await a.next('roomData', (d) => d.users.length === 1)
  assert.deepEqual(rd, { room: 'door', users: [{ id: a.socket.id, username: 'stay', room: 'door' }] })
  // the name is free again
  const c = await client()
  assert.deepEqual(await c.ackArgs('join', { username: 'go', room: 'door' }), [])
})

test('a classic socket holds one room', async () => {
  const a = await client()
  assert.deepEqual(await a.ackArgs('join', { username: 'one', room: 'first' }), [])
  assert.deepEqual(await a.ackArgs('join', { username: 'one', room: 'second' }), ['Already in a room!'])
  await until(async () => (await fetch(srv.url + '/healthz').then((r) => r.json())).status === 'ok')
})

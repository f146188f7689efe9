// The same classic client script against the official Node socket.io chat server and
// against banter-server: the sequences of events and acks each client sees must be equal
// (timestamps and socket ids aside; Banter's own `banter:` events, which classic clients
// ignore, are left out and counted).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBanter, startClassic, connect, sleep } from './support/harness.mjs'

const SETTLE_MS = 80

async function scenario (url) {
  const log = []
  const clients = {}
  const ids = new Map()
  const open = async (name) => {
    const c = await connect(url)
    clients[name] = c
    ids.set(c.socket.id, `<${name}>`)
    return c
  }
  const step = async (name, event, ...args) => {
    const ack = await clients[name].ackArgs(event, ...args)
    log.push({ client: name, ack: event, args: ack })
    await sleep(SETTLE_MS)
  }
  await open('ann'); await open('bob'); await open('cid'); await open('dup'); await open('bad')
  await step('ann', 'join', { username: ' Ann ', room: 'Lobby' })
  await step('bob', 'join', { username: 'bob', room: 'lobby' })
  await step('cid', 'join', { username: 'cid', room: 'other' })
  await step('dup', 'join', { username: 'ANN', room: 'lobby' })
  await step('bad', 'join', { username: '', room: 'lobby' })
  await step('ann', 'sendMessage', 'hello everyone')
  await step('bob', 'sendMessage', 'fuck this')
  await step('bob', 'sendMessage', '<img src=x onerror=alert(1)>')
  await step('bob', 'sendLocation', { latitude: 48.8566, longitude: 2.3522 })
  await step('cid', 'sendMessage', 'anyone in other?')
  clients.bob.close()
  await sleep(SETTLE_MS * 2)
  await step('ann', 'sendMessage', 'bye bob')
  await sleep(SETTLE_MS)
  const normalise = (v) => JSON.parse(JSON.stringify(v, (k, x) => {
    if (k === 'createdAt') return typeof x === 'number' && x > 1.6e12 ? '<ms>' : `<bad:${x}>`
    if (k === 'id' && ids.has(x)) return ids.get(x)
    return x
  }))
  const seen = {}
  let banterEvents = 0
  for (const [name, c] of Object.entries(clients)) {
    seen[name] = c.events.filter((e) => {
      if (e.event.startsWith('banter:')) { banterEvents++; return false }
      return true
    }).map((e) => normalise({ event: e.event, args: e.args }))
    c.close()
  }
  return { acks: normalise(log), seen, banterEvents }
}

test('banter-server and the official socket.io chat server behave the same for a classic client', async () => {
  const node = await startClassic()
  const banter = await startBanter({ args: ['--rate-limit', '0'] })
  try {
    const expected = await scenario(node.url)
    const actual = await scenario(banter.url)
    assert.deepEqual(actual.acks, expected.acks)
    for (const name of Object.keys(expected.seen)) {
      assert.deepEqual(actual.seen[name], expected.seen[name], `events seen by ${name}`)
    }
    // sanity: the script really exercised the protocol
    assert.ok(expected.seen.ann.length >= 8, `ann saw ${expected.seen.ann.length} events`)
    assert.equal(expected.banterEvents, 0)
    console.log(`differential: ${expected.acks.length} acks and ${Object.values(expected.seen).flat().length} events equal; banter-server also sent ${actual.banterEvents} banter:hello events classic clients ignore`)
    assert.equal(actual.banterEvents, 5, 'one banter:hello per socket, nothing else')
  } finally {
    await node.stop(); await banter.stop()
  }
})

// The classic client script that differential.test.mjs and v2-clients.test.mjs run against
// the official Node socket.io chat server and against banter-server.
import { connect, sleep } from './harness.mjs'

const SETTLE_MS = 80

/** The classic script: five clients (`connectOpts` go to each connect, e.g. a 2.x client or
 * a transport) join, send, share a location and leave; returns the acks and the classic
 * events each client saw, normalised (timestamps and socket ids aside), and how many
 * `banter:` events were left out. */
export async function scenario (url, connectOpts = {}) {
  const log = []
  const clients = {}
  const ids = new Map()
  const open = async (name) => {
    const c = await connect(url, connectOpts)
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
  await step('bob', 'sendMessage', '<img src=x onerror=alert(1)> — ünïcödé 😀')
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


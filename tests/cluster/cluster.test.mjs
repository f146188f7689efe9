// Three banter-server nodes on one PostgreSQL and one Redis behind a real HAProxy
// (tests/node/support/cluster.mjs): every classic flow with the official socket.io-client 4.x
// and 2.x with users on different nodes, and Banter clients on three nodes exchanging 2,000
// messages at once, each seeing one gap-free seq order, with history from a third node.
// Needs scripts/setup.sh's postgresql, redis-server and haproxy; run by scripts/test.sh.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connect, sleep } from '../node/support/harness.mjs'
import { startCluster, waitFor, healthz } from '../node/support/cluster.mjs'
import { Member, ERR_NAME_TAKEN } from './support/member.mjs'

const V2 = { client: 'v2' }
let cluster
const open = []
/** A classic client (4.x, or 2.x with V2) on `url`: a node's own URL or HAProxy's. */
async function client (url, opts = {}) { const c = await connect(url, opts); open.push(c); return c }
async function member (url, opts) { const m = await Member.connect(url, opts); open.push(m); return m }
const names = (users) => users.map((u) => u.username).sort()

before(async () => {
  // --rate-limit 0: the 2,000-message burst; the room-creation limit counts per address and
  // every client here is 127.0.0.1.
  cluster = await startCluster({ nodes: 3, args: ['--rate-limit', '0', '--room-creations-per-hour', '0'] })
  console.log(`cluster: 3 nodes, PostgreSQL, Redis and HAProxy up in ${cluster.startedInMs} ms`)
})
after(async () => {
  for (const c of open) c.close()
  if (cluster) await cluster.stop()
})

test('every node is on the cluster: /healthz names it, its store and a connected adapter', async () => {
  for (const n of cluster.nodes) {
    const h = await healthz(n.url)
    assert.equal(h.node, n.id)
    assert.deepEqual(h.store, { kind: 'postgres', ok: true })
    assert.equal(h.adapter?.connected, true, `${n.id} adapter: ${JSON.stringify(h.adapter)}`)
    assert.equal(h.status, 'ok')
  }
})

test('welcome, "has joined!", roomData and "has left!" across three nodes, 4.x and 2.x clients', async () => {
  const [n1, n2, n3] = cluster.nodes
  const a = await client(n1.url); const b = await client(n2.url, V2); const c = await client(n3.url)
  assert.deepEqual(await a.ackArgs('join', { username: 'Alice', room: 'Across' }), [])
  const [welcome] = await a.next('message')
  assert.deepEqual([welcome.username, welcome.text], ['Admin', 'Welcome!'])
  assert.deepEqual(await b.ackArgs('join', { username: 'bob', room: 'across' }), [])
  const [bWelcome] = await b.next('message')
  assert.equal(bWelcome.text, 'Welcome!')
  const [joined] = await a.next('message', (m) => m.text.endsWith('has joined!'))
  assert.deepEqual([joined.username, joined.text], ['Admin', 'bob has joined!'])
  assert.deepEqual(await c.ackArgs('join', { username: 'carol', room: 'across' }), [])
  for (const x of [a, b]) await x.next('message', (m) => m.text === 'carol has joined!')
  // roomData lists everyone on every node, with their ids, to every member
  const expected = [[a.socket.id, 'alice'], [b.socket.id, 'bob'], [c.socket.id, 'carol']]
  for (const x of [a, b, c]) {
    const [rd] = await x.next('roomData', (d) => d.users.length === 3)
    assert.equal(rd.room, 'across')
    assert.deepEqual(rd.users.map((u) => [u.id, u.username]).sort((p, q) => p[1].localeCompare(q[1])), expected)
    assert.ok(rd.users.every((u) => u.room === 'across'))
  }
  // nobody sees their own "has joined!", everyone one welcome
  await sleep(200)
  assert.deepEqual(c.of('message').map(([m]) => m.text), ['Welcome!'])
  assert.equal(b.of('message').filter(([m]) => m.text === 'bob has joined!').length, 0)
  // a message and a location from one node reach the others
  assert.deepEqual(await a.ackArgs('sendMessage', 'hello from node-1'), [])
  for (const x of [a, b, c]) await x.next('message', (m) => m.username === 'alice' && m.text === 'hello from node-1')
  assert.deepEqual(await b.ackArgs('sendLocation', { latitude: 48.85, longitude: 2.35 }), [])
  for (const x of [a, b, c]) {
    const [loc] = await x.next('locationMessage')
    assert.deepEqual([loc.username, loc.url], ['bob', 'https://google.com/maps?q=48.85,2.35'])
  }
  // leaving on node-3 is seen on node-1 and node-2
  c.close()
  for (const x of [a, b]) {
    await x.next('message', (m) => m.text === 'carol has left!')
    const [rd] = await x.next('roomData', (d) => d.users.length === 2)
    assert.deepEqual(names(rd.users), ['alice', 'bob'])
  }
})

test('refusals are the same on every node and through HAProxy: empty names, profanity', async () => {
  const urls = [...cluster.nodes.map((n) => n.url), cluster.url]
  const listener = await client(cluster.nodes[2].url)
  assert.deepEqual(await listener.ackArgs('join', { username: 'listener', room: 'refusals' }), [])
  for (const [i, url] of urls.entries()) {
    const c = await client(url, i % 2 ? V2 : {})
    assert.deepEqual(await c.ackArgs('join', { username: '', room: 'refusals' }), ['Username and room are required!'])
    assert.deepEqual(await c.ackArgs('join', { username: 'x', room: '  ' }), ['Username and room are required!'])
    assert.deepEqual(await c.ackArgs('sendMessage', 'too early'), ['Join a room first!'])
    assert.deepEqual(await c.ackArgs('join', { username: `speaker${i}`, room: 'refusals' }), [])
    assert.deepEqual(await c.ackArgs('sendMessage', 'what the fuck'), ['Profanity is not allowed!'])
    assert.deepEqual(await c.ackArgs('sendMessage', `clean ${i}`), [])
    await listener.next('message', (m) => m.text === `clean ${i}`)
  }
  await sleep(200)
  assert.equal(listener.of('message').filter(([m]) => m.text.includes('fuck')).length, 0)
})

test('a name taken on node-1 is refused on node-2 and node-3, and free again once its owner leaves', async () => {
  const [n1, n2, n3] = cluster.nodes
  const owner = await client(n1.url)
  assert.deepEqual(await owner.ackArgs('join', { username: 'sam', room: 'uniq' }), [])
  const other = await client(n2.url, V2)
  assert.deepEqual(await other.ackArgs('join', { username: ' SAM ', room: 'Uniq' }), [ERR_NAME_TAKEN])
  const banter = await member(n3.url)
  await assert.rejects(banter.join('uniq', 'sam'), new RegExp(ERR_NAME_TAKEN))
  // through HAProxy too, whichever node it lands on
  const proxied = await client(cluster.url)
  assert.deepEqual(await proxied.ackArgs('join', { username: 'sam', room: 'uniq' }), [ERR_NAME_TAKEN])
  // unique per room, not across rooms
  assert.deepEqual(await proxied.ackArgs('join', { username: 'sam', room: 'uniq-2' }), [])
  owner.close()
  const t0 = Date.now()
  await waitFor('the name to be free on node-2', async () => (await other.ackArgs('join', { username: 'sam', room: 'uniq' })).length === 0, 5000, 100)
  console.log(`cluster: a name left on node-1 was free on node-2 after ${Date.now() - t0} ms`)
})

test('Banter members on three nodes: the join snapshot and presence list everyone', async () => {
  const [n1, n2, n3] = cluster.nodes
  const a = await member(n1.url); const b = await member(n2.url); const c = await member(n3.url)
  assert.deepEqual((await a.join('presence', 'ann')).users, ['ann'])
  assert.deepEqual((await b.join('presence', 'ben')).users.sort(), ['ann', 'ben'])
  assert.deepEqual((await c.join('presence', 'cat')).users.sort(), ['ann', 'ben', 'cat'])
  await waitFor('ann to see ben and cat join', () => a.view('presence').presence.filter((p) => p.event === 'joined').length === 2)
  assert.deepEqual(a.view('presence').users.sort(), ['ann', 'ben', 'cat'])
  // a classic member on another node is listed too
  const classic = await client(cluster.nodes[0].url)
  assert.deepEqual(await classic.ackArgs('join', { username: 'dan', room: 'presence' }), [])
  const [rd] = await classic.next('roomData', (d) => d.users.length === 4)
  assert.deepEqual(names(rd.users), ['ann', 'ben', 'cat', 'dan'])
  c.close()
  await waitFor('ann (node-1) and ben (node-2) to see cat (node-3) leave', () =>
    [a, b].every((m) => m.view('presence').presence.some((p) => p.event === 'left' && p.username === 'cat')))
  assert.deepEqual(b.view('presence').users.sort(), ['ann', 'ben', 'dan'])
})

test('2,000 messages from three nodes at once: one gap-free seq order for everyone, history from a third node', async () => {
  const TOTAL = 2000
  const room = 'burst'
  const senders = []
  for (const [i, n] of cluster.nodes.entries()) {
    const m = await member(n.url, { window: 32 })
    await m.join(room, `sender-${i + 1}`)
    senders.push(m)
  }
  const t0 = Date.now()
  const acks = new Map() // id -> ack
  await Promise.all(senders.map((m, i) => {
    const share = Math.floor(TOTAL / 3) + (i < TOTAL % 3 ? 1 : 0)
    return Promise.all(Array.from({ length: share }, (_, k) => {
      const id = `s${i + 1}-${k}`
      return m.send(room, id, `message ${k} from node-${i + 1}`).then((ack) => { acks.set(id, ack) })
    }))
  }))
  const sendMs = Date.now() - t0
  assert.equal(acks.size, TOTAL)
  const seqs = [...acks.values()].map((a) => a.seq).sort((p, q) => p - q)
  assert.equal(new Set(seqs).size, TOTAL, 'every acknowledged message has its own seq')
  assert.equal(seqs[TOTAL - 1] - seqs[0] + 1, TOTAL, 'the seqs are consecutive')
  assert.ok([...acks.values()].every((a) => a.duplicate === false))
  const last = seqs[TOTAL - 1]

  // every member shows the same gap-free order, filling any gap from history
  await waitFor('every member to show every message', () => senders.every((m) => m.view(room).contiguous >= last), 30_000, 50)
  const deliveredMs = Date.now() - t0
  const reference = senders[0].view(room).shown().map((m) => `${m.seq}:${m.id}`)
  assert.equal(reference.length, last)
  for (const m of senders) {
    const v = m.view(room)
    assert.deepEqual(v.conflicts, [])
    assert.deepEqual(v.shown().map((x) => `${x.seq}:${x.id}`), reference)
  }
  for (const [id, ack] of acks) assert.equal(senders[0].view(room).bySeq.get(ack.seq).id, id)

  // history read on another connection, all 2,000 once, in seq order
  const reader = await member(cluster.nodes[2].url)
  await reader.join(room, 'reader')
  const history = (await reader.history(room)).filter((m) => m.seq >= seqs[0])
  assert.equal(history.length, TOTAL)
  assert.deepEqual(history.map((m) => m.seq), seqs)
  assert.equal(new Set(history.map((m) => m.id)).size, TOTAL)
  assert.deepEqual(new Set(history.map((m) => m.id)), new Set(acks.keys()))

  const live = senders.map((m) => m.view(room).live)
  const filled = senders.map((m) => m.view(room).fromHistory)
  console.log(`cluster: ${TOTAL} messages from 3 nodes acknowledged in ${sendMs} ms (${Math.round(TOTAL / sendMs * 1000)} msg/s), ` +
    `shown by all 3 in ${deliveredMs} ms (${Math.round(TOTAL * 3 / deliveredMs * 1000)} deliveries/s); ` +
    `live per member ${live.join('/')}, from history ${filled.join('/')}`)
})

test('through HAProxy: clients land on every node and share one room', async () => {
  const connections = () => Promise.all(cluster.nodes.map(async (n) => (await healthz(n.url)).connections))
  const before = await connections()
  const cs = []
  for (let i = 0; i < 6; i++) {
    const c = await client(cluster.url, i % 2 ? V2 : {})
    assert.deepEqual(await c.ackArgs('join', { username: `via-${i}`, room: 'proxied' }), [])
    cs.push(c)
  }
  const added = (await connections()).map((k, i) => k - before[i])
  assert.equal(added.reduce((x, y) => x + y), 6)
  assert.ok(added.every((k) => k >= 1), `leastconn spreads them: new connections per node ${added}`)
  for (const c of cs) {
    const [rd] = await c.next('roomData', (d) => d.users.length === 6)
    assert.deepEqual(names(rd.users), ['via-0', 'via-1', 'via-2', 'via-3', 'via-4', 'via-5'])
  }
  assert.deepEqual(await cs[5].ackArgs('sendMessage', 'one for all'), [])
  for (const c of cs) await c.next('message', (m) => m.text === 'one for all')
})

test('twenty-four members on three nodes leave at once: every node still answers and the room is empty', async () => {
  const room = 'exodus'
  const cs = []
  for (let i = 0; i < 24; i++) {
    const c = await client(cluster.nodes[i % 3].url, i % 2 ? V2 : {})
    cs.push(c)
    const ack = await c.ackArgs('join', { username: `leaver-${i}`, room }).catch((e) => { throw new Error(`join ${i} on ${cluster.nodes[i % 3].id}: ${e.message}`) })
    assert.deepEqual(ack, [])
  }
  const stayer = await client(cluster.nodes[0].url)
  assert.deepEqual(await stayer.ackArgs('join', { username: 'stayer', room }), [])
  await stayer.next('roomData', (d) => d.users.length === 25)
  const t0 = Date.now()
  for (const c of cs) c.close()
  await stayer.next('roomData', (d) => d.users.length === 1, 10_000)
  const goneMs = Date.now() - t0
  for (const n of cluster.nodes) {
    await healthz(n.url, 5000).catch((e) => { throw new Error(`${n.id} does not answer /healthz after the exodus: ${e.message}`) })
  }
  const late = await client(cluster.nodes[1].url)
  assert.deepEqual(await late.ackArgs('join', { username: 'leaver-0', room }), [])
  console.log(`cluster: 24 members on 3 nodes left at once; the room showed 1 member after ${goneMs} ms`)
})

test('members join a busy room on every node while messages pour in (as reconnecting clients do)', async () => {
  const room = 'busy'
  const sender = await member(cluster.nodes[0].url, { window: 32 })
  await sender.join(room, 'talker')
  const TOTAL = 1000
  let acked = 0
  let done = false
  Promise.all(Array.from({ length: TOTAL }, (_, k) => sender.send(room, `b-${k}`, `busy ${k}`).then(() => { acked++ })))
    .then(() => { done = true }, () => {}) // rejected only by close() after a failure
  const joiners = []
  const joinMs = []
  for (let i = 0; i < 9; i++) {
    const node = cluster.nodes[i % 3]
    const m = await member(node.url, { reconnect: false })
    const t0 = Date.now()
    // alternately a first join (the last 50) and a re-join with since (everything after 0)
    const ack = await m.ackOrNull('join', { username: `joiner-${i}`, room, banter: i % 2 ? { v: 1, since: 0 } : { v: 1 } }, 5000)
    assert.ok(ack, `join ${i} on ${node.id} answered within 5 s (${acked} of ${TOTAL} sends acknowledged by then)`)
    assert.equal(ack[0], null)
    joinMs.push(Date.now() - t0)
    joiners.push(m)
  }
  await waitFor('every send to be acknowledged', () => done, 20_000, 10)
  console.log(`cluster: 9 joins during a burst of ${TOTAL} answered in ${Math.min(...joinMs)}–${Math.max(...joinMs)} ms`)
})

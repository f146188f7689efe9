// Faults on a three-node cluster (tests/node/support/cluster.mjs, its own PostgreSQL and Redis):
// a node SIGKILLed mid-burst, a node dying with members on it, Redis restarted, PostgreSQL
// restarted, a node cut off from Redis. Clients are Banter clients as the protocol asks
// (tests/cluster/support/member.mjs: order by seq, fill gaps from history, re-join with since
// after a reconnect, resend unacknowledged messages under the same id). Each test gets a fresh
// cluster. Measured figures are printed with console.log.
import { test, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { connect, sleep } from '../node/support/harness.mjs'
import { startCluster, waitFor, healthz, connectCounted } from '../node/support/cluster.mjs'
import { Member, ERR_STORE_UNAVAILABLE } from './support/member.mjs'

// A fresh cluster for every test (about 2.5 s): a fault cannot leak into the next test.
let cluster
let open = []
async function member (url, opts) { const m = await Member.connect(url, opts); open.push(m); return m }
async function client (url, opts) { const c = await connect(url, opts); open.push(c); return c }
const healthAll = () => Promise.all(cluster.nodes.map((n) => healthz(n.url)))

beforeEach(async () => {
  cluster = await startCluster({ nodes: 3, args: ['--rate-limit', '0', '--room-creations-per-hour', '0'] })
  console.log(`faults: cluster up in ${cluster.startedInMs} ms`)
})
afterEach(async () => {
  for (const c of open) c.close()
  open = []
  if (cluster) await cluster.stop()
  cluster = null
})

/** Every member shows the same messages as the room's history, each once; returns the history. */
async function assertConverged (room, members, reader, acked) {
  const history = await reader.history(room)
  const last = history.length ? history[history.length - 1].seq : 0
  assert.deepEqual(history.map((m) => m.seq), Array.from({ length: last }, (_, i) => i + 1), 'history is gap-free from 1')
  const ids = history.map((m) => m.id)
  assert.equal(new Set(ids).size, ids.length, 'no message is stored twice')
  for (const id of acked) assert.ok(ids.includes(id), `acknowledged ${id} is in history`)
  for (const m of members) {
    // A gap at the end shows only with the next message: fill, as a client does on a reconnect.
    m.view(room).latestSeq = last
    m.fill(m.view(room))
    await waitFor(`${m.view(room).username} to show all ${last}`, () => m.view(room).contiguous >= last, 15_000)
    assert.deepEqual(m.view(room).conflicts, [])
    assert.deepEqual(m.view(room).shown().map((x) => x.id), ids, `${m.view(room).username} shows history's order`)
  }
  return history
}

test('SIGKILL a node mid-burst: its clients reconnect through HAProxy and resend; nothing acknowledged is lost or shown twice', async () => {
  const room = 'kill'
  const members = []
  for (let i = 0; i < 3; i++) {
    const [m, node] = await connectCounted(cluster, () => member(cluster.url, { window: 16, ackTimeoutMs: 3000 }))
    m.node = node
    await m.join(room, `killer-${i}`)
    members.push(m)
  }
  assert.equal(new Set(members.map((m) => m.node.id)).size, 3, 'leastconn put one member on each node')
  const victim = members[1]
  const node = victim.node
  const PER = 400
  const acked = []
  let killedAt = 0
  const sends = Promise.all(members.map((m, i) => Promise.all(Array.from({ length: PER }, (_, k) =>
    m.send(room, `k${i}-${k}`, `burst ${k} of ${m.view(room).username}`).then(() => { acked.push(`k${i}-${k}`) })))))
  sends.catch(() => {}) // rejected only by close() after a failure
  await waitFor('a third of the burst to be acknowledged', () => acked.length >= PER, 20_000, 5)
  const pendingAtKill = victim.pending
  await node.kill('SIGKILL')
  killedAt = Date.now()
  const ackedAtKill = acked.length
  await waitFor('every send to be acknowledged', async () => {
    await Promise.race([sends, sleep(100)])
    return acked.length === 3 * PER
  }, 60_000, 100)
  const doneMs = Date.now() - killedAt
  assert.ok(victim.stats.disconnects >= 1 && victim.stats.connects >= 2, 'the victim reconnected')
  assert.ok(members.filter((m) => m !== victim).every((m) => m.stats.disconnects === 0), 'the others stayed connected')
  const reconnectMs = victim.view(room).rejoinedAt - victim.disconnectedAt
  // The name is the dead node's until the cluster drops its members (heartbeat timeout).
  assert.ok(reconnectMs < 20_000, `back in the room ${reconnectMs} ms after the kill`)
  const history = await assertConverged(room, members, members[0], acked)
  assert.equal(history.length, 3 * PER, 'each message stored once, resends included')
  console.log(`faults: SIGKILL ${node.id} with ${pendingAtKill} of its member's sends unacknowledged (${ackedAtKill} acked overall): ` +
    `back in the room after ${reconnectMs} ms (${victim.stats.rejoinRefusals} re-join refusals), every send acked ${doneMs} ms after the kill, ` +
    `${victim.stats.ackTimeouts} ack timeouts; duplicates redelivered ${members.map((m) => m.view(room).redelivered).join('/')}`)
})

test('a node that dies has its members dropped by the others within its heartbeat timeout', async () => {
  const [n1, , n3] = cluster.nodes
  const watcher = await client(n1.url)
  const banter = await member(n1.url)
  assert.deepEqual(await watcher.ackArgs('join', { username: 'watcher', room: 'wake' }), [])
  await banter.join('wake', 'mourner')
  const ghost = await client(n3.url) // no reconnection: it stays gone
  assert.deepEqual(await ghost.ackArgs('join', { username: 'ghost', room: 'wake' }), [])
  await watcher.next('roomData', (d) => d.users.some((u) => u.username === 'ghost'))
  await n3.kill('SIGKILL')
  const t0 = Date.now()
  try {
    await watcher.next('message', (m) => m.text === 'ghost has left!', 20_000)
    const droppedMs = Date.now() - t0
    const [rd] = await watcher.next('roomData', (d) => d.users.length === 2 && !d.users.some((u) => u.username === 'ghost'), 1000)
    assert.deepEqual(rd.users.map((u) => u.username).sort(), ['mourner', 'watcher'])
    await waitFor('the Banter member to see ghost leave', () => banter.view('wake').presence.some((p) => p.event === 'left' && p.username === 'ghost'), 2000)
    // the name is free again on a live node
    const heir = await client(n1.url)
    assert.deepEqual(await heir.ackArgs('join', { username: 'ghost', room: 'wake' }), [])
    console.log(`faults: a SIGKILLed node's member was dropped on the other nodes after ${droppedMs} ms`)
  } finally {
    await n3.restart()
  }
  // the restarted node is in the cluster again: its broadcast reaches node-1
  const back = await client(n3.url)
  assert.deepEqual(await back.ackArgs('join', { username: 'revenant', room: 'wake' }), [])
  await watcher.next('message', (m) => m.text === 'revenant has joined!')
})

test('restart Redis: broadcasts cross nodes again within seconds and clients fill the gap from history', async () => {
  const room = 'redis'
  const ms = []
  for (const [i, n] of cluster.nodes.entries()) { const m = await member(n.url); await m.join(room, `r${i + 1}`); ms.push(m) }
  const [a, b, c] = ms
  await a.send(room, 'before', 'before the restart')
  await waitFor('the first message on every node', () => ms.every((m) => m.view(room).contiguous >= 1))
  // a steady trickle from node-1 during the restart
  let stop = false; let k = 0; let upAt = Infinity
  const acked = ['before']
  const sentAfterUp = new Set() // seqs of messages sent once Redis was back
  const trickle = (async () => {
    while (!stop) {
      const id = `t-${k++}`; const sentAt = Date.now()
      const ack = await a.send(room, id, `trickle ${id}`)
      acked.push(id)
      if (sentAt >= upAt) sentAfterUp.add(ack.seq)
      await sleep(20)
    }
  })()
  await sleep(200)
  const restartMs = await cluster.services.restartRedis()
  upAt = Date.now()
  // recovered: a message sent on node-1 after Redis is back reaches node-2 and node-3 live
  let recoveredMs = null
  await waitFor('a broadcast from node-1 to reach node-2 and node-3 again', () => {
    const seen = (m) => m.view(room).liveLog.some(([seq]) => sentAfterUp.has(seq))
    if ([b, c].every(seen)) { recoveredMs = Date.now() - upAt; return true }
    return false
  }, 15_000, 20)
  const adaptersMs = await (async () => {
    await waitFor('every adapter connected', async () => (await healthAll()).every((h) => h.adapter.connected), 10_000)
    return Date.now() - upAt
  })()
  stop = true
  await trickle
  await assertConverged(room, ms, c, acked)
  const filled = [b, c].map((m) => m.view(room).fromHistory)
  console.log(`faults: Redis restarted in ${restartMs} ms; cross-node broadcasts back ${recoveredMs} ms after, ` +
    `every adapter connected after ${adaptersMs} ms; ${acked.length} messages, filled from history on node-2/node-3: ${filled.join('/')}`)
})

test('restart PostgreSQL: sends get ERR_STORE_UNAVAILABLE meanwhile, the outbox drains after, nothing lost', async () => {
  const room = 'pg'
  const [n1, n2] = cluster.nodes
  const a = await member(n1.url); const b = await member(n2.url)
  await a.join(room, 'writer'); await b.join(room, 'reader')
  const classic = await client(n1.url)
  assert.deepEqual(await classic.ackArgs('join', { username: 'classic', room }), [])
  await a.send(room, 'pg-0', 'before')
  await cluster.services.stopPg()
  const downAt = Date.now()
  try {
    const sends = Array.from({ length: 5 }, (_, i) => a.send(room, `pg-${i + 1}`, `while down ${i + 1}`))
    await waitFor('a refusal while PostgreSQL is down', () => a.refusals.length > 0, 15_000)
    const refusalMs = a.refusals[0][1] - downAt
    const [classicRefusal] = await classic.ackArgs('sendMessage', 'classic while down')
    const h = await healthz(n1.url, 5000)
    assert.equal(h.store.ok, false)
    assert.equal(h.status, 'degraded')
    await sleep(500)
    const startMs = await cluster.services.startPg()
    const upAt = Date.now()
    let drained = false
    Promise.all(sends).then(() => { drained = true }, () => {})
    await waitFor('the outbox to drain after PostgreSQL came back', () => drained, 20_000, 10)
    const drainMs = Date.now() - upAt
    assert.deepEqual(await classic.ackArgs('sendMessage', 'classic after'), [])
    await assertConverged(room, [a, b], b, ['pg-0', 'pg-1', 'pg-2', 'pg-3', 'pg-4', 'pg-5'])
    await waitFor('/healthz to say the store is back', async () => (await healthAll()).every((x) => x.store.ok))
    const reasons = [...new Set(a.refusals.map(([r]) => r))]
    console.log(`faults: PostgreSQL down: first refusal after ${refusalMs} ms, ${a.refusals.length} refusals retried ` +
      `(${reasons.map((r) => JSON.stringify(r)).join(', ')}; classic: ${JSON.stringify(classicRefusal)}); ` +
      `started again in ${startMs} ms, the outbox drained ${drainMs} ms after`)
    // Last, so that what is above is checked whatever the text: the refusal names the store.
    assert.deepEqual(reasons, [ERR_STORE_UNAVAILABLE], 'banter:send refusals while PostgreSQL is down')
    assert.equal(classicRefusal, ERR_STORE_UNAVAILABLE, 'classic sendMessage refusal while PostgreSQL is down')
  } finally {
    await cluster.services.startPg() // idempotent
  }
})

test('a node cut off from Redis still delivers to its own members and says so in /healthz', async () => {
  const room = 'partition'
  const [n1, n2] = cluster.nodes
  const local1 = await member(n1.url); const local2 = await member(n1.url); const remote = await member(n2.url)
  await local1.join(room, 'near-1'); await local2.join(room, 'near-2'); await remote.join(room, 'far')
  const classic = await client(n1.url)
  assert.deepEqual(await classic.ackArgs('join', { username: 'near-classic', room }), [])
  await cluster.services.stopRedis()
  const downAt = Date.now()
  try {
    await waitFor('node-1 to report the adapter disconnected', async () => (await healthz(n1.url)).adapter.connected === false, 10_000)
    const detectMs = Date.now() - downAt
    const h = await healthz(n1.url)
    assert.equal(h.status, 'degraded')
    const ack = await local1.send(room, 'cut-1', 'only the near ones hear this live')
    await waitFor('near-2 on the same node to get it live', () => local2.view(room).bySeq.has(ack.seq), 3000)
    await classic.next('message', (m) => m.text === 'only the near ones hear this live', 3000)
    assert.deepEqual(await classic.ackArgs('sendMessage', 'classic in the partition'), [])
    await waitFor('near-1 to get the classic message', () => [...local1.view(room).bySeq.values()].some((m) => m.text === 'classic in the partition'), 3000)
    console.log(`faults: Redis stopped: node-1 reported the adapter disconnected after ${detectMs} ms and kept delivering locally`)
  } finally {
    await cluster.services.startRedis() // idempotent
  }
  const upAt = Date.now()
  await waitFor('every adapter connected again', async () => (await healthAll()).every((x) => x.adapter.connected), 10_000)
  console.log(`faults: Redis back: every adapter connected after ${Date.now() - upAt} ms`)
  // the far member catches up from history
  await remote.send(room, 'after', 'after the partition')
  await assertConverged(room, [local1, local2, remote], remote, ['cut-1', 'after'])
})

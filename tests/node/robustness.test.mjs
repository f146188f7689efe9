// Bad input, floods, access control, persistence and operations, against the real binary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBanter, connect, connectError, sleep, until, tempDir } from './support/harness.mjs'
import { join } from 'node:path'

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

test('wrong types and missing fields get a clear ack error', async () => {
  await withServer({}, async (srv, client) => {
    const c = await client()
    assert.deepEqual(await c.ackArgs('sendMessage', 'before joining'), ['Join a room first!'])
    await c.ackArgs('join', { username: 42, room: ['x'] }).then((a) => assert.deepEqual(a, ['Username and room are required!']))
    await c.ackArgs('join', { username: 'typed', room: 'types' })
    const [notString] = await c.ackArgs('sendMessage', { text: 'hi' })
    assert.equal(notString, 'Invalid payload: the message must be a string')
    const [num] = await c.ackArgs('sendMessage', 42)
    assert.match(num, /^Invalid payload/)
    const [loc] = await c.ackArgs('sendLocation', { latitude: 'north', longitude: 2 })
    assert.match(loc, /^Invalid payload: expected \{"latitude": number, "longitude": number\}/)
    const [far] = await c.ackArgs('sendLocation', { latitude: 95, longitude: 2 })
    assert.match(far, /latitude must be within/)
    const [bad] = await c.ackArgs('banter:send', { room: 'types', text: 'no id' })
    assert.match(bad, /^Invalid payload: expected \{"id": string/)
    const [badId] = await c.ackArgs('banter:send', { id: 'has spaces', room: 'types', text: 'x' })
    assert.match(badId, /^Message id must be/)
    const [badJoin] = await c.ackArgs('join', { username: 'z', room: 'q', banter: 'yes' })
    assert.equal(badJoin, 'Invalid payload: "banter" must be {"v": 1}')
    // the socket is still usable
    assert.deepEqual(await c.ackArgs('sendMessage', 'still here'), [])
  })
})

test('length limits: names, rooms and messages', async () => {
  await withServer({}, async (srv, client) => {
    const c = await client()
    assert.deepEqual(await c.ackArgs('join', { username: 'u'.repeat(33), room: 'r' }), ['Username is too long (at most 32 characters)!'])
    assert.deepEqual(await c.ackArgs('join', { username: 'u', room: 'r'.repeat(65) }), ['Room name is too long (at most 64 characters)!'])
    assert.deepEqual(await c.ackArgs('join', { username: 'a\u0000b', room: 'r' }), ['Names cannot contain control characters!'])
    assert.deepEqual(await c.ackArgs('join', { username: 'é'.repeat(32), room: 'limits' }), [])
    assert.deepEqual(await c.ackArgs('sendMessage', 'x'.repeat(2001)), ['Message is too long (at most 2000 characters)!'])
    assert.deepEqual(await c.ackArgs('sendMessage', '   '), ['Message is empty!'])
    assert.deepEqual(await c.ackArgs('sendMessage', 'é'.repeat(2000)), [])
  })
})

test('HTML and script in messages are delivered as inert JSON strings, unchanged', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client(); const b = await client()
    await a.ackArgs('join', { username: 'html', room: 'xss' }); await b.ackArgs('join', { username: 'reader', room: 'xss', banter: { v: 1 } })
    const evil = '<img src=x onerror=alert(1)><script>alert("x")</script>&amp;'
    assert.deepEqual(await a.ackArgs('sendMessage', evil), [])
    const [m] = await b.next('banter:message')
    assert.equal(typeof m.text, 'string')
    assert.equal(m.text, evil)
  })
})

test('a payload over 64 KiB closes only that connection', async () => {
  await withServer({}, async (srv, client) => {
    const big = await client(); const other = await client()
    await big.ackArgs('join', { username: 'big', room: 'huge' }); await other.ackArgs('join', { username: 'small', room: 'huge' })
    const closed = new Promise((resolve) => big.socket.once('disconnect', resolve))
    big.socket.emit('sendMessage', 'x'.repeat(200 * 1024), () => {})
    const reason = await Promise.race([closed, sleep(5000).then(() => 'still open')])
    assert.notEqual(reason, 'still open')
    await other.next('message', (m) => m.text === 'big has left!')
    assert.deepEqual(await other.ackArgs('sendMessage', 'server is fine'), [])
  })
})

test('rate limit: beyond the burst each message is refused, none is lost silently', async () => {
  await withServer({ args: ['--rate-limit', '5'] }, async (srv, client) => {
    const c = await client()
    await c.ackArgs('join', { username: 'fast', room: 'flood' })
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => c.ackArgs('sendMessage', `burst ${i}`)))
    const ok = acks.filter((a) => a.length === 0).length
    const refused = acks.filter((a) => a[0] === 'Slow down! Too many messages.').length
    assert.equal(ok + refused, 30)
    assert.ok(ok >= 10 && ok <= 12, `burst of twice the rate, got ${ok}`)
    await until(() => c.of('message').filter(([m]) => m.username === 'fast').length === ok, 3000, 'deliveries')
    console.log(`rate limit 5/s: ${ok} accepted, ${refused} refused of 30`)
  })
})

test('floods of unknown events are dropped; the connection stays usable', async () => {
  await withServer({}, async (srv, client) => {
    const c = await client()
    await c.ackArgs('join', { username: 'noisy', room: 'unknown' })
    for (let i = 0; i < 2000; i++) c.socket.emit('no-such-event', { i, junk: 'x'.repeat(100) })
    await sleep(1200) // let the event bucket refill
    assert.deepEqual(await c.ackArgs('sendMessage', 'after the flood'), [])
    const health = await fetch(srv.url + '/healthz').then((r) => r.json())
    assert.ok(health.droppedEvents >= 2000, JSON.stringify(health))
    console.log(`flood: ${health.droppedEvents} unknown or excess events dropped`)
  })
})

test('access token: refused without it or with a wrong one, accepted with it', async () => {
  await withServer({ token: 'correct horse battery staple' }, async (srv, client) => {
    const none = await connectError(srv.url)
    assert.equal(none.message, 'Unauthorized: this server requires a valid access token')
    const wrong = await connectError(srv.url, { auth: { token: 'wrong' } })
    assert.equal(wrong.message, 'Unauthorized: this server requires a valid access token')
    const ok = await client({ auth: { token: 'correct horse battery staple' } })
    const [hello] = await ok.next('banter:hello')
    assert.ok(hello.features.includes('auth'))
    assert.deepEqual(await ok.ackArgs('join', { username: 'member', room: 'private' }), [])
    const page = await fetch(srv.url + '/').then((r) => r.text())
    assert.match(page, /requires an access token/)
    assert.ok(!page.includes('correct horse'))
    assert.ok(!srv.stderr().includes('correct horse'), 'the token is never logged')
  })
})

test('rooms and messages survive a restart; the sequence continues', async () => {
  const tmp = tempDir()
  const db = join(tmp.dir, 'keep.db')
  try {
    let srv = await startBanter({ db, args: ['--rate-limit', '0'] })
    let c = await connect(srv.url)
    await c.ackArgs('join', { username: 'keeper', room: 'durable', banter: { v: 1 } })
    for (let i = 1; i <= 30; i++) await c.ackArgs('banter:send', { id: `d-${i}`, room: 'durable', text: `kept ${i}` })
    // the last ones are sent right before SIGTERM: graceful shutdown must flush them
    c.socket.emit('banter:send', { id: 'd-31', room: 'durable', text: 'kept 31' }, () => {})
    await c.next('banter:message', (m) => m.id === 'd-31')
    c.close()
    assert.equal(await srv.stop('SIGTERM'), 0, 'clean exit on SIGTERM')
    srv = await startBanter({ db, args: ['--rate-limit', '0'] })
    c = await connect(srv.url)
    const [, joined] = await c.ackArgs('join', { username: 'keeper', room: 'durable', banter: { v: 1 } })
    assert.equal(joined.latestSeq, 31)
    assert.deepEqual(joined.history.map((m) => m.text), Array.from({ length: 31 }, (_, i) => `kept ${i + 1}`))
    // a resend of a message stored before the restart is still recognised
    const [, dup] = await c.ackArgs('banter:send', { id: 'd-5', room: 'durable', text: 'kept 5' })
    assert.deepEqual([dup.seq, dup.duplicate], [5, true])
    const [, next] = await c.ackArgs('banter:send', { id: 'd-32', room: 'durable', text: 'after restart' })
    assert.equal(next.seq, 32)
    c.close()
    await srv.stop()
  } finally {
    tmp.remove()
  }
})

test('operations: the status page, /healthz and clear start-up errors', async () => {
  await withServer({}, async (srv) => {
    const page = await fetch(srv.url + '/')
    assert.equal(page.status, 200)
    assert.match(await page.text(), /This is a Banter server/)
    const health = await fetch(srv.url + '/healthz').then((r) => r.json())
    assert.equal(health.status, 'ok')
    // a second server on the same port fails with a clear message
    await assert.rejects(startBanter({ port: srv.port }), /cannot listen on 127\.0\.0\.1:\d+/)
  })
})

test('over the event limit, events that asked for an ack are refused, never silently dropped', async () => {
  await withServer({ args: ['--rate-limit', '0', '--event-limit', '10'] }, async (srv, client) => {
    const c = await client()
    await c.ackArgs('join', { username: 'eager', room: 'events' })
    const acks = await Promise.all(Array.from({ length: 60 }, (_, i) => c.ackArgs('sendMessage', `quick ${i}`)))
    const ok = acks.filter((a) => a.length === 0).length
    const slow = acks.filter((a) => a[0] === 'Slow down! Too many messages.').length
    assert.equal(ok + slow, 60, 'every event with an ack got one')
    assert.ok(slow > 0 && ok >= 19, `ok ${ok}, refused ${slow}`)
  })
})

test('an acknowledged message survives a crash (SIGKILL): acks come after the commit', async () => {
  const tmp = tempDir()
  const db = join(tmp.dir, 'crash.db')
  try {
    let srv = await startBanter({ db, args: ['--rate-limit', '0'] })
    let c = await connect(srv.url)
    await c.ackArgs('join', { username: 'crash', room: 'durable', banter: { v: 1 } })
    const acked = new Map()
    let sent = 0
    // a bounded burst with many sends in flight; kill the server in the middle of it
    // kill the server once 100 acks have come back, with ~300 sends still in flight
    const pending = []
    for (let i = 0; i < 400; i++) {
      sent++
      pending.push(new Promise((resolve) => {
        c.socket.emit('banter:send', { id: `k-${i}`, room: 'durable', text: `crash test ${i}` }, (err, ok) => {
          if (err === null && ok) acked.set(ok.id, ok.seq)
          if (acked.size === 100) srv.child.kill('SIGKILL')
          resolve()
        })
      }))
    }
    await Promise.race([Promise.all(pending), sleep(2000)])
    assert.ok(acked.size >= 100, `${acked.size} acks before the kill`)
    await srv.stop()
    c.close()
    srv = await startBanter({ db, args: ['--rate-limit', '0'] })
    c = await connect(srv.url)
    const [, joined] = await c.ackArgs('join', { username: 'crash', room: 'durable', banter: { v: 1, since: 0 } })
    const stored = new Map(joined.history.map((m) => [m.id, m.seq]))
    for (const [id, seq] of acked) assert.equal(stored.get(id), seq, `acked ${id} is stored with seq ${seq}`)
    // seqs are gap-free, whatever was lost was never acknowledged
    assert.deepEqual(joined.history.map((m) => m.seq), joined.history.map((_, i) => i + 1))
    console.log(`crash: ${sent} sent, ${acked.size} acknowledged before SIGKILL, ${stored.size} stored, every acknowledged one among them`)
    c.close()
    await srv.stop()
  } finally {
    tmp.remove()
  }
})

// Replies (docs/protocol.md § 14) with the official socket.io-client against the real
// banter-server: a reply carries what it answers, live, in history and after a restart,
// and follows the answered message's edits and removal; classic clients get the text.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startBanter, connect, tempDir } from './support/harness.mjs'

const V = { v: 1 }
const ok = (ack, what) => { assert.equal(ack[0], null, `${what}: ${JSON.stringify(ack[0])}`); return ack[1] }

test('a reply shows what it answers, live, in history, after edits, a removal and a restart', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  const clients = []
  const client = async (srv) => { const c = await connect(srv.url); clients.push(c); return c }
  let srv = await startBanter({ db, keepDb: true })
  try {
    const ann = await client(srv)
    ok(await ann.ackArgs('banter:register', { name: 'ann', password: 'replies-test-pw' }), 'ann')
    const [hello] = await ann.next('banter:hello')
    assert.ok(hello.features.includes('replies'), hello.features)
    ok(await ann.ackArgs('join', { username: 'ann', room: 'talk', banter: V }), 'ann joins')
    const bob = await client(srv)
    ok(await bob.ackArgs('join', { username: 'bob', room: 'talk', banter: V }), 'bob joins')
    const classic = await client(srv)
    assert.deepEqual(await classic.ackArgs('join', { username: 'cy', room: 'talk' }), [])

    const q = ok(await ann.ackArgs('banter:send', { id: 'q-1', room: 'talk', text: 'lunch at noon or one?' }), 'question')
    ok(await bob.ackArgs('banter:send', { id: 'a-1', room: 'talk', text: 'noon', replyTo: 'q-1' }), 'answer')
    const [live] = await ann.next('banter:message', (m) => m.id === 'a-1')
    assert.deepEqual(live.replyTo, { id: 'q-1', seq: q.seq, username: 'ann', excerpt: 'lunch at noon or one?' })
    await classic.next('message', (m) => m.text === 'noon')

    assert.deepEqual(await bob.ackArgs('banter:send', { id: 'a-2', room: 'talk', text: 'x', replyTo: 'nope' }), ['No such message in this room.'])
    assert.deepEqual(await bob.ackArgs('banter:send', { id: 'a-3', room: 'talk', text: 'x', replyTo: '../../etc' }), ['No such message in this room.'])

    // the answered message is edited, then removed: replies show it as it is now
    ok(await ann.ackArgs('banter:edit', { room: 'talk', id: 'q-1', text: 'lunch at noon?' }), 'edit')
    let [, page] = await bob.ackArgs('banter:history', { room: 'talk', since: 0 })
    assert.equal(page.messages.find((m) => m.id === 'a-1').replyTo.excerpt, 'lunch at noon?')
    ok(await ann.ackArgs('banter:remove', { room: 'talk', id: 'q-1' }), 'remove')
    ;[, page] = await bob.ackArgs('banter:history', { room: 'talk', since: 0 })
    assert.deepEqual(page.messages.find((m) => m.id === 'a-1').replyTo, { id: 'q-1', seq: q.seq, username: 'ann', excerpt: '', removed: true })

    // a restart keeps it
    await srv.stop()
    srv = await startBanter({ db, keepDb: true, port: srv.port })
    const late = await client(srv)
    const [, joined] = await late.ackArgs('join', { username: 'lena', room: 'talk', banter: V })
    assert.equal(joined.history.find((m) => m.id === 'a-1').replyTo.id, 'q-1')
  } finally {
    clients.forEach((c) => c.close())
    await srv.stop()
    remove()
  }
})

// Reactions (docs/protocol.md § 13) with the official socket.io-client against the real
// banter-server: toggled by signed-in members, heard by every Banter socket, kept in history
// and across a restart, refused in words for guests, text and floods of kinds; classic
// clients see nothing of it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startBanter, connect, tempDir, sleep } from './support/harness.mjs'

const V = { v: 1 }
const PASSWORD = 'reactions-test-password'
const ok = (ack, what) => { assert.equal(ack[0], null, `${what}: ${JSON.stringify(ack[0])}`); return ack[1] }

test('members react; everyone hears it; history and a restart keep it; guests and bad emoji are refused', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  const clients = []
  const client = async (srv) => { const c = await connect(srv.url); clients.push(c); return c }
  // (no message rate limit: the test toggles 40 reactions in a row)
  const args = ['--rate-limit', '0']
  let srv = await startBanter({ db, keepDb: true, args })
  try {
    const ann = await client(srv)
    ok(await ann.ackArgs('banter:register', { name: 'ann', password: PASSWORD }), 'ann')
    const bob = await client(srv)
    ok(await bob.ackArgs('banter:register', { name: 'bob', password: PASSWORD }), 'bob')
    const [hello] = await ann.next('banter:hello')
    assert.ok(hello.features.includes('reactions'), hello.features)
    for (const [c, n] of [[ann, 'ann'], [bob, 'bob']]) ok(await c.ackArgs('join', { username: n, room: 'fun', banter: V }), `${n} joins`)
    const classic = await client(srv)
    assert.deepEqual(await classic.ackArgs('join', { username: 'cy', room: 'fun' }), [])
    const guest = await client(srv)
    ok(await guest.ackArgs('join', { username: 'gus', room: 'fun', banter: V }), 'gus joins')
    const sent = ok(await ann.ackArgs('banter:send', { id: 'news-1', room: 'fun', text: 'we shipped' }), 'send')

    const r1 = ok(await bob.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '🎉', on: true }), 'bob 🎉')
    assert.deepEqual(r1, { room: 'fun', id: 'news-1', seq: sent.seq, reactions: [{ emoji: '🎉', users: ['bob'] }] })
    assert.deepEqual((await ann.next('banter:reactions'))[0], r1)
    ok(await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '🎉', on: true }), 'ann 🎉')
    ok(await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '👍', on: true }), 'ann 👍')
    // the same reaction twice counts once; taking back what you did not give changes nothing
    ok(await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '👍', on: true }), 'ann 👍 again')
    const last = ok(await bob.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '👍', on: false }), 'bob takes back nothing')
    assert.deepEqual(last.reactions, [{ emoji: '🎉', users: ['bob', 'ann'] }, { emoji: '👍', users: ['ann'] }])

    // refusals, in words
    assert.deepEqual(await guest.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '👍', on: true }), ['Sign in to react to messages.'])
    for (const emoji of ['ok', '', '<img src=x onerror=alert(1)>', '👍 👍', 'x'.repeat(40)]) {
      assert.deepEqual(await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji, on: true }), ['A reaction is one emoji.'], emoji)
    }
    assert.deepEqual(await ann.ackArgs('banter:react', { room: 'fun', id: 'nope', emoji: '👍', on: true }), ['No such message in this room.'])
    assert.deepEqual(await ann.ackArgs('banter:react', { room: 'other', id: 'news-1', emoji: '👍', on: true }), ['Not in that room!'])
    assert.match((await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '👍' }))[0], /^Invalid payload/)
    const kinds = ['😀', '😃', '😄', '😁', '😆', '😅', '😂', '🤣', '😊', '😇', '🙂', '🙃', '😉', '😌', '😍', '🥰', '😘', '😗']
    for (const emoji of kinds) ok(await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji, on: true }), emoji)
    assert.deepEqual(await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji: '😙', on: true }), ['At most 20 different reactions on one message.'])
    for (const emoji of kinds) ok(await ann.ackArgs('banter:react', { room: 'fun', id: 'news-1', emoji, on: false }), emoji)

    await sleep(300)
    assert.equal(classic.of('banter:reactions').length, 0, 'classic sockets hear nothing of it')
    // history and a restart keep it
    const [, page] = await bob.ackArgs('banter:history', { room: 'fun', since: 0 })
    assert.deepEqual(page.messages.find((m) => m.id === 'news-1').reactions, last.reactions)
    await srv.stop()
    srv = await startBanter({ db, keepDb: true, port: srv.port, args })
    const late = await client(srv)
    const [, joined] = await late.ackArgs('join', { username: 'lena', room: 'fun', banter: V })
    assert.deepEqual(joined.history.find((m) => m.id === 'news-1').reactions, last.reactions)
  } finally {
    clients.forEach((c) => c.close())
    await srv.stop()
    remove()
  }
})

// Editing and deleting your own messages (docs/protocol.md § 12) with the official
// socket.io-client against the real banter-server: the author edits, everyone's Banter
// sockets hear it, history and a restart keep it, classic clients keep the original; only
// the author (signed in) may edit or delete its message.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startBanter, connect, tempDir, sleep } from './support/harness.mjs'

const V = { v: 1 }
const PASSWORD = 'edits-test-password'
const NOT_YOURS = 'You can only edit or delete your own messages.'
const GUEST = 'Sign in to edit or delete your messages.'
const NOT_TEXT = 'Only a text message can be edited.'
const NO_SUCH = 'No such message in this room.'
const NOT_ALLOWED = 'You may not do that in this room.'

const ok = (ack, what) => { assert.equal(ack[0], null, `${what}: ${JSON.stringify(ack[0])}`); return ack[1] }

async function register (c, name) {
  return ok(await c.ackArgs('banter:register', { name, password: PASSWORD }), `register ${name}`).token
}

test('authors edit and delete their own messages; others see it; classic peers keep the original; history and a restart keep the edit', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  const clients = []
  const client = async (srv, o) => { const c = await connect(srv.url, o); clients.push(c); return c }
  let srv = await startBanter({ db, keepDb: true })
  try {
    const ann = await client(srv)
    await register(ann, 'ann')
    const bob = await client(srv)
    await register(bob, 'bob')
    const [hello] = await ann.next('banter:hello')
    assert.ok(hello.features.includes('edits'), hello.features)
    ok(await ann.ackArgs('join', { username: 'ann', room: 'edits', banter: V }), 'ann joins')
    ok(await bob.ackArgs('join', { username: 'bob', room: 'edits', banter: V }), 'bob joins')
    const classic = await client(srv)
    assert.deepEqual(await classic.ackArgs('join', { username: 'cy', room: 'edits' }), [])
    const guest = await client(srv)
    ok(await guest.ackArgs('join', { username: 'gus', room: 'edits', banter: V }), 'gus joins')

    const sent = ok(await ann.ackArgs('banter:send', { id: 'typo-1', room: 'edits', text: 'helo wrld' }), 'send')
    await bob.next('banter:message', (m) => m.id === 'typo-1')
    await classic.next('message', (m) => m.text === 'helo wrld')

    // the author fixes it: the ack and everyone's Banter sockets get the new text
    const edited = ok(await ann.ackArgs('banter:edit', { room: 'edits', id: 'typo-1', text: 'hello world' }), 'edit')
    assert.deepEqual({ ...edited, editedAt: typeof edited.editedAt }, { room: 'edits', id: 'typo-1', seq: sent.seq, text: 'hello world', editedAt: 'number' })
    const [heard] = await bob.next('banter:edited')
    assert.deepEqual(heard, edited)
    await sleep(300)
    assert.equal(classic.of('message').filter(([m]) => m.text === 'hello world').length, 0, 'classic peers keep the original')

    // nobody else may; neither a guest; bad edits are refused in words and change nothing
    assert.deepEqual(await bob.ackArgs('banter:edit', { room: 'edits', id: 'typo-1', text: 'mine now' }), [NOT_YOURS])
    assert.deepEqual(await guest.ackArgs('banter:edit', { room: 'edits', id: 'typo-1', text: 'x' }), [GUEST])
    assert.deepEqual(await classic.ackArgs('banter:edit', { room: 'edits', id: 'typo-1', text: 'x' }), [GUEST])
    assert.deepEqual(await ann.ackArgs('banter:edit', { room: 'edits', id: 'nope', text: 'x' }), [NO_SUCH])
    assert.deepEqual(await ann.ackArgs('banter:edit', { room: 'edits', id: 'typo-1', text: '   ' }), ['Message is empty!'])
    assert.deepEqual(await ann.ackArgs('banter:edit', { room: 'edits', id: 'typo-1', text: 'shit' }), ['Profanity is not allowed!'])
    assert.deepEqual(await ann.ackArgs('banter:edit', { room: 'elsewhere', id: 'typo-1', text: 'x' }), ['Not in that room!'])
    assert.match((await ann.ackArgs('banter:edit', { room: 'edits', id: 'typo-1' }))[0], /^Invalid payload/)
    ok(await ann.ackArgs('banter:location', { id: 'here-1', room: 'edits', latitude: 1, longitude: 2 }), 'location')
    assert.deepEqual(await ann.ackArgs('banter:edit', { room: 'edits', id: 'here-1', text: 'x' }), [NOT_TEXT])

    // history has the edit; so does the search index
    const [, page] = await bob.ackArgs('banter:history', { room: 'edits', since: 0 })
    const m = page.messages.find((x) => x.id === 'typo-1')
    assert.equal(m.text, 'hello world')
    assert.equal(m.editedAt, edited.editedAt)
    const [, found] = await bob.ackArgs('banter:search', { query: 'world' })
    assert.deepEqual(found.hits.map((h) => h.id), ['typo-1'])
    assert.deepEqual((await bob.ackArgs('banter:search', { query: 'wrld' }))[1].hits, [])

    // a member deletes its own message (not a moderator: ann owns the room); not another's
    ok(await bob.ackArgs('banter:send', { id: 'oops-1', room: 'edits', text: 'wrong room, sorry' }), 'bob sends')
    assert.deepEqual(await bob.ackArgs('banter:remove', { room: 'edits', id: 'typo-1' }), [NOT_ALLOWED])
    ok(await bob.ackArgs('banter:remove', { room: 'edits', id: 'oops-1' }), 'bob deletes his own')
    const [tomb] = await ann.next('banter:removed', (r) => r.id === 'oops-1')
    assert.equal(tomb.by, 'bob')
    const [, log] = await ann.ackArgs('banter:modlog', { room: 'edits' })
    assert.deepEqual(log.entries[0], { ...log.entries[0], by: 'bob', action: 'delete', target: 'oops-1' })

    // a restart keeps the edit
    await srv.stop()
    srv = await startBanter({ db, keepDb: true, port: srv.port })
    const late = await client(srv)
    const [, again] = await late.ackArgs('join', { username: 'lena', room: 'edits', banter: V })
    const kept = again.history.find((x) => x.id === 'typo-1')
    assert.equal(kept.text, 'hello world')
    assert.equal(kept.editedAt, edited.editedAt)
    assert.equal(again.history.find((x) => x.id === 'oops-1').removed, true)
  } finally {
    clients.forEach((c) => c.close())
    await srv.stop()
    remove()
  }
})

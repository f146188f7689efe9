// Accounts and sessions (docs/protocol.md, "Accounts") with the official socket.io-client
// (4.x, Banter and classic joins, and 2.x) against the real banter-server binary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { startBanter, connect, connectError, serverBin, storeFlags, onPostgres, postgresDump, tempDir, until, sleep } from './support/harness.mjs'

const WRONG = 'Wrong name or password.'
const TOO_MANY = 'Too many sign-in attempts: wait a minute and try again.'
const IN_USE = 'Username is in use!'
const SESSION_INVALID = 'Unauthorized: this session is not valid (signed out, revoked or expired)'
const V2 = { client: 'v2' }

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

const banterJoin = (c, username, room) => c.ackArgs('join', { username, room, banter: { v: 1 } })
const classicJoin = (c, username, room) => c.ackArgs('join', { username, room })

async function register (c, name, password, extra = {}) {
  const ack = await c.ackArgs('banter:register', { name, password, ...extra })
  assert.equal(ack[0], null, `register ${name}: ${ack[0]}`)
  return ack[1]
}

/** Runs `banter-server ARGS` (an admin command) with `input` on stdin. */
function admin (args, input = '') {
  const r = spawnSync(serverBin(), args, { input, encoding: 'utf8', timeout: 20000, env: { ...process.env, RUST_LOG: 'warn' } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The database file and its WAL as text, to look for secrets in. */
function dbText (db) {
  if (onPostgres) return postgresDump(db)
  return [db, `${db}-wal`, `${db}-shm`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('\n')
}

test('register gives a token; the token signs in a second socket; names are the account\'s; secrets are in no log and not in the db', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  const password = 'correct-horse-4711'
  let token
  let log = ''
  try {
    await withServer({ db, keepDb: true, env: { RUST_LOG: 'debug' } }, async (srv, client) => {
      const a = await client()
      const [hello] = await a.next('banter:hello')
      assert.ok(hello.features.includes('accounts'), hello.features)
      assert.deepEqual(hello.accounts, { registration: 'open', guests: true })
      assert.equal(hello.account, undefined)
      const signed = await register(a, 'Ann', password, { device: 'laptop' })
      token = signed.token
      assert.match(token, /^[0-9a-f]{64}$/)
      assert.match(signed.session, /^[0-9a-f]{16}$/)
      assert.deepEqual({ ...signed.account, createdAt: 0 }, { name: 'ann', admin: false, createdAt: 0 })
      // the registering socket is signed in: it joins as ann, and only as ann
      assert.equal((await banterJoin(a, 'ann', 'acc-lobby'))[0], null)
      assert.deepEqual(await banterJoin(a, 'bob', 'acc-other'), ['You are signed in as ann: join with that name.'])
      // members see who is signed in and who is a guest
      const zoe = await client()
      const [, joinedZoe] = await banterJoin(zoe, 'zoe', 'acc-lobby')
      assert.deepEqual(joinedZoe.users, ['ann', 'zoe'])
      assert.deepEqual(joinedZoe.signedIn, ['ann'])
      const [presence] = await a.next('banter:presence', (p) => p.username === 'zoe')
      assert.deepEqual(presence.signedIn, ['ann'])
      assert.deepEqual(await a.ackArgs('banter:register', { name: 'zed', password }), ['Already signed in: sign out first.'])

      const b = await client({ auth: { session: token } })
      const [helloB] = await b.next('banter:hello')
      assert.equal(helloB.account.name, 'ann')
      assert.deepEqual(await banterJoin(b, 'mallory', 'acc-lobby2'), ['You are signed in as ann: join with that name.'])
      assert.equal((await banterJoin(b, 'ANN', 'acc-lobby2'))[0], null)
      // a classic join of a signed-in socket is held to the account's name too
      const c = await client({ auth: { session: token } })
      assert.deepEqual(await classicJoin(c, 'ann', 'acc-classic'), [])

      const bad = await connectError(srv.url, { auth: { session: 'f'.repeat(64) } })
      assert.equal(bad.message, SESSION_INVALID)
      const notString = await connectError(srv.url, { auth: { session: 42 } })
      assert.equal(notString.message, SESSION_INVALID)
      // `session: null` is no session: a guest
      const nothing = await client({ auth: { session: null } })
      assert.equal((await nothing.next('banter:hello'))[0].account, undefined)
      // a wrong password, logged as an attempt, never with the password
      const d = await client()
      assert.deepEqual(await d.ackArgs('banter:login', { name: 'ann', password: 'wrong-password-123' }), [WRONG])
      await sleep(200)
      log = srv.stderr()
    })
    // sessions last across a restart
    await withServer({ db, keepDb: true }, async (srv, client) => {
      const again = await client({ auth: { session: token } })
      assert.equal((await again.next('banter:hello'))[0].account.name, 'ann')
    })
    assert.ok(log.includes('account registered'), 'the debug log was captured')
    for (const secret of [password, token, 'wrong-password-123']) {
      assert.ok(!log.includes(secret), `a secret is in the server log: ${secret.slice(0, 4)}…`)
      assert.ok(!dbText(db).includes(secret), `a secret is in the database file: ${secret.slice(0, 4)}…`)
    }
    assert.ok(dbText(db).includes('argon2id$v=19$m=19456,t=2,p=1$'), 'the password hash is stored')
  } finally {
    remove()
  }
})

test('sessions are listed with their devices and revoked; a revoked or signed-out token is refused at the handshake', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client()
    const first = await register(a, 'ann', 'password-one', { device: 'laptop' })
    const b = await client()
    const [err, second] = await b.ackArgs('banter:login', { name: 'ann', password: 'password-one', device: 'phone' })
    assert.equal(err, null)
    assert.notEqual(second.token, first.token)
    const live = await client({ auth: { session: second.token } })

    const [e1, list] = await a.ackArgs('banter:sessions')
    assert.equal(e1, null)
    const bySession = Object.fromEntries(list.sessions.map((s) => [s.id, s]))
    assert.equal(list.sessions.length, 2)
    assert.equal(bySession[first.session].device, 'laptop')
    assert.equal(bySession[first.session].current, true)
    assert.equal(bySession[second.session].device, 'phone')
    assert.equal(bySession[second.session].current, false)
    assert.ok(bySession[second.session].lastUsedAt >= bySession[second.session].createdAt)

    assert.deepEqual(await a.ackArgs('banter:revoke', { session: 'nope' }), ['No such session.'])
    const gone = new Promise((resolve) => live.socket.once('disconnect', resolve))
    assert.deepEqual(await a.ackArgs('banter:revoke', { session: second.session }), [])
    await gone // the revoked session's live socket is disconnected
    assert.equal((await connectError(srv.url, { auth: { session: second.token } })).message, SESSION_INVALID)
    // b signed in with the revoked session too: it was disconnected as well
    await until(() => !b.socket.connected, 5000, 'b disconnected')

    // logout: the token stops working; the socket is a guest again
    const c = await client({ auth: { session: first.token } })
    assert.equal((await banterJoin(c, 'ann', 'acc-s'))[0], null)
    assert.deepEqual(await c.ackArgs('banter:logout'), [])
    assert.equal((await connectError(srv.url, { auth: { session: first.token } })).message, SESSION_INVALID)
    assert.deepEqual(await c.ackArgs('banter:sessions'), ['Sign in first!'])
    assert.deepEqual(await banterJoin(c, 'ann', 'acc-s'), [IN_USE])
  })
})

test('changing the password revokes the other sessions', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client()
    const mine = await register(a, 'ann', 'password-one')
    const b = await client()
    const other = (await b.ackArgs('banter:login', { name: 'ann', password: 'password-one', device: 'old phone' }))[1]
    const otherLive = await client({ auth: { session: other.token } })
    const gone = new Promise((resolve) => otherLive.socket.once('disconnect', resolve))

    assert.deepEqual(await a.ackArgs('banter:password', { old: 'not-the-password', new: 'password-two' }), [WRONG])
    assert.deepEqual(await a.ackArgs('banter:password', { old: 'password-one', new: 'short' }), ['Passwords must be 8 to 1024 bytes long.'])
    assert.deepEqual(await a.ackArgs('banter:password', { old: 'password-one', new: 'password-two' }), [null, { revoked: 1 }])
    await gone
    assert.equal((await connectError(srv.url, { auth: { session: other.token } })).message, SESSION_INVALID)
    // this device's session still works
    const still = await client({ auth: { session: mine.token } })
    assert.equal((await still.next('banter:hello'))[0].account.name, 'ann')
    const d = await client()
    assert.deepEqual(await d.ackArgs('banter:login', { name: 'ann', password: 'password-one' }), [WRONG])
    assert.equal((await d.ackArgs('banter:login', { name: 'ann', password: 'password-two' }))[0], null)
  })
})

test('a guest cannot take a registered name nor its case, width or confusable variants, nor a reserved name (Banter, classic 4.x and 2.x clients)', async () => {
  await withServer({}, async (srv, client) => {
    const a = await client()
    await register(a, 'ann', 'password-one')
    const variants = ['ann', 'ANN', 'Ann', '\u0430nn', '\uff41\uff4e\uff4e', ' ann ']
    const reserved = ['admin', 'Admin', '\u0410dmin', 'system', 'banter']
    for (const name of [...variants, ...reserved]) {
      const banter = await client()
      assert.deepEqual(await banterJoin(banter, name, 'acc-guests'), [IN_USE], `Banter guest ${JSON.stringify(name)}`)
      const classic = await client()
      assert.deepEqual(await classicJoin(classic, name, 'acc-guests'), [IN_USE], `classic guest ${JSON.stringify(name)}`)
    }
    const v2 = await client(V2)
    assert.deepEqual(await classicJoin(v2, '\u0430nn', 'acc-guests'), [IN_USE])
    // registering a variant of a taken name, or a reserved one, is refused too
    const r = await client()
    for (const name of ['ANN', '\u0430nn', 'admin', 'Admin']) {
      assert.deepEqual(await r.ackArgs('banter:register', { name, password: 'password-two' }), ['That name is taken: choose another.'], name)
    }
    // a name a guest is chatting under cannot be registered by someone else meanwhile
    const cy = await client()
    assert.deepEqual(await classicJoin(cy, 'cy', 'acc-guests'), [])
    assert.deepEqual(await r.ackArgs('banter:register', { name: 'CY', password: 'password-two' }), ['That name is taken: choose another.'])
    // but the guest itself may register it, and keeps its place
    assert.equal((await cy.ackArgs('banter:register', { name: 'cy', password: 'password-two' }))[0], null)
    // other names are free for guests, as today
    const bob = await client()
    assert.deepEqual(await classicJoin(bob, 'bob', 'acc-guests'), [])
    const bob2 = await client(V2)
    assert.deepEqual(await classicJoin(bob2, 'anna', 'acc-guests'), [])
  })
})

test('invite-only registration: codes from `banter-server invite create`, used up and refused after', async () => {
  await withServer({ args: ['--registration', 'invite'] }, async (srv, client) => {
    const c = await client()
    const [hello] = await c.next('banter:hello')
    assert.deepEqual(hello.accounts, { registration: 'invite', guests: true })
    assert.deepEqual(await c.ackArgs('banter:register', { name: 'ann', password: 'password-one' }), ['An invite code is required to register on this server.'])
    assert.deepEqual(await c.ackArgs('banter:register', { name: 'ann', password: 'password-one', invite: 'f'.repeat(32) }), ['This invite code is not valid (unknown, used up or expired).'])
    const made = admin(['invite', 'create', '--uses', '2', '--expires', '1h', ...storeFlags(srv.db)])
    assert.equal(made.code, 0, made.stderr)
    const code = made.stdout.trim()
    assert.match(code, /^[0-9a-f]{32}$/)
    for (const name of ['ann', 'bob']) {
      const s = await client()
      await register(s, name, 'password-one', { invite: code })
    }
    const late = await client()
    assert.deepEqual(await late.ackArgs('banter:register', { name: 'cid', password: 'password-one', invite: code }), ['This invite code is not valid (unknown, used up or expired).'])
    assert.equal(admin(['invite', 'create', '--expires', 'soon', ...storeFlags(srv.db)]).code, 1)
    assert.equal(admin(['invite', 'create', '--uses', '0', ...storeFlags(srv.db)]).code, 1)

    // an admin makes codes over the wire too; others may not
    assert.equal(admin(['user', 'create', '--admin', 'boss', ...storeFlags(srv.db)], 'boss-password-1\n').code, 0)
    const boss = await client()
    assert.equal((await boss.ackArgs('banter:login', { name: 'boss', password: 'boss-password-1' }))[0], null)
    const [e1, wire] = await boss.ackArgs('banter:invite', { uses: 1, expires: '1h' })
    assert.equal(e1, null)
    assert.match(wire.code, /^[0-9a-f]{32}$/)
    assert.equal(wire.uses, 1)
    assert.ok(Math.abs(wire.expiresAt - (Date.now() + 3600e3)) < 60e3, wire.expiresAt)
    const [e2, forever] = await boss.ackArgs('banter:invite', { expires: 'never' })
    assert.equal(e2, null)
    assert.equal(forever.expiresAt, undefined)
    assert.deepEqual(await boss.ackArgs('banter:invite', { uses: 0 }), ['An invite is for 1 to 1000 accounts.'])
    assert.match((await boss.ackArgs('banter:invite', { expires: 'tomorrow' }))[0], /^cannot read the duration/)
    const dee = await client()
    await register(dee, 'dee', 'password-one', { invite: wire.code })
    assert.deepEqual(await dee.ackArgs('banter:invite', {}), ['Only server admins may do that.'])
    const guest = await client()
    assert.deepEqual(await guest.ackArgs('banter:invite', {}), ['Sign in first!'])
  })
})

test('closed registration; `banter-server user create --admin` with the password on stdin, then sign-in', async () => {
  const { dir, remove } = tempDir()
  const db = join(dir, 'banter.db')
  try {
    const made = admin(['user', 'create', '--admin', 'Root2', ...storeFlags(db)], 'admin-password-1\n')
    assert.equal(made.code, 0, made.stderr)
    assert.match(made.stderr, /created account root2 \(admin\)/)
    assert.ok(!made.stdout.includes('admin-password-1') && !made.stderr.includes('admin-password-1'))
    const again = admin(['user', 'create', 'ROOT2', ...storeFlags(db)], 'admin-password-1\n')
    assert.equal(again.code, 1)
    assert.match(again.stderr, /That name is taken/)
    assert.equal(admin(['user', 'create', 'shorty', ...storeFlags(db)], 'short\n').code, 1)
    await withServer({ db, keepDb: true, args: ['--registration', 'closed'] }, async (srv, client) => {
      const c = await client()
      assert.deepEqual((await c.next('banter:hello'))[0].accounts, { registration: 'closed', guests: true })
      assert.deepEqual(await c.ackArgs('banter:register', { name: 'ann', password: 'password-one' }), ['Registration is closed on this server.'])
      const [err, signed] = await c.ackArgs('banter:login', { name: 'root2', password: 'admin-password-1', device: 'console' })
      assert.equal(err, null)
      assert.deepEqual({ ...signed.account, createdAt: 0 }, { name: 'root2', admin: true, createdAt: 0 })
      assert.equal((await banterJoin(c, 'root2', 'acc-admin'))[0], null)
    })
  } finally {
    remove()
  }
})

test('--guests deny: a classic client (4.x and 2.x) gets a clear ack error; a signed-in socket joins', async () => {
  await withServer({ args: ['--guests', 'deny'] }, async (srv, client) => {
    const DENIED = 'Guests are not allowed here: sign in first!'
    const classic = await client()
    assert.deepEqual((await classic.next('banter:hello'))[0].accounts, { registration: 'open', guests: false })
    assert.deepEqual(await classicJoin(classic, 'bob', 'acc-deny'), [DENIED])
    const v2 = await client(V2)
    assert.deepEqual(await classicJoin(v2, 'bob', 'acc-deny'), [DENIED])
    const banter = await client()
    assert.deepEqual(await banterJoin(banter, 'bob', 'acc-deny'), [DENIED])
    const signed = await register(banter, 'bob', 'password-one')
    assert.equal((await banterJoin(banter, 'bob', 'acc-deny'))[0], null)
    const viaHandshake = await client({ auth: { session: signed.token } })
    assert.deepEqual(await classicJoin(viaHandshake, 'bob', 'acc-deny-2'), [])
  })
})

test('1,000 wrong passwords against one account are refused and then slowed, with the same answers as for an unknown name', async () => {
  await withServer({}, async (srv, client) => {
    await register(await client(), 'ann', 'password-one')
    const a = await client()
    const attempt = async (name, password, sock = a) => (await sock.ackArgs('banter:login', { name, password }))[0]
    const t0 = Date.now()
    const known = []
    for (let i = 0; i < 20; i++) known.push(await attempt('ann', `wrong-password-${i}`))
    const unknown = []
    const u = await client()
    for (let i = 0; i < 20; i++) unknown.push(await attempt('nobody', `wrong-password-${i}`, u))
    assert.deepEqual(known, unknown, 'an unknown name is answered exactly as a known one')
    assert.deepEqual(known.slice(0, 5), Array(5).fill(WRONG))
    assert.deepEqual(known.slice(5), Array(15).fill(TOO_MANY))
    // 980 more, from 10 sockets of the same address (each within its own flood limit): every
    // one refused as too many, none checked
    for (let s = 0; s < 10; s++) {
      const sock = await client()
      const answers = []
      for (let i = 0; i < 98; i++) answers.push(await attempt('ann', `more-wrong-${s}-${i}`, sock))
      assert.deepEqual(answers, Array(98).fill(TOO_MANY), `socket ${s}`)
    }
    const took = Date.now() - t0
    // while throttled, even the right password is refused
    assert.equal(await attempt('ann', 'password-one', await client()), TOO_MANY)
    // another account from the same address still signs in
    const b = await client()
    await register(b, 'bob', 'password-two')
    const c = await client()
    assert.equal((await c.ackArgs('banter:login', { name: 'bob', password: 'password-two' }))[0], null)
    console.log(`# 1,000 wrong sign-ins against one account answered in ${took} ms (5 checked, 995 refused unchecked)`)
  })
})

test('account payloads are checked', async () => {
  await withServer({}, async (srv, client) => {
    const c = await client()
    assert.match((await c.ackArgs('banter:register', { name: 'ann' }))[0], /^Invalid payload: expected \{"name": string, "password": string/)
    assert.match((await c.ackArgs('banter:login', 'ann'))[0], /^Invalid payload/)
    assert.deepEqual(await c.ackArgs('banter:register', { name: '', password: 'password-one' }), ['A name is required!'])
    assert.deepEqual(await c.ackArgs('banter:register', { name: 'x'.repeat(33), password: 'password-one' }), ['Username is too long (at most 32 characters)!'])
    assert.deepEqual(await c.ackArgs('banter:register', { name: 'ann', password: 'x'.repeat(1025) }), ['Passwords must be 8 to 1024 bytes long.'])
    assert.deepEqual(await c.ackArgs('banter:logout'), ['Sign in first!'])
    assert.deepEqual(await c.ackArgs('banter:password', { old: 'a', new: 'b' }), ['Sign in first!'])
    assert.deepEqual(await c.ackArgs('banter:revoke', { session: 'x' }), ['Sign in first!'])
  })
})

test('BANTER_ADMIN_CODE: the first registration giving it is an admin, even with registration closed; then it is spent', async () => {
  const code = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
  await withServer({ args: ['--registration', 'closed'], env: { BANTER_ADMIN_CODE: code } }, async (srv, client) => {
    const c = await client()
    assert.deepEqual(await c.ackArgs('banter:register', { name: 'eve', password: 'password-one' }), ['Registration is closed on this server.'])
    const [err, signed] = await c.ackArgs('banter:register', { name: 'Owner', password: 'password-one', invite: code.toUpperCase() })
    assert.equal(err, null)
    assert.equal(signed.account.admin, true, 'the code makes an admin')
    const d = await client()
    assert.deepEqual(await d.ackArgs('banter:register', { name: 'mallory', password: 'password-two', invite: code }), ['This invite code is not valid (unknown, used up or expired).'])
    // an admin owns every room: settings of a room someone else made
    const e = await client({ auth: { session: signed.token } })
    const [, joined] = await e.ackArgs('join', { username: 'owner', room: 'anyroom', banter: { v: 1 } })
    assert.equal(joined.roomInfo.role, 'admin')
  })
  // a code too short is a start-up error, not a weak secret
  const r = await startBanter({ env: { BANTER_ADMIN_CODE: 'short' } }).then(async (s) => { await s.stop(); return 'started' }, (e) => String(e))
  assert.match(r, /BANTER_ADMIN_CODE must be at least 32 characters/)
})

// Issue 8's "done when", tried as new users would in the real windows: on a fresh
// banter-server two people create accounts in the app (two app instances, each with its own
// config and data dir: two computers), chat in a room and in a direct message; a DM from
// banter-cli notifies with the sender's name while another room is open; blocked from the
// member list, bob's DMs are refused until ann unblocks him in her account menu; one of them signs
// in on a second computer (a third app instance with fresh dirs) and finds the same rooms,
// the DM and the unread counts there, and the first computer's message as its own; a third
// party cannot join under either name (nor a case or look-alike variant) and cannot read the
// DM, tried on the wire with the official socket.io-client.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { io } from 'socket.io-client'
import { APP_BIN, SERVER_BIN, CLI_BIN, tmp, startServer, launchApp, shot, waitFor, notifications, raiseWindowsOf, keyringLookup, filesContaining } from './support/harness.mjs'
import { peer } from './support/peer.mjs'
import * as ui from './support/ui.mjs'

const NOTIFY_LOG = process.env.BANTER_NOTIFY_LOG
assert.ok(NOTIFY_LOG, 'run through scripts/e2e.sh (BANTER_NOTIFY_LOG is not set)')
for (const bin of [APP_BIN, SERVER_BIN, CLI_BIN]) assert.ok(existsSync(bin), `binary missing: ${bin}`)

const PASSWORDS = { ann: 'ann: correct horse battery', bob: 'bob: staple of the month' }
const dirs = (who) => ({ BANTER_CONFIG_DIR: tmp(`id-${who}-config`), BANTER_DATA_DIR: tmp(`id-${who}-data`), BANTER_LOG: 'info,banter_desktop=debug' })
let server
/** The app instances: name → { b (WebdriverIO), close, appPid }. */
const apps = {}
let dmId = null
/** A guest in the lobby (the official socket.io-client), to be told apart from accounts. */
let zed = null

/** Runs `fn` on one app's window (raised first, so a screenshot shows it). */
function on(who) {
  const a = apps[who]
  const pid = a.appPid()
  if (pid) raiseWindowsOf(pid)
  return a.b
}

async function chooseMode(b, text) {
  await waitFor(`the "${text}" choice`, async () => {
    const bar = await b.$('.auth-modes')
    if (!(await bar.isDisplayed())) return false
    const btn = await bar.$(`button=${text}`)
    if (!(await btn.isExisting())) return false
    await btn.click()
    return (await b.execute(() => document.querySelector('.auth-modes button[aria-pressed="true"]')?.textContent)) === text
  }, { timeout: 15000 })
}

/** Creates an account (or signs in) in the app's connect form and joins `room`. */
async function enter(b, { name, room, mode }) {
  await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
  await ui.fill(b, 'Server URL', server.url)
  await chooseMode(b, mode)
  await ui.fill(b, 'Account name', name)
  await ui.fill(b, 'Room', room)
  await ui.fill(b, 'Password', PASSWORDS[name])
  await (await b.$(`button=${mode === 'Create account' ? 'Create account and join' : 'Sign in and join'}`)).click()
  await waitFor(`#${room} open for ${name}`, async () => (await (await b.$('h1')).getText()).includes(room), { timeout: 30000 })
}

const timeline = (b) => ui.timelineText(b)
/** Types `text` in the composer and sends it (again if the room view was just rebuilt). */
async function send(b, text) {
  await waitFor(`"${text}" sent`, async () => {
    await ui.sendFromComposer(b, text)
    return true
  })
}
const heading = async (b) => (await b.$('h1')).getText()
/** The sidebar's DM entries: [{label, unread, room}]. */
const sidebarDms = (b) =>
  b.execute(() =>
    [...document.querySelectorAll('.sidebar .room.dm')].map((x) => ({
      label: x.querySelector('.room-name')?.textContent,
      unread: Number(x.querySelector('.badge')?.textContent ?? 0),
      room: x.getAttribute('data-room'),
    })),
  )
/** Unread badges of the sidebar's rooms: {room: n}. */
const roomBadges = (b) =>
  b.execute(() =>
    Object.fromEntries([...document.querySelectorAll('.sidebar .room:not(.dm)')].map((x) => [x.getAttribute('data-room'), Number(x.querySelector('.badge')?.textContent ?? 0)])),
  )

/** Opens a room or DM from the sidebar (by its room name or DM id). */
async function openSidebarRoom(b, room) {
  const sel = `.sidebar .room[data-room="${room}"]`
  await waitFor(`${room} shown`, async () => {
    const btn = await b.$(sel)
    if (!(await btn.isExisting())) return false
    if ((await btn.getAttribute('aria-current')) === 'page') return true
    await btn.click()
    return (await (await b.$(sel)).getAttribute('aria-current')) === 'page'
  })
}

/** Runs banter-cli with `args`, `input` on stdin; resolves with its exit code and output. */
function cli(args, input = '') {
  return new Promise((res) => {
    const p = spawn(CLI_BIN, args, { env: { ...process.env, BANTER_KEYRING_SERVICE: 'banter-e2e-identity-cli', RUST_LOG: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.stdin.end(input)
    p.once('exit', (code) => res({ code, out }))
  })
}

/** A socket of the official client, signed in as a new account `name` (or a guest). */
async function wireSocket({ register } = {}) {
  const s = io(server.url, { transports: ['websocket'], reconnection: false, forceNew: true })
  await new Promise((res, rej) => {
    s.once('connect', res)
    s.once('connect_error', rej)
  })
  if (register) {
    const [err] = await s.timeout(15000).emitWithAck('banter:register', { name: register, password: 'eve: not anybody else', device: 'e2e' }).then((a) => [a], (e) => [String(e)])
    assert.equal(err, null, `eve registers: ${err}`)
  }
  return s
}

/** Emits `event` with `payload` and returns the ack's arguments. */
const ask = (s, event, payload) => new Promise((res) => s.timeout(8000).emit(event, payload, (timeout, ...args) => res(timeout ? ['timeout'] : args)))

describe('Identity, end to end: accounts, a DM, a second computer, no impersonation', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ db: join(tmp('id-db'), 'identity.db') })
    for (const who of ['ann', 'bob']) {
      const env = dirs(who)
      const { browser, close, appPid } = await launchApp(env)
      apps[who] = { b: browser, close, appPid, env }
    }
  })
  after(async () => {
    zed?.close()
    for (const a of Object.values(apps)) await a.close?.()
    await server?.stop()
  })

  it('two people create accounts in the app and chat in a room', async () => {
    await enter(on('ann'), { name: 'ann', room: 'lobby', mode: 'Create account' })
    await enter(on('bob'), { name: 'bob', room: 'lobby', mode: 'Create account' })
    await send(on('bob'), 'hi ann, bob here')
    await waitFor('bob’s message at ann’s', async () => (await timeline(on('ann'))).includes('hi ann, bob here'))
    await send(on('ann'), 'hello bob, welcome')
    await waitFor('ann’s message at bob’s', async () => (await timeline(on('bob'))).includes('hello bob, welcome'))
    // who is who: bob is a verified account, a guest is marked as one
    zed = await peer(server.url, { username: 'zed', room: 'lobby' })
    const marks = () => on('ann').execute(() => Object.fromEntries([...document.querySelectorAll('.member-list li')].map((li) => [li.querySelector('.member-line')?.firstChild?.nextSibling?.textContent, li.querySelector('.id-mark')?.textContent ?? ''])))
    await waitFor('bob verified and zed a guest', async () => {
      const m = await marks()
      return m.bob === '✓' && m.zed === 'guest' && m['ann (you)'] === '✓'
    })
    assert.ok(!(await (await on('ann').$('aria/Message zed')).isExisting()), 'no Message for a guest')
    const author = await on('ann').execute(() => [...document.querySelectorAll('.msg .meta')].find((x) => x.textContent.includes('bob'))?.querySelector('.id-mark')?.getAttribute('aria-label'))
    assert.equal(author, 'verified account', 'bob’s name on his message is marked verified')
  })

  it('"Message" on a member opens the DM, named by the other person; both see it', async () => {
    const b = on('ann')
    await waitFor('"Message bob" in the member list', async () => (await b.$('aria/Message bob')).isExisting()).catch(async (e) => {
      const dump = await b.execute(() => document.querySelector('.members')?.outerHTML)
      throw new Error(`${e.message}; members: ${dump}`)
    })
    assert.ok(!(await (await b.$('aria/Message ann')).isExisting()), 'no Message on yourself')
    await (await b.$('aria/Message bob')).click()
    await waitFor('the DM open', async () => (await heading(b)) === 'bob')
    const dms = await waitFor('the DM in the sidebar', async () => {
      const d = await sidebarDms(b)
      return d.length === 1 && d
    })
    assert.equal(dms[0].label, 'bob', 'named by bob, never by its id')
    assert.match(dms[0].room, /^dm:[0-9a-f]{24}$/)
    dmId = dms[0].room
    assert.ok(!(await b.execute(() => document.querySelector('.sidebar').textContent)).includes('dm:'), 'no DM id shown')
    await send(b, 'just between us')
    await waitFor('delivered', async () => (await ui.ownStatus(b, 'just between us')).some((s) => s.startsWith('delivered')))
    await shot(b, 'id-01-dm-open-ann')

    // bob: the same conversation, from his member list (or found in his sidebar)
    const bb = on('bob')
    await waitFor('bob has the DM', async () => {
      if ((await sidebarDms(bb)).length) return true
      const btn = await bb.$('aria/Message ann')
      if (await btn.isExisting()) await btn.click()
      return false
    }, { timeout: 20000 })
    const bobDms = await sidebarDms(bb)
    assert.deepEqual(bobDms.map((d) => [d.label, d.room]), [['ann', dmId]], 'the same DM, named by ann')
    await openSidebarRoom(bb, dmId)
    await waitFor('ann’s DM at bob’s', async () => (await timeline(bb)).includes('just between us'))
    await send(bb, 'sure, just us')
    await waitFor('bob’s DM reply at ann’s', async () => (await timeline(on('ann'))).includes('sure, just us'))
    await shot(on('bob'), 'id-02-dm-bob')
  })

  it('a DM from banter-cli notifies with the sender’s name while another room is open', async () => {
    const b = on('ann')
    await openSidebarRoom(b, 'lobby')
    // ann's window has the focus and shows #lobby: a room's message would not notify now
    await waitFor('ann’s window focused', async () => {
      on('ann')
      return b.execute(() => document.hasFocus())
    })
    const login = await cli(['account', 'login', '--server', server.url, '--name', 'bob', '--device', 'e2e cli'], `${PASSWORDS.bob}\n`)
    assert.equal(login.code, 0, login.out)
    const before = notifications(NOTIFY_LOG).length
    const sent = await cli(['dm', '--server', server.url, '--name', 'bob', '--to', 'ann', '--data-dir', tmp('id-cli')], 'ping from the command line\n')
    assert.equal(sent.code, 0, sent.out)
    const n = await waitFor('a Notify naming bob', () => notifications(NOTIFY_LOG).slice(before).find((x) => /bob/.test(x.summary) && /ping from the command line/.test(x.body)), { timeout: 20000 })
    // one DM, or a burst with bob's last one (messages within 1.2 s are shown together)
    assert.match(n.summary, /^(Direct message from bob|\d+ direct messages from bob)$/)
    assert.ok(!/dm:/.test(n.summary + n.body), 'never the DM id')
    // and the sidebar counts it as unread in the DM
    await waitFor('the DM’s unread badge', async () => (await sidebarDms(b))[0]?.unread >= 1)
    await shot(b, 'id-03-dm-unread-in-sidebar')
  })

  it('ann blocks bob from the member list: his DMs are refused until she unblocks him in her account menu', async () => {
    const b = on('ann')
    await openSidebarRoom(b, 'lobby')
    const bobDm = (text) => cli(['dm', '--server', server.url, '--name', 'bob', '--to', 'ann', '--data-dir', tmp('id-cli')], `${text}\n`)
    await waitFor('"Block bob" in the member list', async () => (await b.$('aria/Block bob')).isExisting())
    assert.ok(!(await (await b.$('aria/Block ann')).isExisting()), 'no Block on yourself')
    assert.ok(!(await (await b.$('aria/Block zed')).isExisting()), 'no Block for a guest')
    await (await b.$('aria/Block bob')).click()
    await waitFor('"Unblock bob" in its place', async () => (await b.$('aria/Unblock bob')).isExisting()).catch(async (e) => {
      throw new Error(`${e.message}; said: ${await b.execute(() => document.querySelector('.toast')?.textContent)}`)
    })
    await shot(b, 'id-03b-member-blocked')
    const refused = await bobDm('let me in')
    assert.match(refused.out, /a member has blocked you/, `bob's DM is refused: ${refused.out}`)
    // unblocked from the account menu, which lists him
    await (await b.$(`aria/Account menu for ${server.url.replace(/^https?:\/\//, '')}`)).click()
    const list = await waitFor('bob in the blocked list', async () => {
      const names = await b.execute(() => [...document.querySelectorAll('.account-menu .block-list .blocked-name')].map((x) => x.textContent))
      return names.length && names
    })
    assert.deepEqual(list, ['bob'])
    await shot(b, 'id-03c-account-menu-blocked')
    await (await (await b.$('.account-menu')).$('aria/Unblock bob')).click()
    await waitFor('the list empty', async () => (await b.execute(() => document.querySelector('.account-menu .block-list')?.textContent)) === 'You block no one.')
    await (await (await b.$('.account-menu')).$('button=Close')).click()
    await waitFor('"Block bob" again', async () => (await b.$('aria/Block bob')).isExisting())
    const sent = await bobDm('back again')
    assert.equal(sent.code, 0, sent.out)
    assert.doesNotMatch(sent.out, /blocked you/)
    await openSidebarRoom(b, dmId)
    await waitFor('bob’s DM at ann’s', async () => (await timeline(b)).includes('back again'))
    assert.ok(!(await timeline(b)).includes('let me in'), 'the refused one was never delivered')
    await openSidebarRoom(b, 'lobby')
  })

  it('the account menu lists this computer’s session and says a wrong password in words', async () => {
    const b = on('ann')
    await (await b.$(`aria/Account menu for ${server.url.replace(/^https?:\/\//, '')}`)).click()
    await waitFor('the sessions', async () => (await b.execute(() => [...document.querySelectorAll('.session .device')].map((x) => x.textContent))).includes('Banter desktop'))
    assert.equal(await b.execute(() => document.querySelector('.session.current .this-device')?.textContent), 'This computer')
    assert.equal(await b.execute(() => document.querySelector('.session.current button')), null, 'this computer’s session is not revocable from the list')
    await ui.fill(b, 'Current password', 'not my password')
    await ui.fill(b, 'New password', 'a new password for ann')
    await ui.fill(b, 'New password again', 'a new password for ann')
    await (await b.$('button=Change password')).click()
    const err = await waitFor('the error', async () => (await (await b.$('.password-form .form-error')).getText()) || null, { timeout: 15000 })
    assert.equal(err, 'Your current password is not right.')
    await shot(b, 'id-04-account-menu')
    await (await (await b.$('.account-menu')).$('button=Close')).click()
  })

  it('the owner sets a topic, removes a message (a tombstone everywhere) and kicks a guest', async () => {
    const b = on('ann')
    await openSidebarRoom(b, 'lobby')
    await waitFor('"Room settings" for the owner', async () => (await b.$('button=Room settings')).isDisplayed())
    assert.ok(!(await (await on('bob').$('button=Room settings')).isDisplayed()), 'not for bob')
    await (await on('ann').$('button=Room settings')).click()
    await ui.fill(b, 'Topic', 'Plans for Friday')
    await shot(b, 'id-05-room-settings')
    await (await b.$('button=Save')).click()
    await openSidebarRoom(on('bob'), 'lobby')
    for (const who of ['ann', 'bob']) {
      await waitFor(`the topic at ${who}’s`, async () => (await on(who).execute(() => document.querySelector('.room-head .topic')?.textContent)) === '· Plans for Friday')
    }
    // remove bob's first message: "Remove", then confirm
    const removeBtn = async () => b.$('aria/Remove the message “hi ann, bob here”')
    await waitFor('the tombstone at ann’s', async () => {
      if (await (await removeBtn()).isExisting()) await (await removeBtn()).click()
      return (await timeline(b)).includes('message removed by ann')
    })
    for (const who of ['ann', 'bob']) {
      await waitFor(`the tombstone at ${who}’s`, async () => {
        const t = await timeline(on(who))
        return t.includes('message removed by ann') && !t.includes('hi ann, bob here')
      })
    }
    await shot(on('bob'), 'id-06-tombstone-bob')
    assert.ok(!(await zed.history()).some((m) => m.text === 'hi ann, bob here'), 'gone from the server’s history too')
    const kicked = new Promise((res) => zed.socket.once('banter:kicked', res))
    await (await b.$('aria/Kick zed')).click()
    assert.equal((await kicked).by, 'ann')
    await waitFor('zed gone from the member list', async () => !(await b.execute(() => document.querySelector('.member-list').textContent)).includes('zed'))
    // a ban holds: the name cannot come back
    const mal = await peer(server.url, { username: 'mal', room: 'lobby' })
    try {
      const banned = new Promise((res) => mal.socket.once('banter:kicked', res))
      await waitFor('"Ban mal"', async () => {
        const btn = await b.$('aria/Ban mal')
        if (!(await btn.isExisting())) return false
        await btn.click()
        return true
      })
      assert.equal((await banned).banned, true)
    } finally {
      mal.close()
    }
    await assert.rejects(peer(server.url, { username: 'mal', room: 'lobby' }), /You are banned from this room\./)
    await assert.rejects(peer(server.url, { username: 'MAL', room: 'lobby', banter: false }), /You are banned from this room\./)
  })

  it('a third party cannot join under either name, nor a case or look-alike variant, nor read the DM', async () => {
    for (const username of ['ann', 'ANN', 'Bob', '\u0430nn', '\uff42\uff4f\uff42']) {
      await assert.rejects(peer(server.url, { username, room: 'lobby' }), /Username is in use!/, `a Banter guest as ${username}`)
      await assert.rejects(peer(server.url, { username, room: 'lobby', banter: false }), /Username is in use!/, `a classic guest as ${username}`)
    }
    // eve, an account of her own, and a guest: neither reads the DM
    const eve = await wireSocket({ register: 'eve' })
    const guest = await wireSocket()
    try {
      for (const s of [eve, guest]) {
        const [err] = await ask(s, 'banter:history', { room: dmId, since: 0, limit: 500 })
        assert.ok(err, `history refused: ${err}`)
        const [sendErr] = await ask(s, 'banter:send', { id: `eve-${Date.now()}`, room: dmId, text: 'let me in' })
        assert.ok(sendErr, `send refused: ${sendErr}`)
      }
      const [openErr] = await ask(eve, 'banter:dm-open', { dm: dmId })
      assert.equal(openErr, 'No such conversation.')
      const [joinErr] = await ask(guest, 'join', { username: 'mallory', room: dmId, banter: { v: 1 } })
      assert.match(String(joinErr), /reserved for direct messages/)
      let leaked = false
      for (const s of [eve, guest]) s.on('banter:message', (m) => (leaked ||= m.room === dmId))
      await openSidebarRoom(on('bob'), dmId)
      await send(on('bob'), 'still just us')
      await waitFor('the message at ann’s', async () => {
        await openSidebarRoom(on('ann'), dmId)
        return (await timeline(on('ann'))).includes('still just us')
      })
      assert.equal(leaked, false, 'no DM message reached eve or the guest')
    } finally {
      eve.close()
      guest.close()
    }
  })

  it('signed in on a second computer: the same rooms, the DM, the unread counts, and her own messages', async () => {
    // ann is in #random too; bob writes there and in the DM while ann looks at the lobby
    for (const who of ['ann', 'bob']) {
      const b = on(who)
      await ui.openJoinForm(b)
      await ui.fill(b, 'Room', 'random')
      await (await b.$('aria/Join')).click()
      await waitFor(`#random open at ${who}’s`, async () => (await heading(b)).includes('random'), { timeout: 20000 })
    }
    await openSidebarRoom(on('ann'), 'lobby')
    await send(on('bob'), 'random one')
    await send(on('bob'), 'random two')
    await openSidebarRoom(on('bob'), dmId)
    await send(on('bob'), 'are you there?')
    const first = await waitFor('ann’s badges on her first computer', async () => {
      const rooms = await roomBadges(on('ann'))
      const dms = await sidebarDms(on('ann'))
      return rooms.random === 2 && dms[0]?.unread >= 1 && { random: rooms.random, dm: dms[0].unread }
    }, { timeout: 20000 })

    // a computer of its own: its own dirs and its own keyring (no session of the first one)
    const secondEnv = { ...dirs('ann-second'), BANTER_KEYRING_SERVICE: 'banter-e2e-second-computer' }
    const { browser, close, appPid } = await launchApp(secondEnv)
    apps.ann2 = { b: browser, close, appPid, env: secondEnv }
    const c = on('ann2')
    await enter(c, { name: 'ann', room: 'lobby', mode: 'Sign in' })
    const found = await waitFor('the rooms and the DM on the second computer', async () => {
      const rooms = await roomBadges(c)
      const dms = await sidebarDms(c)
      return 'random' in rooms && dms.length === 1 && { rooms, dms }
    }, { timeout: 30000 })
    assert.deepEqual(Object.keys(found.rooms).sort(), ['lobby', 'random'], 'the same rooms')
    assert.deepEqual(found.dms.map((d) => [d.label, d.room]), [['bob', dmId]], 'the same DM, named by bob')
    assert.equal(found.rooms.random, first.random, 'the same unread count in #random')
    assert.equal(found.dms[0].unread, first.dm, 'the same unread count in the DM')
    // her message from the first computer is her own here
    await waitFor('her own message', async () =>
      c.execute(() => [...document.querySelectorAll('.msg.own')].some((r) => r.querySelector('.text')?.textContent === 'hello bob, welcome')),
    )
    await shot(c, 'id-07-second-computer')
    // two sessions now, this one marked
    await (await c.$(`aria/Account menu for ${server.url.replace(/^https?:\/\//, '')}`)).click()
    await waitFor('two sessions', async () => (await c.execute(() => document.querySelectorAll('.session .device').length)) === 2)
    assert.equal(await c.execute(() => document.querySelectorAll('.session.current').length), 1)
    await (await (await c.$('.account-menu')).$('button=Close')).click()
  })

  it('kicked from a room, bob’s window says so in words and stops there', async () => {
    await openSidebarRoom(on('ann'), 'random')
    await waitFor('"Kick bob"', async () => {
      const k = await on('ann').$('aria/Kick bob')
      if (!(await k.isExisting())) return false
      await k.click()
      return true
    })
    const bb = on('bob')
    await openSidebarRoom(bb, 'random')
    const text = await waitFor('the words', async () => {
      const t = await bb.execute(() => document.querySelector('.banner:not([hidden])')?.textContent ?? '')
      return t.includes('removed from #random') && t
    })
    assert.match(text, /You were removed from #random by ann\./)
    assert.equal(await bb.execute(() => document.querySelector('form.composer')?.hidden), true, 'nothing more to send there')
    await shot(bb, 'id-08-kicked-bob')
  })

  it('leaving a room on one computer leaves it on the other; the account menu ends other sessions', async () => {
    const c = on('ann2')
    await openSidebarRoom(c, 'random')
    await (await c.$('button=Leave')).click()
    for (const who of ['ann2', 'ann']) {
      await waitFor(`#random gone at ${who}’s`, async () => !('random' in (await roomBadges(on(who)))), { timeout: 15000 })
    }
    await new Promise((r) => setTimeout(r, 300)) // the room's last events
    assert.equal(await c.execute(() => document.querySelector('.sidebar .conn')?.textContent), 'Connected', 'leaving a room leaves the server connected')
    // bob ends the banter-cli session from his account menu
    const bb = on('bob')
    await (await bb.$(`aria/Account menu for ${server.url.replace(/^https?:\/\//, '')}`)).click()
    await waitFor('bob’s two sessions', async () => (await bb.execute(() => [...document.querySelectorAll('.session .device')].map((x) => x.textContent).sort().join())) === 'Banter desktop,e2e cli')
    await (await bb.$('.session:not(.current) button')).click()
    await waitFor('one session left', async () => (await bb.execute(() => document.querySelectorAll('.session .device').length)) === 1)
    assert.equal(await bb.execute(() => document.querySelector('.account-menu .menu-status')?.textContent), 'e2e cli was signed out.')
    await shot(bb, 'id-09-session-signed-out')
    await (await (await bb.$('.account-menu')).$('button=Close')).click()
    const gone = await cli(['account', 'sessions', '--server', server.url, '--name', 'bob'])
    assert.notEqual(gone.code, 0, `the cli's session is no longer valid: ${gone.out}`)
    // ann changes her password on the second computer: the first computer's session ends
    await (await c.$(`aria/Account menu for ${server.url.replace(/^https?:\/\//, '')}`)).click()
    await ui.fill(c, 'Current password', PASSWORDS.ann)
    await ui.fill(c, 'New password', 'ann: a brand new password')
    await ui.fill(c, 'New password again', 'ann: a brand new password')
    await (await c.$('button=Change password')).click()
    const done = await waitFor('the change', async () => (await c.execute(() => document.querySelector('.password-form .menu-status.ok')?.textContent)) || null, { timeout: 15000 })
    assert.equal(done, 'Password changed. 1 other session was signed out.')
    await waitFor('one session left', async () => (await c.execute(() => document.querySelectorAll('.session .device').length)) === 1)
    await (await (await c.$('.account-menu')).$('button=Close')).click()
  })

  it('a private room: those without a role go, a member may come back, a guest may not', async () => {
    const c = on('ann2')
    await openSidebarRoom(c, 'lobby')
    await waitFor('"Room settings"', async () => (await c.$('button=Room settings')).isDisplayed())
    await (await c.$('button=Room settings')).click()
    await (await c.$('#rs-private')).click()
    await shot(c, 'id-12-room-settings-private')
    await (await c.$('button=Save')).click()
    const bb = on('bob')
    await openSidebarRoom(bb, 'lobby')
    await waitFor('bob told he was removed', async () => /removed from #lobby/.test(await bb.execute(() => document.querySelector('.banner:not([hidden])')?.textContent ?? '')), { timeout: 15000 })
    await assert.rejects(peer(server.url, { username: 'walker', room: 'lobby' }), /This room is private: only its members may join\./)
    // ann invites bob; he joins again (and so the restart below finds #lobby among his rooms)
    await (await on('ann2').$('button=Room settings')).click()
    // by id: `aria/Members` is also the member list's name
    const field = await on('ann2').$('#rs-members')
    await field.waitForDisplayed()
    await field.setValue('bob')
    await (await on('ann2').$('button=Save')).click()
    await waitFor('the dialog closed', async () => !(await (await on('ann2').$('.room-settings')).isExisting()))
    const b2 = on('bob')
    await ui.openJoinForm(b2)
    await ui.fill(b2, 'Room', 'lobby')
    await (await b2.$('aria/Join')).click()
    await waitFor('bob back in #lobby', async () => (await heading(b2)).includes('lobby') && !(await b2.execute(() => document.querySelector('.banner.ended:not([hidden])'))), { timeout: 20000 })
  })

  it('after a restart bob’s window reopens the DM, named by ann, signed in', async () => {
    await apps.bob.close()
    const { browser, close, appPid } = await launchApp({ ...apps.bob.env, GTK_THEME: 'Adwaita:dark' })
    apps.bob = { ...apps.bob, b: browser, close, appPid }
    const bb = on('bob')
    const dms = await waitFor('the DM back in the sidebar', async () => {
      const d = await sidebarDms(bb)
      return d.length === 1 && d
    }, { timeout: 30000 })
    assert.deepEqual(dms.map((d) => [d.label, d.room]), [['ann', dmId]])
    assert.deepEqual(Object.keys(await roomBadges(bb)), ['lobby'], 'not #random, which he was kicked from')
    await openSidebarRoom(bb, dmId)
    await waitFor('its history', async () => (await timeline(bb)).includes('are you there?'))
    await shot(bb, 'id-10-restarted-dm-bob-dark')
    await (await bb.$(`aria/Account menu for ${server.url.replace(/^https?:\/\//, '')}`)).click()
    await waitFor('the sessions', async () => (await bb.execute(() => document.querySelectorAll('.session .device').length)) >= 1)
    await shot(bb, 'id-11-account-menu-dark')
    await (await (await bb.$('.account-menu')).$('button=Close')).click()
  })

  it('no password and no session token in any file of the three computers', async () => {
    const secrets = [...Object.values(PASSWORDS), 'ann: a brand new password']
    for (const service of ['banter', 'banter-e2e-second-computer']) {
      for (const who of ['ann', 'bob']) {
        const t = keyringLookup(service, `session:${who}@${server.url}`)
        if (t) secrets.push(t)
      }
    }
    assert.ok(secrets.length >= 5, 'the sessions were read back from the keyrings')
    for (const a of Object.values(apps)) {
      for (const dir of [a.env.BANTER_CONFIG_DIR, a.env.BANTER_DATA_DIR]) {
        for (const secret of secrets) assert.deepEqual(filesContaining(dir, secret), [], `a secret in ${dir}`)
      }
    }
  })
})

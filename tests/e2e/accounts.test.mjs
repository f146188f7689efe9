// Accounts in the real window (issue 8 item 10, first slice), against a real banter-server:
// create an account, the session token in the keyring only, a guest refused the name, sign
// out, a wrong password in plain words, sign in again, and a restart that comes back signed
// in (light, then dark).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { APP_BIN, SERVER_BIN, ARTIFACTS, tmp, startServer, launchApp, shot, waitFor, keyringLookup, filesContaining } from './support/harness.mjs'
import { peer } from './support/peer.mjs'
import * as ui from './support/ui.mjs'

assert.ok(process.env.BANTER_NOTIFY_LOG, 'run through scripts/e2e.sh (BANTER_NOTIFY_LOG is not set)')
assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)

const dirs = { config: tmp('acc-config'), data: tmp('acc-data'), db: tmp('acc-db') }
const appEnv = { BANTER_CONFIG_DIR: dirs.config, BANTER_DATA_DIR: dirs.data, BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'info' }
const PASSWORD = 'correct horse battery staple'
let server
let app
let b

const $ = (sel) => b.$(sel)
const fill = (label, value) => ui.fill(b, label, value)
const settingsFile = () => JSON.parse(readFileSync(join(dirs.config, 'settings.json'), 'utf8'))
const sessionInKeyring = () => keyringLookup('banter', `session:ann@${server.url}`)
const host = () => server.url.replace(/^https?:\/\//, '')
const formError = async () => (await $('.form-error')).getText()
const pressed = () => b.execute(() => document.querySelector('.auth-modes button[aria-pressed="true"]')?.textContent ?? null)

/** Clicks a mode of the form (Sign in, Create account) once the server's policy shows it. */
async function chooseMode(text) {
  await waitFor(`the "${text}" choice`, async () => {
    const bar = await $('.auth-modes')
    if (!(await bar.isDisplayed())) return false
    const btn = await bar.$(`button=${text}`)
    if (!(await btn.isExisting())) return false
    await btn.click()
    return (await pressed()) === text
  }, { timeout: 15000 })
}

async function joined(room = 'lobby') {
  await waitFor(`#${room} open`, async () => (await (await $('h1')).getText()).includes(room), { timeout: 20000 })
}

async function signedInSidebar() {
  await waitFor('"Sign out" in the sidebar', async () => (await $(`aria/Sign out of ${host()}`)).isExisting(), { timeout: 20000 })
  // who is signed in, as the server head shows it
  return b.execute(() => document.querySelector('.sidebar .account-name')?.textContent ?? '')
}

async function signOut() {
  await waitFor('the sign-in form after signing out', async () => {
    const url = await $('aria/Server URL')
    if (await url.isDisplayed()) return true
    const btn = await $(`aria/Sign out of ${host()}`)
    if (await btn.isExisting()) await btn.click()
    return false
  }, { timeout: 20000 })
}

async function checkNoSecretsOnDisk(token) {
  for (const secret of [token, PASSWORD]) {
    assert.deepEqual(filesContaining(dirs.config, secret), [], 'not in the config dir')
    assert.deepEqual(filesContaining(dirs.data, secret), [], 'not in the data dir')
    assert.deepEqual(filesContaining(join(ARTIFACTS, 'server-accounts.db.log'), secret), [], 'not in the server log')
  }
  const storage = await b.execute(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
  assert.ok(!storage.includes(token) && !storage.includes(PASSWORD), 'not in the page storage')
}

describe('Accounts in the desktop app', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ db: join(dirs.db, 'accounts.db') })
    ;({ browser: b, close: app } = await launchApp(appEnv))
  })
  after(async () => {
    await app?.()
    await server?.stop()
  })

  it('creates an account: joined as it, the session token in the keyring and in no file', async () => {
    await (await $('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
    await fill('Server URL', server.url)
    await chooseMode('Create account')
    assert.deepEqual(
      await b.execute(() => [...document.querySelectorAll('.auth-modes button')].map((x) => x.textContent)),
      ['Sign in', 'Create account', 'Continue as guest'],
      'an open server with guests offers all three',
    )
    const pw = await $('aria/Password')
    assert.equal(await pw.getAttribute('type'), 'password')
    assert.ok(!(await (await $('#f-invite')).isDisplayed()), 'no invite code on an open server')
    await fill('Account name', 'Ann')
    await fill('Room', 'lobby')
    await fill('Password', PASSWORD)
    await shot(b, 'acc-01-create-account')
    await (await $('button=Create account and join')).click()
    await joined()
    assert.equal(await signedInSidebar(), 'ann', 'the server head names the account')
    await waitFor('ann (you) among the members', async () => /ann \(you\)/.test(await b.execute(() => document.querySelector('.member-list')?.textContent ?? '')))
    await shot(b, 'acc-02-signed-in')

    const token = sessionInKeyring()
    assert.match(token ?? '', /^[0-9a-f]{64}$/, 'the session token is in the keyring, read by another process')
    const s = settingsFile()
    assert.equal(s.servers[0].account, 'ann', 'settings keep the account name')
    await checkNoSecretsOnDisk(token)
  })

  it('a guest cannot take the name (nor a case variant of it)', async () => {
    for (const username of ['ann', 'ANN']) {
      await assert.rejects(peer(server.url, { username, room: 'lobby' }), /Username is in use!/, username)
    }
  })

  it('signs out: the session ends and leaves the keyring, and the form comes back', async () => {
    const token = sessionInKeyring()
    await signOut()
    // once the server's policy is back, the form is ready to sign in again
    await waitFor('"Sign in" chosen', async () => (await pressed()) === 'Sign in')
    assert.equal(await (await $('aria/Account name')).getValue(), 'ann', 'the name is kept')
    assert.equal(sessionInKeyring(), null, 'gone from the keyring')
    assert.ok(!settingsFile().servers.some((x) => x.account), 'no account in the settings')
    // the token no longer signs anyone in
    await assert.rejects(
      (async () => {
        const { io } = await import('socket.io-client')
        const sock = io(server.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { session: token } })
        try {
          await new Promise((res, rej) => {
            sock.once('connect', res)
            sock.once('connect_error', rej)
          })
        } finally {
          sock.close()
        }
      })(),
      /session is not valid/,
    )
  })

  it('a wrong password is said in plain words, keeping the rest; the right one joins', async () => {
    await chooseMode('Sign in')
    await fill('Room', 'lobby')
    await fill('Password', 'not my password')
    await (await $('button=Sign in and join')).click()
    const err = await waitFor('the error', async () => (await formError()) || null, { timeout: 20000 })
    assert.equal(err, 'Wrong name or password.')
    assert.equal(await (await $('aria/Password')).getValue(), '', 'the password is cleared')
    assert.equal(await (await $('aria/Account name')).getValue(), 'ann', 'the name stays')
    assert.equal(await (await $('aria/Room')).getValue(), 'lobby', 'the room stays')
    assert.equal(await (await $('aria/Server URL')).getValue(), server.url)
    await shot(b, 'acc-03-wrong-password')
    await fill('Password', PASSWORD)
    await (await $('button=Sign in and join')).click()
    await joined()
    await signedInSidebar()
    assert.match(sessionInKeyring() ?? '', /^[0-9a-f]{64}$/)
  })

  it('after a restart the room comes back signed in (dark theme)', async () => {
    await app()
    ;({ browser: b, close: app } = await launchApp({ ...appEnv, GTK_THEME: 'Adwaita:dark' }))
    await joined()
    assert.equal(await signedInSidebar(), 'ann')
    // only the account can be in the room as ann: a guest is refused the name
    await assert.rejects(peer(server.url, { username: 'ann', room: 'lobby' }), /Username is in use!/)
    await shot(b, 'acc-04-restarted-signed-in-dark')
    // "+ Join a room" on the same server says who is signed in and asks no password
    await ui.openJoinForm(b)
    await waitFor('the signed-in note', async () => (await (await $('.signed-in-note')).getText()).includes('Signed in as ann'))
    assert.ok(!(await (await $('aria/Password')).isDisplayed()), 'no password asked')
    await shot(b, 'acc-05-join-another-signed-in-dark')
    await fill('Room', 'random')
    await (await $('aria/Join')).click()
    await joined('random')
    await checkNoSecretsOnDisk(sessionInKeyring())
    await signOut()
    await shot(b, 'acc-06-signed-out-dark')
  })

  it('invite-only registration asks for the code; closed registration offers no Create account', async () => {
    const inviteDb = join(dirs.db, 'invite.db')
    const invite = await startServer({ db: inviteDb, args: ['--registration', 'invite', '--guests', 'deny'] })
    const closed = await startServer({ db: join(dirs.db, 'closed.db'), args: ['--registration', 'closed'] })
    try {
      const modes = () => b.execute(() => [...document.querySelectorAll('.auth-modes button')].map((x) => x.textContent))
      await fill('Server URL', invite.url)
      await waitFor('the invite server\'s choices', async () => JSON.stringify(await modes()) === '["Sign in","Create account"]')
      assert.equal(await pressed(), 'Sign in', 'guests denied: signing in is the default')
      await chooseMode('Create account')
      assert.ok(await (await $('aria/Invite code')).isDisplayed(), 'the invite code field')
      await fill('Account name', 'bea')
      await fill('Room', 'lobby')
      await fill('Password', PASSWORD)
      await (await $('button=Create account and join')).click()
      const err = await waitFor('the error', async () => (await formError()) || null, { timeout: 20000 })
      assert.equal(err, 'An invite code is required to register on this server.')
      assert.equal(await (await $('aria/Account name')).getValue(), 'bea', 'kept')
      await shot(b, 'acc-07-invite-required-dark')
      const code = execFileSync(SERVER_BIN, ['invite', 'create', '--db', inviteDb], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } }).trim()
      await fill('Invite code', code)
      await fill('Password', PASSWORD)
      await (await $('button=Create account and join')).click()
      await joined()
      await waitFor('bea signed in', async () => (await b.execute(() => [...document.querySelectorAll('.sidebar .account-name')].map((x) => x.textContent))).includes('bea'), { timeout: 20000 })

      await ui.openJoinForm(b)
      await fill('Server URL', closed.url)
      await waitFor('the closed server\'s choices', async () => JSON.stringify(await modes()) === '["Sign in","Continue as guest"]')
      assert.equal(await pressed(), 'Continue as guest', 'guests allowed: today\'s form is the default')
    } finally {
      await invite.stop()
      await closed.stop()
    }
  })
})

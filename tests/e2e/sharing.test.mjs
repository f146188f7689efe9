// Issue 9 item 11, hosting for your network, in the real window. The app hosts a server on
// loopback; "Share on my network" (the hosted server's "Share" in the sidebar) restarts it on
// the network with an access token: it then listens on this machine's own non-loopback
// address (checked with a connection from this machine only: no traffic leaves it), a
// banter-cli without the token is refused, with it joins and chats with the app, whose own
// room was joined again. "Stop sharing" puts it back on loopback: the address refuses
// connections and the app's room works as before.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import net from 'node:net'
import { APP_BIN, SERVER_BIN, CLI_BIN, tmp, launchApp, shot, waitFor } from './support/harness.mjs'
import { fill, sendFromComposer, timelineText } from './support/ui.mjs'

assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)
assert.ok(existsSync(CLI_BIN), `banter-cli missing: ${CLI_BIN}`)

const appEnv = { BANTER_CONFIG_DIR: tmp('share-config'), BANTER_DATA_DIR: tmp('share-data'), BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'info' }
/** This machine's own non-loopback IPv4 addresses. */
const ownIps = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a.address)
let app
let b
let port
let local

const reachable = (host, p) =>
  new Promise((res) => {
    const s = net.connect({ host, port: p, timeout: 2000 })
    s.once('connect', () => (s.end(), res(true)))
    s.once('error', () => res(false))
    s.once('timeout', () => (s.destroy(), res(false)))
  })

/** banter-cli chat: says `line` in #lobby and leaves; resolves {code, stderr}. */
function cli(server, name, line, extra = []) {
  return new Promise((res) => {
    const p = spawn(CLI_BIN, ['chat', '--server', server, '--name', name, '--room', 'lobby', '--data-dir', tmp('share-cli'), '--outcome-timeout', '15', ...extra], { stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    p.stderr.on('data', (d) => (stderr += d))
    p.stdin.end(`${line}\n`)
    const timer = setTimeout(() => p.kill('SIGKILL'), 30000)
    p.once('exit', (code) => (clearTimeout(timer), res({ code, stderr })))
  })
}

const dialogState = () =>
  b.execute(() => {
    const d = document.querySelector('.sharing-view')
    if (!d) return null
    const val = (id) => document.getElementById(id)?.value ?? null
    return {
      shared: d.querySelector('.sharing-state')?.getAttribute('data-shared') ?? null,
      address: val('share-address-0'),
      token: val('share-token'),
      link: val('share-link'),
      text: d.textContent ?? '',
    }
  })

const closeDialog = async () => {
  await (await (await b.$('.sharing-view')).$('button=Close')).click()
  await waitFor('the sharing view closed', async () => !(await (await b.$('.sharing-view')).isExisting()))
}

async function delivered(text) {
  await sendFromComposer(b, text)
  await waitFor(`"${text}" delivered`, () =>
    b.execute((t) => [...document.querySelectorAll('.msg.own')].some((r) => r.querySelector('.text')?.textContent === t && /delivered/i.test(r.querySelector('.delivery')?.textContent ?? '')), text),
    { timeout: 20000 },
  )
}

describe('share the hosted server on my network', { concurrency: false }, () => {
  before(async () => {
    assert.ok(ownIps.length > 0, 'this machine has a non-loopback IPv4 address')
    ;({ browser: b, close: app } = await launchApp(appEnv))
    await fill(b, 'Display name', 'ann')
    await (await b.$('button=Host rooms on this computer')).click()
    await waitFor('the hosted room', async () => (await (await b.$('h1=# lobby')).isDisplayed()), { timeout: 30000 })
    local = await b.execute(() => document.querySelector('.server-name')?.getAttribute('title'))
    port = Number(new URL(local).port)
    assert.match(local, /^http:\/\/127\.0\.0\.1:\d+$/)
  })
  after(async () => {
    await app?.()
  })

  it('hosted on loopback only until the user shares it', async () => {
    for (const ip of ownIps) assert.equal(await reachable(ip, port), false, `${ip}:${port} must not listen before sharing`)
    assert.equal(await reachable('127.0.0.1', port), true)
    await (await b.$(`aria/Share 127.0.0.1:${port} on my network`)).click()
    const s = await waitFor('the sharing view', async () => {
      const x = await dialogState()
      return x?.shared ? x : null
    })
    assert.equal(s.shared, 'false')
    assert.match(s.text, /Only this computer can reach your server now/)
  })

  it('Share on my network: this machine’s address listens, with the access token only', async () => {
    await (await b.$('button=Share on my network')).click()
    const s = await waitFor('shared', async () => {
      const x = await dialogState()
      return x?.shared === 'true' ? x : null
    }, { timeout: 30000 })
    const addr = new URL(s.address)
    assert.ok(ownIps.includes(addr.hostname), `${s.address} is one of this machine's addresses (${ownIps})`)
    assert.equal(Number(addr.port), port, 'the same port')
    assert.match(s.token, /^[0-9a-f]{32}$/)
    assert.equal(s.link, `banter://join?server=${encodeURIComponent(s.address)}&room=lobby`)
    await shot(b, 'sharing-on')
    assert.equal(await reachable(addr.hostname, port), true, 'listening on the network address')

    const refused = await cli(s.address, 'bob', 'no token')
    assert.equal(refused.code, 2, `refused without the token: ${refused.stderr}`)
    assert.match(refused.stderr, /token/i)
    const joined = await cli(s.address, 'bob', 'hello from the network', ['--token', s.token])
    assert.equal(joined.code, 0, joined.stderr)

    await closeDialog()
    // the app's own room was joined again with the token: it sees bob and still sends
    await waitFor('bob’s message in the app', async () => (await timelineText(b)).includes('hello from the network'), { timeout: 20000 })
    await delivered('ann while shared')
    assert.equal(await b.execute(() => document.querySelector('.server-head .share')?.textContent), 'Shared')
    await shot(b, 'sharing-room')
  })

  it('Stop sharing: back on loopback, the network address refuses, the room works', async () => {
    await (await b.$(`aria/Share 127.0.0.1:${port} on my network`)).click()
    await (await b.$('button=Stop sharing')).click()
    await waitFor('not shared', async () => (await dialogState())?.shared === 'false', { timeout: 30000 })
    for (const ip of ownIps) assert.equal(await reachable(ip, port), false, `${ip}:${port} no longer listens`)
    assert.equal(await reachable('127.0.0.1', port), true)
    await closeDialog()
    await delivered('ann on loopback again')
    const plain = await cli(local, 'carol', 'hi on loopback')
    assert.equal(plain.code, 0, plain.stderr)
    await waitFor('carol’s message', async () => (await timelineText(b)).includes('hi on loopback'), { timeout: 20000 })
    assert.equal(await b.execute(() => document.querySelector('.server-head .share')?.textContent), 'Share')
  })
})

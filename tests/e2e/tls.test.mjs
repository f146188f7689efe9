// Issue 9 item 9, TLS for self-hosted servers, in the real window: a banter-server serving
// HTTPS with a self-signed certificate made by openssl here. The join form says the
// certificate is not trusted and shows its SHA-256 fingerprint; "Trust this certificate for
// HOST" pins it for that server only and joins; chatting works (a banter-cli peer trusting
// the same fingerprint). Then the server restarts with another certificate: the room says it
// will not connect, and the join form refuses with a warning naming both fingerprints, whose
// "Trust the new certificate" stays disabled until the user says they checked it.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'
import { APP_BIN, SERVER_BIN, CLI_BIN, tmp, freePort, startServer, launchApp, shot, waitFor, filesContaining } from './support/harness.mjs'
import { fill, openJoinForm, sendFromComposer, timelineText } from './support/ui.mjs'

assert.ok(existsSync(APP_BIN), `app binary missing: ${APP_BIN}`)
assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)

/** A self-signed certificate for 127.0.0.1 in `dir`; returns {cert, key, fingerprint} (AB:CD:…). */
function selfSigned(dir, cn) {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' })
  const line = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', cert], { encoding: 'utf8' })
  return { cert, key, fingerprint: line.trim().split('=').pop() }
}

const configDir = tmp('tls-config')
const appEnv = { BANTER_CONFIG_DIR: configDir, BANTER_DATA_DIR: tmp('tls-data'), BANTER_SERVER_BIN: SERVER_BIN, BANTER_LOG: 'info' }
const db = `${tmp('tls-db')}/main.db`
const first = selfSigned(tmp('tls-cert-a'), 'banter-test-a')
const second = selfSigned(tmp('tls-cert-b'), 'banter-test-b')
let port
let url
let server
let app
let b

const serve = (c) => startServer({ port, db, args: ['--tls-cert', c.cert, '--tls-key', c.key] })
/** What the certificate panel shows: [title, the fingerprints it names, its button's text and state]. */
const panel = () =>
  b.execute(() => {
    const p = document.querySelector('.cert-panel')
    if (!p) return null
    const btn = p.querySelector('.actions button')
    return {
      title: p.querySelector('strong')?.textContent ?? '',
      text: p.textContent ?? '',
      fingerprints: [...p.querySelectorAll('[data-fingerprint]')].map((e) => e.getAttribute('data-fingerprint')),
      button: btn?.textContent ?? '',
      disabled: !!btn?.disabled,
      warning: p.classList.contains('cert-changed'),
    }
  })

describe('TLS for self-hosted servers', { concurrency: false }, () => {
  before(async () => {
    assert.notEqual(first.fingerprint, second.fingerprint)
    port = await freePort()
    server = await serve(first)
    url = `https://127.0.0.1:${port}`
    ;({ browser: b, close: app } = await launchApp(appEnv))
    await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
  })
  after(async () => {
    await app?.()
    await server?.stop()
  })

  it('an untrusted certificate is explained with its fingerprint; trusting it joins and chats', async () => {
    await fill(b, 'Server URL', url)
    await fill(b, 'Display name', 'ann')
    await fill(b, 'Room', 'lobby')
    await (await b.$('button=Join')).click()
    const p = await waitFor('the certificate panel', panel, { timeout: 20000 })
    assert.equal(p.title, 'This server’s certificate is not trusted')
    assert.deepEqual(p.fingerprints, [first.fingerprint], 'the fingerprint openssl printed')
    assert.equal(p.button, `Trust this certificate for 127.0.0.1:${port}`)
    assert.equal(p.warning, false)
    // nothing is trusted before the click
    assert.ok(!existsSync(join(configDir, 'trusted-certificates.json')))
    await shot(b, 'tls-untrusted')

    await (await b.$(`button=Trust this certificate for 127.0.0.1:${port}`)).click()
    await waitFor('the room', async () => (await (await b.$('h1=# lobby')).isDisplayed()), { timeout: 20000 })
    const pins = JSON.parse(readFileSync(join(configDir, 'trusted-certificates.json'), 'utf8'))
    assert.deepEqual(pins.servers, { [url]: first.fingerprint }, 'pinned for this server only')
    assert.deepEqual(filesContaining(join(configDir, 'settings.json'), first.fingerprint), [], 'not in the settings the page writes')

    // chatting: a banter-cli peer that trusts the same fingerprint says hello; ann answers
    if (existsSync(CLI_BIN)) {
      const bob = spawn(CLI_BIN, ['chat', '--server', url, '--name', 'bob', '--room', 'lobby', '--trust-fingerprint', first.fingerprint, '--data-dir', tmp('tls-cli')], {
        stdio: ['pipe', 'ignore', 'inherit'],
      })
      bob.stdin.write('hello over tls\n')
      bob.stdin.end()
      await waitFor('bob’s message', async () => (await timelineText(b)).includes('hello over tls'), { timeout: 20000 })
      await new Promise((r) => bob.exitCode !== null ? r() : bob.once('exit', r))
    }
    await sendFromComposer(b, 'hi from a trusted server')
    await waitFor('ann’s message delivered', async () =>
      b.execute(() => [...document.querySelectorAll('.msg.own')].some((r) => r.querySelector('.text')?.textContent === 'hi from a trusted server' && !/Sending|Failed/i.test(r.querySelector('.delivery')?.textContent ?? ''))),
    )
    await shot(b, 'tls-joined')
  })

  it('a server that swaps its certificate is refused with a warning naming both fingerprints', async () => {
    await server.stop('SIGKILL') // a goodbye from a SIGTERM leaves the client waiting (seen 2026-12-01)
    server = await serve(second)
    // the open room does not reconnect, and says why
    await waitFor('the room to say the certificate changed', async () => /presented a different certificate than the one you trusted/.test(await (await b.$('.banner')).getText()), { timeout: 30000 })
    await openJoinForm(b)
    await fill(b, 'Server URL', url)
    await fill(b, 'Display name', 'ann')
    await fill(b, 'Room', 'other')
    await (await b.$('button=Join')).click()
    const p = await waitFor('the warning', async () => {
      const x = await panel()
      return x?.warning ? x : null
    }, { timeout: 20000 })
    assert.equal(p.title, `Warning: the certificate of 127.0.0.1:${port} has changed`)
    assert.deepEqual(p.fingerprints, [first.fingerprint, second.fingerprint], 'trusted until now, then presented now')
    assert.equal(p.button, 'Trust the new certificate')
    assert.equal(p.disabled, true, 'no one-click override')
    assert.match(p.text, /intercepting/)
    // still the first certificate that is trusted
    assert.deepEqual(JSON.parse(readFileSync(join(configDir, 'trusted-certificates.json'), 'utf8')).servers, { [url]: first.fingerprint })
    await shot(b, 'tls-changed')
  })

  it('the new certificate is trusted only after the user says they checked it', async () => {
    await (await b.$('aria/I checked the new fingerprint with the server’s owner')).click()
    assert.equal((await panel()).disabled, false)
    await (await b.$('button=Trust the new certificate')).click()
    await waitFor('the room', async () => (await (await b.$('h1=# other')).isDisplayed()), { timeout: 20000 })
    assert.deepEqual(JSON.parse(readFileSync(join(configDir, 'trusted-certificates.json'), 'utf8')).servers, { [url]: second.fingerprint })
  })
})

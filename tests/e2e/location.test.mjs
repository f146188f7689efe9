// Shared locations through the real window: the composer's `/location LAT,LON` (a bad one is
// refused in words and nothing is sent), a location from banter-cli shown as a "shared a
// location" link that opens in the system browser, and what the webview offers as a position
// (WebKitGTK under Tauri: nothing, so the app offers the command only). Run through
// scripts/e2e.sh.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { SERVER_BIN, CLI_BIN, ARTIFACTS, tmp, startServer, launchApp, shot, waitFor } from './support/harness.mjs'
import * as ui from './support/ui.mjs'

assert.ok(existsSync(SERVER_BIN), `server binary missing: ${SERVER_BIN}`)
assert.ok(existsSync(CLI_BIN), `banter-cli missing: ${CLI_BIN}`)

const dirs = { config: tmp('loc-config'), data: tmp('loc-data'), db: tmp('loc-db'), shims: tmp('loc-shims') }
// the system browser as the app reaches it (xdg-open): a stand-in that writes down the URL
const OPENED_LOG = join(dirs.shims, 'opened.log')
writeFileSync(join(dirs.shims, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${OPENED_LOG}'\n`, { mode: 0o755 })
const opened = () => (existsSync(OPENED_LOG) ? readFileSync(OPENED_LOG, 'utf8').split('\n').filter(Boolean) : [])

/** banter-cli chat with `input` on stdin; resolves with its stdout once it exits. */
function cli(url, name, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(CLI_BIN, ['chat', '--server', url, '--name', name, '--room', 'lobby', '--data-dir', tmp('loc-cli')], {
      // its own keyring service: the session's default one may hold a session another test
      // left for a server that had this port before (seen once: exit 6, "not valid any more")
      env: { ...process.env, BANTER_KEYRING_SERVICE: 'banter-e2e-location-cli' },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    const timer = setTimeout(() => p.kill('SIGKILL'), 30000)
    p.once('error', reject)
    p.once('exit', (code) => {
      clearTimeout(timer)
      code === 0 ? resolve(out) : reject(new Error(`banter-cli exited ${code}: ${out}`))
    })
    p.stdin.end(input)
  })
}

describe('Shared locations in the app', { concurrency: false }, () => {
  let server
  let b
  let close
  const $ = (sel) => b.$(sel)
  /** [text, href, delivery] of each location line. */
  const locationRows = () =>
    b.execute(() =>
      [...document.querySelectorAll('[role="log"] .msg')]
        .filter((r) => r.querySelector('.text.location'))
        .map((r) => {
          const a = r.querySelector('.text.location a')
          const author = r.querySelector('.author')?.textContent ?? ''
          return { author, text: r.querySelector('.text.location').textContent, href: a?.getAttribute('href') ?? null, delivery: r.querySelector('.delivery')?.textContent ?? null }
        }),
    )

  before(async () => {
    server = await startServer({ db: join(dirs.db, 'loc.db') })
    ;({ browser: b, close } = await launchApp({
      BANTER_CONFIG_DIR: dirs.config,
      BANTER_DATA_DIR: dirs.data,
      BANTER_LOG: 'info',
      PATH: `${dirs.shims}:${process.env.PATH}`,
    }))
    await (await $('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
    for (const [label, value] of [['Server URL', server.url], ['Display name', 'Ann'], ['Room', 'lobby']]) await ui.fill(b, label, value)
    await (await $('aria/Join')).click()
    await (await $('[role="log"]')).waitForDisplayed({ timeout: 15000 })
  })
  after(async () => {
    await close?.()
    await server?.stop()
  })

  it('/location LAT,LON in the composer shares a location; a bad one is refused in words', async () => {
    await ui.sendFromComposer(b, '/location abc')
    const err = await waitFor('the composer error', async () => (await (await $('.composer-error')).getText()) || null)
    assert.match(err, /^Invalid location: expected LAT,LON\. Type \/location LAT,LON/, err)
    assert.equal(await (await $('aria/Message')).getValue(), '/location abc', 'what was typed is kept')
    assert.deepEqual(await locationRows(), [], 'nothing was sent')
    await ui.fill(b, 'Message', '')
    await ui.sendFromComposer(b, '/location 91,2')
    await waitFor('the range error', async () => /latitude 91 is out of range/.test(await (await $('.composer-error')).getText()))
    await ui.fill(b, 'Message', '')

    await ui.sendFromComposer(b, '/location 48.8566,2.3522')
    const url = 'https://google.com/maps?q=48.8566,2.3522'
    await waitFor('"delivered"', async () => (await locationRows()).some((r) => r.delivery?.startsWith('delivered')))
    assert.deepEqual(
      (await locationRows()).map(({ text, href }) => [text, href]),
      [['shared a location · 48.8566, 2.3522', url]],
      'one line, the echo merged with the pending one, saying where',
    )
    assert.equal(await (await $('.composer-error')).getText(), '')
    await shot(b, '40-location-own')
  })

  it('a location from banter-cli shows as a "shared a location" link that opens in the browser', async () => {
    const out = await cli(server.url, 'bob', '/location -33.8568,151.2153\n/location nowhere\n')
    assert.match(out, /bob shared a location: https:\/\/google\.com\/maps\?q=-33\.8568,151\.2153/, out)
    assert.match(out, /! error \(invalid_location\)/, out)
    const url = 'https://google.com/maps?q=-33.8568,151.2153'
    const row = await waitFor("bob's location", async () => (await locationRows()).find((r) => r.author === 'bob'))
    assert.deepEqual([row.text, row.href], ['shared a location · -33.8568, 151.2153', url])
    const link = await $(`a[href="${url}"]`)
    await link.click()
    await waitFor('the system browser asked to open the map', () => opened().includes(url))
    const here = await b.execute(() => location.href)
    assert.ok(!here.startsWith('https://google.com'), `the window stayed on the app: ${here}`)
    await shot(b, '41-location-from-cli')
  })

  it('the webview offers no position, so no "Share location" button (the command only)', async () => {
    const result = await b.executeAsync((done) => {
      if (!('geolocation' in navigator)) return done({ api: false })
      const t = setTimeout(() => done({ api: true, outcome: 'no answer in 8 s' }), 8000)
      navigator.geolocation.getCurrentPosition(
        (p) => { clearTimeout(t); done({ api: true, outcome: 'position', lat: p.coords.latitude }) },
        (e) => { clearTimeout(t); done({ api: true, outcome: 'error', code: e.code, message: e.message }) },
        { timeout: 7000, maximumAge: 0 },
      )
    })
    mkdirSync(ARTIFACTS, { recursive: true })
    writeFileSync(join(ARTIFACTS, 'geolocation.json'), JSON.stringify(result, null, 2) + '\n')
    console.log(`geolocation in the app's webview: ${JSON.stringify(result)}`)
    assert.notEqual(result.outcome, 'position', 'the webview gave a position: offer a "Share location" button (docs/desktop.md)')
    assert.equal(await (await $('button=Share location')).isExisting(), false)
  })
})

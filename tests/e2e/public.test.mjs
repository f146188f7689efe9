// banter-server as a drop-in for the chat tutorial's Node server (`--public DIR`), with the
// desktop app in the same room as two browsers on the tutorial's own kind of page
// (tests/node/fixtures/public): one with the socket.io 4.x client banter-server serves at
// /socket.io/socket.io.js, one with a socket.io 2.x client, both in Debian's chromium. The
// app and the pages see each other's messages, joins and locations. Run through
// scripts/e2e.sh.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, tmp, launchApp, startServer, shot, waitFor, ARTIFACTS } from './support/harness.mjs'
import { startChromedriver, tutorialPageState } from '../node/support/chromium.mjs'
import * as ui from './support/ui.mjs'

const MAPS = 'https://google.com/maps?q='

/** The tutorial page's folder, plus legacy.html: the same chat page on a socket.io 2.x
 * client (the npm alias socket.io-client-v2), as an old deployment's page would be. */
function publicDir () {
  const dir = join(tmp('public'), 'public')
  cpSync(join(ROOT, 'tests/node/fixtures/public'), dir, { recursive: true })
  cpSync(join(ROOT, 'node_modules/socket.io-client-v2/dist/socket.io.js'), join(dir, 'js/socket.io-2.js'))
  const chat = readFileSync(join(dir, 'chat.html'), 'utf8')
  const tag = '<script src="/socket.io/socket.io.js"></script>'
  assert.ok(chat.includes(tag))
  writeFileSync(join(dir, 'legacy.html'), chat.replace(tag, '<script src="/js/socket.io-2.js"></script>'))
  return dir
}

describe('The tutorial\'s page served by banter-server --public, with the app in the room', { concurrency: false }, () => {
  let server
  let chromium
  let app
  let close
  const pages = []
  const $ = (sel) => app.$(sel)
  const timelineText = () => ui.timelineText(app)

  before(async () => {
    server = await startServer({ db: join(tmp('public-db'), 'banter.db'), args: ['--public', publicDir()] })
    chromium = await startChromedriver()
    ;({ browser: app, close } = await launchApp({ BANTER_CONFIG_DIR: tmp('public-config'), BANTER_DATA_DIR: tmp('public-data'), BANTER_LOG: 'info' }))
  })
  after(async () => {
    for (const p of pages) await p.deleteSession().catch(() => {})
    await close?.()
    await chromium?.stop()
    await server?.stop()
  })

  const waitPage = async (b, what, pred) => {
    let last
    await waitFor(`the page: ${what}`, async () => pred((last = await tutorialPageState(b))), { timeout: 15000 }).catch((e) => {
      throw new Error(`${e.message} (${JSON.stringify(last)})`)
    })
    return last
  }

  it('a 4.x page and a 2.x page chat with the app: messages, joins and locations each way', async () => {
    await (await $('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
    for (const [label, value] of [['Server URL', server.url], ['Display name', 'Desk'], ['Room', 'lobby']]) await ui.fill(app, label, value)
    await (await $('aria/Join')).click()
    await waitFor('the room header', async () => (await (await $('h1')).getText()).includes('lobby'))

    // The tutorial's flow: its join form on /, then chat.html?username=…&room=…
    const web = await chromium.open()
    pages.push(web)
    await web.url(`${server.url}/`)
    await (await web.$('#username')).setValue('Web')
    await (await web.$('#room')).setValue('lobby')
    await (await web.$('form button')).click()
    const s4 = await waitPage(web, 'joined with both members', (s) => s.users.includes('web') && s.users.includes('desk'))
    assert.equal(s4.eio, 4, 'the page runs the 4.x client banter-server serves')

    const old = await chromium.open()
    pages.push(old)
    await old.url(`${server.url}/legacy.html?username=Old&room=lobby`)
    const s2 = await waitPage(old, 'joined with three members', (s) => ['web', 'desk', 'old'].every((u) => s.users.includes(u)))
    assert.equal(s2.eio, 3, 'the legacy page runs a socket.io 2.x client (Engine.IO v3)')
    await waitFor('both pages in the app\'s member list', async () => {
      const members = await (await $('aria/Members')).getText()
      return members.includes('web') && members.includes('old')
    })

    // each page sends; the app shows both, as text
    for (const [b, text] of [[web, 'hello from the 4.x page'], [old, 'hello from the 2.x page <b>not bold</b>']]) {
      await (await b.$('#message-form input')).setValue(text)
      await (await b.$('#message-form button')).click()
      await waitFor(`"${text}" in the app`, async () => (await timelineText()).includes(text))
    }
    // the app sends; both pages show it
    await ui.sendFromComposer(app, 'hello, pages')
    await waitFor('"delivered"', async () => (await ui.ownStatus(app, 'hello, pages'))[0]?.startsWith('delivered'))
    for (const b of [web, old]) await waitPage(b, 'the app\'s message', (s) => s.messages.some((m) => m.name === 'desk' && m.text === 'hello, pages'))

    // the app shares a location; both pages get the tutorial's locationMessage link
    await ui.sendFromComposer(app, '/location 48.8566,2.3522')
    for (const b of [web, old]) await waitPage(b, 'the app\'s location', (s) => s.messages.some((m) => m.name === 'desk' && m.href === `${MAPS}48.8566,2.3522`))
    // the 4.x page shares one through the browser's position (its "Send location" button)
    await chromium.cdp(web, 'Browser.grantPermissions', { permissions: ['geolocation'] })
    await chromium.cdp(web, 'Emulation.setGeolocationOverride', { latitude: 59.3293, longitude: 18.0686, accuracy: 1 })
    await (await web.$('#send-location')).click()
    await waitFor('the page\'s location as a link in the app', () =>
      app.execute((url) => [...document.querySelectorAll('[role="log"] a')].some((a) => a.textContent === 'shared a location' && a.href === url), `${MAPS}59.3293,18.0686`),
    )

    await shot(app, '26-public-pages-and-app')
    await web.saveScreenshot(join(ARTIFACTS, '26-public-page-4x.png'))
    await old.saveScreenshot(join(ARTIFACTS, '26-public-page-2x.png'))
    for (const b of [web, old]) {
      const errors = (await b.getLogs('browser')).filter((l) => l.level === 'SEVERE')
      assert.deepEqual(errors, [], 'no errors in the page\'s console')
    }

    // a page closing is a leave the app sees
    await old.deleteSession()
    pages.splice(pages.indexOf(old), 1)
    await waitFor('old gone from the members', async () => !(await (await $('aria/Members')).getText()).includes('old'))
  })
})

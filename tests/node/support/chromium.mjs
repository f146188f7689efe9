// Debian's chromium through its chromedriver, driven by webdriverio, for tests of web pages
// (tests/node/public.test.mjs, tests/e2e/public.test.mjs). Headless, a fresh profile per
// browser, no background services, and every host name but 127.0.0.1 resolves to nothing:
// no network beyond loopback. Never downloads a browser.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { remote } from 'webdriverio'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMEDRIVER = '/usr/bin/chromedriver'

async function freePort () {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address()
  s.close()
  await once(s, 'close')
  return port
}

const listening = (port) => new Promise((resolve) => {
  const c = tcpConnect(port, '127.0.0.1')
  c.once('connect', () => { c.destroy(); resolve(true) })
  c.once('error', () => resolve(false))
})

/** Starts chromedriver on a free loopback port; resolves with {open(), stop()}:
 * open() gives a new headless chromium session (its profile removed by stop()). */
export async function startChromedriver () {
  if (!existsSync(CHROMIUM) || !existsSync(CHROMEDRIVER)) {
    throw new Error('needs Debian\'s chromium and chromium-driver (scripts/setup.sh installs them)')
  }
  const port = await freePort()
  const driver = spawn(CHROMEDRIVER, [`--port=${port}`, '--allowed-ips=127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] })
  const until = Date.now() + 10000
  while (!(await listening(port))) {
    if (Date.now() > until || driver.exitCode !== null) throw new Error('chromedriver did not start listening')
    await new Promise((r) => setTimeout(r, 100))
  }
  const profiles = []
  return {
    /** Runs a Chrome DevTools Protocol command in session `b` (chromedriver's
     * goog/cdp/execute), e.g. Emulation.setGeolocationOverride. */
    async cdp (b, cmd, params = {}) {
      const res = await fetch(`http://127.0.0.1:${port}/session/${b.sessionId}/goog/cdp/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cmd, params })
      })
      const body = await res.json()
      if (!res.ok) throw new Error(`${cmd}: ${JSON.stringify(body)}`)
      return body.value
    },
    open () {
      const profile = mkdtempSync(join(tmpdir(), 'banter-chromium-'))
      profiles.push(profile)
      return remote({
        hostname: '127.0.0.1',
        port,
        logLevel: 'error',
        connectionRetryCount: 0,
        capabilities: {
          browserName: 'chrome',
          'wdio:enforceWebDriverClassic': true,
          'goog:loggingPrefs': { browser: 'ALL' },
          'goog:chromeOptions': {
            binary: CHROMIUM,
            args: [
              '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
              '--disable-background-networking', '--disable-component-update', '--disable-sync',
              '--disable-default-apps', '--disable-extensions', '--disable-domain-reliability',
              '--disable-breakpad', '--no-first-run', '--no-default-browser-check', '--no-pings',
              '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
              '--window-size=1100,700', `--user-data-dir=${profile}`
            ]
          }
        }
      })
    },
    async stop () {
      if (driver.exitCode === null && driver.signalCode === null) {
        driver.kill()
        await once(driver, 'exit')
      }
      for (const p of profiles) rmSync(p, { recursive: true, force: true })
    }
  }
}

/** What the tutorial-style page (tests/node/fixtures/public) shows: its messages, its member
 * list, its room, and the Engine.IO revision of its socket.io client (4 for 4.x, 3 for 2.x). */
export const tutorialPageState = (b) => b.execute(() => ({
  messages: [...document.querySelectorAll('#messages .message')].map((m) => ({
    name: m.querySelector('.message__name')?.textContent,
    text: m.querySelector('.message__text')?.textContent,
    href: m.querySelector('a')?.getAttribute('href') ?? null
  })),
  users: [...document.querySelectorAll('#sidebar .users li')].map((li) => li.textContent),
  room: document.querySelector('#sidebar .room-title')?.textContent,
  // eslint-disable-next-line no-undef
  eio: typeof socket === 'object' && socket.io && socket.io.engine ? socket.io.engine.constructor.protocol : null
}))
